"""generate_brief: one article through the model into a grounded Brief.

A long article is split on paragraph boundaries and its parts' briefs merged (`_chunk`); a
cache, when given, answers a repeated request without calling the model (`_cache`).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import os
import re
import socket
import threading
import time
from dataclasses import dataclass
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import httpx2
import instructor
import openai
from instructor.core import IncompleteOutputException
from instructor.v2.core.function_calls import response_schema
from openai.types.chat import ChatCompletion
from tenacity import AsyncRetrying, Retrying

from briefing.extract import call as _calls
from briefing.load.article import Article
from briefing.ground.assemble import assemble
from briefing.batch.cache import BriefCache
from briefing.extract.call import (
    Calls,
    NotACompletion,
    _raw_output,
    check_completion,
    recover,
    transport_policy,
)
from briefing.extract.chunk import merge_parts, split_article
from briefing.extract.settings import (
    ModeName,
    Settings,
    async_client_from_env,
    client_from_env,
    settings_for,
)
from briefing.pricing import cost_of
from briefing.errors import ConfigurationError, InputError
from briefing.models import Brief, RunRecord
from briefing.batch.pace import charge, checked, request_slot
from briefing.extract.prompts import prompt_version, render
from briefing.extract.schema import Extraction, grounding_article

DEFAULT_TIMEOUT = 120.0
# Wrapped once, so instructor's schema cache hits instead of rebuilding the schema each call;
# its JSON modes ask for model_json_schema() on every call, so that is computed once too.
RESPONSE_MODEL: type[Extraction] = response_schema(Extraction)
_SCHEMA_JSON = json.dumps(RESPONSE_MODEL.model_json_schema())


def _cached_schema(cls: type[Extraction], *args: Any, **kwargs: Any) -> dict[str, Any]:
    if args or kwargs:
        return Extraction.model_json_schema.__func__(cls, *args, **kwargs)  # type: ignore[attr-defined,no-any-return]
    schema: dict[str, Any] = json.loads(_SCHEMA_JSON)  # a fresh copy: some handlers edit it
    return schema


RESPONSE_MODEL.model_json_schema = classmethod(_cached_schema)  # type: ignore[method-assign,assignment]


def _check_async_validators_once() -> None:
    """instructor re-walks the response model for async validators on every call (about 1.5
    ms of pure CPU per article here); the answer for a class never changes, so remember it.
    Its patch module bound the function at import, so it gets the memo too."""
    from instructor.v2.core import patch
    from instructor.v2.validation import async_validators

    original = async_validators.reject_async_validators
    checked: set[type[Any]] = set()

    def reject_once(response_model: Any) -> None:
        if isinstance(response_model, type) and response_model in checked:
            return
        original(response_model)
        if isinstance(response_model, type):
            checked.add(response_model)

    async_validators.reject_async_validators = reject_once
    patch.reject_async_validators = reject_once  # type: ignore[attr-defined]


_check_async_validators_once()
DEFAULT_ARTICLE_TOKENS = 24_000
ArticleLike = Article | str | os.PathLike[str]


@dataclass(frozen=True)
class Options:
    """How hard to try, per call."""

    max_retries: int = 2
    transport_retries: int = 4
    temperature: float | None = None
    max_tokens: int | None = None
    timeout: float = DEFAULT_TIMEOUT
    max_article_tokens: int = DEFAULT_ARTICLE_TOKENS

    def __post_init__(self) -> None:
        if not 0 <= self.max_retries <= 10:
            raise ConfigurationError(f"max_retries must be 0 to 10, not {self.max_retries}")
        if not 0 <= self.transport_retries <= 20:
            raise ConfigurationError(
                f"transport_retries must be 0 to 20, not {self.transport_retries}"
            )
        if self.max_article_tokens < 500:
            raise ConfigurationError("max_article_tokens must be at least 500")
        if not self.timeout > 0:
            raise ConfigurationError(
                f"timeout must be a positive number of seconds, not {self.timeout}"
            )


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
    max_article_tokens: int = DEFAULT_ARTICLE_TOKENS,
    cache: BriefCache | None = None,
) -> Brief:
    """Brief one article. The client is used as given (its own retries turned off in favour of
    ours); without one, OPENAI_API_KEY / OPENAI_BASE_URL and BRIEFING_MODEL configure it.
    Articles longer than `max_article_tokens` (estimated) are briefed in parts and merged."""
    doc = as_article(article)
    options = Options(
        max_retries, transport_retries, temperature, max_tokens, timeout, max_article_tokens
    )
    raw_client = client if client is not None else client_from_env()
    if not isinstance(raw_client, openai.OpenAI):
        raise ConfigurationError("client must be an openai.OpenAI; use agenerate_brief for async")
    settings = settings_for(raw_client, model, mode)
    key = cache.key(doc, settings) if cache else None
    if cache and key and (hit := cache.get(key)):
        return hit
    parts = split_article(doc, options.max_article_tokens)
    briefs = [(offset, _brief_part(part, raw_client, settings, options)) for offset, part in parts]
    brief = briefs[0][1] if len(briefs) == 1 else merge_parts(doc, briefs)
    if cache and key:
        cache.put(key, brief)
    return brief


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
    max_article_tokens: int = DEFAULT_ARTICLE_TOKENS,
    cache: BriefCache | None = None,
) -> Brief:
    """The async twin of `generate_brief`, for an `openai.AsyncOpenAI` client."""
    doc = as_article(article)
    options = Options(
        max_retries, transport_retries, temperature, max_tokens, timeout, max_article_tokens
    )
    raw_client = client if client is not None else async_client_from_env()
    if not isinstance(raw_client, openai.AsyncOpenAI):
        raise ConfigurationError("client must be an openai.AsyncOpenAI; use generate_brief")
    settings = settings_for(raw_client, model, mode)
    key = cache.key(doc, settings) if cache else None
    if cache and key and (hit := cache.get(key)):  # a small local read: no thread hop
        return hit
    briefs = [
        (offset, await _abrief_part(part, raw_client, settings, options))
        for offset, part in split_article(doc, options.max_article_tokens)
    ]
    brief = briefs[0][1] if len(briefs) == 1 else merge_parts(doc, briefs)
    if cache and key:
        checked()
        await asyncio.to_thread(cache.put, key, brief)
    return brief


def _brief_part(doc: Article, client: openai.OpenAI, settings: Settings, options: Options) -> Brief:
    calls = Calls()
    inner = client.with_options(max_retries=0)

    def create(*args: Any, **kwargs: Any) -> Any:
        policy = transport_policy(options.transport_retries, calls)
        for attempt in Retrying(sleep=_calls.sleep, **policy):
            with attempt:
                completion = check_completion(
                    _bounded_create(inner, _wire(kwargs, settings), options.timeout)
                )
        calls.add(completion)
        return _complete(completion, kwargs)

    patched = instructor.patch(create=create, mode=settings.mode)
    token = grounding_article.set(doc.text)
    try:
        extraction = patched(**_request(doc, settings, options))
    except Exception as exc:
        extraction = recover(exc, calls, settings, doc)
    finally:
        grounding_article.reset(token)
    return assemble(doc, extraction, _record(settings, calls))


async def _abrief_part(
    doc: Article, client: openai.AsyncOpenAI, settings: Settings, options: Options
) -> Brief:
    calls = Calls()
    inner = client.with_options(max_retries=0)

    async def create(*args: Any, **kwargs: Any) -> Any:
        policy = transport_policy(options.transport_retries, calls)
        async for attempt in AsyncRetrying(sleep=_calls.async_sleep, **policy):
            with attempt:
                async with request_slot():
                    try:
                        async with asyncio.timeout(options.timeout):
                            completion = check_completion(await _apost(inner, kwargs, settings))
                    except TimeoutError:
                        raise _timed_out(inner) from None
                    except json.JSONDecodeError as exc:
                        raise NotACompletion(f"a body that is not JSON ({exc.msg})") from None
                    calls.add(completion)  # counted before the slot passes to another article
                    charge(calls.usages[-1], calls.served_model or settings.model)
        return _complete(completion, kwargs)

    patched = instructor.patch(create=create, mode=settings.mode)
    token = grounding_article.set(doc.text)
    try:
        extraction = await patched(**_request(doc, settings, options))
    except Exception as exc:
        extraction = recover(exc, calls, settings, doc)
    finally:
        grounding_article.reset(token)
    return assemble(doc, extraction, _record(settings, calls))


async def _apost(client: openai.AsyncOpenAI, kwargs: dict[str, Any], settings: Settings) -> Any:
    """POST the chat completion as instructor prepared it. openai's `create` would first walk
    the whole body against its TypedDicts (about half a millisecond for our plain JSON, inside
    the batch's request slot); `client.post` is openai's documented way to send a body as is."""
    body = dict(_wire(kwargs, settings))
    timeout = body.pop("timeout", None)
    return await client.post(
        "/chat/completions",
        cast_to=ChatCompletion,
        body=body,
        options={"timeout": timeout} if timeout is not None else {},
    )


def _complete(completion: Any, kwargs: dict[str, Any]) -> Any:
    """The completion, unless it was cut off: some servers (llama.cpp with tools) report
    "stop" for an answer that ran out of max_tokens, which would then read as broken JSON. An
    answer that used every token and still parses is whole."""
    limit = kwargs.get("max_tokens")
    used = getattr(getattr(completion, "usage", None), "completion_tokens", None)
    if isinstance(limit, int) and isinstance(used, int) and used >= limit:
        try:
            json.loads(_raw_output(completion) or "")
        except ValueError:
            raise IncompleteOutputException(last_completion=completion) from None
    return completion


def _bounded_create(client: openai.OpenAI, kwargs: dict[str, Any], timeout: float) -> Any:
    """A chat completion that must arrive whole within `timeout`: httpx2's timeout bounds each
    read, so a body trickled in small pieces could otherwise take forever. A watchdog cuts the
    connection at the deadline, so no read can outlast it either."""
    deadline = time.monotonic() + timeout
    with client.chat.completions.with_streaming_response.create(**kwargs) as response:
        cut = threading.Event()
        watchdog = _watchdog(response.http_response, deadline, cut)
        chunks = []
        try:
            for chunk in response.http_response.iter_bytes():
                chunks.append(chunk)
                if time.monotonic() > deadline:
                    raise _timed_out(client)
        except httpx2.TransportError:
            if cut.is_set():
                raise _timed_out(client) from None
            raise
        finally:
            if watchdog is not None:
                watchdog.cancel()
        response.http_response._content = b"".join(chunks)  # read(): what we already have
        try:
            return response.parse()
        except json.JSONDecodeError as exc:
            raise NotACompletion(f"a body that is not JSON ({exc.msg})") from None


def _watchdog(
    response: httpx2.Response, deadline: float, cut: threading.Event
) -> threading.Timer | None:
    """A timer that shuts the response's socket down at `deadline` (None without a socket, as
    under a mock transport). Shutting down, unlike closing, wakes a read blocked on it."""
    stream = response.extensions.get("network_stream")
    sock = stream.get_extra_info("socket") if stream is not None else None
    if not isinstance(sock, socket.socket):
        return None

    def shut() -> None:
        cut.set()
        with contextlib.suppress(OSError):
            socket.socket.shutdown(sock, socket.SHUT_RDWR)  # the plain socket's, even under TLS

    timer = threading.Timer(max(deadline - time.monotonic(), 0.0), shut)
    timer.daemon = True
    timer.start()
    return timer


def _timed_out(client: openai.OpenAI | openai.AsyncOpenAI) -> openai.APITimeoutError:
    return openai.APITimeoutError(request=httpx2.Request("POST", str(client.base_url)))


def as_article(article: ArticleLike) -> Article:
    """Accept an Article, a path (also as a one-line string naming a file), or text."""
    from briefing.load.article import load_article

    if isinstance(article, Article):
        return article
    if isinstance(article, os.PathLike):
        return load_article(article)
    if isinstance(article, str):
        one_line = "\n" not in article and len(article) < 1024
        if one_line and article.strip() and Path(article.strip()).is_file():
            return load_article(article.strip())
        return Article.from_string(article)
    raise InputError(f"expected an Article, a path or text, not {type(article).__name__}")


def build_messages(article: Article) -> list[dict[str, str]]:
    published = article.published.isoformat() if article.published else "unknown"
    text = re.sub(r"<(/?article)", "<\u200b\\1", article.text, flags=re.IGNORECASE)
    return [
        {"role": "system", "content": render("system.j2")},
        {
            "role": "user",
            "content": render(
                "user.j2",
                text=text,
                published=published,
                source=_attribute(article.source or "unknown"),
                title=_attribute(article.title or ""),
                language=_attribute(article.language or "unknown"),
            ),
        },
    ]


def _attribute(value: str) -> str:
    """Metadata as a safe attribute value: it cannot close the tag or the attribute."""
    return " ".join(value.replace('"', "'").replace("<", "(").replace(">", ")").split())


def _request(article: Article, settings: Settings, options: Options) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "model": settings.model,
        "messages": build_messages(article),
        "response_model": RESPONSE_MODEL,
        "max_retries": options.max_retries,
        "timeout": options.timeout,
    }
    if options.temperature is not None:
        kwargs["temperature"] = options.temperature
    if options.max_tokens is not None:
        kwargs["max_tokens"] = options.max_tokens
    return kwargs


def _wire(kwargs: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """The request as sent: instructor 1.17 never marks its tool strict, so we do."""
    if not settings.strict or not kwargs.get("tools"):
        return kwargs
    tools = [{**tool, "function": {**tool["function"], "strict": True}} for tool in kwargs["tools"]]
    return {**kwargs, "tools": tools}


def _record(settings: Settings, calls: Calls) -> RunRecord:
    model = calls.served_model or settings.model
    return RunRecord(
        model=model,
        endpoint=settings.endpoint,
        mode=settings.mode_name,
        prompt_version=prompt_version(),
        attempts=calls.attempts,
        transport_retries=calls.transport_retries,
        usage=calls.usage,
        cost_usd=cost_of(calls.usage, model),
        created=dt.datetime.now(dt.UTC).replace(microsecond=0),
        library_version=library_version(),
    )


@cache
def library_version() -> str:
    try:
        return version("briefing")
    except PackageNotFoundError:
        return "0+unknown"
