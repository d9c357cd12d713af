"""Value accuracy of date resolution: dateparser alone vs resolve_date.

Two modes, each printing its own table:

* `python benchmarks/dates.py`: the hand-annotated set tests/data/dates.tsv.
* `python benchmarks/dates.py --timebank [--misses]`: TimeBank 1.2 DATE expressions
  (data/timebank-dates.json; annotations by Pustejovsky et al., via TempEval-3), see
  `timebank_main` below for what is scored and how.

Baselines of the tsv mode, kept simple and fair:

* (a) dateparser with RELATIVE_BASE only (English, no other settings), the phrase as written.
* (a') the same plus PREFER_DATES_FROM from the row's tense ("past" when unknown), i.e. all
  the help dateparser can take from the caller.

A dateparser result becomes a TimeML value by the period dateparser reports for it: day or
time gives YYYY-MM-DD, week the ISO week YYYY-Www, month YYYY-MM, year YYYY. dateparser has
no seasons, quarters, halves, decades or centuries, so it cannot score on those rows. A row
expecting NONE counts as right when the parser returns nothing.

Rows marked "held-out" were annotated after the rules were frozen and are also scored on their
own: the rest were written alongside the rules, so their figure is optimistic.

TimeBank figures recorded (735 relative phrases, 52 of them event-anchored; exact match):

                                 resolve_date  resolve_date+tense  dateparser  dateparser+tense
  resolver of fe7b469            510 (69.4%)   570 (77.6%)         415 (56.5%) 438 (59.6%)
  ranges/years/quarters/anchors  534 (72.7%)   593 (80.7%)         415 (56.5%) 438 (59.6%)

Wrong answers (not None, not the gold) with the tense: 57 before, 45 after. TimeBank is for
measuring; the rules are written for classes of phrase, not for its rows.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import re
from collections import Counter
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

from dateparser.date import DateDataParser

from briefing.ground.dates import Tense, resolve_date

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "dates.tsv"
TIMEBANK = ROOT / "data" / "timebank-dates.json"
Row = tuple[str, dt.date, Tense, str, str, bool]
Resolver = Callable[[str, dt.date, Tense], str]


def load() -> list[Row]:
    lines = [line for line in DATA.read_text(encoding="utf-8").splitlines() if line[:1] != "#"]
    rows: list[Row] = []
    for rec in csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE):
        tense: Tense = (
            "past"
            if rec["tense"] == "past"
            else ("future" if rec["tense"] == "future" else "unknown")
        )
        rows.append(
            (
                rec["phrase"],
                dt.date.fromisoformat(rec["anchor"]),
                tense,
                rec["expected"],
                rec["note"].split(";")[0].strip(),
                "held-out" in rec["note"],
            )
        )
    return rows


@lru_cache(maxsize=256)
def _parser(anchor: dt.date, prefer: str | None) -> DateDataParser:
    settings: dict[str, Any] = {"RELATIVE_BASE": dt.datetime.combine(anchor, dt.time())}
    if prefer:
        settings["PREFER_DATES_FROM"] = prefer
    return DateDataParser(languages=["en"], settings=settings)


def dateparser_value(phrase: str, anchor: dt.date, prefer: str | None) -> str:
    data = _parser(anchor, prefer).get_date_data(phrase)
    if data.date_obj is None:
        return "NONE"
    day = data.date_obj.date()
    if data.period == "week":
        iso = day.isocalendar()
        return f"{iso.year:04d}-W{iso.week:02d}"
    return {"month": day.isoformat()[:7], "year": day.isoformat()[:4]}.get(
        data.period or "day", day.isoformat()
    )


def plain(phrase: str, anchor: dt.date, tense: Tense) -> str:
    return dateparser_value(phrase, anchor, None)


def with_tense(phrase: str, anchor: dt.date, tense: Tense) -> str:
    return dateparser_value(phrase, anchor, "future" if tense == "future" else "past")


def ours(phrase: str, anchor: dt.date, tense: Tense) -> str:
    got = resolve_date(phrase, anchor, tense=tense)
    return "NONE" if got is None else got.value


def tsv_main() -> None:
    rows = load()
    systems: dict[str, Resolver] = {
        "(a) dateparser": plain,
        "(a') dateparser+tense": with_tense,
        "(b) resolve_date": ours,
    }
    hits: dict[str, Counter[str]] = {name: Counter() for name in systems}
    held: Counter[str] = Counter()
    misses: list[str] = []
    for phrase, anchor, tense, expected, category, held_out in rows:
        for name, resolve in systems.items():
            got = resolve(phrase, anchor, tense)
            hits[name][category] += got == expected
            held[name] += held_out and got == expected
            if name.startswith("(b)") and got != expected:
                tag = " [held-out]" if held_out else ""
                misses.append(
                    f"  {phrase!r} @ {anchor} ({tense}): expected {expected}, got {got}{tag}"
                )
    sizes = Counter(row[4] for row in rows)
    n_held = sum(row[5] for row in rows)
    print(f"{len(rows)} rows from {DATA.relative_to(DATA.parents[2])}\n")
    header = f"{'category':<16}{'rows':>5}" + "".join(f"{name:>24}" for name in systems)
    print(header)
    print("-" * len(header))
    for category in sorted(sizes):
        print(
            f"{category:<16}{sizes[category]:>5}"
            + "".join(f"{hits[name][category]:>24}" for name in systems)
        )
    print("-" * len(header))
    totals = "".join(
        f"{f'{sum(hits[n].values())} ({sum(hits[n].values()) / len(rows):.1%})':>24}"
        for n in systems
    )
    print(f"{'total':<16}{len(rows):>5}{totals}")
    held_cells = "".join(f"{f'{held[n]} ({held[n] / n_held:.1%})':>24}" for n in systems)
    print(f"{'held-out only':<16}{n_held:>5}{held_cells}")
    print(f"\nremaining misses of (b): {len(misses)}")
    print("\n".join(misses) if misses else "  none")


# --- TimeBank ---------------------------------------------------------------------------------

CONCRETE = re.compile(r"\d{4}(?:-\d{2}(?:-\d{2})?|-W\d{2}|-Q[1-4]|-(?:SU|SP|FA|WI))?")
# Heuristic, on the phrase alone: words that tie a date to another event in the text rather
# than to the document date. Rows it flags are counted apart, not dropped.
EVENT_ANCHORED = re.compile(
    r"\b(?:that|those|then|same|previous|prior|preceding|following|ensuing|subsequent"
    r"|corresponding|comparable)\b|\byear-(?:ago|earlier)\b|\bthe next\b"
    r"|\b(?:earlier|later|before|after|afterwards?)$"
)
_SEASON_START = {"SP": 3, "SU": 6, "FA": 9, "WI": 12}


class TBRow:
    """One TimeBank DATE expression with a concrete gold value."""

    def __init__(self, rec: dict[str, str]) -> None:
        self.doc = rec["doc"]
        self.dct = dt.date.fromisoformat(rec["dct"])
        self.text = rec["text"]
        self.gold = rec["value"]
        self.event = EVENT_ANCHORED.search(self.text.lower()) is not None
        span = value_span(self.gold)
        assert span is not None, self.gold
        lo, hi = span
        # The tense a model would report: the side of the document date the gold lies on; a
        # gold span that contains the document date gives no side, so "unknown".
        self.tense: Tense = "past" if hi < self.dct else ("future" if lo > self.dct else "unknown")


def value_span(value: str) -> tuple[dt.date, dt.date] | None:
    """First and last day a concrete TimeML value covers (weeks are ISO weeks)."""
    if not CONCRETE.fullmatch(value):
        return None
    year = int(value[:4])
    rest = value[5:]
    if not rest:
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    if rest in _SEASON_START:
        first = _SEASON_START[rest]
        end_y, end_m = (year + 1, 2) if rest == "WI" else (year, first + 2)
        return dt.date(year, first, 1), _last_day(end_y, end_m)
    if rest[0] == "W":
        monday = dt.date.fromisocalendar(year, int(rest[1:]), 1)
        return monday, monday + dt.timedelta(days=6)
    if rest[0] == "Q":
        first = 3 * int(rest[1]) - 2
        return dt.date(year, first, 1), _last_day(year, first + 2)
    if len(rest) == 2:
        return dt.date(year, int(rest), 1), _last_day(year, int(rest))
    day = dt.date.fromisoformat(value)
    return day, day


def _last_day(year: int, month: int) -> dt.date:
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def within(got: str, gold: str) -> bool:
    """The answer's calendar span lies inside the gold one (a finer answer in the right unit)."""
    got_span, gold_span = value_span(got), value_span(gold)
    if got_span is None or gold_span is None:
        return False
    return gold_span[0] <= got_span[0] and got_span[1] <= gold_span[1]


def load_timebank(path: Path = TIMEBANK) -> tuple[int, list[TBRow]]:
    """All records, and the relative ones: no 4-digit year in the phrase, a concrete gold."""
    records = json.loads(path.read_text(encoding="utf-8"))
    rows = [
        TBRow(rec)
        for rec in records
        if not re.search(r"\d{4}", rec["text"]) and CONCRETE.fullmatch(rec["value"])
    ]
    return len(records), rows


def tb_ours_unknown(row: TBRow) -> str:
    return ours(row.text, row.dct, "unknown")


def tb_ours_tense(row: TBRow) -> str:
    return ours(row.text, row.dct, row.tense)


def tb_dateparser(row: TBRow) -> str:
    return dateparser_value(row.text, row.dct, None)


def tb_dateparser_tense(row: TBRow) -> str:
    prefer = None if row.tense == "unknown" else row.tense
    return dateparser_value(row.text, row.dct, prefer)


def timebank_main(show_misses: bool) -> None:
    """Score the relative TimeBank phrases.

    Relative: no 4-digit year in the phrase and a concrete gold (YYYY, YYYY-MM, YYYY-MM-DD,
    YYYY-Www, YYYY-Qn, YYYY-SU/SP/FA/WI). Each system runs once per row:

    * resolve_date with tense "unknown", and with the tense a model would report: "past" if the
      gold span ends before the document date, "future" if it starts after, else "unknown";
    * dateparser alone, RELATIVE_BASE = document date, without and with PREFER_DATES_FROM set
      from that tense (left at dateparser's default when the tense is "unknown").

    Primary score: exact string match with the gold TimeML value. Secondary ("within"): the
    answer's span lies inside the gold span, so a day answer for a month gold counts when the
    day is in that month; a coarser answer never counts. "Wrong" is an answer that is not an
    exact match (None is not wrong). Rows whose phrase looks anchored to another event
    (EVENT_ANCHORED) are counted apart: no rule on the phrase alone can reach their gold.
    """
    total, rows = load_timebank()
    systems: dict[str, Callable[[TBRow], str]] = {
        "resolve_date": tb_ours_unknown,
        "resolve_date+tense": tb_ours_tense,
        "dateparser": tb_dateparser,
        "dateparser+tense": tb_dateparser_tense,
    }
    answers = {name: [fn(row) for row in rows] for name, fn in systems.items()}
    groups = {
        "all relative": [True] * len(rows),
        "document-anchored": [not row.event for row in rows],
        "event-anchored": [row.event for row in rows],
    }
    n_event = sum(row.event for row in rows)
    print(
        "Annotations: TimeBank 1.2 (Pustejovsky et al.) via TempEval-3 (UzZaman et al., 2013).\n"
        f"DATE expressions: {total}; relative (no 4-digit year, concrete gold): {len(rows)}; "
        f"event-anchored by the phrase heuristic: {n_event}\n"
    )
    header = f"{'':<28}{'rows':>5}" + "".join(f"{name:>20}" for name in systems)
    print(header)
    print("-" * len(header))

    def line(label: str, mask: list[bool], test: Callable[[str, TBRow], bool]) -> None:
        size = sum(mask)
        cells = ""
        for name in systems:
            hit = sum(
                m and test(got, row) for m, got, row in zip(mask, answers[name], rows, strict=True)
            )
            cells += f"{f'{hit} ({hit / size:.1%})' if size else '-':>20}"
        print(f"{label:<28}{size:>5}{cells}")

    for label, mask in groups.items():
        line(f"exact, {label}", mask, lambda got, row: got == row.gold)
    for label, mask in groups.items():
        line(f"within, {label}", mask, lambda got, row: within(got, row.gold))
    for label, mask in groups.items():
        line(f"wrong, {label}", mask, lambda got, row: got not in ("NONE", row.gold))
    print("-" * len(header))
    kinds = Counter(_kind(row.gold) for row in rows if not row.event)
    print("exact by gold unit, document-anchored rows:")
    for kind in sorted(kinds, key=lambda k: -kinds[k]):
        mask = [not row.event and _kind(row.gold) == kind for row in rows]
        line(f"  {kind}", mask, lambda got, row: got == row.gold)
    if show_misses:
        print("\nmisses of resolve_date+tense (document-anchored rows):")
        for got, row in zip(answers["resolve_date+tense"], rows, strict=True):
            if not row.event and got != row.gold:
                print(f"  {row.text!r} @ {row.dct} ({row.tense}): gold {row.gold}, got {got}")


def _kind(value: str) -> str:
    rest = value[5:]
    if not rest:
        return "year"
    if rest in _SEASON_START:
        return "season"
    if rest[0] in "WQ":
        return {"W": "week", "Q": "quarter"}[rest[0]]
    return "month" if len(rest) == 2 else "day"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--timebank", action="store_true", help="score data/timebank-dates.json")
    parser.add_argument("--misses", action="store_true", help="with --timebank, list misses")
    args = parser.parse_args()
    if args.timebank:
        timebank_main(args.misses)
    else:
        tsv_main()


if __name__ == "__main__":
    main()
