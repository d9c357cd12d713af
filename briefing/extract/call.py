"""One model call's machinery: backoff on a failing endpoint, a log of what it answered, and
the translation of failures into briefing's typed errors.

Two bounded retry loops, each for its own failure: tenacity backs off inside each call when the
endpoint rate-limits, errs or times out (`transport_retries`); instructor re-asks when the output
breaks the schema or cites quotes that are not in the article (`max_retries`). When re-asks run
out on grounding alone, the best output is kept and its unverifiable items dropped and reported.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import openai
from instructor.core import IncompleteOutputException, InstructorRetryException
from pydantic import ValidationError
from tenacity import RetryCallState, retry_if_exception, stop_after_attempt, wait_random_exponential

from briefing.load.article import Article
from briefing.extract.settings import ENV_KEY, ENV_MODEL, Settings
from briefing.errors import (
    BriefingError,
    ConfigurationError,
    InputError,
    ModelError,
    OutputError,
    RetriesExhaustedError,
    TransportError,
)
from briefing.models import Usage
from briefing.extract.schema import Extraction

MAX_RETRY_AFTER = 60.0


class _RedactSecrets(logging.Filter):
    """Servers echo credentials in error text, and instructor logs that text verbatim."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        return True


# instructor logs every failed attempt at ERROR; unconfigured, that reaches the user's stderr.
logging.getLogger("instructor").addHandler(logging.NullHandler())
for _name in ("instructor", "instructor.v2", "instructor.v2.retry"):
    logging.getLogger(_name).addFilter(_RedactSecrets())
sleep = time.sleep  # module-level so tests can observe the backoff without waiting
async_sleep = asyncio.sleep


@dataclass
class Calls:
    """What the endpoint answered during one run: the basis of attempts, usage and last output.

    Each response's usage and raw output are copied when it arrives: instructor later rewrites
    `completion.usage` with its running total, which summed again would count tokens twice.
    """

    outputs: list[str | None] = field(default_factory=list)
    usages: list[Usage] = field(default_factory=list)
    served_model: str | None = None
    refusal: str | None = None
    transport_retries: int = 0

    def add(self, completion: Any) -> None:
        u = getattr(completion, "usage", None)
        self.usages.append(
            Usage(
                prompt_tokens=getattr(u, "prompt_tokens", 0) or 0,
                completion_tokens=getattr(u, "completion_tokens", 0) or 0,
                total_tokens=getattr(u, "total_tokens", 0) or 0,
            )
        )
        self.outputs.append(_raw_output(completion))
        self.served_model = getattr(completion, "model", None) or self.served_model
        self.refusal = _refusal(completion)

    @property
    def attempts(self) -> int:
        return len(self.outputs)

    @property
    def usage(self) -> Usage:
        return sum(self.usages, Usage())

    @property
    def last_output(self) -> str | None:
        return self.outputs[-1] if self.outputs else None


def transport_policy(retries: int, calls: Calls) -> dict[str, Any]:
    def count(_: RetryCallState) -> None:
        calls.transport_retries += 1

    return {
        "stop": stop_after_attempt(max(retries, 0) + 1),
        "wait": _wait,
        "retry": retry_if_exception(_transient),
        "before_sleep": count,
        "reraise": True,
    }


class NotACompletion(Exception):
    """The endpoint answered 200 with something that is not a chat completion (a proxy's
    error page, an empty object): its fault, not the model's, and worth a retry."""


def check_completion(completion: Any) -> Any:
    """The completion, or NotACompletion when the endpoint sent something else."""
    choices = getattr(completion, "choices", None)
    if not isinstance(choices, list) or not choices or getattr(choices[0], "message", None) is None:
        raise NotACompletion(f"got {type(completion).__name__} {str(completion)[:80]!r}")
    return completion


def _transient(exc: BaseException) -> bool:
    if isinstance(exc, openai.APITimeoutError | openai.APIConnectionError | NotACompletion):
        return True
    if isinstance(exc, openai.APIStatusError):
        return exc.status_code in (408, 409, 429) or exc.status_code >= 500
    return False


def _wait(state: RetryCallState) -> float:
    exc = state.outcome.exception() if state.outcome else None
    hinted = _retry_after(exc)
    if hinted is not None:
        return min(hinted, MAX_RETRY_AFTER)
    backoff: Callable[[RetryCallState], float] = wait_random_exponential(multiplier=0.5, max=20)
    return backoff(state)


def _retry_after(exc: BaseException | None) -> float | None:
    """The server's own hint (retry-after-ms, retry-after seconds or HTTP date), if any."""
    if not isinstance(exc, openai.APIStatusError):
        return None
    headers = exc.response.headers
    try:
        if "retry-after-ms" in headers:
            return max(float(headers["retry-after-ms"]) / 1000, 0.0)
        if "retry-after" in headers:
            value = headers["retry-after"]
            try:
                return max(float(value), 0.0)
            except ValueError:
                when = email.utils.parsedate_to_datetime(value)
                return max(when.timestamp() - time.time(), 0.0)
    except (TypeError, ValueError):
        return None
    return None


def recover(exc: Exception, calls: Calls, settings: Settings, article: Article) -> Extraction:
    """Turn a failed call into an Extraction to assemble (grounding-only failure), or raise."""
    cause: BaseException = exc
    if isinstance(exc, InstructorRetryException) and exc.__cause__ is not None:
        cause = exc.__cause__
    if isinstance(cause, openai.APIError):
        raise _endpoint_error(cause, calls, settings) from None
    if isinstance(cause, NotACompletion):
        raise TransportError(
            f"{settings.endpoint} answered HTTP 200 with something that is not a chat "
            f"completion ({redact(_first_line(str(cause)))}) after {calls.transport_retries + 1} "
            "tries; check that OPENAI_BASE_URL is the /v1 URL of an OpenAI-compatible server",
            attempts=calls.transport_retries + 1,
        ) from None
    if isinstance(cause, BriefingError):
        raise cause
    if isinstance(exc, IncompleteOutputException):
        raise OutputError(
            "the model's output was cut off at its length limit (finish_reason=length); "
            "pass a larger max_tokens or use a model with a larger output limit",
            attempts=calls.attempts,
            last_output=calls.last_output,
            usage=calls.usage,
        ) from None
    if calls.refusal:
        raise OutputError(
            f"the model refused to answer: {_first_line(calls.refusal)}; check the article is "
            "news text, or try another model",
            attempts=calls.attempts,
            last_output=calls.refusal,
            usage=calls.usage,
        ) from None
    if isinstance(exc, InstructorRetryException):
        best = _best_output(calls.outputs, article)
        if best is not None:
            return best
    failures = [a.exception for a in getattr(exc, "failed_attempts", None) or []]
    errors = [str(e) for e in failures]
    raise RetriesExhaustedError(
        f"the model's output still did not fit the briefing schema after {calls.attempts} "
        f"attempt(s) ({_describe(failures[-1] if failures else exc)}); try a stronger model, "
        "more re-asks (max_retries, --max-retries) or another mode (mode=, --mode)",
        attempts=calls.attempts,
        last_output=calls.last_output,
        usage=calls.usage,
        errors=errors or [str(exc)],
    ) from None


def _describe(failure: BaseException) -> str:
    """The last failure in a few words: the first fields that broke, or that JSON was broken."""
    if isinstance(failure, ValidationError):
        details = []
        for error in failure.errors()[:3]:
            where = ".".join(str(part) for part in error["loc"]) or "output"
            if error["type"] == "json_invalid":
                details.append(f"invalid JSON: {error['msg']}")
            else:
                details.append(f"{where}: {_first_line(error['msg'])[:160]}")
        more = len(failure.errors()) - len(details)
        return "; ".join(details) + (f"; and {more} more" if more > 0 else "")
    if isinstance(failure, json.JSONDecodeError):
        return f"invalid JSON: {failure.msg}"
    return _first_line(str(failure))[:300]


def _best_output(outputs: list[str | None], article: Article) -> Extraction | None:
    """Of the outputs that fit the schema, the one with the fewest grounding problems (the
    newest on a tie): re-asks ran out on grounding alone, so its bad items will be dropped."""
    from briefing.ground.quotes import problems

    best: tuple[int, Extraction] | None = None
    for raw in reversed(outputs):
        try:
            candidate = Extraction.model_validate_json(
                _json_text(raw or ""), context={"grounding": False}
            )
        except (ValidationError, ValueError):
            continue
        score = len(problems(candidate, article.text))
        if best is None or score < best[0]:
            best = (score, candidate)
    return best[1] if best else None


def _endpoint_error(exc: openai.APIError, calls: Calls, settings: Settings) -> BriefingError:
    where = settings.endpoint
    if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
        return ConfigurationError(
            f"{where} rejected the credentials (HTTP {exc.status_code}); check {ENV_KEY}"
        )
    if isinstance(exc, openai.NotFoundError):
        return ConfigurationError(
            f"{where} has no model {settings.model!r} or no chat completions endpoint (HTTP 404);"
            f" check the model name ({ENV_MODEL}) and the base URL"
        )
    message = redact(_first_line(exc.message))
    if isinstance(exc, openai.BadRequestError) and _too_long(exc):
        return InputError(
            f"the article does not fit {settings.model!r}'s context window ({message}); "
            "use a model with a larger context or split the article"
        )
    if isinstance(exc, openai.APIStatusError) and not _transient(exc):
        hint = "" if settings.mode_name == "json" else "; if it does not support "
        hint += f"mode {settings.mode_name!r}, try mode='json'" if hint else ""
        return ConfigurationError(
            f"{where} rejected the request (HTTP {exc.status_code}): {message}{hint}"
        )
    what = (
        f"HTTP {exc.status_code}"
        if isinstance(exc, openai.APIStatusError)
        else "timed out"
        if isinstance(exc, openai.APITimeoutError)
        else "connection failed"
    )
    tries = calls.transport_retries + 1
    if _transient(exc):
        return TransportError(
            f"{where} kept failing ({what}) after {tries} tries with backoff; "
            "try again later, or raise transport_retries",
            attempts=tries,
            status_code=getattr(exc, "status_code", None),
        )
    return ModelError(f"{where}: {what}: {message}")


def _too_long(exc: openai.BadRequestError) -> bool:
    text = f"{exc.code} {exc.message}".lower()
    return "context_length" in text or "maximum context length" in text or "too long" in text


_SECRET = re.compile(r"(sk-[A-Za-z0-9_*-]{8,}|Bearer\s+\S+|key[=:]\s*\S{8,})", re.IGNORECASE)


def redact(text: str) -> str:
    """Servers echo credentials in error text; never pass them on."""
    return _SECRET.sub("[redacted]", text)


def _raw_output(completion: Any) -> str | None:
    try:
        message = completion.choices[0].message
    except (AttributeError, IndexError):
        return None
    if message.tool_calls:
        return str(message.tool_calls[0].function.arguments)
    return message.content if isinstance(message.content, str) else None


def _refusal(completion: Any) -> str | None:
    try:
        refusal = completion.choices[0].message.refusal
    except (AttributeError, IndexError):
        return None
    return refusal if isinstance(refusal, str) and refusal else None


def _json_text(raw: str) -> str:
    """The JSON object in a reply that may wrap it in prose or a Markdown fence."""
    start, end = raw.find("{"), raw.rfind("}")
    if start < 0 or end < start:
        raise ValueError("no JSON object in the output")
    json.loads(raw[start : end + 1])
    return raw[start : end + 1]


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0][:300] if text.strip() else "(no message)"
