"""`BriefMapper`: briefing as the picklable callable that Ray Data and Spark map over batches.

An engine pickles the function it maps and runs it in worker processes, so what crosses the
wire is `FrameSettings` alone: plain values, the *name* of the environment variable that holds
the API key (never the key), no client. Each worker process builds its client and an event
loop thread once, on its first batch, and every batch after that reuses them; each batch is one
`agenerate_briefs` call on that loop (its concurrency, rate limits, cache and retries).

Limits are per worker process. Left unset, the rate limits are learned from the endpoint's
`x-ratelimit-*` headers, which count what the whole organisation spends, so workers that share
a key slow down together; given, `max_tokens_per_minute` / `max_requests_per_minute` should be
the cluster's limit divided by the number of workers (each batch starts with a full bucket, so
prefer batches of at least a minute's work). `max_cost` and `max_total_tokens` are budgets of
each worker process across its batches: the cluster can spend up to workers x budget.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Coroutine, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import openai

from briefing.batch.cache import BriefCache
from briefing.batch.limits import RateLimits
from briefing.batch.run import BriefResult, agenerate_briefs, label
from briefing.errors import BudgetExceededError, ConfigurationError
from briefing.extract.settings import (
    DEFAULT_ARTICLE_TOKENS,
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT,
    DEFAULT_TRANSPORT_RETRIES,
    ENV_BASE_URL,
    ENV_KEY,
    ModeName,
    Options,
    no_endpoint_message,
)
from briefing.frame.frame import Columns, articles_of, check_mode, output_frame, place, run_model
from briefing.load.article import Article
from briefing.models import Usage
from briefing.pricing import price_for

if TYPE_CHECKING:
    import pandas as pd

T = TypeVar("T")


@dataclass(frozen=True)
class FrameSettings:
    """Everything a worker needs to brief batches; plain values, safe to pickle and to log.

    `base_url` None means $OPENAI_BASE_URL on the worker (else OpenAI); `api_key_env` names
    the environment variable the worker reads its key from (None: a local server, no key).
    `cache` is True for the default folder on each worker, False for none, or a folder path:
    workers that see the same folder share it. The column names are `brief_frame`'s.
    """

    model: str | None = None
    mode: ModeName = "auto"
    base_url: str | None = None
    api_key_env: str | None = ENV_KEY
    text: str = "text"
    published: str | None = "published"
    source: str | None = None
    title: str | None = None
    keep: tuple[str, ...] = ()
    concurrency: int = 8
    cache: str | os.PathLike[str] | bool = True
    max_requests_per_minute: float | None = None
    max_tokens_per_minute: float | None = None
    max_cost: float | None = None
    max_total_tokens: int | None = None
    max_retries: int = DEFAULT_MAX_RETRIES
    transport_retries: int = DEFAULT_TRANSPORT_RETRIES
    temperature: float | None = None
    max_tokens: int | None = None
    timeout: float = DEFAULT_TIMEOUT
    max_article_tokens: int = DEFAULT_ARTICLE_TOKENS

    def __post_init__(self) -> None:
        """Every option is checked where the job is defined, before any worker starts."""
        keep = (self.keep,) if isinstance(self.keep, str) else tuple(self.keep)
        object.__setattr__(self, "keep", keep)
        if isinstance(self.cache, os.PathLike):
            object.__setattr__(self, "cache", os.fspath(self.cache))
        self.columns()
        check_mode(self.mode)
        if self.concurrency < 1:
            raise ConfigurationError(f"concurrency must be at least 1, not {self.concurrency}")
        self.options()
        RateLimits(
            requests_per_minute=self.max_requests_per_minute,
            tokens_per_minute=self.max_tokens_per_minute,
        )
        if self.max_cost is not None and not self.max_cost > 0:
            raise ConfigurationError(
                f"max_cost must be a positive dollar amount, not {self.max_cost}"
            )
        if self.max_cost is not None and self.model is not None and price_for(self.model) is None:
            raise ConfigurationError(
                f"max_cost needs a price for model {self.model!r}: add it to briefing.PRICES, "
                "or cap tokens with max_total_tokens"
            )
        if self.max_total_tokens is not None and self.max_total_tokens < 1:
            raise ConfigurationError(
                f"max_total_tokens must be a positive number, not {self.max_total_tokens}"
            )
        if self.api_key_env is not None and not self.api_key_env.strip():
            raise ConfigurationError("api_key_env must name an environment variable, or be None")

    def columns(self) -> Columns:
        return Columns(self.text, self.published, self.source, self.title, self.keep)

    def options(self) -> Options:
        return Options(
            self.max_retries, self.transport_retries, self.temperature, self.max_tokens,
            self.timeout, self.max_article_tokens,
        )  # fmt: skip

    def client(self) -> openai.AsyncOpenAI:
        """The worker's client, from these settings and the worker's environment."""
        base_url = self.base_url or os.environ.get(ENV_BASE_URL) or None
        key = os.environ.get(self.api_key_env) if self.api_key_env else None
        if not key and not base_url:
            raise ConfigurationError(
                f"${self.api_key_env} is not set on this worker and no base_url is given: "
                + no_endpoint_message()
                if self.api_key_env
                else "api_key_env=None needs a base_url (or $OPENAI_BASE_URL on the worker)"
            )
        return openai.AsyncOpenAI(api_key=key or "no-key-needed", base_url=base_url, max_retries=0)


@dataclass
class _Worker:
    """One process's event loop thread, client and budget, shared by its batches (a daemon
    thread: an engine may end the process without a goodbye)."""

    settings: FrameSettings
    loop: asyncio.AbstractEventLoop = field(default_factory=asyncio.new_event_loop)
    spent: Usage = field(default_factory=Usage)
    cost: float = 0.0
    client: openai.AsyncOpenAI | None = None

    def __post_init__(self) -> None:
        thread = threading.Thread(target=self.loop.run_forever, name="briefing-frame", daemon=True)
        thread.start()

    def run(self, work: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(work, self.loop).result()

    def left(self) -> tuple[float | None, int | None, str | None]:
        """This worker's budget left for the next batch, or why none is left."""
        s = self.settings
        cost = None if s.max_cost is None else s.max_cost - self.cost
        tokens = (
            None if s.max_total_tokens is None else s.max_total_tokens - self.spent.total_tokens
        )
        if cost is not None and cost <= 0:
            return cost, tokens, f"this worker's cost budget of ${s.max_cost:g} reached"
        if tokens is not None and tokens <= 0:
            return cost, tokens, f"this worker's token budget of {s.max_total_tokens:,} reached"
        return cost, tokens, None

    async def brief(self, articles: list[Article]) -> list[BriefResult]:
        s = self.settings
        if self.client is None:
            self.client = s.client()
        cost, tokens, _ = self.left()
        cache = s.cache if isinstance(s.cache, bool) else BriefCache(s.cache)
        results = [
            result
            async for result in agenerate_briefs(
                articles,
                client=self.client,
                model=s.model,
                mode=s.mode,
                concurrency=s.concurrency,
                cache=cache,
                max_cost=cost,
                max_total_tokens=tokens,
                max_requests_per_minute=s.max_requests_per_minute,
                max_tokens_per_minute=s.max_tokens_per_minute,
                max_retries=s.max_retries,
                transport_retries=s.transport_retries,
                temperature=s.temperature,
                max_tokens=s.max_tokens,
                timeout=s.timeout,
                max_article_tokens=s.max_article_tokens,
            )
        ]
        for result in results:
            self.spent += result.usage
            if result.ok and result.brief is not None and not result.cached:
                self.cost += result.brief.record.cost_usd or 0.0
            elif (price := price_for(run_model(s.model) or "")) is not None:
                self.cost += price.of(result.usage)
        return results


_WORKERS: dict[FrameSettings, _Worker] = {}
_WORKERS_LOCK = threading.Lock()


def _worker(settings: FrameSettings) -> _Worker:
    """This process's worker for `settings`, made on first use (never at import)."""
    with _WORKERS_LOCK:
        if settings not in _WORKERS:
            _WORKERS[settings] = _Worker(settings)
        return _WORKERS[settings]


class BriefMapper:
    """A picklable callable that briefs pandas batches, for engines that map over them.

    Ray Data: `ds.map_batches(BriefMapper, fn_constructor_args=(settings,),
    batch_format="pandas", concurrency=2)`. Spark: `df.mapInPandas(BriefMapper(settings),
    schema)` (it is given an iterator of batches and yields one frame per batch). Dask:
    `ddf.map_partitions(BriefMapper(settings), meta=...)`. Each output is `brief_frame`'s:
    `settings.keep` columns, then `frame_schema()`, one row per input row.
    """

    def __init__(self, settings: FrameSettings) -> None:
        if not isinstance(settings, FrameSettings):
            raise ConfigurationError(
                f"BriefMapper takes a FrameSettings, not {type(settings).__name__}"
            )
        self.settings = settings

    def __reduce__(self) -> tuple[type[BriefMapper], tuple[FrameSettings]]:
        return BriefMapper, (self.settings,)

    def __repr__(self) -> str:
        return f"BriefMapper({self.settings!r})"

    def __call__(self, batch: pd.DataFrame | Iterable[pd.DataFrame]) -> Any:
        """One batch in, one briefed batch out; an iterable of batches (Spark's mapInPandas)
        gives an iterator of briefed batches. (`Any`: pandas has no types to tell the two
        apart; `brief` is the typed one-batch form.)"""
        import pandas as pd

        if isinstance(batch, pd.DataFrame):
            return self.brief(batch)
        return (self.brief(frame) for frame in batch)

    def brief(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Brief one batch on this process's worker; no row's failure raises."""
        columns = self.settings.columns()
        columns.check(frame)
        items = articles_of(frame, columns)
        worker = _worker(self.settings)
        articles = [item for item in items if isinstance(item, Article)]
        *_, spent = worker.left()
        if spent is not None:
            results = [BriefResult(label(a), a, None, BudgetExceededError(spent)) for a in articles]
        else:
            results = worker.run(worker.brief(articles))
        return output_frame(frame, columns, place(items, results, run_model(self.settings.model)))
