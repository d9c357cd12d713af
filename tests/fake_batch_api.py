"""A local fake of OpenAI's Batch endpoints, under a real `openai.OpenAI`.

    POST /v1/files                 multipart upload (purpose "batch")
    POST /v1/batches               create a batch on an uploaded file (its lines are validated)
    GET  /v1/batches/{id}          each poll moves it on: validating -> in_progress ->
                                   finalizing -> completed (or the outcome it was told to have)
    GET  /v1/files/{id}/content    the input, output and error files

Each batched chat-completions request is answered by a responder, `request body -> Answer`
(the `briefing.testing` answers: a payload dict or `Reply` becomes a chat.completion built by
`completion_envelope`, exactly as `FakeModel` builds it; an `HTTPFailure` puts the request in the
error file with that status and body). The fake can also be told to fail the whole batch, to
expire or be cancelled after some requests ran, or to answer some polls with HTTP 500.

It is served as an `httpx2.MockTransport`, not a loopback HTTP server: the real client still
builds, encodes (multipart included) and parses every request and response, while the test
needs no port, thread or server lifetime, cannot be flaky on timing, and never opens a socket,
so it runs under the suite's network guard unchanged. Nothing a loopback server would add (TCP,
HTTP/1.1 framing) is something the Batch code depends on.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any, Literal

import httpx2
import openai

from briefing.testing import Answer, HTTPFailure, Reply, completion_envelope

OPENAI_BASE_URL = "https://api.openai.com/v1"
Outcome = Literal["completed", "failed", "expired", "cancelled"]
Responder = Callable[[dict[str, Any]], Answer]


@dataclass
class _Batch:
    id: str
    input_file_id: str
    endpoint: str
    completion_window: str
    metadata: dict[str, str] | None
    status: str = "validating"
    polls: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    output_file_id: str | None = None
    error_file_id: str | None = None
    counts: dict[str, int] = field(
        default_factory=lambda: {"total": 0, "completed": 0, "failed": 0}
    )
    created_at: int = field(default_factory=lambda: int(time.time()))

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "batch",
            "endpoint": self.endpoint,
            "errors": {"object": "list", "data": self.errors} if self.errors else None,
            "input_file_id": self.input_file_id,
            "completion_window": self.completion_window,
            "status": self.status,
            "output_file_id": self.output_file_id,
            "error_file_id": self.error_file_id,
            "created_at": self.created_at,
            "request_counts": self.counts,
            "metadata": self.metadata,
        }


class FakeBatchAPI:
    """The Batch endpoints in memory. `outcome` is where the batch ends up; `finished` is how many
    requests an expired or cancelled batch ran first; `progress` the statuses polls pass through
    before the outcome; `poll_failures` how many polls first get HTTP 500."""

    def __init__(
        self,
        responder: Responder,
        *,
        model: str = "gpt-4.1-mini",
        outcome: Outcome = "completed",
        finished: int = 0,
        progress: tuple[str, ...] = ("in_progress", "finalizing"),
        poll_failures: int = 0,
    ) -> None:
        self.responder = responder
        self.model = model
        self.outcome = outcome
        self.finished = finished
        self.progress = progress
        self.poll_failures = poll_failures
        self.files: dict[str, tuple[str, str, bytes]] = {}  # id -> (filename, purpose, data)
        self.batches: dict[str, _Batch] = {}
        self.answered: list[dict[str, Any]] = []  # request bodies the responder saw
        self.polls = 0

    def client(self, **options: Any) -> openai.OpenAI:
        settings = {"api_key": "fake-key", "base_url": OPENAI_BASE_URL, "max_retries": 0}
        transport = httpx2.MockTransport(self.handle)
        return openai.OpenAI(
            **{**settings, **options}, http_client=httpx2.Client(transport=transport)
        )

    def handle(self, request: httpx2.Request) -> httpx2.Response:
        request.read()
        path = request.url.path.removeprefix("/v1")
        method = request.method
        if method == "POST" and path == "/files":
            return self._upload(request)
        if method == "POST" and path == "/batches":
            return self._create(json.loads(request.content))
        if method == "GET" and (match := re.fullmatch(r"/batches/([^/]+)", path)):
            return self._poll(match[1])
        if method == "GET" and (match := re.fullmatch(r"/files/([^/]+)/content", path)):
            return self._content(match[1])
        return _error(404, f"no route {method} {path}")

    def _store(self, filename: str, purpose: str, data: bytes) -> dict[str, Any]:
        file_id = f"file-{len(self.files) + 1}"
        self.files[file_id] = (filename, purpose, data)
        return {
            "id": file_id,
            "object": "file",
            "bytes": len(data),
            "created_at": int(time.time()),
            "filename": filename,
            "purpose": purpose,
            "status": "processed",
        }

    def _upload(self, request: httpx2.Request) -> httpx2.Response:
        head = f"Content-Type: {request.headers['content-type']}\r\n\r\n".encode()
        message = BytesParser(policy=HTTP).parsebytes(head + request.content)
        fields: dict[str, tuple[str | None, bytes]] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)
            fields[str(name)] = (
                part.get_filename(),
                payload if isinstance(payload, bytes) else b"",
            )
        if "file" not in fields or "purpose" not in fields:
            return _error(400, "multipart upload needs 'file' and 'purpose'")
        purpose = fields["purpose"][1].decode()
        if purpose != "batch":
            return _error(400, f"this fake takes purpose 'batch', not {purpose!r}")
        filename, data = fields["file"]
        return httpx2.Response(200, json=self._store(filename or "upload", purpose, data))

    def _create(self, params: dict[str, Any]) -> httpx2.Response:
        input_file_id = params.get("input_file_id")
        if input_file_id not in self.files:
            return _error(404, f"no file {input_file_id!r}")
        if params.get("endpoint") != "/v1/chat/completions":
            return _error(
                400, f"this fake batches /v1/chat/completions, not {params.get('endpoint')}"
            )
        if params.get("completion_window") != "24h":
            return _error(400, "completion_window must be 24h")
        batch = _Batch(
            id=f"batch_{len(self.batches) + 1}",
            input_file_id=str(input_file_id),
            endpoint=params["endpoint"],
            completion_window="24h",
            metadata=params.get("metadata"),
        )
        self.batches[batch.id] = batch
        return httpx2.Response(200, json=batch.to_json())

    def _poll(self, batch_id: str) -> httpx2.Response:
        self.polls += 1
        if self.polls <= self.poll_failures:
            return _error(500, "fake poll failure")
        batch = self.batches.get(batch_id)
        if batch is None:
            return _error(404, f"no batch {batch_id!r}")
        if batch.status in ("validating", "in_progress", "finalizing"):
            batch.polls += 1
            if batch.polls <= len(self.progress):
                batch.status = self.progress[batch.polls - 1]
            else:
                self._finish(batch)
        return httpx2.Response(200, json=batch.to_json())

    def _finish(self, batch: _Batch) -> None:
        requests, problems = _parse_input(self.files[batch.input_file_id][2])
        if problems or self.outcome == "failed":
            fake = {"code": "invalid_request", "message": "fake failure", "line": 1, "param": None}
            batch.status, batch.errors = "failed", problems or [fake]
            return
        ran = len(requests) if self.outcome == "completed" else self.finished
        output: list[dict[str, Any]] = []
        errors: list[dict[str, Any]] = []
        for number, line in enumerate(requests):
            custom_id = line["custom_id"]
            if number >= ran:
                code = "batch_expired" if self.outcome == "expired" else "batch_cancelled"
                message = "This request could not be executed before the batch ended."
                errors.append(_line(custom_id, None, {"code": code, "message": message}))
                continue
            self.answered.append(line["body"])
            answer = self.responder(line["body"])
            if isinstance(answer, HTTPFailure):
                response = {"status_code": answer.status, "body": json.loads(answer.body)}
                errors.append(_line(custom_id, response, None))
                continue
            if isinstance(answer, Exception):
                raise answer
            reply = answer if isinstance(answer, Reply) else Reply(answer)
            body = completion_envelope(line["body"], reply, model=self.model)
            output.append(_line(custom_id, {"status_code": 200, "body": body}, None))
        batch.status = self.outcome
        batch.counts = {"total": len(requests), "completed": len(output), "failed": len(errors)}
        if output:
            batch.output_file_id = self._store("output.jsonl", "batch_output", _jsonl(output))["id"]
        if errors:
            batch.error_file_id = self._store("errors.jsonl", "batch_output", _jsonl(errors))["id"]

    def _content(self, file_id: str) -> httpx2.Response:
        if file_id not in self.files:
            return _error(404, f"no file {file_id!r}")
        return httpx2.Response(200, content=self.files[file_id][2])

    def uploaded(self) -> bytes:
        """The data of the last batch input file uploaded."""
        inputs = [data for _, purpose, data in self.files.values() if purpose == "batch"]
        return inputs[-1]


def _parse_input(data: bytes) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The request lines, and the validation errors the Batch API would fail the batch with."""
    requests: list[dict[str, Any]] = []
    problems: list[dict[str, Any]] = []
    seen: set[str] = set()
    for number, raw in enumerate(data.decode().splitlines(), 1):
        if not raw.strip():
            continue

        def problem(code: str, message: str, line: int = number) -> None:
            problems.append({"code": code, "message": message, "line": line, "param": None})

        try:
            line = json.loads(raw)
        except ValueError:
            problem("invalid_json_line", "This line is not parseable as valid JSON.")
            continue
        if not isinstance(line, dict) or not isinstance(line.get("custom_id"), str):
            problem("missing_required_parameter", "custom_id is missing.")
        elif line["custom_id"] in seen:
            problem("duplicate_custom_id", f"The custom_id {line['custom_id']} is not unique.")
        elif line.get("method") != "POST" or line.get("url") != "/v1/chat/completions":
            problem("invalid_url", "Every request must POST to /v1/chat/completions.")
        elif not isinstance(line.get("body"), dict) or "model" not in line["body"]:
            problem("missing_required_parameter", "The body must name a model.")
        else:
            seen.add(line["custom_id"])
            requests.append(line)
    if not requests and not problems:
        problems.append({"code": "empty_file", "message": "No requests.", "line": None})
    return requests, problems


def _line(custom_id: str, response: dict[str, Any] | None, error: Any) -> dict[str, Any]:
    if response is not None:
        response = {"request_id": f"req_{custom_id[:8]}", **response}
    return {
        "id": f"batch_req_{custom_id}",
        "custom_id": custom_id,
        "response": response,
        "error": error,
    }


def _jsonl(lines: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(line) + "\n" for line in lines).encode()


def _error(status: int, message: str) -> httpx2.Response:
    return httpx2.Response(
        status, json={"error": {"message": message, "type": "invalid_request_error"}}
    )
