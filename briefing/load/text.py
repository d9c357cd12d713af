"""Making input text fit to brief: the dateline of plain text read; HTML reduced to its article
(`briefing.load.html`) and the language guessed (`briefing.load.language`), re-exported here.

A dateline is the place, often a date, and often the agency that wire copy opens with:

    VALLETTA, March 4, 2025 (Newswire) - ...
    WASHINGTON (Reuters) - ...
    LONDON, Jan 5 (AP) — ...
    KYIV, Ukraine, 4 March 2025 /PRNewswire/ -- ...

It is read, never cut: the text keeps it, since evidence spans index into the text. English
month names (full or abbreviated), day-month or month-day order, and ISO dates are read. A
dateline without a year (`LONDON, Jan 5 (AP) —`) gives its source but no date: the year is
not guessed, because the year the file happens to be read in is wrong for every archived
article, silently; the caller can give the date (`date=`, `--date`). A dateline must end in
a dash and hold a date or a source, and every word of its place must be capitalised, so that
prose is not taken for one.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from briefing.load.html import Page, html_to_text, looks_like_html, read_page
from briefing.load.language import guess_language

__all__ = [
    "Dateline",
    "Page",
    "guess_language",
    "html_to_text",
    "looks_like_html",
    "read_dateline",
    "read_page",
]

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_MONTH = (
    r"(?i:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DAY_NAME = r"(?i:mon|tues|wednes|thurs|fri|satur|sun)day"
_WEEKDAY = rf"(?:{_DAY_NAME},?\s+)?"
_WORD = r"[^\W\d_][\w.'\u2019]*(?:-[\w.'\u2019]+)*"
_REGION = rf",[ ](?!{_DAY_NAME}\b){_WORD}(?:[ ]{_WORD}){{0,3}}"
_PLACE = rf"{_WORD}(?:[ ]{_WORD}){{0,3}}(?:{_REGION}){{0,2}}"
_DATE = (
    rf"{_WEEKDAY}(?:(?P<month>{_MONTH})\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(?P<year>\d{{4}}))?"
    rf"|(?P<day2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<month2>{_MONTH})(?:,?\s+(?P<year2>\d{{4}}))?"
    r"|(?P<iso>\d{4}-\d{2}-\d{2}))"
)
_DATELINE = re.compile(
    rf"\s*(?P<place>{_PLACE})(?:,\s*(?P<date>{_DATE}))?"
    r"\s*(?:\((?P<source>[^()\n]{1,60})\)|/(?P<wire>[^/\n]{1,60})/)?"
    r"\s*(?:--|-|\u2013|\u2014)\s"  # hyphen(s), en dash, em dash
)
# Lower-case words a place name may hold: Rio de Janeiro, Frankfurt am Main.
_PLACE_PARTICLES = {"de", "da", "do", "del", "della", "des", "du", "la", "le", "el", "al", "am"}
# Capitalised openings of prose that the pattern could take for a place.
_NOT_PLACES = {
    "yesterday", "today", "tomorrow", "tonight", "on", "in", "at", "by", "last", "next", "this",
    "since", "until", "after", "before", "earlier", "later", "monday", "tuesday", "wednesday",
    "thursday", "friday", "saturday", "sunday",
}  # fmt: skip


@dataclass(frozen=True)
class Dateline:
    """The dateline at the start of a text; `end` is where the story proper starts."""

    place: str
    published: dt.date | None
    source: str | None
    end: int


def read_dateline(text: str) -> Dateline | None:
    """The dateline the text opens with, if it has one (the text itself is left as it is)."""
    match = _DATELINE.match(text[:300])
    if match is None:
        return None
    place = match["place"]
    words = place.replace(",", " ").split()
    if len(place) > 60 or words[0].lower() in _NOT_PLACES:
        return None
    if not all(w[0].isupper() or w in _PLACE_PARTICLES for w in words):
        return None
    source = " ".join((match["source"] or match["wire"] or "").split()) or None
    if source is not None and not _agency(source):
        return None
    published = _date(match) if match["date"] else None
    if source is None and match["date"] is None:
        return None
    return Dateline(place, published, source, match.end())


def _agency(source: str) -> bool:
    """Whether a parenthesised name can be an agency: Reuters, AP, dpa, Xinhua, PRNewswire."""
    words = source.split()
    letters = [c for c in source if c.isalpha()]
    capitalised = letters[0].isupper() if letters else False
    return len(letters) >= 2 and len(words) <= 6 and (capitalised or len(words) == 1)


def _date(match: re.Match[str]) -> dt.date | None:
    try:
        if match["iso"]:
            return dt.date.fromisoformat(match["iso"])
        month, day, year = (
            (match["month"], match["day"], match["year"])
            if match["month"]
            else (match["month2"], match["day2"], match["year2"])
        )
        if not year:
            return None  # no year: not guessed (see the module's docstring)
        return dt.date(int(year), _MONTHS[month.lower()[:3]], int(day))
    except ValueError:
        return None
