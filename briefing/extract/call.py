"""One request to the model's endpoint: backoff on passing failures, rate limits, and the
translation of failures into briefing's typed errors.

`Endpoint` is the seam between the pipeline and the wire: it sends one chat-completion body
and returns the completion with its response headers. `ClientEndpoint` wraps an `openai`
client, sync or async (a sync client's call runs in a worker thread, so one async pipeline
serves both). The Batch API's collector and tests put their own `Endpoint` here.
"""

from __future__ import annotations

import email.utils
import functools
import json
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import anyio
import httpx2
import openai
from openai.types.chat import ChatCompletion
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    wait_random_exponential,
)

from briefing.errors import (
    BriefingError,
    ConfigurationError,
    InputError,
    ModelError,
    TransportError,
)
from briefing.extract.settings import ENV_BASE_URL, ENV_KEY, ENV_MODEL, Settings
from briefing.models import Usage
from briefing.redact import redact, remember

MAX_RETRY_AFTER = 60.0


@dataclass(frozen=True)
class Answer:
    """One completion as it arrived, with what the pipeline reads from it."""

    completion: ChatCompletion
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str | None:
        """The raw output: the tool call's arguments, or the message content."""
        message = self.completion.choices[0].message
        if message.tool_calls:
            return str(message.tool_calls[0].function.arguments)  # type: ignore[union-attr]
        return message.content

    @property
    def usage(self) -> Usage:
        u = self.completion.usage
        if u is None:
            return Usage()
        details = getattr(u, "prompt_tokens_details", None)
        return Usage(
            prompt_tokens=u.prompt_tokens or 0,
            completion_tokens=u.completion_tokens or 0,
            total_tokens=u.total_tokens or 0,
            cached_tokens=getattr(details, "cached_tokens", None) or 0,
        )

    @property
    def refusal(self) -> str | None:
        refusal = self.completion.choices[0].message.refusal
        return refusal if isinstance(refusal, str) and refusal else None

    @property
    def finish_reason(self) -> str | None:
        return self.completion.choices[0].finish_reason


class Endpoint(Protocol):
    """Sends one chat-completion body; raises openai's errors for HTTP failures."""

    async def __call__(self, body: dict[str, Any], timeout: float) -> Answer: ...


class NotACompletion(Exception):
    """The endpoint answered 200 with something that is not a chat completion (a proxy's
    error page, an empty object): its fault, not the model's, and worth a retry."""


def _checked(completion: Any) -> ChatCompletion:
    choices = getattr(completion, "choices", None)
    if not isinstance(choices, list) or not choices or getattr(choices[0], "message", None) is None:
        raise NotACompletion(f"got {type(completion).__name__} {str(completion)[:80]!r}")
    return completion  # type: ignore[no-any-return]


class ClientEndpoint:
    """An `openai.OpenAI` or `openai.AsyncOpenAI` as an Endpoint (its own retries off)."""

    def __init__(self, client: openai.OpenAI | openai.AsyncOpenAI) -> None:
        remember(client.api_key)
        self.client = client.with_options(max_retries=0)
        self.base_url = str(client.base_url)

    async def __call__(self, body: dict[str, Any], timeout: float) -> Answer:
        try:
            if isinstance(self.client, openai.AsyncOpenAI):
                raw = await self.client.chat.completions.with_raw_response.create(
                    **body, timeout=timeout
                )
            else:
                create = functools.partial(
                    self.client.chat.completions.with_raw_response.create, **body, timeout=timeout
                )
                raw = await anyio.to_thread.run_sync(create, abandon_on_cancel=True)
            completion = raw.parse()
        except json.JSONDecodeError as exc:
            raise NotACompletion(f"a body that is not JSON ({exc.msg})") from None
        return Answer(_checked(completion), dict(raw.headers))


class Pacing(Protocol):
    """What a batch's rate limiter offers one request (see `briefing.batch.limits`)."""

    async def acquire(self, tokens: int) -> int: ...

    def observe(self, headers: Mapping[str, str], charged: int, used: int) -> None: ...

    def slow_down(self, seconds: float) -> None: ...


async def sleep(seconds: float) -> None:
    """Every backoff pause goes through here: the seam for a fake clock in tests."""
    await anyio.sleep(seconds)


@dataclass
class Calls:
    """What the endpoint answered during one article's run: attempts, usage, last output."""

    answers: list[Answer] = field(default_factory=list)
    transport_retries: int = 0

    @property
    def attempts(self) -> int:
        return len(self.answers)

    @property
    def usage(self) -> Usage:
        return sum((a.usage for a in self.answers), Usage())

    @property
    def last_output(self) -> str | None:
        return self.answers[-1].text if self.answers else None

    @property
    def served_model(self) -> str | None:
        return next(
            (a.completion.model for a in reversed(self.answers) if a.completion.model), None
        )


async def send(
    endpoint: Endpoint,
    body: dict[str, Any],
    *,
    calls: Calls,
    settings: Settings,
    retries: int,
    timeout: float,
    pacing: Pacing | None = None,
) -> Answer:
    """One completion for `body`: passing failures retried with backoff (the server's
    retry-after first), the whole answer bounded by `timeout`, rate limits respected."""
    estimated = estimate_request_tokens(body)
    charged = 0

    def count(_: RetryCallState) -> None:
        calls.transport_retries += 1

    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        hinted = retry_after(exc)
        pause = (
            min(hinted, MAX_RETRY_AFTER)
            if hinted is not None
            else float(wait_random_exponential(multiplier=0.5, max=20)(state))
        )
        if pacing is not None and isinstance(exc, openai.RateLimitError):
            # The whole batch waits, hinted or not: a 429 storm is the server's, not one request's.
            pacing.slow_down(pause)
        return pause

    retrying = AsyncRetrying(
        stop=stop_after_attempt(retries + 1),
        wait=wait,
        retry=retry_if_exception(transient),
        before_sleep=count,
        sleep=lambda seconds: sleep(seconds),
        reraise=True,
    )
    try:
        async for attempt in retrying:
            with attempt:
                if pacing is not None:
                    charged = await pacing.acquire(estimated)
                try:
                    with anyio.fail_after(timeout):
                        answer = await endpoint(body, timeout)
                except TimeoutError:
                    failed(pacing, None, charged)
                    raise openai.APITimeoutError(
                        request=httpx2.Request("POST", str(getattr(endpoint, "base_url", "")))
                    ) from None
                except BaseException as exc:
                    failed(pacing, exc, charged)
                    raise
                if pacing is not None:
                    pacing.observe(answer.headers, charged, answer.usage.total_tokens)
    except (openai.APIError, NotACompletion) as exc:
        raise endpoint_error(exc, calls, settings) from None
    calls.answers.append(answer)
    return answer


def failed(pacing: Pacing | None, exc: BaseException | None, charged: int) -> None:
    """Any outcome but an answer (a refusal, a fault, a cancellation) refunds the request and
    tells the limiter, so no other request waits on a signal that will never come."""
    if pacing is not None:
        headers = exc.response.headers if isinstance(exc, openai.APIStatusError) else {}
        pacing.observe(headers, charged, 0)


def estimate_request_tokens(body: dict[str, Any]) -> int:
    """Tokens a request may cost, for rate limits: its text / 4 plus the output allowed
    (OpenAI counts max_tokens against the limit; 4,096 when none is set)."""
    size = len(json.dumps(body.get("messages", []))) + len(json.dumps(body.get("tools", [])))
    return size // 4 + int(body.get("max_tokens") or 4096)


def transient(exc: BaseException) -> bool:
    if isinstance(exc, openai.APITimeoutError | openai.APIConnectionError | NotACompletion):
        return True
    if isinstance(exc, openai.APIStatusError):
        if exc.status_code == 500 and _names_a_parameter(exc):
            return False
        return exc.status_code in (408, 409, 429) or exc.status_code >= 500
    return False


def _names_a_parameter(exc: openai.APIStatusError) -> bool:
    """Local servers answer an unsupported request field with 500 and a validation message
    ("Input should be 'text' or 'json_object'"): a permanent rejection, not a passing fault."""
    text = redact(str(exc.message)).lower()
    return "input should be" in text or "unsupported" in text or "not supported" in text


def retry_after(exc: BaseException | None) -> float | None:
    """The server's own hint (retry-after-ms, retry-after seconds or HTTP date), if any."""
    if not isinstance(exc, openai.APIStatusError):
        return None
    headers = exc.response.headers
    try:
        if "retry-after-ms" in headers:
            seconds = float(headers["retry-after-ms"]) / 1000
        elif "retry-after" in headers:
            value = headers["retry-after"]
            try:
                seconds = float(value)
            except ValueError:
                when = email.utils.parsedate_to_datetime(value)
                seconds = when.timestamp() - time.time()
        else:
            return None
    except (TypeError, ValueError, OverflowError):
        return None
    return max(seconds, 0.0) if math.isfinite(seconds) else None  # "nan", "inf": no hint


def endpoint_error(
    exc: openai.APIError | NotACompletion, calls: Calls, settings: Settings
) -> BriefingError:
    where = settings.endpoint
    tries = calls.transport_retries + 1
    if isinstance(exc, NotACompletion):
        return TransportError(
            f"{where} answered HTTP 200 with something that is not a chat completion "
            f"({redact(first_line(str(exc)))}) after {tries} tries; check that {ENV_BASE_URL} "
            "is the /v1 URL of an OpenAI-compatible server",
            attempts=tries,
        )
    if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
        return ConfigurationError(
            f"{where} rejected the credentials (HTTP {exc.status_code}); check {ENV_KEY}",
            batch_wide=True,
        )
    if isinstance(exc, openai.NotFoundError):
        return ConfigurationError(
            f"{where} has no model {settings.model!r} or no chat completions endpoint (HTTP 404);"
            f" check the model name ({ENV_MODEL}) and the base URL",
            batch_wide=True,
        )
    message = redact(first_line(exc.message))
    if isinstance(exc, openai.BadRequestError) and _too_long(exc):
        return InputError(
            f"the article does not fit {settings.model!r}'s context window ({message}); "
            "use a model with a larger context or split the article"
        )
    if isinstance(exc, openai.APIStatusError) and not transient(exc):
        hint = (
            ""
            if settings.mode_name in ("json", "sections")
            else (f"; if it does not support mode {settings.mode_name!r}, pass mode='json'")
        )
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
    if transient(exc):
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


def first_line(text: str) -> str:
    return text.strip().splitlines()[0][:300] if text.strip() else "(no message)"
