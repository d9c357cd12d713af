"""Checks the model's output against the article: grounding of quotes, and rules no schema says.

Quotes are matched leniently about typography (curly vs straight quotes, dashes, runs of
whitespace, letter case) but never about words; the span found is what gets rendered, so a
briefing only ever shows the article's own characters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from briefing.extract.schema import Extraction, evidenced_items

MIN_QUOTE_CHARS = 10

_FOLD = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
        "\u00ab": '"', "\u00bb": '"',
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
        "\u2015": "-", "\u2212": "-",
        "\u00a0": " ", "\u2009": " ", "\u202f": " ", "\u200b": "", "\u00ad": "",
        "\u2060": "", "\ufeff": "",
    }
)  # fmt: skip
_FOLD_ONE_TO_ONE = {k: v for k, v in _FOLD.items() if v}
_QUOTE_MARKS = "\"'\u2018\u2019\u201c\u201d\u00ab\u00bb"


@dataclass(frozen=True)
class _Folded:
    """An article folded for matching, with each folded character's offset in the original."""

    text: str
    offsets: tuple[int, ...]


_INVISIBLE = "\u200b\u00ad\u2060\ufeff"
_RUNS = re.compile(rf"[{_INVISIBLE}]+|\s+|[^\s{_INVISIBLE}]+")


@lru_cache(maxsize=64)
def _fold_article(article: str) -> _Folded:
    """Fold the whole text in a few C-level passes when every character folds to exactly one
    (nearly always); otherwise run by run (words, spaces, invisible characters)."""
    return _fold_whole(article) or _fold_runs(article)


_LEADING = re.compile(rf"[\s{_INVISIBLE}]*")
_JOINS = re.compile(rf"[\s{_INVISIBLE}]{{2,}}|[^\S ]|[{_INVISIBLE}]")


def _fold_whole(article: str) -> _Folded | None:
    """Typography and case folded one to one, then whitespace runs (with any invisible
    characters in them) made one space and lone invisible characters dropped."""
    folded = article.translate(_FOLD_ONE_TO_ONE)
    folded = folded.lower() if folded.isascii() else folded.casefold()
    if len(folded) != len(article):
        return None
    parts: list[str] = []
    offsets: list[int] = []
    at = _LEADING.match(folded).end()  # type: ignore[union-attr]  # it matches "" at least
    for run in _JOINS.finditer(folded, at):
        start = run.start()
        parts.append(folded[at:start])
        offsets += range(at, start)
        at = run.end()
        spaces = run.group().lstrip(_INVISIBLE)
        if not spaces:
            continue
        parts.append(" ")
        offsets.append(run.end() - len(spaces))
    parts.append(folded[at:])
    offsets += range(at, len(folded))
    return _Folded("".join(parts), tuple(offsets))


def _fold_runs(article: str) -> _Folded:
    chars: list[str] = []
    offsets: list[int] = []
    previous_space = True
    for run in _RUNS.finditer(article):
        text, start = run.group(), run.start()
        if text[0] in _INVISIBLE:
            continue
        if text[0].isspace():
            if not previous_space:
                chars.append(" ")
                offsets.append(start)
                previous_space = True
            continue
        folded = text.translate(_FOLD)
        lowered = folded.casefold()
        if len(lowered) != len(text):
            lowered = "".join(_fold_case(c) for c in folded)
            if len(lowered) != len(text):  # a character folded to nothing: map one by one
                for i, ch in enumerate(text):
                    mapped = ch.translate(_FOLD)
                    if mapped:
                        chars.append(_fold_case(mapped))
                        offsets.append(start + i)
                previous_space = False
                continue
        chars.append(lowered)
        offsets.extend(range(start, start + len(text)))
        previous_space = False
    return _Folded("".join(chars), tuple(offsets))


def _fold_case(ch: str) -> str:
    """Case-fold one character, keeping it one character so offsets stay aligned."""
    folded = ch.casefold()
    return folded if len(folded) == 1 else ch


def _fold_quote(quote: str) -> str:
    folded = " ".join(quote.translate(_FOLD).split())
    if folded.isascii():
        return folded.lower()
    return "".join(_fold_case(c) for c in folded)


def _find_words(needle: str, haystack: str) -> int:
    """The first occurrence of `needle` that does not start or end inside a word, or -1:
    "agreed on" must not match inside "disagreed on"."""
    at = haystack.find(needle)
    while at >= 0:
        end = at + len(needle)
        before_ok = at == 0 or not (needle[0].isalnum() and haystack[at - 1].isalnum())
        after_ok = end == len(haystack) or not (needle[-1].isalnum() and haystack[end].isalnum())
        if before_ok and after_ok:
            return at
        at = haystack.find(needle, at + 1)
    return -1


@lru_cache(maxsize=8192)
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
        at = _find_words(candidate, folded.text)
        if at >= 0:
            end = at + len(candidate) - 1
            return folded.offsets[at], folded.offsets[end] + 1
    return None


def quote_problem(quote: str, article: str) -> str | None:
    """Why `quote` cannot serve as evidence, or None when it can."""
    if len(_fold_quote(quote).strip(_QUOTE_MARKS + " ")) < MIN_QUOTE_CHARS:
        return f"the quote {quote!r} is too short to show anything; quote the whole clause"
    if locate(quote, article) is None:
        if "..." in quote or "\u2026" in quote:
            return (
                f"the quote {quote!r} is shortened with an ellipsis; quote one contiguous "
                "passage exactly as the article has it"
            )
        return (
            f"the quote {quote!r} does not appear verbatim in the article; copy the exact words "
            "from the article, or drop the item if the article does not say it"
        )
    return None


@lru_cache(maxsize=8192)
def mentioned(name: str, article: str) -> bool:
    """Whether `name` occurs in the article as whole words (typography and case aside)."""
    needle = _fold_quote(name).strip(_QUOTE_MARKS + " ")
    return bool(needle) and _find_words(needle, _fold_article(article).text) >= 0


def problems(extraction: Extraction, article: str) -> list[tuple[str, str]]:
    """Every (item path, problem) pair; an empty list means the extraction can be trusted."""
    found: list[tuple[str, str]] = []
    if not extraction.key_points:
        found.append(("key_points", "give three to six key points, each with its evidence"))
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
    for label, name in _names_to_check(item):
        if not mentioned(name, article):
            found.append(
                f"{label}: {name!r} does not appear in the article; use names exactly as the "
                "article writes them"
            )
    return found


def _names_to_check(item: Any) -> list[tuple[str, str]]:
    """Names and places the briefing states as fact, so each must be in the article.

    Claimants are left to the evidence: they are often descriptions ("foreign ministers of
    Egypt, Greece, Cyprus and France") or the publisher itself, not words of the article.
    """
    names: list[tuple[str, str]] = []
    if hasattr(item, "other_names"):
        names.append(("name", item.name))
        names += [(f"other_names[{i}]", n) for i, n in enumerate(item.other_names)]
    if hasattr(item, "signatories"):
        names += [(f"signatories[{i}]", n) for i, n in enumerate(item.signatories)]
    if getattr(item, "place", None):
        names.append(("place", item.place))
    return names
