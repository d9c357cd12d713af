"""Many articles: a bounded number in flight, rate limits kept, one article's failure never
stopping the others, a cache, a budget, and a resumable log so nothing already paid for is
lost or requested twice."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncGenerator, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import anyio
import anyio.from_thread
import openai

from briefing.batch.budget import Budget
from briefing.batch.cache import BriefCache
from briefing.batch.limits import RateLimits
from briefing.batch.log import ResultLog, read_back
from briefing.errors import BriefingError, BudgetExceededError, ConfigurationError, InputError
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
    settings_for,
)
from briefing.load.article import Article, as_article
from briefing.models import Brief, Usage


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

    `concurrency` bounds the articles in flight. Requests start so that the batch stays under
    `max_requests_per_minute` and `max_tokens_per_minute` (when not given, the limits the
    endpoint reports in its `x-ratelimit-*` headers); a 429 pauses the whole batch. `cache`
    (default on, in ~/.cache/briefing or $BRIEFING_CACHE_DIR) answers repeats without a call;
    `output` names a JSONL log that a rerun resumes from; `max_cost` (US dollars, at
    briefing.PRICES) or `max_total_tokens` stop new articles once reached. Every option is
    checked before the first request.
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
    owned = client is None
    chosen = async_client_from_env() if client is None else client
    settings = settings_for(chosen, model, mode)
    budget = Budget(settings.model, max_cost, max_total_tokens)
    store = BriefCache() if cache is True else (cache or None)
    endpoint = ClientEndpoint(chosen)
    log = ResultLog(output) if output is not None else None
    gate = asyncio.Semaphore(concurrency)
    bar = _progress_bar(len(items)) if progress else None

    async def run(item: ArticleLike) -> BriefResult:
        source = label(item)
        if log and f"source:{source}" in log.done:
            return BriefResult(source, None, *read_back(log.done[f"source:{source}"]), resumed=True)
        try:
            article = item if isinstance(item, Article) else as_article(item)
        except BriefingError as exc:
            return finish(BriefResult(source, None, None, exc), f"source:{source}")
        if log and article.key in log.done:
            return BriefResult(source, article, *read_back(log.done[article.key]), resumed=True)
        key = store.key(article, settings) if store else None
        if store and key and (hit := store.get(key)):
            return finish(BriefResult(source, article, hit, cached=True), article.key)
        async with gate:
            async with budget.lock:
                if why := budget.reached():
                    return BriefResult(source, article, None, BudgetExceededError(why))
            started = time.perf_counter()
            calls = Calls()
            try:
                brief = await brief_article(
                    article, endpoint, settings, options, pacing=limits, calls=calls
                )
            except BriefingError as exc:
                result = BriefResult(
                    source, article, None, exc, seconds=time.perf_counter() - started
                )
            else:
                if store and key:
                    await anyio.to_thread.run_sync(store.put, key, brief)
                result = BriefResult(source, article, brief, seconds=time.perf_counter() - started)
            async with budget.lock:
                budget.charge(calls.usage, calls.served_model or settings.model)
            return finish(result, article.key)

    def finish(result: BriefResult, key: str) -> BriefResult:
        if log is not None:
            log.write(key, result.source, result.brief, result.error)
        return result

    tasks = [asyncio.ensure_future(run(item)) for item in items]
    try:
        for next_done in asyncio.as_completed(tasks):
            result = await next_done
            if bar is not None:
                bar.update(1)
            yield result
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


def _progress_bar(total: int) -> Any:
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="article", desc="briefing", leave=True)


def generate_briefs(
    articles: Iterable[ArticleLike],
    *,
    client: openai.OpenAI | openai.AsyncOpenAI | None = None,
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
) -> Iterator[BriefResult]:
    """The sync face of `agenerate_briefs` for scripts and notebooks: the same batch, run on
    an event loop of its own in a portal thread. Leaving the loop early cancels the articles
    not yet finished."""
    batch = agenerate_briefs(
        as_list(articles),
        client=client, model=model, mode=mode, concurrency=concurrency, cache=cache,
        output=output, max_cost=max_cost, max_total_tokens=max_total_tokens,
        max_requests_per_minute=max_requests_per_minute,
        max_tokens_per_minute=max_tokens_per_minute, progress=progress,
        max_retries=max_retries, transport_retries=transport_retries, temperature=temperature,
        max_tokens=max_tokens, timeout=timeout, max_article_tokens=max_article_tokens,
    )  # fmt: skip
    with anyio.from_thread.start_blocking_portal() as portal:
        try:
            while True:
                try:
                    result = portal.call(anext_of, batch)
                except StopAsyncIteration:
                    return
                yield result
        finally:
            portal.call(batch.aclose)


async def anext_of(batch: AsyncGenerator[BriefResult, None]) -> BriefResult:
    return await anext(batch)


__all__ = ["BriefResult", "agenerate_briefs", "generate_briefs"]
