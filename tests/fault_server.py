"""A fault-injecting OpenAI-compatible server on 127.0.0.1, for reliability tests.

It answers `POST /v1/chat/completions` from a script of faults, one per request (then from
`default`, if set), and `GET /v1/models`. Requests go through the real client, httpx2 and the
loopback network stack; only the model is scripted. Every request body is kept in `requests`.
"""

from __future__ import annotations

import hashlib
import json
import socket
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self, cast

import pytest

from briefing.testing import Reply, completion_envelope

MODEL = "fault-model"
JSON = "application/json"
NOT_FOUND = b'{"error": {"message": "not found", "type": "invalid_request_error"}}'


@dataclass(frozen=True)
class Fault:
    """One scripted answer: a delay, then a chat completion, an HTTP error, raw bytes or a drop."""

    http_status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    http_body: str | None = None  # the HTTP body as is; None: a completion envelope of `answer`
    answer: Reply | None = None
    delay: float = 0.0  # seconds before the status line is sent
    chunk_interval: float = 0.0  # seconds between the body's ten chunks
    hang_up: bool = False  # close the socket without answering

    @classmethod
    def reply(
        cls,
        payload: dict[str, Any] | str,
        *,
        finish_reason: str = "stop",
        refusal: str | None = None,
    ) -> Fault:
        """A 200 chat completion: the payload as the tool call (tools offered) or content."""
        return cls(answer=Reply(payload, finish_reason=finish_reason, refusal=refusal))

    @classmethod
    def raw(cls, content: str) -> Fault:
        """A well-formed completion whose content (or tool arguments) is `content` verbatim."""
        return cls(answer=Reply(content))

    @classmethod
    def body(cls, text: str, status: int = 200) -> Fault:
        """An HTTP answer whose body is `text` as is (e.g. a broken JSON envelope)."""
        return cls(http_status=status, http_body=text, headers={"content-type": JSON})

    @classmethod
    def status(cls, code: int, retry_after: float | str | None = None) -> Fault:
        """An OpenAI-style error answer, with a retry-after header if given."""
        headers = {"content-type": JSON}
        if retry_after is not None:
            headers["retry-after"] = str(retry_after)
        error = {"message": f"fault server: HTTP {code}", "type": "server_error", "code": None}
        return cls(http_status=code, headers=headers, http_body=json.dumps({"error": error}))

    @classmethod
    def rate_limit(cls, retry_after: float | str | None = 0) -> Fault:
        return cls.status(429, retry_after)

    @classmethod
    def slow(cls, seconds: float, payload: dict[str, Any] | str = "{}") -> Fault:
        """The answer starts only after `seconds` (past a shorter client timeout)."""
        return cls(answer=Reply(payload), delay=seconds)

    @classmethod
    def trickle(cls, interval: float, payload: dict[str, Any] | str) -> Fault:
        """The answer's body arrives in ten chunks `interval` seconds apart: no single read
        waits longer than `interval`, but the whole answer takes ten times as long."""
        return cls(answer=Reply(payload), chunk_interval=interval)

    @classmethod
    def drop(cls) -> Fault:
        """Read the request, then close the connection without a response."""
        return cls(hang_up=True)


class FaultServer:
    """The server, its script and what it was asked. Use as a context manager."""

    def __init__(self) -> None:
        self.script: list[Fault] = []
        self.default: Fault | None = None
        self.requests: list[dict[str, Any]] = []
        # a function of the request instead of the script, and the bodies answered with a
        # well-formed completion (what a real endpoint bills), by a hash of the body
        self.responder: Callable[[dict[str, Any]], Fault] | None = None
        self.paid: Counter[str] = Counter()
        self.paid_bodies: dict[str, dict[str, Any]] = {}
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.fault_server = self
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def queue(self, *faults: Fault) -> FaultServer:
        with self._lock:
            self.script.extend(faults)
        return self

    @property
    def count(self) -> int:
        return len(self.requests)

    def next_fault(self, body: dict[str, Any]) -> Fault:
        with self._lock:
            self.requests.append(body)
            if self.script:
                return self.script.pop(0)
        if self.responder is not None:
            return self.responder(body)
        if self.default is not None:
            return self.default
        return Fault.status(599)  # loud: the test did not script this request

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()  # wakes slow answers
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    fault_server: FaultServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that timed out and hung up is what these tests are about


class _Handler(BaseHTTPRequestHandler):
    server_version = "FaultServer/1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        if self.path.rstrip("/").endswith("/models"):
            models = {"object": "list", "data": [{"id": MODEL, "object": "model", "created": 0}]}
            self._send(200, {"content-type": JSON}, json.dumps(models).encode())
        else:
            self._send(404, {}, NOT_FOUND)

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("content-length") or 0))
        if not self.path.rstrip("/").endswith("/chat/completions"):
            return self._send(404, {}, NOT_FOUND)
        server = cast(_Server, self.server).fault_server
        body = json.loads(raw or b"{}")
        fault = server.next_fault(body)
        if fault.delay and server.stopping.wait(fault.delay):
            return
        if fault.hang_up:
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if fault.http_body is not None:
            content = fault.http_body.encode()
        else:
            envelope = completion_envelope(body, fault.answer or Reply("{}"), model=MODEL)
            content = json.dumps(envelope).encode()
            if fault.http_status == 200:
                digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
                with server._lock:
                    server.paid[digest] += 1
                    server.paid_bodies[digest] = body
        headers = {"content-type": JSON, **fault.headers}
        self._send(fault.http_status, headers, content, fault.chunk_interval)

    def _send(
        self, status: int, headers: dict[str, str], content: bytes, trickle: float = 0
    ) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("content-length", str(len(content)))
        self.end_headers()
        if not trickle:
            self.wfile.write(content)
            return
        step = len(content) // 10 + 1
        for start in range(0, len(content), step):
            self.wfile.write(content[start : start + step])
            self.wfile.flush()
            if cast(_Server, self.server).fault_server.stopping.wait(trickle):
                return


@pytest.fixture(name="fault_server")
def fault_server_fixture() -> Iterator[FaultServer]:
    """A fault server on a free loopback port, started and stopped around one test."""
    with FaultServer() as server:
        yield server
