"""Resolve date phrases from news articles to TimeML (TIMEX3) values.

Rules below run first; dateparser is the fallback for explicit dates the rules do not cover.
English is ambiguous, so these conventions are fixed here and relied on by callers:

* Bare weekday ("on Wednesday", "Monday's vote"): the article's own weekday is the article date
  (wire copy dated Thursday says "said on Thursday" of that day; dateparser's week-back reading
  is its best-known miss). Any other weekday: past or unknown tense gives the most recent such
  day before the article date, future tense the next one after.
* "this Friday": the day in the article's ISO week (unknown tense); with a tense, the nearest
  one on that side, the article date included. "last"/"next" + weekday, month or season: the
  nearest occurrence strictly before/after the one containing the article date.
* Month, season, quarter, half or month-day with no year: past or unknown tense gives the most
  recent one that has begun by the article date, future tense the next one not yet over.
* Seasons are meteorological (SP Mar-May, SU Jun-Aug, FA Sep-Nov, WI Dec-Feb); a winter
  carries the year of its December.
* "N days ago" gives a day, "N weeks ago" an ISO week, months a month, years and decades a
  year. "in N days" counts forward whatever the tense.
* Fixed-date holidays (Christmas, New Year's Day) resolve like "December 25"; movable ones
  (Easter, Thanksgiving) are not covered and give None.
* None for vague or anaphoric words ("recently", "now", "that day"), durations ("three
  weeks", "the past year"), ranges ("2011-12") and fiscal years. Non-str input raises
  TypeError; empty input gives None.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable
from typing import Literal

from dateparser.date import DateDataParser
from pydantic import BaseModel, ConfigDict

Precision = Literal[
    "day", "week", "month", "season", "quarter", "half", "year", "decade", "century"
]
Tense = Literal["past", "future", "unknown"]
_Mode = Literal["last", "next", "past", "future", "this"]
_Span = tuple[dt.date, dt.date]


class ResolvedDate(BaseModel):
    """A TimeML value and the calendar unit it names."""

    model_config = ConfigDict(frozen=True)
    value: str
    precision: Precision


# fmt: off
_MONTHS = {
    name: i
    for i, names in enumerate(
        ("jan january", "feb february", "mar march", "apr april", "may", "jun june", "jul july",
         "aug august", "sep sept september", "oct october", "nov november", "dec december"),
        start=1,
    )
    for name in names.split()
}
_WEEKDAYS = {
    name: i
    for i, name in enumerate(
        ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    )
}
_NUMBERS = {"a": 1, "an": 1} | {
    name: i
    for i, name in enumerate(
        ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
         "eleven", "twelve"),
        start=1,
    )
}
_ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4,
             "4th": 4}
_SEASONS = {"spring": ("SP", 3), "summer": ("SU", 6), "fall": ("FA", 9), "autumn": ("FA", 9),
            "winter": ("WI", 12)}
_HOLIDAYS = {"christmas": (12, 25), "christmas day": (12, 25), "christmas eve": (12, 24),
             "new year day": (1, 1), "new year eve": (12, 31), "halloween": (10, 31),
             "valentine day": (2, 14)}
_DAY_WORDS = {"today": 0, "tonight": 0, "this morning": 0, "this afternoon": 0,
              "this evening": 0, "yesterday": -1, "last night": -1, "tomorrow": 1,
              "day before yesterday": -2, "day after tomorrow": 2}
_PERIODS: dict[str, Precision] = {"time": "day", "day": "day", "week": "week", "month": "month",
                                  "year": "year"}
# fmt: on

_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))
_WEEKDAY_RE = "|".join(_WEEKDAYS)
_YEAR_REF = r"(\d{4}|(?:this|last|next|the) year)"
_LEADING = re.compile(
    r"^(?:(?:on|in|by|since|from|until|till|through|to|for|as of|at|during|before|after|over"
    r"|around|about|the|early|earlier|late|later|middle of|end of|beginning of|start of)\s+"
    r"|mid(?:-|\s+))"
)
_POD = re.compile(r"\s+(?:morning|afternoon|evening|night)$")
_CLOCK = re.compile(
    r"(?:^|\s+)(?:at\s+)?"
    r"(?:\d{1,2}(?::\d{2})?\s*(?:a\.?m|p\.?m)\.?|\d{1,2}:\d{2}|(?:12 )?noon|midnight)$"
)
_REJECT = re.compile(
    r"\b(?:recent(?:ly)?|soon|lately|(?<!from )now|currently|nowadays|once|past|previous|following"
    r"|coming|upcoming|several|few|many|some|couple|that|those|same|within|fiscal)\b|\bfy\s*'?\d"
    r"|\b\d{4}\s*[-/\u2013]\s*\d{2,4}\b(?![-/]\d)"
)
_DATEISH = re.compile(rf"\d{{3}}|\d[/.]\d|\b(?:{_MONTH_RE}|{_WEEKDAY_RE})\b")
_UNIT_WORD = re.compile(r"\b(?:day|week|weekend|month|year|decade|century|hour|minute)s?\b")


def resolve_date(phrase: str, anchor: dt.date, *, tense: Tense = "unknown") -> ResolvedDate | None:
    """Resolve a date phrase as worded in a news article against the article's publication date."""
    if not isinstance(phrase, str):
        raise TypeError(f"phrase must be str, not {type(phrase).__name__}")
    if isinstance(anchor, dt.datetime):
        anchor = anchor.date()
    core, after_in = _normalise(phrase)
    if not core or _REJECT.search(core):
        return None
    for rule in _RULES:
        found = rule(core, anchor, tense, after_in)
        if found is not None:
            return found
    return _fallback(core, anchor, tense)


def _normalise(phrase: str) -> tuple[str, bool]:
    """Lower-case, drop possessives, prepositions and vague modifiers; say whether "in" led."""
    text = phrase.lower().replace("\u2019", "'").replace("\u2018", "'")
    text = re.sub(r"'s\b", "", text)
    text = re.sub(r"\s+", " ", text).strip(' \t,.;:!?"()')
    text = _CLOCK.sub("", text).rstrip(" ,")
    text = re.sub(rf"^(?:this )?past (?={_WEEKDAY_RE}|weekend)", "last ", text)
    text = re.sub(rf"^(?:this )?coming (?={_WEEKDAY_RE})", "next ", text)
    after_in = False
    while (m := _LEADING.match(text)) is not None:
        after_in = after_in or m.group(0).strip() == "in"
        text = text[m.end() :]
    return text, after_in


def _mode(det: str | None, tense: Tense, strict: bool = False) -> _Mode:
    """Map a determiner and the sentence tense to a search direction (see module doc)."""
    if det in ("last", "next"):
        return "last" if det == "last" else "next"
    if det == "this":
        return "this" if tense == "unknown" else tense
    if tense == "future":
        return "next" if strict else "future"
    return "last" if strict else "past"


def _pick(
    span_of: Callable[[int], _Span | None], anchor: dt.date, mode: _Mode, base: int
) -> int | None:
    """Choose which cycle (year, or week offset) a recurring period refers to."""
    spans = {k: s for k in range(base - 9, base + 10) if (s := span_of(k)) is not None}
    if mode == "this":
        around = [k for k, (lo, hi) in spans.items() if lo <= anchor <= hi]
        return around[0] if around else (base if base in spans else None)
    ok = [k for k, (lo, hi) in spans.items() if _on_side(mode, lo, hi, anchor)]
    if not ok:
        return None
    return max(ok) if mode in ("last", "past") else min(ok)


def _on_side(mode: _Mode, lo: dt.date, hi: dt.date, anchor: dt.date) -> bool:
    if mode == "last":
        return hi < anchor
    if mode == "next":
        return lo > anchor
    return lo <= anchor if mode == "past" else hi >= anchor


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _add_months(year: int, month: int, n: int) -> tuple[int, int]:
    y, m0 = divmod(year * 12 + month - 1 + n, 12)
    return y, m0 + 1


def _week(day: dt.date) -> str:
    iso = day.isocalendar()
    return f"{iso.year:04d}-W{iso.week:02d}"


def _day(day: dt.date) -> ResolvedDate:
    return ResolvedDate(value=day.isoformat(), precision="day")


def _year_of(ref: str | None, anchor: dt.date) -> int | None:
    """A year written as digits or as "this/last/next year"; None when absent."""
    if ref is None:
        return None
    shift = {"this year": 0, "the year": 0, "last year": -1, "next year": 1}
    return anchor.year + shift[ref] if ref in shift else int(ref)


def _count(word: str) -> int | None:
    return int(word) if word.isdigit() else _NUMBERS.get(word)


_Rule = Callable[[str, dt.date, Tense, bool], ResolvedDate | None]


def _iso(core: str, anchor: dt.date, tense: Tense, after_in: bool) -> ResolvedDate | None:
    if m := re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", core):
        try:
            return _day(dt.date(*map(int, m.groups())))
        except ValueError:
            return None
    if m := re.fullmatch(r"(\d{4})-w(\d{2})", core):
        return ResolvedDate(value=f"{m[1]}-W{m[2]}", precision="week")
    return None


def _day_word(core: str, anchor: dt.date, tense: Tense, after_in: bool) -> ResolvedDate | None:
    offset = _DAY_WORDS.get(core, _DAY_WORDS.get(_POD.sub("", core)))
    return None if offset is None else _day(anchor + dt.timedelta(days=offset))


def _relative(core: str, anchor: dt.date, tense: Tense, after_in: bool) -> ResolvedDate | None:
    """this/last/next + calendar unit; a bare unit ("the end of the year") means this one."""
    units = "week|weekend|month|quarter|year|decade|century"
    m = re.fullmatch(rf"(?:(this|last|next|current) )?({units})", core)
    if m is None:
        return None
    det, unit = m[1], m[2]
    n = {"last": -1, "next": 1}.get(det or "", 0)
    if unit == "weekend":
        return _weekend(anchor, tense, n, det is None)
    if unit == "week":
        return ResolvedDate(value=_week(anchor + dt.timedelta(weeks=n)), precision="week")
    if unit == "month":
        y, mo = _add_months(anchor.year, anchor.month, n)
        return ResolvedDate(value=f"{y:04d}-{mo:02d}", precision="month")
    if unit == "quarter":
        y, q0 = divmod(anchor.year * 4 + (anchor.month - 1) // 3 + n, 4)
        return ResolvedDate(value=f"{y:04d}-Q{q0 + 1}", precision="quarter")
    if unit == "year":
        return ResolvedDate(value=f"{anchor.year + n:04d}", precision="year")
    if unit == "decade":
        return ResolvedDate(value=f"{anchor.year // 10 + n:03d}", precision="decade")
    return ResolvedDate(value=f"{anchor.year // 100 + n:02d}", precision="century")


def _weekend(anchor: dt.date, tense: Tense, n: int, bare: bool) -> ResolvedDate:
    """A bare "the weekend" is the latest one begun (past) or the next one not over (future)."""
    monday = anchor - dt.timedelta(days=anchor.weekday())
    if bare:

        def span(k: int) -> _Span:
            sat = monday + dt.timedelta(weeks=k, days=5)
            return sat, sat + dt.timedelta(days=1)

        n = _pick(span, anchor, _mode(None, tense), 0) or 0
    return ResolvedDate(value=_week(monday + dt.timedelta(weeks=n)) + "-WE", precision="week")


def _ago(core: str, anchor: dt.date, tense: Tense, after_in: bool) -> ResolvedDate | None:
    m = re.fullmatch(r"(\w+) (day|week|month|year|decade)s?( ago| from now)?", core)
    if m is None or (n := _count(m[1])) is None or (m[3] is None and not after_in):
        return None
    n = -n if m[3] == " ago" else n
    unit = m[2]
    if unit == "day":
        return _day(anchor + dt.timedelta(days=n))
    if unit == "week":
        return ResolvedDate(value=_week(anchor + dt.timedelta(weeks=n)), precision="week")
    if unit == "month":
        y, mo = _add_months(anchor.year, anchor.month, n)
        return ResolvedDate(value=f"{y:04d}-{mo:02d}", precision="month")
    years = n * (10 if unit == "decade" else 1)
    return ResolvedDate(value=f"{anchor.year + years:04d}", precision="year")


def _weekday(core: str, anchor: dt.date, tense: Tense, after_in: bool) -> ResolvedDate | None:
    m = re.fullmatch(rf"(?:(last|next|this) )?({_WEEKDAY_RE})", _POD.sub("", core))
    if m is None:
        return None
    monday = anchor - dt.timedelta(days=anchor.weekday())
    wd = _WEEKDAYS[m[2]]
    if m[1] is None and wd == anchor.weekday():
        return _day(anchor)

    def span(k: int) -> _Span:
        day = monday + dt.timedelta(weeks=k, days=wd)
        return day, day

    k = _pick(span, anchor, _mode(m[1], tense, strict=True), 0)
    return None if k is None else _day(span(k)[0])


def _month_day(core: str, anchor: dt.date, tense: Tense, after_in: bool) -> ResolvedDate | None:
    """Month and day ("June 13th, 2024", "13 June", "Christmas"); with no year, tense picks it."""
    core = re.sub(rf"^(?:{_WEEKDAY_RE}),? ", "", core)
    day = r"(\d{1,2})(?:st|nd|rd|th)?"
    mon = rf"({_MONTH_RE})\.?"
    year = r"(?:,? (\d{4}))?"
    if m := re.fullmatch(rf"{mon} {day}{year}", core):
        month, dom, yr = _MONTHS[m[1]], int(m[2]), m[3]
    elif m := re.fullmatch(rf"(?:the )?{day} (?:of )?{mon}{year}", core):
        month, dom, yr = _MONTHS[m[2]], int(m[1]), m[3]
    elif m := re.fullmatch(rf"({'|'.join(_HOLIDAYS)}){year}", core):
        (month, dom), yr = _HOLIDAYS[m[1]], m[2]
    elif m := re.fullmatch(r"(\d{1,2})(?:st|nd|rd|th)", core):
        return _day_of_month(int(m[1]), anchor, tense)
    else:
        return None

    def span(y: int) -> _Span | None:
        try:
            return dt.date(y, month, dom), dt.date(y, month, dom)
        except ValueError:
            return None

    chosen = int(yr) if yr else _pick(span, anchor, _mode(None, tense), anchor.year)
    found = None if chosen is None else span(chosen)
    return None if found is None else _day(found[0])


def _day_of_month(dom: int, anchor: dt.date, tense: Tense) -> ResolvedDate | None:
    """A bare "the 13th": that day in the nearest month on the side the tense gives."""

    def span(k: int) -> _Span | None:
        y, m = divmod(k, 12)
        try:
            return dt.date(y, m + 1, dom), dt.date(y, m + 1, dom)
        except ValueError:
            return None

    k = _pick(span, anchor, _mode(None, tense), anchor.year * 12 + anchor.month - 1)
    found = None if k is None else span(k)
    return None if found is None else _day(found[0])


def _in_year(
    first: int,
    length: int,
    suffix: str,
    precision: Precision,
    det: str | None,
    ref: str | None,
    anchor: dt.date,
    tense: Tense,
) -> ResolvedDate:
    """A named part of a year (month, season, quarter, half): the written year, else by tense."""

    def span(y: int) -> _Span:
        end_y, end_m = _add_months(y, first, length - 1)
        return dt.date(y, first, 1), _month_end(end_y, end_m)

    year = _year_of(ref, anchor)
    if year is None:
        year = _pick(span, anchor, _mode(det, tense), anchor.year) or anchor.year
    return ResolvedDate(value=f"{year:04d}-{suffix}", precision=precision)


def _month(core: str, anchor: dt.date, tense: Tense, after_in: bool) -> ResolvedDate | None:
    m = re.fullmatch(rf"(?:(last|next|this) )?({_MONTH_RE})\.?(?:,? (?:of )?{_YEAR_REF})?", core)
    if m is None:
        return None
    month = _MONTHS[m[2]]
    return _in_year(month, 1, f"{month:02d}", "month", m[1], m[3], anchor, tense)


def _season(core: str, anchor: dt.date, tense: Tense, after_in: bool) -> ResolvedDate | None:
    seasons = "|".join(_SEASONS)
    m = re.fullmatch(rf"(?:(last|next|this) )?({seasons})(?:,? (?:of )?{_YEAR_REF})?", core)
    if m is None:
        return None
    code, first = _SEASONS[m[2]]
    return _in_year(first, 3, code, "season", m[1], m[3], anchor, tense)


def _part_of_year(core: str, anchor: dt.date, tense: Tense, after_in: bool) -> ResolvedDate | None:
    """Quarters and halves: "the third quarter", "Q3 2019", "the first half of 2020"."""
    ords = "|".join(_ORDINALS)
    if m := re.fullmatch(rf"({ords})[ -](quarter|half)(?: of {_YEAR_REF})?", core):
        n, letter, ref = _ORDINALS[m[1]], m[2][0], m[3]
    elif m := re.fullmatch(r"(?:(\d{4}) )?([qh])([1-4])(?: (\d{4}))?", core):
        n, letter, ref = int(m[3]), m[2], m[1] or m[4]
    else:
        return None
    precision: Precision = "quarter" if letter == "q" else "half"
    months = 3 if letter == "q" else 6
    if n * months > 12:
        return None
    suffix = f"{letter.upper()}{n}"
    return _in_year((n - 1) * months + 1, months, suffix, precision, None, ref, anchor, tense)


def _year(core: str, anchor: dt.date, tense: Tense, after_in: bool) -> ResolvedDate | None:
    if m := re.fullmatch(r"(?:year )?([12]\d{3})", core):
        return ResolvedDate(value=m[1], precision="year")
    return None


def _decade_century(
    core: str, anchor: dt.date, tense: Tense, after_in: bool
) -> ResolvedDate | None:
    if m := re.fullmatch(r"([12]\d{2})0'?s", core):
        return ResolvedDate(value=m[1], precision="decade")
    if m := re.fullmatch(r"'?(\d)0'?s", core):
        return ResolvedDate(value=("20" if m[1] in "01" else "19") + m[1], precision="decade")
    words = {"nineteenth": 19, "twentieth": 20, "twenty-first": 21}
    if m := re.fullmatch(r"(?:(\d{1,2})(?:st|nd|rd|th)|(\w+(?:-\w+)?)) century", core):
        n = int(m[1]) if m[1] else words.get(m[2])
        return None if n is None else ResolvedDate(value=f"{n - 1:02d}", precision="century")
    return None


# fmt: off
_RULES: tuple[_Rule, ...] = (_iso, _day_word, _relative, _ago, _month_day, _weekday, _month,
                             _season, _part_of_year, _year, _decade_century)
# fmt: on


def _fallback(core: str, anchor: dt.date, tense: Tense) -> ResolvedDate | None:
    """Let dateparser try explicit dates only: unit words mean durations it would misread."""
    if _UNIT_WORD.search(core) or not _DATEISH.search(core):
        return None
    settings = {
        "RELATIVE_BASE": dt.datetime.combine(anchor, dt.time()),
        "PREFER_DATES_FROM": "future" if tense == "future" else "past",
        "RETURN_AS_TIMEZONE_AWARE": False,
    }
    data = DateDataParser(languages=["en"], settings=settings).get_date_data(core)
    if data.date_obj is None or data.period is None:
        return None
    found, precision = data.date_obj.date(), _PERIODS[data.period]
    iso = found.isoformat()
    values = {"day": iso, "week": _week(found), "month": iso[:7], "year": iso[:4]}
    return ResolvedDate(value=values[precision], precision=precision)
