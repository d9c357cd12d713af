"""Resolve date phrases from news articles to TimeML (TIMEX3) values.

Rules below run first; dateparser is the fallback for explicit dates the rules do not cover.
English is ambiguous, so these conventions are fixed here and relied on by callers:

* Bare weekday ("on Wednesday", "Monday's vote"): the article's own weekday is the article date
  (wire copy dated Thursday says "said on Thursday" of that day; dateparser's week-back reading
  is its best-known miss). Any other weekday: past or unknown tense gives the most recent such
  day before the article date, future tense the next one after.
* "this Friday": the day in the article's ISO week (unknown tense); with a tense, the nearest
  one on that side, the article date included. "last"/"next" + weekday, month or season: the
  nearest occurrence strictly before/after the one containing the article date ("this past" and
  "this coming" read as "last" and "next").
* Month, season, quarter, half or month-day with no year: past or unknown tense gives the most
  recent one that has begun by the article date, future tense the next one not yet over.
* Day ranges ("October 19-20", "19-20 November", "November 30 - December 1", "between March 3
  and 5", "from Monday to Wednesday") give their first day; with no year the whole range is
  placed as a single day is (a range under way at the article date counts on both sides).
  Ranges of months or years ("between March and May", "2019-20") give None.
* Years: four digits; two digits after an apostrophe ("'58", "in '98": the latest such year at
  most ten years after the article's, and not after it with past tense; future tense does not
  push it on, as a future event can name a past year: "the class of '98 will meet"); spelled
  out ("nineteen ninety-six", "the year two thousand"). Spelled ordinals next to a month
  ("March eighth") are days.
* Seasons are meteorological (SP Mar-May, SU Jun-Aug, FA Sep-Nov, WI Dec-Feb); a winter
  carries the year of its December.
* Quarters are calendar quarters: "the third quarter" by tense as above, "last quarter" and "the
  latest quarter" the quarter before the article's, "this year's third quarter" that year's;
  a bare "the quarter" is the article's own only with future tense ("by the end of the
  quarter"), else None (told in the past it is the quarter being reported, mostly the last).
  Fiscal years and quarters ("fiscal 2024", "this fiscal year", "the fiscal first quarter",
  "FY24") give None: their start is not known.
* "N days ago" gives a day, "N weeks ago" an ISO week, months a month, years and decades a
  year ("nearly/about N years ago" the same). "in N days" counts forward whatever the tense.
* Fixed-date holidays (Christmas, New Year's Day) resolve like "December 25"; movable ones
  (Easter, Thanksgiving) are not covered and give None.
* None for vague or anaphoric words ("recently", "now", "then"), phrases anchored to another
  event ("the day before", "the next morning", "later that year", "a year earlier", "the
  following week", "the year-ago quarter"), durations ("three weeks", "the past year", "the
  last month") and fiscal periods. Never a guessed year: dateparser's answer is refused when it
  took a year from a day number ("October 19-20" read as 2020). Non-str input raises TypeError;
  empty input gives None.

Phrases in another language (``language`` given and not English, or a phrase with non-ASCII
letters and no ``language``) go to dateparser in that language, RELATIVE_BASE the article date,
PREFER_DATES_FROM from the tense ("past" when unknown); the article's own weekday is the article
date there too. The value's unit is the period dateparser reports (day, week, month or year).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any, Literal, cast

from dateparser.data.languages_info import language_order
from dateparser.date import DateDataParser
from dateparser.search import search_dates
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
    last: str | None = (
        None  # a run of days ("March 23-25"): `value` is its first day, this its last
    )


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
_UNIT_WORDS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_TEEN_WORDS = ("ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen",
               "seventeen", "eighteen", "nineteen")
_TEN_WORDS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_NUMBERS = {"a": 1, "an": 1} | {
    name: i for i, name in enumerate((*_UNIT_WORDS, "ten", "eleven", "twelve"), start=1)
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
_ORDINAL_DAY_WORDS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh",
                      "eighth", "ninth", "tenth", "eleventh", "twelfth", "thirteenth",
                      "fourteenth", "fifteenth", "sixteenth", "seventeenth", "eighteenth",
                      "nineteenth", "twentieth")
# fmt: on


def _word_numbers() -> tuple[dict[str, int], dict[str, int]]:
    """Spelled 1-99 ("six", "ninety-six") and the two-digit halves of a spoken year, which
    also take "oh five" but not a bare unit ("nineteen five" is no year)."""
    small = {w: i for i, w in enumerate(_UNIT_WORDS, start=1)}
    small |= {w: i for i, w in enumerate(_TEEN_WORDS, start=10)}
    for i, tens in enumerate(_TEN_WORDS, start=2):
        small[tens] = i * 10
        for j, unit in enumerate(_UNIT_WORDS, start=1):
            small[f"{tens}-{unit}"] = small[f"{tens} {unit}"] = i * 10 + j
    halves = {w: n for w, n in small.items() if n >= 10}
    halves |= {f"oh{sep}{u}": j for j, u in enumerate(_UNIT_WORDS, start=1) for sep in " -"}
    return small, halves


def _ordinal_day_words() -> dict[str, int]:
    words = {w: i for i, w in enumerate(_ORDINAL_DAY_WORDS, start=1)}
    for unit, n in list(words.items())[:9]:
        words[f"twenty-{unit}"] = words[f"twenty {unit}"] = 20 + n
    words |= {"thirtieth": 30, "thirty-first": 31, "thirty first": 31}
    return words


_SMALL_NUMBERS, _YEAR_HALVES = _word_numbers()
_ORDINAL_DAYS = _ordinal_day_words()


def _alternation(words: Iterable[str]) -> str:
    return "|".join(sorted(words, key=len, reverse=True))


_MONTH_RE = _alternation(_MONTHS)
_WEEKDAY_RE = "|".join(_WEEKDAYS)
_SEASON_RE = "|".join(_SEASONS)
_YEAR_REF = r"(\d{4}|(?:this|last|next|the) year)"
_LEADING = re.compile(
    r"^(?:(?:on|in|by|since|from|between|until|till|through|to|for|as of|at|during|before|after"
    r"|over|around|about|the|early|earlier|late|later|middle of|end of|beginning of|start of)\s+"
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
    r"|\bfinancial year\b|\b\d{4}\s*[-/]\s*\d{2,4}\b(?![-/]\d)"
)
# Anchored to another event in the text, not to the article date: "a year earlier", "the day
# before", "the next morning", "the year-ago quarter", "since then"; or a duration ("the last
# month"). None rather than a value counted from the article date.
_ANCHORED = re.compile(
    r"\b(?:then|prior|preceding|ensuing|subsequent(?:ly)?|previously|afterwards?|thereafter"
    r"|beforehand|year-(?:ago|earlier|before|later))\b"
    r"|\b(?:earlier|later|before|after)$|\bthe (?:next|last)\b"
)
_DATEISH = re.compile(rf"\d{{3}}|\d[/.]\d|\b(?:{_MONTH_RE}|{_WEEKDAY_RE})\b")
_UNIT_WORD = re.compile(r"\b(?:day|week|weekend|month|year|decade|century|hour|minute)s?\b")
# Two dates joined: a range or list the rules did not take, which dateparser would misread.
_RANGE_HINT = re.compile(
    rf"\b(?:and|to|through|thru|until|till|or)\b|(?<!\d)\d{{1,2}}\s*-\s*\d{{1,2}}(?!\d)"
    rf"|\b(?:{_MONTH_RE})\.?\s*-\s*(?:{_MONTH_RE})\b"
)
_DASHES = re.compile("[\u2010-\u2015\u2212\ufe58\ufe63\uff0d]")


def resolve_date(
    phrase: str,
    anchor: dt.date,
    *,
    tense: Tense = "unknown",
    language: str | None = None,
) -> ResolvedDate | None:
    """Resolve a date phrase as worded in a news article against the article's publication date.

    `tense` says on which side of the publication date the event lies; `language` is the
    article's language (an ISO 639-1 code such as "en" or "es"; None: English unless the phrase
    has non-ASCII letters).
    """
    if not isinstance(phrase, str):
        raise TypeError(f"phrase must be str, not {type(phrase).__name__}")
    if isinstance(anchor, dt.datetime):
        anchor = anchor.date()
    if not _is_english(phrase, language):
        return _foreign(phrase, anchor, tense, language)
    text = _clean(phrase, anchor, tense)
    if not text or _REJECT.search(text) or _ANCHORED.search(text):
        return None
    core, after_in = _strip_leading(text)
    if not core:
        return None
    for rule in _RULES:
        found = rule(core, anchor, tense, after_in)
        if found is not None:
            return found
    return _fallback(core, anchor, tense)


def _lang_code(language: str) -> str:
    return re.split(r"[-_]", language.strip().lower(), maxsplit=1)[0]


def _is_english(phrase: str, language: str | None) -> bool:
    if language is not None:
        return _lang_code(language) in ("en", "eng", "english", "")
    return not any(ch.isalpha() and not ch.isascii() for ch in phrase)


def _clean(phrase: str, anchor: dt.date, tense: Tense) -> str:
    """Lower-case; unify quotes and dashes; drop possessives and a clock time; spell years and
    ordinal days as digits; name the "this past"/"this coming" forms "last"/"next"."""
    text = phrase.lower().replace("\u2019", "'").replace("\u2018", "'")
    text = _DASHES.sub("-", text)
    text = re.sub(r"'s\b", "", text)
    text = _spelled_numbers(text)
    text = re.sub(
        r"'(\d{2})(?![\w'])", lambda m: f" {_two_digit_year(int(m[1]), anchor, tense)}", text
    )
    text = re.sub(r"\s+", " ", text).strip(' \t,.;:!?"()')
    text = _CLOCK.sub("", text).rstrip(" ,")
    named = rf"(?={_WEEKDAY_RE}|weekend|(?:{_MONTH_RE})\b|{_SEASON_RE})"
    text = re.sub(rf"^(?:this )?past {named}", "last ", text)
    return re.sub(rf"^(?:this )?coming {named}", "next ", text)


_CENTURY_WORDS = {"sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20}
_SPOKEN_YEAR = re.compile(
    rf"\b({'|'.join(_CENTURY_WORDS)})[- ]({_alternation(_YEAR_HALVES)}|hundred)\b(?!-)"
)
_TWO_THOUSAND = re.compile(
    rf"\btwo thousand(?:(?: and)?[- ]({_alternation(_SMALL_NUMBERS)}))?\b(?!-)"
)
_ORDINAL_AFTER_MONTH = re.compile(
    rf"\b({_MONTH_RE})\.? (?:the )?({_alternation(_ORDINAL_DAYS)})\b(?!-)"
)
_ORDINAL_BEFORE_MONTH = re.compile(rf"\b({_alternation(_ORDINAL_DAYS)}) (of )?({_MONTH_RE})\b")


def _spelled_numbers(text: str) -> str:
    """Spoken years ("nineteen ninety-six", "two thousand and eight") and ordinal days beside a
    month ("March eighth", "the fourth of July") as digits."""
    text = _SPOKEN_YEAR.sub(
        lambda m: str(_CENTURY_WORDS[m[1]] * 100 + _YEAR_HALVES.get(m[2], 0)), text
    )
    text = _TWO_THOUSAND.sub(lambda m: str(2000 + (_SMALL_NUMBERS[m[1]] if m[1] else 0)), text)
    text = _ORDINAL_AFTER_MONTH.sub(lambda m: f"{m[1]} {_ORDINAL_DAYS[m[2]]}", text)
    return _ORDINAL_BEFORE_MONTH.sub(lambda m: f"{_ORDINAL_DAYS[m[1]]} {m[2] or ''}{m[3]}", text)


def _two_digit_year(yy: int, anchor: dt.date, tense: Tense) -> int:
    """The century of "'58": the side of the article year the tense gives (see module doc)."""
    base = anchor.year - anchor.year % 100 + yy
    limit = anchor.year + (0 if tense == "past" else 10)
    return max(y for y in (base - 100, base, base + 100) if y <= limit)


def _strip_leading(text: str) -> tuple[str, bool]:
    """Drop prepositions and vague modifiers in front; say whether "in" led."""
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


def _day(day: dt.date, last: dt.date | None = None) -> ResolvedDate:
    return ResolvedDate(
        value=day.isoformat(), precision="day", last=last.isoformat() if last else None
    )


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
    if core == "latest quarter":
        core = "last quarter"
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
        if det is None and tense != "future":
            return None  # "in the quarter" told in the past: the one reported, not this one
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
    m = re.fullmatch(
        r"(?:(?:nearly|almost|about|around|roughly|approximately|just|only) )?"
        r"(\w+) (day|week|month|year|decade)s?( ago| from now)?",
        core,
    )
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


_DAY = r"(\d{1,2})(?:st|nd|rd|th)?"
_MON = rf"({_MONTH_RE})\.?"
_WEEKDAY_PREFIX = rf"(?:(?:(?:this|next|last) )?(?:{_WEEKDAY_RE}),? )?"


def _month_day(core: str, anchor: dt.date, tense: Tense, after_in: bool) -> ResolvedDate | None:
    """Month and day ("June 13th, 2024", "13 June", "Christmas"); with no year, tense picks it.
    A weekday in front ("Sunday, March 8") picks the year it falls on, the tense's or one beside
    it; "next"/"last" in front set the side when the tense is unknown."""
    det, weekday = None, None
    if m := re.match(rf"(?:(this|next|last) )?({_WEEKDAY_RE}),? (?=\S)", core):
        det, weekday, core = m[1], _WEEKDAYS[m[2]], core[m.end() :]
    year = r"(?:,? (\d{4}))?"
    if m := re.fullmatch(rf"{_MON} {_DAY}{year}", core):
        month, dom, yr = _MONTHS[m[1]], int(m[2]), m[3]
    elif m := re.fullmatch(rf"(?:the )?{_DAY} (?:of )?{_MON}{year}", core):
        month, dom, yr = _MONTHS[m[2]], int(m[1]), m[3]
    elif weekday is None and (m := re.fullmatch(rf"({'|'.join(_HOLIDAYS)}){year}", core)):
        (month, dom), yr = _HOLIDAYS[m[1]], m[2]
    elif weekday is None and (m := re.fullmatch(r"(\d{1,2})(?:st|nd|rd|th)", core)):
        return _day_of_month(int(m[1]), anchor, tense)
    else:
        return None
    if tense == "unknown" and det in ("next", "last"):
        tense = "future" if det == "next" else "past"
    found = _dated_span((month, dom), (month, dom), int(yr) if yr else None, None, anchor, tense)
    if found is None or weekday is None or yr:
        return found
    day = dt.date.fromisoformat(found.value)
    for year_ in (day.year, day.year - 1, day.year + 1):
        try:
            if (named := dt.date(year_, month, dom)).weekday() == weekday:
                return _day(named)
        except ValueError:
            continue
    return found


def _dated_span(
    first: tuple[int, int],
    last: tuple[int, int],
    last_year: int | None,
    first_year: int | None,
    anchor: dt.date,
    tense: Tense,
) -> ResolvedDate | None:
    """A (month, day) .. (month, day) run, its first and last day; a written year, else by
    tense."""
    wraps = last < first

    def span(y: int) -> _Span | None:
        try:
            return dt.date(y, *first), dt.date(y + wraps, *last)
        except ValueError:
            return None

    if first_year is not None:
        chosen: int | None = first_year
    elif last_year is not None:
        chosen = last_year - wraps
    else:
        chosen = _pick(span, anchor, _mode(None, tense), anchor.year)
    found = None if chosen is None else span(chosen)
    return None if found is None else _day(*found)


def _range(core: str, anchor: dt.date, tense: Tense, after_in: bool) -> ResolvedDate | None:
    """A run of days ("October 19-20", "19-20 November", "November 30 - December 1", "March 3
    and 5" after "between", "Monday to Wednesday"): its first day."""
    sep = r"(?:\s*[-/&]\s*|\s+(?:to|through|thru|until|till|and)\s+)"
    wdp, day, mon = _WEEKDAY_PREFIX, _DAY, _MON
    year = r"(?:,? (\d{4}))?"
    if m := re.fullmatch(rf"{wdp}{mon} {day}{sep}{wdp}{day}{year}", core):
        first, last, y1, y2 = (_MONTHS[m[1]], int(m[2])), (_MONTHS[m[1]], int(m[3])), None, m[4]
    elif m := re.fullmatch(rf"{wdp}(?:the )?{day}{sep}(?:the )?{day} (?:of )?{mon}{year}", core):
        first, last, y1, y2 = (_MONTHS[m[3]], int(m[1])), (_MONTHS[m[3]], int(m[2])), None, m[4]
    elif m := re.fullmatch(rf"{wdp}{mon} {day}{year}{sep}{wdp}{mon} {day}{year}", core):
        first, last, y1, y2 = (_MONTHS[m[1]], int(m[2])), (_MONTHS[m[4]], int(m[5])), m[3], m[6]
    elif m := re.fullmatch(
        rf"{wdp}(?:the )?{day} (?:of )?{mon}{year}{sep}{wdp}(?:the )?{day} (?:of )?{mon}{year}",
        core,
    ):
        first, last, y1, y2 = (_MONTHS[m[2]], int(m[1])), (_MONTHS[m[5]], int(m[4])), m[3], m[6]
    elif m := re.fullmatch(rf"({_WEEKDAY_RE}){sep}({_WEEKDAY_RE})", core):
        return _weekday_range(_WEEKDAYS[m[1]], _WEEKDAYS[m[2]], anchor, tense)
    else:
        return None
    if first == last or (first[0] == last[0] and last < first and y1 is None):
        return None
    return _dated_span(first, last, int(y2) if y2 else None, int(y1) if y1 else None, anchor, tense)


def _weekday_range(wd1: int, wd2: int, anchor: dt.date, tense: Tense) -> ResolvedDate | None:
    monday = anchor - dt.timedelta(days=anchor.weekday())

    def span(k: int) -> _Span:
        lo = monday + dt.timedelta(weeks=k, days=wd1)
        return lo, lo + dt.timedelta(days=(wd2 - wd1) % 7)

    k = _pick(span, anchor, _mode(None, tense), 0)
    return None if k is None else _day(*span(k))


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
    m = re.fullmatch(rf"(?:(last|next|this) )?({_SEASON_RE})(?:,? (?:of )?{_YEAR_REF})?", core)
    if m is None:
        return None
    code, first = _SEASONS[m[2]]
    return _in_year(first, 3, code, "season", m[1], m[3], anchor, tense)


def _part_of_year(core: str, anchor: dt.date, tense: Tense, after_in: bool) -> ResolvedDate | None:
    """Quarters and halves: "the third quarter", "Q3 2019", "the first half of 2020", "this
    year's third quarter"."""
    ords = "|".join(_ORDINALS)
    if m := re.fullmatch(rf"(?:{_YEAR_REF} )?({ords})[ -](quarter|half)(?: of {_YEAR_REF})?", core):
        n, letter, ref = _ORDINALS[m[2]], m[3][0], m[1] or m[4]
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
_RULES: tuple[_Rule, ...] = (_iso, _day_word, _relative, _ago, _range, _month_day, _weekday,
                             _month, _season, _part_of_year, _year, _decade_century)
# fmt: on


def _settings(anchor: dt.date, tense: Tense) -> dict[str, Any]:
    return {
        "RELATIVE_BASE": dt.datetime.combine(anchor, dt.time()),
        "PREFER_DATES_FROM": "future" if tense == "future" else "past",
        "RETURN_AS_TIMEZONE_AWARE": False,
    }


@lru_cache(maxsize=512)
def _parser(languages: tuple[str, ...] | None, anchor: dt.date, tense: Tense) -> DateDataParser:
    return DateDataParser(languages=languages, settings=_settings(anchor, tense))


def _fallback(core: str, anchor: dt.date, tense: Tense) -> ResolvedDate | None:
    """Let dateparser try explicit dates only: unit words mean durations it would misread, two
    dates joined a range the rules did not take."""
    if _UNIT_WORD.search(core) or not _DATEISH.search(core) or _RANGE_HINT.search(core):
        return None
    data = _parser(("en",), anchor, tense).get_date_data(core)
    return _from_dateparser(data.date_obj, data.period, core, anchor)


def _from_dateparser(
    date_obj: dt.datetime | None, period: str | None, phrase: str, anchor: dt.date
) -> ResolvedDate | None:
    if date_obj is None or period not in _PERIODS:
        return None
    found, precision = date_obj.date(), _PERIODS[period]
    if _year_from_day_number(phrase, found, anchor):
        return None
    iso = found.isoformat()
    values = {"day": iso, "week": _week(found), "month": iso[:7], "year": iso[:4]}
    return ResolvedDate(value=values[precision], precision=precision)


def _year_from_day_number(phrase: str, found: dt.date, anchor: dt.date) -> bool:
    """dateparser read a year off a bare one- or two-digit number ("October 19-20" as 2020):
    no four-digit year written, the year far from the article's, its last digits in the text
    and no numeric d/m/yy date that would carry them."""
    if re.search(r"\d{4}", phrase) or abs(found.year - anchor.year) <= 1:
        return False
    if re.search(r"\d{1,2}[/.]\d{1,2}[/.]\d{2}(?!\d)", phrase):
        return False
    return re.search(rf"(?<!\d)0?{found.year % 100}(?!\d)", phrase) is not None


def _foreign(
    phrase: str, anchor: dt.date, tense: Tense, language: str | None
) -> ResolvedDate | None:
    """A phrase in another language: dateparser in that language (detected when not given or
    not one dateparser knows)."""
    text = re.sub(r"\s+", " ", phrase).strip(' \t,.;:!?"()')
    if not text:
        return None
    code = _lang_code(language) if language else None
    languages = (code,) if code in _DATEPARSER_LANGUAGES else None
    data = _parser(languages, anchor, tense).get_date_data(text)
    date_obj, period = data.date_obj, cast(str | None, data.period)
    if date_obj is None:
        # Articles and prepositions ("el 3 de marzo", "am Mittwoch") can defeat the parse of
        # the whole phrase; search finds the date inside it.
        hits = _search(text, languages, anchor, tense)
        if not hits:
            return None
        text, date_obj, period = hits[0]
    return _foreign_value(text, date_obj, period, languages, anchor, tense)


def _search(
    text: str, languages: tuple[str, ...] | None, anchor: dt.date, tense: Tense
) -> list[tuple[str, dt.datetime, str | None]]:
    """dateparser's search, with the period of each date found (the stubs lack add_period)."""
    search: Any = search_dates
    hits = search(text, languages=languages, settings=_settings(anchor, tense), add_period=True)
    return [(hit[0], hit[1], hit[2]) for hit in hits or ()]


def _foreign_value(
    text: str,
    date_obj: dt.datetime | None,
    period: str | None,
    languages: tuple[str, ...] | None,
    anchor: dt.date,
    tense: Tense,
) -> ResolvedDate | None:
    found = _from_dateparser(date_obj, period, text, anchor)
    if found is None or found.precision != "day":
        return found
    if _is_article_weekday(dt.date.fromisoformat(found.value), text, languages, anchor, tense):
        return _day(anchor)
    return found


_DATEPARSER_LANGUAGES = frozenset(language_order)


def _is_article_weekday(
    day: dt.date, text: str, languages: tuple[str, ...] | None, anchor: dt.date, tense: Tense
) -> bool:
    """dateparser reads a bare weekday that is the article's own a week away (see the module
    doc): such a phrase parses to a week back with "past" and a week ahead with "future"."""
    week = dt.timedelta(days=7)
    if day not in (anchor - week, anchor + week):
        return False
    flipped: Tense = "past" if tense == "future" else "future"
    again = _parser(languages, anchor, flipped).get_date_data(text).date_obj
    if again is None:
        hits = _search(text, languages, anchor, flipped)
        again = hits[0][1] if hits else None
    return again is not None and {day, again.date()} == {anchor - week, anchor + week}
