"""Briefing a pandas DataFrame: one row out per row in, a failed article a row with its error.

Data engines (Ray Data, Spark, Dask) hand a function a pandas batch and expect a batch back;
an exception kills the whole partition, so here nothing about one article may raise. Options
are still checked before any row is read or any request made: a bad column name or mode is a
mistake in the job, not in the data. The batch itself runs through `generate_briefs` (the same
concurrency, rate limits, cache and budgets as any batch).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import openai

from briefing.batch.cache import BriefCache
from briefing.batch.run import BriefResult, generate_briefs, label
from briefing.errors import BriefingError, ConfigurationError, InputError
from briefing.extract.settings import (
    DEFAULT_ARTICLE_TOKENS,
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT,
    DEFAULT_TRANSPORT_RETRIES,
    MODES,
    ModeName,
    resolve_model,
)
from briefing.frame.schema import COLUMN_NAMES, to_frame
from briefing.load.article import Article
from briefing.local.models import LocalModel
from briefing.models import Usage
from briefing.pricing import cost_of

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Columns:
    """Which input columns hold the article's text and metadata, and which are kept."""

    text: str = "text"
    published: str | None = "published"
    source: str | None = None
    title: str | None = None
    keep: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.text, str) or not self.text:
            raise ConfigurationError("text must name the column that holds the article text")
        clash = sorted(set(self.keep) & set(COLUMN_NAMES))
        if clash:
            raise ConfigurationError(
                f"keep names {clash}, which the output has already; rename them first"
            )

    def check(self, frame: Any) -> None:
        """Refuse a frame that lacks a named column, naming it and the columns it has."""
        import pandas as pd

        if not isinstance(frame, pd.DataFrame):
            raise InputError(f"expected a pandas DataFrame, not {type(frame).__name__}")
        wanted = [("text", self.text), ("published", self.published), ("source", self.source),
                  ("title", self.title), *(("keep", name) for name in self.keep)]  # fmt: skip
        have = [str(c) for c in frame.columns]
        for option, name in wanted:
            if name is not None and name not in frame.columns:
                hint = " (pass published=None for articles without a date)" * (
                    option == "published"
                )
                raise ConfigurationError(
                    f"{option}={name!r} names no column of the DataFrame{hint}; its columns: "
                    f"{', '.join(have) or '(none)'}"
                )


def check_mode(mode: str) -> None:
    if mode not in MODES:
        raise ConfigurationError(f"unknown mode {mode!r}; choose one of {', '.join(MODES)}")


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        import pandas as pd

        return bool(pd.isna(value)) if not isinstance(value, str | bytes) else False
    except (TypeError, ValueError):
        return False


def _date(value: Any) -> dt.date | str | None:
    if _missing(value):
        return None
    if isinstance(value, dt.datetime):  # pandas.Timestamp is one
        return value.date()
    if isinstance(value, dt.date | str):
        return value
    raise InputError(f"the published value {value!r} is not a date or a YYYY-MM-DD string")


def _text(value: Any, what: str) -> str | None:
    if _missing(value):
        return None
    if not isinstance(value, str):
        raise InputError(f"the {what} is a {type(value).__name__}, not text")
    return value


def article_of(row: dict[str, Any], columns: Columns) -> Article:
    """The row's Article, read as `generate_briefs` reads a string (HTML reduced, language
    guessed); the metadata columns count as given. Raises InputError for a bad row."""
    text = _text(row[columns.text], "article text")
    if text is None or not text.strip():
        raise InputError("the article text is empty")

    def meta(name: str | None, what: str) -> str | None:
        value = _text(row[name], what) if name is not None else None
        return value if value is not None and value.strip() else None

    return Article.from_string(
        text,
        date=_date(row[columns.published]) if columns.published is not None else None,
        source=meta(columns.source, "source"),
        title=meta(columns.title, "title"),
    )


def articles_of(frame: Any, columns: Columns) -> list[Article | InputError]:
    """Each row's Article, or the InputError that row is, in row order."""
    names = [c for c in (columns.text, columns.published, columns.source, columns.title) if c]
    out: list[Article | InputError] = []
    for row in frame[list(dict.fromkeys(names))].to_dict("records"):
        try:
            out.append(article_of(row, columns))
        except InputError as exc:
            out.append(exc)
    return out


def result_row(result: BriefResult | None, key: str | None, model: str | None) -> dict[str, Any]:
    """One output row; `model` is the run's model, for the cost of a failed article."""
    if result is None:
        result = BriefResult("", None, None, BriefingError("the batch returned no result"))
    usage: Usage = result.usage
    row: dict[str, Any] = {name: 0 for name in COLUMN_NAMES}
    row.update(
        key=result.article.key if result.article is not None else key,
        ok=result.ok,
        headline=None,
        prompt_tokens=usage.prompt_tokens,
        completion_tokens=usage.completion_tokens,
        total_tokens=usage.total_tokens,
        cached_tokens=usage.cached_tokens,
        cost_usd=None,
        model=model,
        from_cache=result.cached,
        seconds=float(result.seconds),
        error_type=None,
        error_message=None,
        brief=None,
    )
    if result.brief is not None:
        brief = result.brief
        row.update(
            headline=brief.headline,
            key_points=len(brief.key_points),
            agreements=len(brief.agreements),
            officials=len(brief.officials),
            claims=len(brief.claims),
            unverified=len(brief.record.unverified),
            model=brief.record.model,
            cost_usd=0.0 if result.cached or result.resumed else brief.record.cost_usd,
            brief=brief.to_json(indent=None),
        )
    else:
        error = result.error or BriefingError("no brief and no error")
        row.update(error_type=type(error).__name__, error_message=str(error))
        if model is not None:
            row["cost_usd"] = cost_of(usage, model) if usage.total_tokens else 0.0
    return row


def place(
    items: Sequence[Article | InputError], results: Iterable[BriefResult], model: str | None
) -> list[dict[str, Any]]:
    """The output rows in input order: `results` arrive as they finish, and each is matched
    to its row by the batch's label (rows with equal labels are the same article)."""
    waiting: dict[str, list[int]] = {}
    for position, item in enumerate(items):
        if isinstance(item, Article):
            waiting.setdefault(label(item), []).append(position)
    found: dict[int, BriefResult] = {}
    for result in results:
        positions = waiting.get(result.source)
        if positions:
            found[positions.pop(0)] = result
    rows = []
    for position, item in enumerate(items):
        if isinstance(item, InputError):
            rows.append(result_row(BriefResult("", None, None, item), None, model))
        else:
            rows.append(result_row(found.get(position), item.key, model))
    return rows


def output_frame(frame: Any, columns: Columns, rows: list[dict[str, Any]]) -> Any:
    """The kept input columns, then the schema's columns, on the input's index."""
    import pandas as pd

    out = to_frame(rows, index=frame.index)
    if not columns.keep:
        return out
    return pd.concat([frame[list(columns.keep)], out], axis=1)


def run_model(model: str | None) -> str | None:
    """The model name a run will use (for the cost of failed rows), if it resolves."""
    try:
        return resolve_model(model)
    except ConfigurationError:
        return None


def brief_frame(
    df: pd.DataFrame,
    *,
    text: str = "text",
    published: str | None = "published",
    source: str | None = None,
    title: str | None = None,
    keep: Sequence[str] = (),
    client: openai.OpenAI | openai.AsyncOpenAI | None = None,
    local: LocalModel | None = None,
    model: str | None = None,
    mode: ModeName = "auto",
    concurrency: int = 8,
    cache: BriefCache | bool | None = True,
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
) -> pd.DataFrame:
    """Brief every row of `df`: one output row per input row, same order and index.

    `text` names the column of article text; `published` (dates, Timestamps or YYYY-MM-DD
    strings; None for no such column), `source` and `title` the metadata columns; `keep`
    input columns copied to the front of the output (e.g. an id to join on). The other
    columns are `frame_schema()`: flat figures, the Brief as JSON, and for a row that failed
    (empty text, a model that kept failing, a budget reached) its error type and message; no
    row's failure raises. A missing column, a bad mode or option, or no configured endpoint
    raises ConfigurationError before any request. `local` is a GGUF model file served by
    llama.cpp instead of `client`. The rest is `generate_briefs`.
    """
    kept = (keep,) if isinstance(keep, str) else tuple(keep)
    columns = Columns(text, published, source, title, kept)
    columns.check(df)
    check_mode(mode)
    items = articles_of(df, columns)
    results = generate_briefs(
        [item for item in items if isinstance(item, Article)],
        client=client, local=local, model=model, mode=mode, concurrency=concurrency,
        cache=cache, max_cost=max_cost, max_total_tokens=max_total_tokens,
        max_requests_per_minute=max_requests_per_minute,
        max_tokens_per_minute=max_tokens_per_minute, progress=progress,
        max_retries=max_retries, transport_retries=transport_retries, temperature=temperature,
        max_tokens=max_tokens, timeout=timeout, max_article_tokens=max_article_tokens,
    )  # fmt: skip
    rows = place(items, list(results), run_model(model))
    return output_frame(df, columns, rows)
