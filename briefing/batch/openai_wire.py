"""The wire side of the Batch API: recording live request bodies, replaying stored replies
through the live pipeline, and reading the Batch API's files and errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

import httpx2
import openai
from openai.types import Batch

from briefing.batch.run import label as _label
from briefing.errors import (
    BriefingError,
    ConfigurationError,
    InputError,
    ModelError,
    TransportError,
)
from briefing.extract.call import transient
from briefing.extract.chunk import split_article
from briefing.extract.core import ArticleLike, generate_brief
from briefing.extract.settings import ENV_KEY, ModeName
from briefing.load.article import Article, as_article
from briefing.models import Brief
from briefing.redact import redact
from briefing.replay.envelope import Reply, completion_envelope

BATCH_ENDPOINT: Final = "/v1/chat/completions"
BATCH_DISCOUNT = 0.5  # the Batch API bills half the list price
FINISHED = ("completed", "expired", "cancelled")

_PLACEHOLDER = {
    "headline": "placeholder",
    "bluf": "placeholder",
    "key_points": [],
    "agreements": [],
    "officials": [],
    "claims": [],
}


def custom_ids(article: Article, parts: int = 1) -> list[str]:
    """The custom_ids of an article's requests: its key, or `key#1`... for one per part."""
    return [article.key] if parts == 1 else [f"{article.key}#{i}" for i in range(1, parts + 1)]


def _load(item: ArticleLike) -> Article:
    try:
        return as_article(item)
    except InputError as exc:
        raise InputError(f"{_label(item)}: {exc}") from None


def _offline_client(base_url: str, handler: Any) -> openai.OpenAI:
    """A real client whose only 'network' is `handler`: nothing leaves the process."""
    return openai.OpenAI(
        api_key="offline-needs-no-key",
        base_url=base_url,
        max_retries=0,
        http_client=httpx2.Client(transport=httpx2.MockTransport(handler)),
    )


class _Recorder:
    """Runs the real pipeline offline and keeps the request bodies it sends."""

    def __init__(self, base_url: str) -> None:
        self._seen: list[dict[str, Any]] = []
        self.client = _offline_client(base_url, self._answer)

    def _answer(self, request: httpx2.Request) -> httpx2.Response:
        body: dict[str, Any] = json.loads(request.content)
        self._seen.append(body)
        envelope = completion_envelope(body, Reply(_PLACEHOLDER), model=str(body.get("model")))
        return httpx2.Response(200, json=envelope)

    def bodies(self, article: Article, **options: Any) -> list[dict[str, Any]]:
        self._seen = []
        generate_brief(article, client=self.client, max_retries=0, transport_retries=0, **options)
        expected = len(split_article(article, options["max_article_tokens"]))
        if len(self._seen) != expected:  # pragma: no cover - a change in generate_brief
            raise RuntimeError(
                f"recorded {len(self._seen)} requests for an article of {expected} part(s)"
            )
        return self._seen

    def close(self) -> None:
        self.client.close()


class _Replayer:
    """Runs the real pipeline offline, answering each request with the batch's stored reply."""

    def __init__(self, base_url: str) -> None:
        self._answers: list[dict[str, Any]] = []
        self._seen: list[dict[str, Any]] = []
        self.client = _offline_client(base_url, self._answer)

    def _answer(self, request: httpx2.Request) -> httpx2.Response:
        index = len(self._seen)
        self._seen.append(json.loads(request.content))
        if index >= len(self._answers):  # pragma: no cover - max_retries=0 never re-asks
            raise RuntimeError("the pipeline sent more requests than the batch answered")
        response = self._answers[index]
        return httpx2.Response(int(response["status_code"]), json=response.get("body"))

    def brief(
        self,
        batch: Batch,
        article: Article,
        stored: dict[str, dict[str, Any]],
        submitted: dict[str, dict[str, Any]] | None,
        *,
        model: str | None,
        mode: ModeName,
        max_article_tokens: int,
    ) -> Brief:
        ids = custom_ids(article, len(split_article(article, max_article_tokens)))
        missing = [i for i in ids if submitted is not None and i not in submitted]
        if missing:
            raise _mismatch(article, f"the requests file has no request {missing[0]}")
        self._answers = [_stored_response(batch, i, stored) for i in ids]
        self._seen = []
        try:
            brief = generate_brief(
                article,
                client=self.client,
                model=model,
                mode=mode,
                max_retries=0,
                transport_retries=0,
                max_article_tokens=max_article_tokens,
            )
        except TransportError as exc:
            self._check(article, ids, submitted)
            raise _stored_failure(batch, ids, self._answers, exc) from None
        except BriefingError:
            self._check(article, ids, submitted)
            raise
        self._check(article, ids, submitted)
        return _batch_record(brief, batch, ids)

    def _check(
        self, article: Article, ids: list[str], submitted: dict[str, dict[str, Any]] | None
    ) -> None:
        if submitted is None:
            return
        for custom_id, body in zip(ids, self._seen, strict=False):
            if submitted[custom_id] != body:
                detail = f"the request for {custom_id} differs from the one in the requests file"
                raise _mismatch(article, detail)

    def close(self) -> None:
        self.client.close()


def _mismatch(article: Article, detail: str) -> ConfigurationError:
    return ConfigurationError(
        f"article {article.key}: {detail}; collect with the model, mode, max_article_tokens and "
        "briefing version the requests were written with"
    )


def _stored_response(
    batch: Batch, custom_id: str, stored: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """The stored response for a request, or the typed error for a request that never ran."""
    entry = stored.get(custom_id)
    if entry is None:
        raise ModelError(
            f"batch {batch.id} ({batch.status}) returned no result for request {custom_id}, in "
            "neither its output nor its error file; resubmit the article"
        )
    response = entry.get("response")
    if isinstance(response, dict) and isinstance(response.get("status_code"), int):
        return response
    error = entry.get("error")
    error = error if isinstance(error, dict) else {}
    code = str(error.get("code") or "unknown")
    message = redact(str(error.get("message") or "no message"))
    text = f"batch {batch.id} did not run request {custom_id} ({code}: {message})"
    if code in ("batch_expired", "batch_cancelled") or batch.status != "completed":
        raise TransportError(f"{text}; resubmit the article", attempts=0)
    raise ModelError(text)


def _stored_failure(
    batch: Batch, ids: list[str], answers: list[dict[str, Any]], exc: TransportError
) -> TransportError:
    """A live 429/5xx says 'back off and retry'; in a batch, the request is to be resubmitted."""
    for custom_id, response in zip(ids, answers, strict=True):
        if response["status_code"] != 200:
            body = response.get("body")
            error = body.get("error") if isinstance(body, dict) else None
            detail = error.get("message") if isinstance(error, dict) else None
            message = redact(str(detail or "no message"))
            return TransportError(
                f"batch {batch.id} request {custom_id} failed (HTTP {response['status_code']}: "
                f"{message}); resubmit the article",
                attempts=1,
                status_code=int(response["status_code"]),
            )
    return exc  # pragma: no cover - a TransportError needs a failing status


def _batch_record(brief: Brief, batch: Batch, ids: list[str]) -> Brief:
    record = brief.record
    requests = "request" if len(ids) == 1 else "requests"
    note = f"Briefed through the OpenAI Batch API: batch {batch.id}, {requests} {', '.join(ids)}."
    cost = record.cost_usd
    if cost is not None:
        cost = round(cost * BATCH_DISCOUNT, 6)
        note += f" cost_usd is {BATCH_DISCOUNT:.0%} of the list price (the Batch API discount)."
    if record.unverified:
        note += " A batch sends one request, so items that failed the checks were not repaired."
    update = {"cost_usd": cost, "notes": [*record.notes, note]}
    return brief.model_copy(update={"record": record.model_copy(update=update)})


def _raise_unless_running(batch: Batch) -> None:
    status = batch.status
    counts = batch.request_counts
    done = f"{counts.completed} of {counts.total} requests done" if counts else "partly done"
    later = f"collect(client, {batch.id!r}, articles) briefs the requests it finished"
    if status == "failed":
        errors = (batch.errors.data or []) if batch.errors else []
        shown = "; ".join(
            (f"line {e.line}: " if e.line is not None else "")
            + f"{e.code or 'error'}: {redact(e.message or 'no message')}"
            for e in errors[:5]
        )
        more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
        raise ConfigurationError(
            f"batch {batch.id} failed: the Batch API rejected it: {shown or 'no reason given'}"
            f"{more}"
        )
    if status == "expired":
        raise TransportError(
            f"batch {batch.id} expired before it finished ({done}); {later}, then resubmit "
            "the rest",
            attempts=1,
        )
    if status in ("cancelling", "cancelled"):
        raise ModelError(f"batch {batch.id} was cancelled ({done}); once cancelled, {later}")


def _download(client: openai.OpenAI, file_id: str) -> dict[str, dict[str, Any]]:
    try:
        raw = client.files.content(file_id).content
    except openai.APIError as exc:
        raise _api_error(exc, client, f"downloading batch file {file_id}") from None
    entries: dict[str, dict[str, Any]] = {}
    for number, line in enumerate(raw.decode("utf-8", errors="replace").splitlines(), 1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
            custom_id = entry["custom_id"]
        except (ValueError, KeyError, TypeError):
            what = f"line {number} of batch file {file_id}"
            raise ModelError(f"{what} is not a batch result") from None
        entries[str(custom_id)] = entry
    return entries


def _read_requests(path: Path) -> dict[str, dict[str, Any]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise InputError(f"{path}: cannot read the batch requests ({exc.strerror})") from None
    requests: dict[str, dict[str, Any]] = {}
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
            requests[str(entry["custom_id"])] = entry["body"]
        except (ValueError, KeyError, TypeError):
            raise InputError(f"{path}:{number}: not a batch request line") from None
    return requests


def _api_error(exc: openai.APIError, client: openai.OpenAI, doing: str) -> BriefingError:
    url = urlsplit(str(client.base_url))
    where = f"{url.scheme}://{url.hostname}" + (f":{url.port}" if url.port else "")
    status = exc.status_code if isinstance(exc, openai.APIStatusError) else None
    message = redact((exc.message or "").strip().splitlines()[0][:300] if exc.message else "")
    if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
        return ConfigurationError(
            f"{where} rejected the credentials while {doing} (HTTP {status}); check {ENV_KEY}"
        )
    if transient(exc):
        what = f"HTTP {status}" if status else "no answer"
        return TransportError(
            f"{where} failed while {doing} ({what}); try again later",
            attempts=1,
            status_code=status,
        )
    if isinstance(exc, openai.NotFoundError):
        return ConfigurationError(
            f"{where} answered 404 while {doing}: {message or 'not found'}; check the id, and "
            "that the endpoint offers the Batch API (OpenAI does; most local servers do not)"
        )
    if status is not None:
        return ConfigurationError(f"{where} rejected {doing} (HTTP {status}): {message}")
    return ModelError(f"{where}: {doing} failed: {message}")
