"""Merging mentions of the same person, which models split or duplicate across an article."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import product

from briefing.ground.names import Name, first_names_agree, similar, untitled
from briefing.models import Evidence, Official

Entry = tuple[list[str], str | None, str | None, str | None, list[Evidence]]


@dataclass
class _Person:
    names: list[str]
    title: str | None
    affiliation: str | None
    country: str | None
    evidence: list[Evidence] = field(default_factory=list)

    def parsed(self) -> list[Name]:
        return untitled([Name.of(n) for n in self.names])


def _full_names_match(a: Name, b: Name) -> bool:
    return similar(a.surname, b.surname) and first_names_agree(a, b)


def _surname_only_match(a: Name, b: Name, owners: dict[str, int]) -> bool:
    short, full = (a, b) if len(a.core) == 1 else (b, a)
    return (
        len(short.core) == 1
        and len(full.core) > 1
        and not full.patronymic
        and short.surname == full.surname
        and owners.get(full.surname, 0) == 1
    )


def _same_person(a: _Person, b: _Person, owners: dict[str, int]) -> bool:
    """A link (shared reference, full-name or surname match) and no conflict between the two
    people's full names (different first names, or different surnames altogether)."""
    names_a, names_b = a.parsed(), b.parsed()
    full_a = [n for n in names_a if not n.is_reference and len(n.core) > 1]
    full_b = [n for n in names_b if not n.is_reference and len(n.core) > 1]
    if any(not _full_names_match(x, y) for x, y in product(full_a, full_b)):
        return False
    for x, y in product(names_a, names_b):
        if x.is_reference or y.is_reference:
            if x.is_reference and y.is_reference and x.words and x.words == y.words:
                return True
            continue
        if (x.core and x.core == y.core) or _surname_only_match(x, y, owners):
            return True
        if len(x.core) > 1 and len(y.core) > 1 and _full_names_match(x, y):
            return True
    return False


def merge_officials(people: Sequence[Entry]) -> tuple[list[Official], list[int]]:
    """Merge entries naming the same person, keeping every name used and all evidence.

    Entries merge on a shared name or reference, on a surname-only mention of a surname that
    only one full name in the article carries, and on spelling variants of the surname
    (Shoigu/Shoygu) when the first names agree; never when their full names conflict.
    Returns the officials and, for each entry, the index of the official it went into.
    """
    persons = [_Person(list(names), t, a, c, list(ev)) for names, t, a, c, ev in people]
    owners: dict[str, int] = {}
    for person in persons:
        surnames = {n.surname for n in person.parsed() if not n.is_reference and len(n.core) > 1}
        for surname in surnames:
            owners[surname] = owners.get(surname, 0) + 1
    merged: list[_Person] = []
    into: list[int] = []
    for person in persons:
        at = next((i for i, m in enumerate(merged) if _same_person(m, person, owners)), None)
        if at is None:
            into.append(len(merged))
            merged.append(person)
            continue
        into.append(at)
        target = merged[at]
        target.names += [n for n in person.names if n not in target.names]
        target.title = target.title or person.title
        target.affiliation = target.affiliation or person.affiliation
        target.country = target.country or person.country
        target.evidence += [e for e in person.evidence if e not in target.evidence]
    return [_to_official(p) for p in merged], into


def _to_official(person: _Person) -> Official:
    parsed = person.parsed()
    real = [n for n in parsed if not n.is_reference] or parsed
    name = max(real, key=lambda n: len(n.core)).text
    return Official(
        name=name,
        title=person.title,
        affiliation=person.affiliation,
        country=person.country,
        names=[name] + [n for n in person.names if n != name],
        evidence=sorted(person.evidence, key=lambda e: e.start),
    )
