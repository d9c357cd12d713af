"""Value accuracy of date resolution over tests/data/dates.tsv: dateparser alone vs resolve_date.

Run as `python benchmarks/dates.py`. Baselines, kept simple and fair:

* (a) dateparser with RELATIVE_BASE only (English, no other settings), the phrase as written.
* (a') the same plus PREFER_DATES_FROM from the row's tense ("past" when unknown), i.e. all
  the help dateparser can take from the caller.

A dateparser result becomes a TimeML value by the period dateparser reports for it: day or
time gives YYYY-MM-DD, week the ISO week YYYY-Www, month YYYY-MM, year YYYY. dateparser has
no seasons, quarters, halves, decades or centuries, so it cannot score on those rows. A row
expecting NONE counts as right when the parser returns nothing.

Rows marked "held-out" were annotated after the rules were frozen and are also scored on their
own: the rest were written alongside the rules, so their figure is optimistic.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from dateparser.date import DateDataParser

from briefing.ground.dates import Tense, resolve_date

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "dates.tsv"
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


def dateparser_value(phrase: str, anchor: dt.date, prefer: str | None) -> str:
    settings: dict[str, object] = {"RELATIVE_BASE": dt.datetime.combine(anchor, dt.time())}
    if prefer:
        settings["PREFER_DATES_FROM"] = prefer
    data = DateDataParser(languages=["en"], settings=settings).get_date_data(phrase)
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


def main() -> None:
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


if __name__ == "__main__":
    main()
