"""Finding quotes and names in the article, and the passage closest to one that is not there.

Quotes are matched leniently about typography (curly vs straight quotes, dashes, runs of
whitespace, letter case) but never about words; the span found is what gets rendered, so a
briefing only ever shows the article's own characters.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz

MIN_QUOTE_CHARS = 10

_FOLD = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
        "\u00ab": '"', "\u00bb": '"',
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
        "\u2015": "-", "\u2212": "-",
        "\u00a0": " ", "\u2009": " ", "\u202f": " ", "\u200b": "", "\u00ad": "",
        "\u2060": "", "\ufeff": "", "[": "", "]": "",
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
# Editorial brackets ("[Recep Tayyip] Erdogan", "[T]he") are dropped on both sides, so a quote
# or name matches whether or not the model kept them.
_DROPPED = "[]"
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
    if any(c in article for c in _DROPPED):
        return None
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


TITLE_WORDS = {
    "president", "minister", "secretary", "chancellor", "ambassador", "spokesman",
    "spokeswoman", "spokesperson", "general", "senator", "governor", "mayor", "chief",
    "director", "chairman", "speaker", "king", "queen", "prince", "sheikh", "mr", "mrs", "ms",
    "dr", "gen", "sen", "rep", "he", "h.e",
}  # fmt: skip


def names_person(quote: str, forms: Sequence[str]) -> bool:
    """Whether a quote names the person written `forms`: a form of the name, or a word of it
    that is not a title (a surname)."""
    words = [w for f in forms for w in f.replace("-", " ").split() if len(w) > 2]
    lowered = {w.strip(".,").casefold() for w in words} - TITLE_WORDS
    return any(mentioned(f, quote) for f in forms if f.strip()) or any(
        mentioned(w, quote) for w in lowered
    )


_WRAPPED = (
    re.compile(r"[\"\u201c\u00ab](.+)[\"\u201d\u00bb]", re.DOTALL),
    re.compile(r"(?:^|\s)[\'\u2018](.+)[\'\u2019](?:$|[\s.,;:])", re.DOTALL),
    re.compile(r"^[^\"\'\u201c\u2018]{3,60}?:\s*(.+)$", re.DOTALL),
)


def ground(quote: str, article: str) -> tuple[int, int] | None:
    """The span of `quote`, or of the quoted part of a quote the model wrapped in words of its
    own ("The article states: '...'") when that part alone is in the article."""
    span = locate(quote, article)
    if span is not None:
        return span
    for pattern in _WRAPPED:
        match = pattern.search(quote.strip())
        if match and len(_fold_quote(match.group(1))) >= MIN_QUOTE_CHARS:
            span = locate(match.group(1), article)
            if span is not None:
                return span
    return None


def closest_passage(text: str, article: str, *, limit: int = 320) -> str | None:
    """The article's sentence(s) most like `text`, for a repair request: the model sees the
    words it should have copied."""
    if not text.strip():
        return None
    found = fuzz.partial_ratio_alignment(text, article, processor=str.casefold)
    if found is None or found.score < 50:
        return None
    start = max(
        article.rfind(". ", 0, found.dest_start) + 2,
        article.rfind("\n", 0, found.dest_start) + 1,
        0,
    )
    ends = [
        i
        for i in (article.find(". ", found.dest_end), article.find("\n", found.dest_end))
        if i >= 0
    ]
    end = min(ends) + 1 if ends else len(article)
    passage = article[start:end].strip()
    return passage if len(passage) <= limit else article[found.dest_start : found.dest_end].strip()
