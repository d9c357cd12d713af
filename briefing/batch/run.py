"""Many articles: a bounded number in flight, rate limits kept, one article's failure never
stopping the others, a cache, a budget, and a resumable log so nothing already paid for is
lost or requested twice."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hashlib
import os
import time
import warnings
from collections.abc import AsyncGenerator, Generator, Iterable
from dataclasses import dataclass
from typing import Any

import anyio
import openai

from briefing.batch.budget import Budget
from briefing.batch.cache import BriefCache
from briefing.batch.limits import RateLimits
from briefing.batch.log import ResultLog, read_back
from briefing.errors import (
    BriefingError,
    BriefingWarning,
    BudgetExceededError,
    ConfigurationError,
    InputError,
    StorageError,
    UnexpectedError,
)
from briefing.extract.call import Calls, ClientEndpoint
from briefing.extract.core import ArticleLike, brief_article
from briefing.extract.settings import (
    DEFAULT_ARTICLE_TOKENS,
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT,
    DEFAULT_TRANSPORT_RETRIES,
    ModeName,
    Options,
    async_client_from_env,
    resolve_mode,
    settings_for,
)
from briefing.load.article import Article, as_article
from briefing.local.models import LocalModel
from briefing.local.server import LOCAL_ENDPOINT, LOCAL_TIMEOUT, local_client
from briefing.models import Brief, Usage
from briefing.sync import iterate_sync


@dataclass(frozen=True)
class BriefResult:
    """One article's outcome: a Brief, or the error that stopped it."""

    source: str
    article: Article | None
    brief: Brief | None
    error: BriefingError | None = None
    cached: bool = False
    resumed: bool = False
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.brief is not None

    @property
    def usage(self) -> Usage:
        """Tokens this run spent on the article (none for cached or resumed results)."""
        if self.cached or self.resumed:
            return Usage()
        if self.brief is not None:
            return self.brief.record.usage
        usage = getattr(self.error, "usage", None)
        return usage if isinstance(usage, Usage) else Usage()


def label(item: ArticleLike) -> str:
    if isinstance(item, Article):
        return item.name or f"article {item.key}"
    if isinstance(item, os.PathLike):
        return str(item)
    return item if "\n" not in item and len(item) < 200 else f"text {item[:40]!r}..."


def load_key(item: ArticleLike) -> str:
    """What names an input that could not be read, in the log: a hash of all of it (a path, or
    the whole text), so inputs that only begin alike never share a line."""
    identity = os.fspath(item) if isinstance(item, os.PathLike) else str(item)
    digest = hashlib.sha256(identity.encode("utf-8", "surrogatepass")).hexdigest()
    return f"load:{digest}"


def as_list(articles: Iterable[ArticleLike]) -> list[ArticleLike]:
    """The articles of a batch; a single string or path is refused (it would be iterated
    letter by letter)."""
    if isinstance(articles, str | os.PathLike | Article):
        raise InputError(
            "generate_briefs takes a list of articles; for one article pass [article], or "
            "use generate_brief"
        )
    return list(articles)


async def agenerate_briefs(
    articles: Iterable[ArticleLike],
    *,
    client: openai.OpenAI | openai.AsyncOpenAI | None = None,
    local: LocalModel | None = None,
    model: str | None = None,
    mode: ModeName = "auto",
    concurrency: int = 8,
    cache: BriefCache | bool | None = True,
    output: str | os.PathLike[str] | None = None,
    max_cost: float | None = None,
    max_total_tokens: int | None = None,
    max_requests_per_minute: float | None = None,
    max_tokens_per_minute: float | None = None,
    progress: bool = False,
    max_retries: int = DEFAULT_MAX_RETRIES,
    transport_retries: int = DEFAULT_TRANSPORT_RETRIES,
    temperature: float | None = None,
    max_tokens: int | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    max_article_tokens: int = DEFAULT_ARTICLE_TOKENS,
) -> AsyncGenerator[BriefResult, None]:
    """Brief many articles at once, yielding each result as it finishes.

    `concurrency` bounds the articles in flight, and the results finished but not yet taken:
    a caller that stops taking results stops the batch. Requests start so that the batch stays
    under `max_requests_per_minute` and `max_tokens_per_minute` (when not given, the limits
    the endpoint reports in its `x-ratelimit-*` headers); a 429 pauses the whole batch. `cache`
    (default on, in ~/.cache/briefing or $BRIEFING_CACHE_DIR) answers repeats without a call;
    `output` names a JSONL log that a rerun resumes from (one batch writes it at a time);
    `max_cost` (US dollars, at briefing.PRICES) or `max_total_tokens` stop new articles once
    reached. `local` is a local model served by llama.cpp for the batch instead of `client`
    (True for the default model, a GGUF path, or "hf:OWNER/REPO/FILE.gguf"), one article at a
    time. Every option is checked before the first request; after that every article
    ends as a Brief or as its own typed error, whatever happens to the others.
    """
    items = as_list(articles)
    if concurrency < 1:
        raise ConfigurationError(f"concurrency must be at least 1, not {concurrency}")
    options = Options(
        max_retries, transport_retries, temperature, max_tokens, timeout, max_article_tokens
    )
    limits = RateLimits(
        requests_per_minute=max_requests_per_minute, tokens_per_minute=max_tokens_per_minute
    )
    if local is not None and local is not False:
        if client is not None:
            raise ConfigurationError("pass client= or local=, not both")
        resolve_mode(mode, LOCAL_ENDPOINT)  # a wrong mode is refused before the model loads
        if timeout == DEFAULT_TIMEOUT:
            options = dataclasses.replace(options, timeout=LOCAL_TIMEOUT)
        sizes = [len(a.text) for a in map(_loaded, items) if a is not None] or [0]
        concurrency = 1  # the server answers one request at a time: queued ones would time out
        async with local_client(local, sizes, answer_tokens=max_tokens) as (served, name):
            batch = _batch(
                items, served, model or name, mode, False, concurrency, cache, output,
                max_cost, max_total_tokens, limits, options, progress,
            )  # fmt: skip
            async with contextlib.aclosing(batch):
                async for result in batch:
                    yield result
        return
    chosen = async_client_from_env() if client is None else client
    batch = _batch(
        items, chosen, model, mode, client is None, concurrency, cache, output, max_cost,
        max_total_tokens, limits, options, progress,
    )  # fmt: skip
    async with contextlib.aclosing(batch):
        async for result in batch:
            yield result


def _loaded(item: ArticleLike) -> Article | None:
    """The article, to size a local model's context by; one that cannot be read is left to
    the batch, which reports it."""
    try:
        return item if isinstance(item, Article) else as_article(item)
    except Exception:
        return None


async def _batch(
    items: list[ArticleLike],
    chosen: openai.OpenAI | openai.AsyncOpenAI,
    model: str | None,
    mode: ModeName,
    owned: bool,
    concurrency: int,
    cache: BriefCache | bool | None,
    output: str | os.PathLike[str] | None,
    max_cost: float | None,
    max_total_tokens: int | None,
    limits: RateLimits,
    options: Options,
    progress: bool,
) -> AsyncGenerator[BriefResult, None]:
    try:
        settings = settings_for(chosen, model, mode)
        budget = Budget(settings.model, max_cost, max_total_tokens)
        store = BriefCache() if cache is True else (cache or None)
        endpoint = ClientEndpoint(chosen)
        log = ResultLog(output) if output is not None else None
    except BaseException:
        if owned and isinstance(chosen, openai.AsyncOpenAI):
            await chosen.close()
        raise
    state = _State(asyncio.Semaphore(concurrency))
    bar = _progress_bar(len(items)) if progress else None

    async def run(item: ArticleLike) -> BriefResult:
        source = label(item)
        try:
            article = item if isinstance(item, Article) else as_article(item)
        except BriefingError as exc:
            return record(BriefResult(source, None, None, exc), load_key(item))
        except Exception as exc:  # an odd file or a broken install: this article's error
            error = UnexpectedError.wrap(exc)
            return record(BriefResult(source, None, None, error), load_key(item))
        try:
            return await brief_once(source, article)
        except Exception as exc:
            error = UnexpectedError.wrap(exc)
            return record(BriefResult(source, article, None, error), article.key)

    async def brief_once(source: str, article: Article) -> BriefResult:
        """Duplicates in one batch wait for the first copy's result and pay nothing."""
        first = state.inflight.get(article.key)
        if first is not None:
            result = await asyncio.shield(first)
            return dataclasses.replace(result, source=source, cached=result.ok)
        mine = state.inflight[article.key] = asyncio.get_running_loop().create_future()
        try:
            result = await brief(source, article)
        except asyncio.CancelledError:
            mine.cancel()
            raise
        except Exception as exc:
            mine.set_exception(exc)
            mine.exception()  # marked as seen: a duplicate, if any, re-raises it
            raise
        mine.set_result(result)
        return result

    async def brief(source: str, article: Article) -> BriefResult:
        if log and (done := log.done.get(article.key)) and (kept := read_back(done)):
            return BriefResult(source, article, kept, resumed=True)
        key = store.key(article, settings) if store else None
        if store and key and (hit := store.get(key, article)):
            return record(BriefResult(source, article, hit, cached=True), article.key)
        if why := state.stop_reason():
            return BriefResult(source, article, None, why)
        async with budget.lock:
            if reached := budget.reached():
                return BriefResult(source, article, None, BudgetExceededError(reached))
        started = time.perf_counter()
        calls = Calls()
        try:
            brief = await brief_article(
                article, endpoint, settings, options, pacing=limits, calls=calls
            )
        except BriefingError as exc:
            if isinstance(exc, ConfigurationError) and exc.batch_wide:
                state.refused = state.refused or exc
            result = BriefResult(source, article, None, exc, seconds=time.perf_counter() - started)
        else:
            if store and key:
                await anyio.to_thread.run_sync(store.put, key, brief)
            result = BriefResult(source, article, brief, seconds=time.perf_counter() - started)
        finally:
            async with budget.lock:
                budget.charge(calls.usage, calls.served_model or settings.model)
        return record(result, article.key)

    def record(result: BriefResult, key: str) -> BriefResult:
        """Log the result; a log the disk refuses stops new articles, never this result."""
        if log is None or state.log_failed is not None:
            return result
        try:
            log.write(key, result.source, result.brief, result.error)
        except OSError as exc:
            state.log_failed = StorageError(
                f"not started: the log {log.path} could not be written "
                f"({exc.strerror or type(exc).__name__}); the results finished before are "
                "in it or were returned"
            )
            warnings.warn(
                f"the log {log.path} could not be written ({exc.strerror or exc}): no new "
                "article is started; those in flight finish and are returned",
                BriefingWarning,
                stacklevel=2,
            )
        return result

    async def taken(item: ArticleLike) -> BriefResult:
        await state.slots.acquire()  # released when the caller has taken a result
        return await run(item)

    tasks = [asyncio.ensure_future(taken(item)) for item in items]
    try:
        for next_done in asyncio.as_completed(tasks):
            result = await next_done
            if bar is not None:
                bar.update(1)
            yield result
            state.slots.release()
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if bar is not None:
            bar.close()
        if log is not None:
            log.close()
        if owned and isinstance(chosen, openai.AsyncOpenAI):
            await chosen.close()


@dataclass
class _State:
    """What the articles of one batch share beyond limits and budget."""

    slots: asyncio.Semaphore
    inflight: dict[str, asyncio.Future[BriefResult]] = dataclasses.field(default_factory=dict)
    refused: ConfigurationError | None = None
    log_failed: StorageError | None = None

    def stop_reason(self) -> BriefingError | None:
        """Why no new article may start: the endpoint refused the key or model for all of
        them, or the log cannot be written."""
        if self.refused is not None:
            return ConfigurationError(
                f"{self.refused} (not sent: an earlier article of this batch got this answer)",
                batch_wide=True,
            )
        return self.log_failed


def _progress_bar(total: int) -> Any:
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="article", desc="briefing", leave=True)


def generate_briefs(
    articles: Iterable[ArticleLike],
    *,
    client: openai.OpenAI | openai.AsyncOpenAI | None = None,
    local: LocalModel | None = None,
    model: str | None = None,
    mode: ModeName = "auto",
    concurrency: int = 8,
    cache: BriefCache | bool | None = True,
    output: str | os.PathLike[str] | None = None,
    max_cost: float | None = None,
    max_total_tokens: int | None = None,
    max_requests_per_minute: float | None = None,
    max_tokens_per_minute: float | None = None,
    progress: bool = False,
    max_retries: int = DEFAULT_MAX_RETRIES,
    transport_retries: int = DEFAULT_TRANSPORT_RETRIES,
    temperature: float | None = None,
    max_tokens: int | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    max_article_tokens: int = DEFAULT_ARTICLE_TOKENS,
) -> Generator[BriefResult, None, None]:
    """The sync face of `agenerate_briefs` for scripts and notebooks: the same batch, run on
    briefing's own event loop. Leaving the loop (`break`, an exception, Ctrl-C) cancels the
    articles in flight; nothing is requested after the caller has left."""
    batch = agenerate_briefs(
        as_list(articles),
        client=client, local=local, model=model, mode=mode, concurrency=concurrency,
        cache=cache, output=output, max_cost=max_cost, max_total_tokens=max_total_tokens,
        max_requests_per_minute=max_requests_per_minute,
        max_tokens_per_minute=max_tokens_per_minute, progress=progress,
        max_retries=max_retries, transport_retries=transport_retries, temperature=temperature,
        max_tokens=max_tokens, timeout=timeout, max_article_tokens=max_article_tokens,
    )  # fmt: skip
    return iterate_sync(batch)


__all__ = ["BriefResult", "agenerate_briefs", "generate_briefs"]
