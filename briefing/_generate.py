"""generate_brief: one article through the model, with re-asks for bad output and backoff for a
failing endpoint, into a grounded Brief.

Two bounded retry loops, each for its own failure: instructor re-asks when the output breaks the
schema or cites quotes that are not in the article (`max_retries`); tenacity backs off inside each
call when the endpoint rate-limits, errs or times out (`transport_retries`). When re-asks run out
on grounding alone, the last output is kept and its unverifiable items are dropped and reported.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import instructor
import openai
from instructor.core import IncompleteOutputException, InstructorRetryException
from pydantic import ValidationError
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_random_exponential,
)

from briefing._article import Article
from briefing._assemble import assemble
from briefing._config import (
    ENV_KEY,
    ENV_MODEL,
    ModeName,
    Settings,
    async_client_from_env,
    client_from_env,
    settings_for,
)
from briefing._errors import (
    BriefingError,
    ConfigurationError,
    InputError,
    ModelError,
    OutputError,
    RetriesExhaustedError,
    TransportError,
)
from briefing._models import Brief, RunRecord, Usage
from briefing._prompts import prompt_version, render
from briefing._schema import Extraction

MAX_RETRY_AFTER = 60.0
DEFAULT_TIMEOUT = 120.0
ArticleLike = Article | str | os.PathLike[str]


@dataclass
class _Calls:
    """What the endpoint answered during one run: the basis of attempts, usage and last output."""

    completions: list[Any] = field(default_factory=list)
    transport_retries: int = 0

    @property
    def usage(self) -> Usage:
        total = Usage()
        for completion in self.completions:
            u = getattr(completion, "usage", None)
            if u is not None:
                total += Usage(
                    prompt_tokens=u.prompt_tokens or 0,
                    completion_tokens=u.completion_tokens or 0,
                    total_tokens=u.total_tokens or 0,
                )
        return total

    @property
    def last_output(self) -> str | None:
        return _raw_output(self.completions[-1]) if self.completions else None


def generate_brief(
    article: ArticleLike,
    *,
    client: openai.OpenAI | None = None,
    model: str | None = None,
    mode: ModeName = "auto",
    max_retries: int = 2,
    transport_retries: int = 4,
    temperature: float | None = None,
    max_tokens: int | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> Brief:
    """Brief one article. The client is used as given (its own retries turned off in favour of
    ours); without one, OPENAI_API_KEY / OPENAI_BASE_URL and BRIEFING_MODEL configure it."""
    doc = as_article(article)
    raw_client = client if client is not None else client_from_env()
    if not isinstance(raw_client, openai.OpenAI):
        raise ConfigurationError("client must be an openai.OpenAI; use agenerate_brief for async")
    settings = settings_for(raw_client, model, mode)
    calls = _Calls()
    inner = raw_client.with_options(max_retries=0)

    def create(*args: Any, **kwargs: Any) -> Any:
        for attempt in Retrying(**_transport_policy(transport_retries, calls)):
            with attempt:
                completion = inner.chat.completions.create(*args, **_wire(kwargs, settings))
        calls.completions.append(completion)
        return completion

    patched = instructor.patch(create=create, mode=settings.mode)
    try:
        extraction = patched(
            **_request(doc, settings, max_retries, temperature, max_tokens, timeout)
        )
    except Exception as exc:
        extraction = _recover(exc, calls, settings)
    return assemble(doc, extraction, _record(settings, calls))


async def agenerate_brief(
    article: ArticleLike,
    *,
    client: openai.AsyncOpenAI | None = None,
    model: str | None = None,
    mode: ModeName = "auto",
    max_retries: int = 2,
    transport_retries: int = 4,
    temperature: float | None = None,
    max_tokens: int | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> Brief:
    """The async twin of `generate_brief`, for an `openai.AsyncOpenAI` client."""
    doc = as_article(article)
    raw_client = client if client is not None else async_client_from_env()
    if not isinstance(raw_client, openai.AsyncOpenAI):
        raise ConfigurationError("client must be an openai.AsyncOpenAI; use generate_brief")
    settings = settings_for(raw_client, model, mode)
    calls = _Calls()
    inner = raw_client.with_options(max_retries=0)

    async def create(*args: Any, **kwargs: Any) -> Any:
        async for attempt in AsyncRetrying(**_transport_policy(transport_retries, calls)):
            with attempt:
                completion = await inner.chat.completions.create(*args, **_wire(kwargs, settings))
        calls.completions.append(completion)
        return completion

    patched = instructor.patch(create=create, mode=settings.mode)
    try:
        extraction = await patched(
            **_request(doc, settings, max_retries, temperature, max_tokens, timeout)
        )
    except Exception as exc:
        extraction = _recover(exc, calls, settings)
    return assemble(doc, extraction, _record(settings, calls))


def as_article(article: ArticleLike) -> Article:
    """Accept an Article, a path, or a string (seeds format or plain text)."""
    if isinstance(article, Article):
        return article
    if isinstance(article, os.PathLike):
        from briefing._article import load_article

        return load_article(article)
    if isinstance(article, str):
        return Article.from_string(article)
    raise InputError(f"expected an Article, a path or text, not {type(article).__name__}")


def build_messages(article: Article) -> list[dict[str, str]]:
    published = article.published.isoformat() if article.published else "unknown"
    text = article.text.replace("</article", "<\u200b/article")
    return [
        {"role": "system", "content": render("system.j2", published=published)},
        {
            "role": "user",
            "content": render(
                "user.j2",
                text=text,
                published=published,
                source=article.source or "unknown",
                title=article.title or "",
            ),
        },
    ]


def _request(
    article: Article,
    settings: Settings,
    max_retries: int,
    temperature: float | None,
    max_tokens: int | None,
    timeout: float,
) -> dict[str, Any]:
    if max_retries < 0 or max_retries > 10:
        raise ConfigurationError(f"max_retries must be between 0 and 10, not {max_retries}")
    kwargs: dict[str, Any] = {
        "model": settings.model,
        "messages": build_messages(article),
        "response_model": Extraction,
        "max_retries": max_retries,
        "context": {"article": article.text},
        "timeout": timeout,
    }
    if temperature is not None:
        kwargs["temperature"] = temperature
    if max_tokens is not None:
        kwargs["max_tokens"] = max_tokens
    return kwargs


def _wire(kwargs: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """The request as sent: instructor 1.17 never marks its tool strict, so we do."""
    if not settings.strict or not kwargs.get("tools"):
        return kwargs
    tools = [{**tool, "function": {**tool["function"], "strict": True}} for tool in kwargs["tools"]]
    return {**kwargs, "tools": tools}


def _transport_policy(retries: int, calls: _Calls) -> dict[str, Any]:
    def count(_: RetryCallState) -> None:
        calls.transport_retries += 1

    return {
        "stop": stop_after_attempt(max(retries, 0) + 1),
        "wait": _wait,
        "retry": retry_if_exception(_transient),
        "before_sleep": count,
        "reraise": True,
    }


def _transient(exc: BaseException) -> bool:
    if isinstance(exc, openai.APITimeoutError | openai.APIConnectionError):
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


def _recover(exc: Exception, calls: _Calls, settings: Settings) -> Extraction:
    """Turn a failed call into an Extraction to assemble (grounding-only failure), or raise."""
    cause: BaseException = exc
    if isinstance(exc, InstructorRetryException) and exc.__cause__ is not None:
        cause = exc.__cause__
    if isinstance(cause, openai.APIError):
        raise _endpoint_error(cause, calls, settings) from None
    if isinstance(cause, BriefingError):
        raise cause
    attempts = len(calls.completions)
    if isinstance(exc, IncompleteOutputException):
        raise OutputError(
            "the model's output was cut off at its length limit (finish_reason=length); "
            "pass a larger max_tokens or use a model with a larger output limit",
            attempts=attempts,
            last_output=calls.last_output,
            usage=calls.usage,
        ) from None
    refusal = _refusal(calls.completions[-1]) if calls.completions else None
    if refusal:
        raise OutputError(
            f"the model refused to answer: {refusal}",
            attempts=attempts,
            last_output=refusal,
            usage=calls.usage,
        ) from None
    if isinstance(exc, InstructorRetryException) and calls.last_output is not None:
        try:
            return Extraction.model_validate_json(_json_text(calls.last_output))
        except (ValidationError, ValueError):
            pass
    errors = [str(a.exception) for a in getattr(exc, "failed_attempts", None) or []]
    raise RetriesExhaustedError(
        f"the model's output still did not fit the briefing schema after {attempts} "
        f"attempt(s); last error: {_first_line(str(exc))}",
        attempts=attempts,
        last_output=calls.last_output,
        usage=calls.usage,
        errors=errors or [str(exc)],
    ) from None


def _endpoint_error(exc: openai.APIError, calls: _Calls, settings: Settings) -> BriefingError:
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
    if isinstance(exc, openai.APIStatusError) and not _transient(exc):
        return ConfigurationError(
            f"{where} rejected the request (HTTP {exc.status_code}): {_first_line(exc.message)}; "
            f"if it does not support mode {settings.mode_name!r}, try mode='json'"
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
    return ModelError(f"{where}: {what}: {_first_line(exc.message)}")


def _record(settings: Settings, calls: _Calls) -> RunRecord:
    served = getattr(calls.completions[-1], "model", None) if calls.completions else None
    return RunRecord(
        model=served or settings.model,
        endpoint=settings.endpoint,
        mode=settings.mode_name,
        prompt_version=prompt_version(),
        attempts=len(calls.completions),
        transport_retries=calls.transport_retries,
        usage=calls.usage,
        created=dt.datetime.now(dt.UTC).replace(microsecond=0),
        library_version=library_version(),
    )


def library_version() -> str:
    try:
        return version("briefing")
    except PackageNotFoundError:
        return "0+unknown"


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
