"""Merging mentions of the same person, which models split or duplicate across an article."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from briefing._models import Evidence, Official

HONORIFICS = {
    "mr", "mrs", "ms", "dr", "prof", "gen", "general", "lt", "col", "colonel", "maj", "adm",
    "admiral", "sir", "dame", "lord", "sheikh", "president", "prime", "minister", "secretary",
    "chancellor", "king", "queen", "prince", "senator", "sen", "rep", "ambassador", "judge",
}  # fmt: skip
SPELLING_SIMILARITY = 0.8


@dataclass
class _Person:
    names: list[str]
    title: str | None
    affiliation: str | None
    country: str | None
    evidence: list[Evidence] = field(default_factory=list)


def _tokens(name: str) -> list[str]:
    """Lower-case ASCII-folded name tokens without honorifics ("Gen. Mohammad" -> ["mohammad"])."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    words = re.findall(r"[a-z0-9]+(?:[-'][a-z0-9]+)*", folded)
    return [w for w in words if w not in HONORIFICS]


def _is_title_phrase(name: str) -> bool:
    """A reference like "the newly appointed Iranian Police Chief": not a name to merge on."""
    return name.strip().lower().startswith(("the ", "a ", "an ")) or name[:1].islower()


def _surname_similar(a: str, b: str) -> bool:
    return a == b or (
        a[:1] == b[:1] and difflib.SequenceMatcher(None, a, b).ratio() >= SPELLING_SIMILARITY
    )


def _same_person(a: _Person, b: _Person, surname_owners: dict[str, int]) -> bool:
    exact_a = {" ".join(_tokens(n)) for n in a.names} - {""}
    exact_b = {" ".join(_tokens(n)) for n in b.names} - {""}
    if exact_a & exact_b:
        return True
    for name_a in (n for n in a.names if not _is_title_phrase(n)):
        for name_b in (n for n in b.names if not _is_title_phrase(n)):
            ta, tb = _tokens(name_a), _tokens(name_b)
            if not ta or not tb or not _surname_similar(ta[-1], tb[-1]):
                continue
            if len(ta) == 1 or len(tb) == 1:
                if surname_owners.get(ta[-1], 0) <= 1 and surname_owners.get(tb[-1], 0) <= 1:
                    return True
            elif ta[0] == tb[0] or (ta[0][:1] == tb[0][:1] and min(len(ta[0]), len(tb[0])) == 1):
                return True
    return False


def merge_officials(
    people: Sequence[tuple[list[str], str | None, str | None, str | None, list[Evidence]]],
) -> list[Official]:
    """Merge entries naming the same person, keeping every name used and all evidence.

    Entries merge on a shared name or reference, on a surname-only mention of a surname that
    only one full name in the article carries, and on spelling variants of the surname
    (Shoigu/Shoygu) when the first names agree.
    """
    persons = [_Person(list(names), t, a, c, list(ev)) for names, t, a, c, ev in people]
    owners: dict[str, int] = {}
    for person in persons:
        for surname in {_tokens(n)[-1] for n in person.names if len(_tokens(n)) > 1}:
            owners[surname] = owners.get(surname, 0) + 1
    merged: list[_Person] = []
    for person in persons:
        target = next((m for m in merged if _same_person(m, person, owners)), None)
        if target is None:
            merged.append(person)
            continue
        target.names += [n for n in person.names if n not in target.names]
        target.title = target.title or person.title
        target.affiliation = target.affiliation or person.affiliation
        target.country = target.country or person.country
        target.evidence += [e for e in person.evidence if e not in target.evidence]
    return [_to_official(p) for p in merged]


def _to_official(person: _Person) -> Official:
    real_names = [n for n in person.names if not _is_title_phrase(n)] or person.names
    name = max(real_names, key=lambda n: len(_tokens(n)))
    names = [name] + [n for n in person.names if n != name]
    return Official(
        name=name,
        title=person.title,
        affiliation=person.affiliation,
        country=person.country,
        names=names,
        evidence=sorted(person.evidence, key=lambda e: e.start),
    )
