"""Many articles: bounded concurrency, per-article failure isolation, cache, budget, and a
resumable JSONL log so nothing already paid for is lost or requested twice."""

from __future__ import annotations

import asyncio
import contextvars
import functools
import json
import os
import queue
import threading
import time
from collections.abc import AsyncIterator, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openai

from briefing.load.article import Article
from briefing.batch.cache import BriefCache
from briefing.extract.settings import ModeName, async_client_from_env
from briefing.pricing import cost_of, price_for
from briefing.errors import BriefingError, ConfigurationError
from briefing.extract.core import ArticleLike, agenerate_brief, as_article, generate_brief
from briefing.models import Brief, Usage
from briefing.batch.pace import Pacer, Ticket, collector_spared, current_ticket


class BudgetExceededError(BriefingError):
    """The batch's cost or token budget was reached before this article was started."""


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


@dataclass
class _Budget:
    model: str | None
    max_cost: float | None
    max_total_tokens: int | None
    spent: Usage = field(default_factory=Usage)
    cost: float = 0.0

    def add(self, result: BriefResult) -> None:
        usage = result.usage
        recorded = result.brief.record.cost_usd if result.brief and usage != Usage() else None
        self._spend(usage, recorded)

    def charge(self, usage: Usage, model: str) -> None:
        """One response's usage, counted as it arrives (batches on an async client)."""
        self._spend(usage, cost_of(usage, model))

    def _spend(self, usage: Usage, cost: float | None) -> None:
        self.spent += usage
        if cost is not None:
            self.cost += cost
        elif self.model and (price := price_for(self.model)):
            self.cost += price.of(usage)

    def check(self) -> None:
        if why := self.reached():
            raise BudgetExceededError(why)

    def reached(self) -> str | None:
        if self.max_cost is not None and self.cost >= self.max_cost:
            return f"cost budget of ${self.max_cost:g} reached (${self.cost:.4f} spent)"
        if self.max_total_tokens is not None and self.spent.total_tokens >= self.max_total_tokens:
            return (
                f"token budget of {self.max_total_tokens:,} reached "
                f"({self.spent.total_tokens:,} spent)"
            )
        return None


class ResultLog:
    """Append-only JSONL of finished articles, one line each, flushed as they finish.

    On open, a torn last line (a crash mid-write) is cut off. Briefs and input errors count as
    done and are skipped by the rerun; other errors (an endpoint that was down, a key that was
    wrong) are taken out of the log so the rerun tries those articles again, and the log keeps
    exactly one line per article.
    """

    FINAL_ERRORS = ("InputError",)

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.done: dict[str, dict[str, Any]] = {}
        if self.path.exists():
            self._load()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = self.path.open("a", encoding="utf-8")

    def _load(self) -> None:
        kept: list[bytes] = []
        for line in self.path.read_bytes().splitlines(keepends=True):
            try:
                record = json.loads(line)
            except ValueError:
                break
            if not line.endswith(b"\n"):
                break
            if record["status"] == "ok" or record["error"]["type"] in self.FINAL_ERRORS:
                self.done[record["key"]] = record
                kept.append(line)
        partial = self.path.with_name(f".{self.path.name}.partial")
        partial.write_bytes(b"".join(kept))
        os.replace(partial, self.path)

    def write(self, key: str, result: BriefResult) -> None:
        record: dict[str, Any] = {"key": key, "source": result.source}
        if result.brief is not None:
            record["status"] = "ok"
            record["brief"] = json.loads(result.brief.to_json(indent=None))
        else:
            error = result.error
            record["status"] = "error"
            record["error"] = {"type": type(error).__name__, "message": str(error)}
        self._file.write(json.dumps(record, ensure_ascii=False) + "\n")
        self._file.flush()
        os.fsync(self._file.fileno())
        self.done[key] = record

    def close(self) -> None:
        self._file.close()


def _resumed(source: str, article: Article | None, record: dict[str, Any]) -> BriefResult:
    if record["status"] == "ok":
        return BriefResult(source, article, Brief.model_validate(record["brief"]), resumed=True)
    error = record["error"]
    return BriefResult(
        source,
        article,
        None,
        BriefingError(f"{error['type']} in an earlier run: {error['message']}"),
        resumed=True,
    )


def _label(item: ArticleLike) -> str:
    if isinstance(item, Article):
        return item.name or f"article {item.key}"
    if isinstance(item, os.PathLike):
        return str(item)
    return item if "\n" not in item and len(item) < 200 else f"text {item[:40]!r}..."


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
    progress: bool = False,
    **options: Any,
) -> AsyncIterator[BriefResult]:
    """Brief many articles at once, yielding each result as it finishes.

    With an `openai.AsyncOpenAI` (the default, from the environment) `concurrency` bounds the
    requests in flight and the batch runs paced on this event loop (see `_pace`); with an
    `openai.OpenAI` it bounds the articles briefed at once in worker threads. One article's
    failure never stops the others: its result carries the error. `cache`
    (default on, in ~/.cache/briefing or $BRIEFING_CACHE_DIR) answers repeats without a call;
    `output` names a JSONL log that a rerun resumes from; `max_cost` (US dollars, at
    briefing.PRICES) or `max_total_tokens` stop new work once reached, keeping what finished.
    """
    if concurrency < 1:
        raise ConfigurationError(f"concurrency must be at least 1, not {concurrency}")
    store = BriefCache() if cache is True else (cache or None)
    chosen_model = model or os.environ.get("BRIEFING_MODEL")
    if max_cost is not None and not (chosen_model and price_for(chosen_model)):
        raise ConfigurationError(
            f"max_cost needs a price for model {chosen_model!r}: add it to briefing.PRICES, "
            "or cap tokens with max_total_tokens"
        )
    budget = _Budget(chosen_model, max_cost, max_total_tokens)
    owned = client is None
    if client is None:
        client = async_client_from_env()  # one event loop, paced, rather than threads
    log = ResultLog(output) if output is not None else None
    items = list(articles)
    paced = isinstance(client, openai.AsyncOpenAI)
    # On one event loop, concurrency counts requests in flight (see _pace); as many articles
    # again may be prepared ahead or waiting to be checked. Threads (sync clients) count articles.
    pacer = Pacer(concurrency)
    gate = pacer.admission if paced else asyncio.Semaphore(concurrency)
    # asyncio's default executor has min(32, cores + 4) threads: too few for concurrency 16.
    threads = None if paced else ThreadPoolExecutor(concurrency, thread_name_prefix="briefing")
    bar = _progress_bar(len(items)) if progress else None

    async def run(item: ArticleLike) -> BriefResult:
        source = _label(item)
        if log and f"source:{source}" in log.done:
            return _resumed(source, None, log.done[f"source:{source}"])
        try:
            article = (
                item if isinstance(item, Article) else await asyncio.to_thread(as_article, item)
            )
        except BriefingError as exc:
            return _finish(BriefResult(source, None, None, exc), f"source:{source}")
        if log and article.key in log.done:
            return _resumed(source, article, log.done[article.key])
        async with gate:
            if why := budget.reached():
                return BriefResult(source, article, None, BudgetExceededError(why))
            ticket = Ticket(pacer, charge=budget.charge, check=budget.check) if paced else None
            if ticket is not None:
                ticket.start()
            try:
                result = await brief_one(source, article, ticket)
            finally:
                if ticket is not None:
                    ticket.done()
            if isinstance(result.error, BudgetExceededError):
                return result  # not started: not logged, so a rerun does it
            return _finish(result, article.key)

    async def brief_one(source: str, article: Article, ticket: Ticket | None) -> BriefResult:
        started = time.perf_counter()
        kwargs = {"model": model, "mode": mode, "cache": store, **options}
        try:
            if isinstance(client, openai.AsyncOpenAI):
                token = current_ticket.set(ticket)
                try:
                    brief = await agenerate_brief(article, client=client, **kwargs)
                finally:
                    current_ticket.reset(token)
            else:
                call = functools.partial(generate_brief, article, client=client, **kwargs)
                loop = asyncio.get_running_loop()
                brief = await loop.run_in_executor(threads, contextvars.copy_context().run, call)
        except BriefingError as exc:
            return BriefResult(source, article, None, exc, seconds=time.perf_counter() - started)
        return BriefResult(
            source,
            article,
            brief,
            cached=brief.record.from_cache,
            seconds=time.perf_counter() - started,
        )

    def _finish(result: BriefResult, key: str) -> BriefResult:
        if not paced:
            budget.add(result)
        if log is not None:
            log.write(key, result)
        return result

    with collector_spared():
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
            if bar is not None:
                bar.close()
            if log is not None:
                log.close()
            if threads is not None:
                threads.shutdown(wait=False, cancel_futures=True)
            if owned and isinstance(client, openai.AsyncOpenAI):
                await client.close()


def _progress_bar(total: int) -> Any:
    try:
        from tqdm.auto import tqdm
    except ImportError:  # pragma: no cover - tqdm is a dependency; stay usable without it
        return None
    return tqdm(total=total, unit="article", desc="briefing", leave=True)


def generate_briefs(articles: Iterable[ArticleLike], **kwargs: Any) -> Iterator[BriefResult]:
    """The sync face of `agenerate_briefs` for scripts and notebooks (where a loop may already
    be running): the batch runs on its own event loop in a worker thread. Leaving the loop
    early cancels the articles not yet finished."""
    results: queue.Queue[tuple[str, Any]] = queue.Queue()
    loop = asyncio.new_event_loop()

    async def pump() -> None:
        async for result in agenerate_briefs(articles, **kwargs):
            results.put(("result", result))

    main = loop.create_task(pump())
    closing = threading.Lock()  # the loop must not close between our check and our cancel

    def worker() -> None:
        try:
            loop.run_until_complete(main)
        except asyncio.CancelledError:
            pass
        except BaseException as exc:
            results.put(("error", exc))
        finally:
            with closing:
                loop.close()
            results.put(("done", None))

    thread = threading.Thread(target=worker, name="briefing-batch", daemon=True)
    thread.start()
    try:
        while True:
            kind, value = results.get()
            if kind == "done":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        with closing:
            if not loop.is_closed():
                loop.call_soon_threadsafe(main.cancel)
        thread.join()
