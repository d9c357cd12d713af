"""Checks the model's output against the article: grounding of quotes, and rules no schema says.

Quotes are matched leniently about typography (curly vs straight quotes, dashes, runs of
whitespace, letter case) but never about words; the span found is what gets rendered, so a
briefing only ever shows the article's own characters.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from briefing._schema import Extraction, evidenced_items

MIN_QUOTE_CHARS = 10

_FOLD = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
        "\u00ab": '"', "\u00bb": '"',
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
        "\u2015": "-", "\u2212": "-",
        "\u00a0": " ", "\u2009": " ", "\u202f": " ", "\u200b": "",
    }
)  # fmt: skip
_QUOTE_MARKS = "\"'\u2018\u2019\u201c\u201d\u00ab\u00bb"


@dataclass(frozen=True)
class _Folded:
    """An article folded for matching, with each folded character's offset in the original."""

    text: str
    offsets: tuple[int, ...]


@lru_cache(maxsize=32)
def _fold_article(article: str) -> _Folded:
    chars: list[str] = []
    offsets: list[int] = []
    previous_space = True
    for i, raw in enumerate(article):
        ch = raw.translate(_FOLD)
        if not ch:
            continue
        if ch.isspace():
            if previous_space:
                continue
            ch = " "
        lowered = ch.lower()
        chars.append(lowered if len(lowered) == 1 else ch)
        offsets.append(i)
        previous_space = ch == " "
    return _Folded("".join(chars), tuple(offsets))


def _fold_quote(quote: str) -> str:
    folded = " ".join(quote.translate(_FOLD).split())
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in folded)


def locate(quote: str, article: str) -> tuple[int, int] | None:
    """The [start, end) span of `quote` in `article`, or None when it is not there verbatim.

    Quote marks the model wrapped around the quote are ignored; nothing else is.
    """
    folded = _fold_article(article)
    needle = _fold_quote(quote)
    candidates = [needle]
    stripped = needle.strip(_QUOTE_MARKS + " ")
    if stripped != needle:
        candidates.append(stripped)
    for candidate in candidates:
        if not candidate:
            continue
        at = folded.text.find(candidate)
        if at >= 0:
            end = at + len(candidate) - 1
            return folded.offsets[at], folded.offsets[end] + 1
    return None


def quote_problem(quote: str, article: str) -> str | None:
    """Why `quote` cannot serve as evidence, or None when it can."""
    if "..." in quote or "\u2026" in quote:
        return f"the quote {quote!r} is shortened with an ellipsis; quote one contiguous passage"
    if len(_fold_quote(quote).strip(_QUOTE_MARKS + " ")) < MIN_QUOTE_CHARS:
        return f"the quote {quote!r} is too short to show anything; quote the whole clause"
    if locate(quote, article) is None:
        return (
            f"the quote {quote!r} does not appear verbatim in the article; copy the exact words "
            "from the article, or drop the item if the article does not say it"
        )
    return None


def mentioned(name: str, article: str) -> bool:
    """Whether `name` occurs in the article (typography and case aside)."""
    needle = _fold_quote(name).strip(_QUOTE_MARKS + " ")
    return bool(needle) and needle in _fold_article(article).text


def problems(extraction: Extraction, article: str) -> list[tuple[str, str]]:
    """Every (item path, problem) pair; an empty list means the extraction can be trusted."""
    found: list[tuple[str, str]] = []
    for path, item in evidenced_items(extraction):
        found += [(path, message) for message in item_problems(item, article)]
    return found


def item_problems(item: Any, article: str) -> list[str]:
    """The problems of one evidenced item (a key point, agreement, official or claim draft)."""
    found: list[str] = []
    quotes = [q for q in item.evidence if q.strip()]
    if not quotes:
        found.append("evidence: give at least one verbatim quote from the article")
    for i, quote in enumerate(item.evidence):
        problem = quote_problem(quote, article) if quote.strip() else None
        if problem:
            found.append(f"evidence[{i}]: {problem}")
    parties = getattr(item, "parties", None)
    if parties is not None and len({p.strip().casefold() for p in parties if p.strip()}) < 2:
        found.append("parties: name at least two distinct parties")
    date = getattr(item, "date", None)
    if date is not None and not mentioned(date.text, article):
        found.append(
            f"date.text: {date.text!r} does not appear in the article; copy the article's own "
            "words for the date, or use null"
        )
    if hasattr(item, "other_names"):
        for label, name in [("name", item.name)] + [
            (f"other_names[{i}]", n) for i, n in enumerate(item.other_names)
        ]:
            if not mentioned(name, article):
                found.append(
                    f"{label}: {name!r} does not appear in the article; use the names exactly "
                    "as the article writes them"
                )
    return found
