"""resolve_date against the hand-annotated set in tests/data/dates.tsv, plus the gap cases."""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import re
from pathlib import Path
from typing import NamedTuple, cast

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


@pytest.mark.parametrize("row", ROWS, ids=[f"{r.phrase}@{r.anchor}/{r.tense}" for r in ROWS])
def test_annotation_is_well_formed(row: Row) -> None:
    """Guards the hand annotation itself: a named weekday must be the weekday of the value."""
    if row.expected is None:
        return
    precision_of(row.expected)
    named = [i for i, name in enumerate(WEEKDAYS) if name in row.phrase.lower()]
    if named and re.fullmatch(SHAPES["day"], row.expected):
        assert dt.date.fromisoformat(row.expected).weekday() == named[0]


@pytest.mark.parametrize("row", ROWS, ids=[f"{r.phrase}@{r.anchor}/{r.tense}" for r in ROWS])
def test_tsv_row(row: Row) -> None:
    got = resolve_date(row.phrase, row.anchor, tense=row.tense)
    if row.expected is None:
        assert got is None
        return
    assert got is not None, row.note
    assert got.value == row.expected, row.note
    assert got.precision == precision_of(got.value)


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
