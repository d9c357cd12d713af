"""Names, places, titles and dates folded for comparison and sorting across articles."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable
from functools import lru_cache

from briefing.ground.names import fold_name

STOP = {"the", "a", "an", "of", "on", "and", "for", "between", "to", "in", "with"}
_ALIASES = {
    "us": "united states", "usa": "united states", "u s": "united states",
    "united states of america": "united states", "america": "united states",
    "uk": "united kingdom", "u k": "united kingdom", "britain": "united kingdom",
    "great britain": "united kingdom", "turkiye": "turkey",
}  # fmt: skip


@lru_cache(maxsize=65536)
def words(text: str) -> tuple[str, ...]:
    return tuple(re.findall(r"\w+", fold_name(text)))


@lru_cache(maxsize=65536)
def fold_tag(text: str) -> str:
    return " ".join(words(text))


def place(text: str | None) -> str:
    folded = fold_tag(text or "")
    folded = re.sub(r"^the ", "", folded)
    return _ALIASES.get(folded, folded)


def places_agree(a: str, b: str) -> bool:
    """Egypt / Egyptian / the Egyptian: one place; the US and Russia are not."""
    if not a or not b or a == b:
        return True
    short, long_ = sorted((a, b), key=len)
    return len(short) >= 4 and long_.startswith(short)


def title_words(title: str | None) -> frozenset[str]:
    return frozenset(w for w in words(title or "") if w not in STOP)


def titles_agree(a: frozenset[str], b: frozenset[str]) -> bool:
    return bool(a) and bool(b) and (a <= b or b <= a)


def date_key(value: str) -> tuple[str, int]:
    """A TimeML value as (the first day of its period, precision rank) for sorting: 2023 and
    2023-W11 and 2023-Q1 sort among days by where their period begins."""
    if m := re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})(?:T.*)?", value):
        return f"{m[1]}-{m[2]}-{m[3]}", 0
    if m := re.fullmatch(r"(\d{4})-W(\d{2})", value):
        try:
            return dt.date.fromisocalendar(int(m[1]), int(m[2]), 1).isoformat(), 1
        except ValueError:
            return f"{m[1]}-01-01", 1
    if m := re.fullmatch(r"(\d{4})-(\d{2})", value):
        return f"{m[1]}-{m[2]}-01", 2
    if m := re.fullmatch(r"(\d{4})-(SP|SU|FA|AU|WI)", value):
        month = {"SP": 3, "SU": 6, "FA": 9, "AU": 9, "WI": 12}[m[2]]
        return f"{m[1]}-{month:02d}-01", 3
    if m := re.fullmatch(r"(\d{4})-Q(\d)", value):
        return f"{m[1]}-{(int(m[2]) - 1) * 3 + 1:02d}-01", 4
    if m := re.fullmatch(r"(\d{4})-H(\d)", value):
        return f"{m[1]}-{1 if m[2] == '1' else 7:02d}-01", 5
    if m := re.fullmatch(r"(\d{4})", value):
        return f"{m[1]}-01-01", 6
    if m := re.fullmatch(r"(\d{3})X?", value):
        return f"{m[1]}0-01-01", 7
    if m := re.fullmatch(r"(\d{2})X{0,2}", value):
        return f"{m[1]}00-01-01", 8
    return value, 9


def entity_id(prefix: str, first_mention: str) -> str:
    return f"{prefix}-{hashlib.sha1(first_mention.encode()).hexdigest()[:10]}"


def distinct(values: Iterable[str | None]) -> list[str]:
    """The values once each, compared folded, in first-seen order."""
    seen: dict[str, str] = {}
    for value in values:
        if value:
            seen.setdefault(fold_tag(value), value)
    return list(seen.values())
