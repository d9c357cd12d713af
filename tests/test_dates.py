"""resolve_date against the hand-annotated set in tests/data/dates.tsv, plus the gap cases."""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import inspect
import re
from pathlib import Path
from typing import NamedTuple, cast, get_type_hints

import pytest
from pydantic import ValidationError

from briefing.ground.dates import Precision, ResolvedDate, Tense, resolve_date

DATA = Path(__file__).resolve().parent / "data" / "dates.tsv"
SHAPES: dict[Precision, str] = {
    "day": r"\d{4}-\d{2}-\d{2}",
    "week": r"\d{4}-W\d{2}(-WE)?",
    "month": r"\d{4}-\d{2}",
    "season": r"\d{4}-(SP|SU|FA|WI)",
    "quarter": r"\d{4}-Q[1-4]",
    "half": r"\d{4}-H[12]",
    "year": r"\d{4}",
    "decade": r"\d{3}",
    "century": r"\d{2}",
}
WEEKDAYS = [name.lower() for name in calendar.day_name]


class Row(NamedTuple):
    phrase: str
    anchor: dt.date
    tense: Tense
    expected: str | None
    note: str


def load_rows() -> list[Row]:
    lines = [line for line in DATA.read_text(encoding="utf-8").splitlines() if line[:1] != "#"]
    reader = csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE)
    rows = []
    for rec in reader:
        assert rec["tense"] in ("past", "future", "unknown"), rec
        expected = None if rec["expected"] == "NONE" else rec["expected"]
        rows.append(
            Row(
                rec["phrase"],
                dt.date.fromisoformat(rec["anchor"]),
                cast(Tense, rec["tense"]),
                expected,
                rec["note"],
            )
        )
    return rows


ROWS = load_rows()


def precision_of(value: str) -> Precision:
    return next(p for p, shape in SHAPES.items() if re.fullmatch(shape, value))


def test_set_is_large_and_varied() -> None:
    assert len(ROWS) >= 150
    assert {row.anchor.weekday() for row in ROWS} == set(range(7))
    assert sum(row.expected is None for row in ROWS) >= 10
    assert {precision_of(row.expected) for row in ROWS if row.expected} == set(SHAPES)


def row_id(row: Row) -> str:
    return f"{row.phrase!r} @ {row.anchor} ({row.tense})"


def test_annotation_is_well_formed() -> None:
    """Guards the hand annotation itself: every value has a known shape, and a named weekday is
    the weekday of a day value."""
    bad = []
    for row in ROWS:
        if row.expected is None:
            continue
        if not any(re.fullmatch(shape, row.expected) for shape in SHAPES.values()):
            bad.append(f"{row_id(row)}: {row.expected} has no TimeML shape")
            continue
        named = [i for i, name in enumerate(WEEKDAYS) if name in row.phrase.lower()]
        is_day = re.fullmatch(SHAPES["day"], row.expected) is not None
        if named and is_day and dt.date.fromisoformat(row.expected).weekday() != named[0]:
            bad.append(f"{row_id(row)}: {row.expected} is not a {WEEKDAYS[named[0]]}")
    assert not bad, "\n".join(bad)


def test_tsv_rows() -> None:
    """Every row of tests/data/dates.tsv at once; the failure lists every row that is off."""
    failures = []
    for row in ROWS:
        got = resolve_date(row.phrase, row.anchor, tense=row.tense)
        shown = None if got is None else got.value
        if shown != row.expected:
            failures.append(f"{row_id(row)}: expected {row.expected}, got {shown}  [{row.note}]")
        elif got is not None and got.precision != precision_of(got.value):
            failures.append(f"{row_id(row)}: {got.value} labelled {got.precision}")
    assert not failures, f"{len(failures)} of {len(ROWS)} rows off:\n" + "\n".join(failures)


THU = dt.date(2023, 6, 29)


def value(phrase: str, anchor: dt.date = THU, tense: Tense = "unknown") -> str | None:
    got = resolve_date(phrase, anchor, tense=tense)
    return None if got is None else got.value


def test_wednesday_before_a_thursday_article() -> None:
    assert resolve_date("on Wednesday", THU, tense="past") == ResolvedDate(
        value="2023-06-28", precision="day"
    )


@pytest.mark.parametrize(
    ("tense", "expected"),
    [("past", "2023-06-23"), ("future", "2023-06-30"), ("unknown", "2023-06-23")],
)
def test_tense_picks_the_side_of_a_weekday(tense: Tense, expected: str) -> None:
    assert value("on Friday", THU, tense) == expected


@pytest.mark.parametrize("tense", ["past", "future", "unknown"])
def test_article_weekday_is_the_article_date(tense: Tense) -> None:
    """Wire copy dated Thursday that says "on Thursday" means that day, not a week away."""
    assert value("on Thursday", THU, tense) == "2023-06-29"


def test_last_and_next_article_weekday_move_a_week() -> None:
    assert value("last Thursday", THU, "past") == "2023-06-22"
    assert value("next Thursday", THU, "future") == "2023-07-06"
    assert value("today", THU) == value("this morning", THU) == "2023-06-29"


def test_last_december_crosses_the_year_boundary() -> None:
    assert value("last December", dt.date(2020, 1, 11), "past") == "2019-12"
    assert value("in December", dt.date(2020, 1, 11), "past") == "2019-12"
    assert value("in December", dt.date(2020, 1, 11), "future") == "2020-12"


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("earlier this month", "2023-06"),
        ("later this year", "2023"),
        ("this week", "2023-W26"),
        ("last week", "2023-W25"),
        ("next month", "2023-07"),
        ("by the end of the year", "2023"),
        ("the end of the month", "2023-06"),
        ("this summer", "2023-SU"),
        ("Q3 2019", "2019-Q3"),
        ("the first half of 2020", "2020-H1"),
        ("mid-2020", "2020"),
        ("the 1990s", "199"),
        ("June 13th, 2024", "2024-06-13"),
        ("13 June 2024", "2024-06-13"),
        ("2024-06-13", "2024-06-13"),
        ("since 2011", "2011"),
        ("two years ago", "2021"),
        ("this past weekend", "2023-W25-WE"),
    ],
)
def test_gap_cases(phrase: str, expected: str) -> None:
    got = resolve_date(phrase, THU, tense="past")
    assert got is not None
    assert (got.value, got.precision) == (expected, precision_of(expected))


def test_month_phrase_has_month_precision_not_a_day() -> None:
    assert resolve_date("in November", THU, tense="past") == ResolvedDate(
        value="2022-11", precision="month"
    )
    assert value("in November", THU, "future") == "2023-11"


def test_month_without_year_counts_the_article_month_on_both_sides() -> None:
    assert value("in June", THU, "past") == value("in June", THU, "future") == "2023-06"


def test_date_without_year_follows_tense() -> None:
    assert value("August 27", THU, "past") == "2022-08-27"
    assert value("August 27", THU, "unknown") == "2022-08-27"
    assert value("August 27", THU, "future") == "2023-08-27"


def test_iso_week_year_at_year_boundary() -> None:
    assert value("this week", dt.date(2021, 1, 1)) == "2020-W53"
    assert value("this week", dt.date(2024, 12, 30)) == "2025-W01"


def test_leap_day_without_year_finds_a_leap_year() -> None:
    assert value("on Feb. 29", dt.date(2023, 6, 29), "past") == "2020-02-29"
    assert value("on Feb. 29", dt.date(2023, 6, 29), "future") == "2024-02-29"


@pytest.mark.parametrize(
    "phrase",
    [
        "recently",
        "soon",
        "for years",
        "three weeks",
        "the past week",
        "in the coming days",
        "several years ago",
        "a few weeks ago",
        "now",
        "later that day",
        "the following week",
        "2011-12",
        "fiscal 2024",
        "at 5 p.m.",
        "the 31st of June",
        "",
        "   ",
        "whenever",
        "two days later",
        "over the past decade",
        "12 noon",
        "FY2024",
    ],
)
def test_unresolvable_phrases_give_none(phrase: str) -> None:
    assert resolve_date(phrase, THU, tense="past") is None


def test_time_of_day_is_dropped_from_a_date() -> None:
    assert value("Wednesday at 5 p.m.", THU, "past") == "2023-06-28"


def test_datetime_anchor_is_treated_as_its_date() -> None:
    assert value("yesterday", dt.datetime(2023, 6, 29, 23, 59)) == "2023-06-28"


def test_non_string_phrase_raises_type_error() -> None:
    with pytest.raises(TypeError):
        resolve_date(None, THU)  # type: ignore[arg-type]


def test_resolved_date_is_frozen() -> None:
    got = ResolvedDate(value="2023", precision="year")
    with pytest.raises(ValidationError):
        got.value = "2024"  # type: ignore[misc]


# --- signature ---------------------------------------------------------------------------------


def test_signature_is_the_published_one() -> None:
    params = inspect.signature(resolve_date).parameters
    assert [(p.name, p.kind, p.default) for p in params.values()] == [
        ("phrase", inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.empty),
        ("anchor", inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.empty),
        ("tense", inspect.Parameter.KEYWORD_ONLY, "unknown"),
        ("language", inspect.Parameter.KEYWORD_ONLY, None),
    ]
    hints = get_type_hints(resolve_date)
    assert hints["phrase"] is str
    assert hints["anchor"] is dt.date
    assert hints["tense"] == Tense
    assert hints["language"] == (str | None)
    assert hints["return"] == (ResolvedDate | None)


# --- class tests: day ranges --------------------------------------------------------------------

TENSES: tuple[Tense, ...] = ("past", "future", "unknown")
MONTH_NAMES = list(calendar.month_name)[1:]
RANGE_ANCHORS = [
    dt.date(2023, 12, 11),
    dt.date(2024, 2, 29),
    dt.date(2021, 1, 1),
    dt.date(2022, 7, 15),
    dt.date(2019, 10, 20),
    dt.date(2025, 3, 4),
]


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def placed(anchor: dt.date, tense: Tense, first: tuple[int, int], last: tuple[int, int]) -> dt.date:
    """The spec for a yearly span (month, day) .. (month, day) with no year: past or unknown
    tense takes the latest one begun by the article date, future the earliest not yet over."""
    spans = [
        (dt.date(y, *first), dt.date(y + (last < first), *last))
        for y in range(anchor.year - 2, anchor.year + 3)
    ]
    if tense == "future":
        return min(lo for lo, hi in spans if hi >= anchor)
    return max(lo for lo, hi in spans if lo <= anchor)


def range_forms(month: str, d1: int, d2: int) -> list[str]:
    short = month[:3] + "."
    return [
        f"{month} {d1}-{d2}",
        f"{month} {d1}\u2013{d2}",
        f"{short} {d1}-{d2}",
        f"{d1}-{d2} {month}",
        f"{ordinal(d1)}-{ordinal(d2)} {month}",
        f"between {month} {d1} and {d2}",
        f"from {month} {d1} to {d2}",
        f"{month} {ordinal(d1)} through {ordinal(d2)}",
        f"the {ordinal(d1)} to the {ordinal(d2)} of {month}",
        f"{month} {d1} - {month} {d2}",
        f"on {month} {d1}-{d2}",
    ]


@pytest.mark.parametrize("tense", TENSES)
def test_day_range_is_its_first_day_in_the_year_a_day_would_take(tense: Tense) -> None:
    bad = []
    for anchor in RANGE_ANCHORS:
        for m, month in enumerate(MONTH_NAMES, start=1):
            for d1, d2 in ((3, 4), (19, 20), (23, 25), (1, 28), (10, 12)):
                want = placed(anchor, tense, (m, d1), (m, d2)).isoformat()
                for phrase in range_forms(month, d1, d2):
                    got = value(phrase, anchor, tense)
                    if got != want:
                        bad.append(f"{phrase!r} @ {anchor}: want {want}, got {got}")
    assert not bad, f"{len(bad)} off:\n" + "\n".join(bad[:40])


@pytest.mark.parametrize("tense", TENSES)
def test_day_range_across_a_month_end_is_its_first_day(tense: Tense) -> None:
    bad = []
    for anchor in RANGE_ANCHORS:
        for m in range(1, 13):
            nxt = m % 12 + 1
            first, second = MONTH_NAMES[m - 1], MONTH_NAMES[nxt - 1]
            want = placed(anchor, tense, (m, 28), (nxt, 1)).isoformat()
            for phrase in (
                f"{first} 28 \u2013 {second} 1",
                f"{first} 28-{second} 1",
                f"from {first} 28 to {second} 1",
                f"between {first[:3]}. 28 and {second[:3]}. 1",
                f"28 {first} - 1 {second}",
            ):
                got = value(phrase, anchor, tense)
                if got != want:
                    bad.append(f"{phrase!r} @ {anchor}: want {want}, got {got}")
    assert not bad, "\n".join(bad)


def test_day_range_examples() -> None:
    dec11 = dt.date(2023, 12, 11)
    assert value("October 19-20", dec11, "past") == "2023-10-19"  # not 2020-10-19
    assert value("October 19-20", dec11, "future") == "2024-10-19"
    assert value("March 3-4", dec11, "past") == "2023-03-03"
    assert value("19-20 November", dec11, "past") == "2023-11-19"
    assert value("November 30 \u2013 December 1", dec11, "past") == "2023-11-30"
    assert value("between March 3 and 5", dec11, "future") == "2024-03-03"
    assert value("March 23-25", dec11, "unknown") == "2023-03-23"
    assert value("December 30 - January 2", dt.date(2024, 1, 10), "past") == "2023-12-30"
    # a range under way at the article date counts on both sides
    assert value("December 10-12", dec11, "future") == "2023-12-10"
    assert resolve_date("Oct 19-20", dec11) == ResolvedDate(
        value="2023-10-19", precision="day", last="2023-10-20"
    )
    assert resolve_date("November 30 \u2013 December 1", dec11, tense="past") == ResolvedDate(
        value="2023-11-30", precision="day", last="2023-12-01"
    )


@pytest.mark.parametrize("year", [1989, 2020, 2024])
def test_day_range_with_a_year_takes_that_year(year: int) -> None:
    for tense in TENSES:
        assert value(f"October 19-20, {year}", THU, tense) == f"{year}-10-19"
        assert value(f"19-20 October {year}", THU, tense) == f"{year}-10-19"
        assert value(f"December 30 - January 2, {year}", THU, tense) == f"{year - 1}-12-30"
        assert value(f"December 30, {year} - January 2, {year + 1}", THU, tense) == (
            f"{year}-12-30"
        )


def weekday_range_start(anchor: dt.date, tense: Tense, wd1: int, wd2: int) -> dt.date:
    """The spec for "Friday to Sunday": as for a span, the latest begun by the article date
    (past, unknown) or the earliest not yet over (future)."""
    monday = anchor - dt.timedelta(days=anchor.weekday())
    starts = [monday + dt.timedelta(weeks=k, days=wd1) for k in range(-2, 3)]
    length = dt.timedelta(days=(wd2 - wd1) % 7)
    if tense == "future":
        return min(s for s in starts if s + length >= anchor)
    return max(s for s in starts if s <= anchor)


@pytest.mark.parametrize("tense", TENSES)
def test_weekday_range_is_its_first_day(tense: Tense) -> None:
    bad = []
    for anchor in [THU + dt.timedelta(days=i) for i in range(7)]:
        for wd1, wd2 in ((0, 2), (4, 6), (1, 4), (5, 1)):
            want = weekday_range_start(anchor, tense, wd1, wd2).isoformat()
            a, b = WEEKDAYS[wd1].title(), WEEKDAYS[wd2].title()
            for phrase in (f"from {a} to {b}", f"{a}-{b}", f"between {a} and {b}", f"{a} to {b}"):
                got = value(phrase, anchor, tense)
                if got != want:
                    bad.append(f"{phrase!r} @ {anchor}: want {want}, got {got}")
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("tense", TENSES)
@pytest.mark.parametrize("anchor", RANGE_ANCHORS)
def test_joined_days_never_give_a_year_from_a_day_number(tense: Tense, anchor: dt.date) -> None:
    """Whatever joins two day numbers, the answer is None or a date within a year of the
    article: a day number never becomes the year."""
    bad = []
    for month in MONTH_NAMES:
        for sep in ("-", "\u2013", "\u2014", "/", " & ", " to ", " and ", " or ", " , "):
            for d1, d2 in ((19, 20), (3, 4), (23, 25), (9, 10), (20, 21), (29, 30)):
                got = resolve_date(f"{month} {d1}{sep}{d2}", anchor, tense=tense)
                if got is not None and abs(int(got.value[:4]) - anchor.year) > 1:
                    bad.append(f"{month} {d1}{sep}{d2}: {got.value}")
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize(
    "phrase",
    [
        "between March and May",
        "from March to May",
        "March-May",
        "from 2022 to 2023",
        "2019-20",
        "between 2019 and 2021",
        "the 2019\u201320 season",
    ],
)
def test_ranges_of_months_or_years_give_none(phrase: str) -> None:
    for tense in TENSES:
        assert resolve_date(phrase, THU, tense=tense) is None


# --- class tests: two-digit and spelled-out years ----------------------------------------------

YEAR_ANCHORS = [dt.date(1989, 10, 30), dt.date(1998, 3, 1), dt.date(2003, 1, 1), THU]


@pytest.mark.parametrize("tense", TENSES)
def test_two_digit_year_takes_the_century_beside_the_article(tense: Tense) -> None:
    bad = []
    for anchor in YEAR_ANCHORS:
        limit = anchor.year + (0 if tense == "past" else 10)
        for yy in range(100):
            for form in (f"'{yy:02d}", f"in '{yy:02d}", f"since \u2019{yy:02d}"):
                got = value(form, anchor, tense)
                if got is None or int(got) % 100 != yy or not limit - 100 < int(got) <= limit:
                    bad.append(f"{form!r} @ {anchor} ({tense}): {got}")
    assert not bad, "\n".join(bad[:40])


def test_two_digit_year_in_a_longer_phrase() -> None:
    assert value("in '98", THU, "past") == "1998"
    assert value("'58", THU) == "1958"
    assert value("'25", THU) == "2025"
    assert value("'25", THU, "past") == "1925"
    assert value("March '98", THU, "past") == "1998-03"
    assert value("the summer of '69", THU, "past") == "1969-SU"
    assert value("Q4 '22", THU, "past") == "2022-Q4"
    assert value("the '90s", THU, "past") == "199"  # a decade, not a year


ONES = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
TEENS = [
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def number_words(n: int) -> str:
    if n < 10:
        return ONES[n - 1]
    if n < 20:
        return TEENS[n - 10]
    tens, ones = divmod(n, 10)
    return TENS[tens - 2] + ("" if ones == 0 else f"-{ONES[ones - 1]}")


def spoken_years(year: int) -> list[str]:
    """Ways a year is said aloud: "nineteen ninety-six", "nineteen oh five", "nineteen
    hundred", "two thousand and eight", "twenty twenty-three"."""
    high, low = divmod(year, 100)
    forms = []
    if low == 0 and high != 20:
        forms.append(f"{number_words(high)} hundred")
    elif low >= 10:
        forms.append(f"{number_words(high)} {number_words(low)}")
    elif low > 0 and high != 20:
        forms.append(f"{number_words(high)} oh {number_words(low)}")
    if high == 20:
        forms.append("two thousand" + ("" if low == 0 else f" and {number_words(low)}"))
        if low:
            forms.append(f"two thousand {number_words(low)}")
    return forms


def test_spelled_out_years() -> None:
    bad = []
    for year in range(1600, 2100):
        for spoken in spoken_years(year):
            for form in (spoken, f"in {spoken}", f"the year {spoken}", spoken.title()):
                if (got := value(form, THU, "past")) != str(year):
                    bad.append(f"{form!r}: {got}")
    assert not bad, f"{len(bad)} off:\n" + "\n".join(bad[:40])


def test_spelled_out_year_inside_a_date() -> None:
    assert value("January nineteen ninety-seven", THU) == "1997-01"
    assert value("the winter of nineteen ninety-four", THU) == "1994-WI"
    assert value("March 3, two thousand and one", THU) == "2001-03-03"
    assert value("the year two thousand", dt.date(1998, 2, 5), "future") == "2000"
    assert value("the twenty-first century", THU) == "20"  # no year in it


ORDINAL_WORDS = [
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "eleventh",
    "twelfth",
    "thirteenth",
    "fourteenth",
    "fifteenth",
    "sixteenth",
    "seventeenth",
    "eighteenth",
    "nineteenth",
    "twentieth",
]


def ordinal_words(n: int) -> str:
    if n <= 20:
        return ORDINAL_WORDS[n - 1]
    if n == 30:
        return "thirtieth"
    return f"{'twenty' if n < 30 else 'thirty'}-{ORDINAL_WORDS[n % 10 - 1]}"


def test_spelled_ordinal_day_beside_a_month_is_that_day() -> None:
    bad = []
    for m, month in enumerate(MONTH_NAMES, start=1):
        for day in range(1, calendar.monthrange(2023, m)[1] + 1):
            want = value(f"{month} {day}", THU, "past")
            words = ordinal_words(day)
            for form in (f"{month} {words}", f"the {words} of {month}", f"on {month} the {words}"):
                if (got := value(form, THU, "past")) != want:
                    bad.append(f"{form!r}: want {want}, got {got}")
    assert not bad, "\n".join(bad[:40])
    assert value("this coming Sunday, March eighth", dt.date(1998, 3, 5)) == "1998-03-08"


def test_weekday_in_front_of_a_date_picks_the_year_it_falls_on() -> None:
    bad = []
    for anchor in YEAR_ANCHORS:
        for offset in range(-300, 300, 13):
            day = anchor + dt.timedelta(days=offset)
            phrase = f"{WEEKDAYS[day.weekday()].title()}, {MONTH_NAMES[day.month - 1]} {day.day}"
            if day.month == 2 and day.day == 29:
                continue
            for tense in TENSES:
                if (got := value(phrase, anchor, tense)) != day.isoformat():
                    bad.append(f"{phrase!r} @ {anchor} ({tense}): want {day}, got {got}")
    assert not bad, "\n".join(bad[:40])


# --- class tests: fiscal years and quarters -----------------------------------------------------

QUARTER_ORDINALS = ("first", "second", "third", "fourth")
EVERY_WEEK_2023 = [dt.date(2023, 1, 1) + dt.timedelta(days=7 * i) for i in range(53)]


@pytest.mark.parametrize(
    "phrase",
    [
        "this fiscal year",
        "the fiscal year",
        "the current fiscal year",
        "the latest fiscal year",
        "next fiscal year",
        "fiscal 2024",
        "fiscal '24",
        "FY24",
        "FY 2024",
        "the fiscal first quarter",
        "the fiscal-first quarter",
        "fiscal second-quarter",
        "the first quarter of fiscal 2024",
        "its fiscal third quarter",
        "the financial year",
    ],
)
def test_fiscal_periods_give_none(phrase: str) -> None:
    for anchor in (THU, dt.date(1989, 10, 26)):
        for tense in TENSES:
            assert resolve_date(phrase, anchor, tense=tense) is None


@pytest.mark.parametrize("tense", TENSES)
def test_named_quarter_is_the_calendar_quarter_the_tense_gives(tense: Tense) -> None:
    bad = []
    for anchor in EVERY_WEEK_2023:
        for n, word in enumerate(QUARTER_ORDINALS, start=1):
            first = 3 * n - 2
            year = placed(anchor, tense, (first, 1), (first + 2, 30 + (n in (1, 4)))).year
            want = f"{year}-Q{n}"
            for phrase in (
                f"the {word} quarter",
                f"{word}-quarter",
                f"Q{n}",
                f"in the {word} quarter",
            ):
                if (got := value(phrase, anchor, tense)) != want:
                    bad.append(f"{phrase!r} @ {anchor} ({tense}): want {want}, got {got}")
    assert not bad, "\n".join(bad[:40])


def quarter_of(day: dt.date, shift: int = 0) -> str:
    year, q0 = divmod(day.year * 4 + (day.month - 1) // 3 + shift, 4)
    return f"{year}-Q{q0 + 1}"


@pytest.mark.parametrize("tense", TENSES)
def test_quarters_relative_to_the_article(tense: Tense) -> None:
    bad = []
    for anchor in EVERY_WEEK_2023:
        checks = {
            "last quarter": quarter_of(anchor, -1),
            "the latest quarter": quarter_of(anchor, -1),
            "this quarter": quarter_of(anchor),
            "the current quarter": quarter_of(anchor),
            "next quarter": quarter_of(anchor, 1),
            "this year's third quarter": f"{anchor.year}-Q3",
            "last year's fourth quarter": f"{anchor.year - 1}-Q4",
            "next year's first quarter": f"{anchor.year + 1}-Q1",
            "the third quarter of last year": f"{anchor.year - 1}-Q3",
            "2019's second half": "2019-H2",
        }
        for phrase, want in checks.items():
            if (got := value(phrase, anchor, tense)) != want:
                bad.append(f"{phrase!r} @ {anchor} ({tense}): want {want}, got {got}")
    assert not bad, "\n".join(bad)


def test_bare_the_quarter_is_the_article_quarter_only_ahead() -> None:
    """Told in the past, "the quarter" is the one being reported (mostly the last one), not the
    article's: None rather than a guess."""
    for anchor in EVERY_WEEK_2023:
        assert value("the quarter", anchor, "past") is None
        assert value("in the quarter", anchor, "unknown") is None
        assert value("by the end of the quarter", anchor, "future") == quarter_of(anchor)


@pytest.mark.parametrize(
    "phrase",
    [
        "the year-ago quarter",
        "the year-earlier quarter",
        "the year-ago period",
        "year-ago",
        "the comparable year-ago quarter",
        "the year-earlier third quarter",
        "the same quarter last year",
        "the previous quarter",
        "the preceding quarter",
        "that quarter",
    ],
)
def test_quarters_anchored_to_the_one_reported_give_none(phrase: str) -> None:
    for tense in TENSES:
        assert resolve_date(phrase, dt.date(1989, 10, 26), tense=tense) is None


# --- class tests: phrases anchored to another event ---------------------------------------------

ANCHORED_TEMPLATES = (
    "the {u} before",
    "the {u} after",
    "the next {u}",
    "the following {u}",
    "the previous {u}",
    "the preceding {u}",
    "the {u} prior",
    "a {u} earlier",
    "a {u} later",
    "two {u}s later",
    "three {u}s earlier",
    "later that {u}",
    "earlier that {u}",
    "that {u}",
    "the same {u}",
    "the ensuing {u}",
    "the subsequent {u}",
    "the last {u}",
)
ANCHORED_UNITS = ("day", "morning", "night", "week", "weekend", "month", "year", "quarter")


@pytest.mark.parametrize("tense", TENSES)
def test_phrases_anchored_to_another_event_give_none(tense: Tense) -> None:
    phrases = [t.format(u=u) for t in ANCHORED_TEMPLATES for u in ANCHORED_UNITS]
    phrases += ["since then", "until then", "by then", "then", "the night before", "afterwards"]
    phrases += [f"the {w} after" for w in WEEKDAYS] + [f"the next {w}" for w in WEEKDAYS]
    bad = []
    for anchor in (THU, dt.date(1989, 10, 26), dt.date(2024, 2, 29)):
        for phrase in phrases:
            for shown in (phrase, phrase.capitalize(), f"on {phrase}"):
                if (got := resolve_date(shown, anchor, tense=tense)) is not None:
                    bad.append(f"{shown!r} @ {anchor}: {got.value}")
    assert not bad, "\n".join(bad)


def test_document_anchored_look_alikes_still_resolve() -> None:
    """The words that flag another event do not catch phrases counted from the article date."""
    assert value("earlier this year", THU, "past") == "2023"
    assert value("later this month", THU, "future") == "2023-06"
    assert value("earlier today", THU) == "2023-06-29"
    assert value("a year ago", THU, "past") == "2022"
    assert value("next week", THU, "future") == "2023-W27"
    assert value("last week", THU, "past") == "2023-W25"


# --- other languages --------------------------------------------------------------------------


def test_other_languages_go_to_dateparser_in_that_language() -> None:
    def lang(phrase: str, language: str | None, tense: Tense = "past") -> str | None:
        got = resolve_date(phrase, THU, tense=tense, language=language)
        return None if got is None else got.value

    assert lang("ayer", "es") == "2023-06-28"
    assert lang("el mes pasado", "es") == "2023-05"
    assert lang("el año pasado", "es") == "2022"
    assert lang("la semaine dernière", "fr") == "2023-W25"
    assert lang("el 3 de marzo", "es", "past") == "2023-03-03"
    assert lang("el 3 de marzo", "es", "future") == "2024-03-03"
    assert lang("el viernes", "es", "past") == "2023-06-23"
    assert lang("el viernes", "es", "future") == "2023-06-30"
    assert lang("am Mittwoch", "de") == "2023-06-28"
    assert lang("ontem", "pt-BR") == "2023-06-28"
    # the article's own weekday is the article date in any language
    assert lang("el jueves", "es", "past") == lang("jeudi", "fr", "future") == "2023-06-29"
    # no language given, but clearly not English
    assert lang("el año pasado", None) == "2022"
    assert lang("mañana", None) == "2023-06-30"
    # a code dateparser does not know: it detects the language
    assert lang("el viernes", "xx") == "2023-06-23"
    # and never a year read off a day number
    assert lang("19-20 de octubre", "es", "future") in (None, "2023-10-19")


def test_english_given_or_assumed_is_the_same() -> None:
    for row in ROWS:
        base = resolve_date(row.phrase, row.anchor, tense=row.tense)
        for language in ("en", "EN", "en-GB", "en_US"):
            assert resolve_date(row.phrase, row.anchor, tense=row.tense, language=language) == base
