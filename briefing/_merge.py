"""Folding duplicate items together: within one extraction (models repeat themselves) and
across the chunks of a long article."""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Sequence
from typing import TypeVar

from briefing._models import Agreement, Claim, Evidence, KeyPoint

T = TypeVar("T", Agreement, Claim, KeyPoint)


def _norm(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


def _spans(evidence: list[Evidence]) -> frozenset[tuple[int, int]]:
    return frozenset((e.start, e.end) for e in evidence)


def union_evidence(*groups: list[Evidence]) -> list[Evidence]:
    seen = {(e.start, e.end): e for group in groups for e in group}
    return [seen[span] for span in sorted(seen)]


def _union(first: list[str], second: list[str]) -> list[str]:
    known = {_norm(x) for x in first}
    return first + [x for x in second if _norm(x) not in known]


def _dedupe(
    items: Sequence[T], keys: Callable[[T], list[Hashable]], fold: Callable[[T, T], T]
) -> list[T]:
    kept: list[T] = []
    index: dict[Hashable, int] = {}
    for item in items:
        found = next((index[k] for k in keys(item) if k in index), None)
        if found is None:
            index.update({k: len(kept) for k in keys(item)})
            kept.append(item)
        else:
            kept[found] = fold(kept[found], item)
            index.update({k: found for k in keys(item)})
    return kept


def dedupe_agreements(items: Sequence[Agreement]) -> list[Agreement]:
    """Same title, or same kind and parties resting on the same passages."""

    def keys(a: Agreement) -> list[Hashable]:
        parties = frozenset(_norm(p) for p in a.parties)
        return [("title", _norm(a.title)), ("body", a.kind, parties, _spans(a.evidence))]

    def fold(a: Agreement, b: Agreement) -> Agreement:
        return a.model_copy(
            update={
                "signatories": _union(a.signatories, b.signatories),
                "subjects": _union(a.subjects, b.subjects),
                "parties": _union(a.parties, b.parties),
                "date": a.date or b.date,
                "place": a.place or b.place,
                "evidence": union_evidence(a.evidence, b.evidence),
            }
        )

    return _dedupe(items, keys, fold)


def dedupe_claims(items: Sequence[Claim]) -> list[Claim]:
    """Same claimant saying the same thing, in the same words or on the same passages."""

    def keys(c: Claim) -> list[Hashable]:
        who = _norm(c.claimant)
        return [("text", who, _norm(c.statement)), ("body", who, _spans(c.evidence))]

    def fold(a: Claim, b: Claim) -> Claim:
        return a.model_copy(update={"evidence": union_evidence(a.evidence, b.evidence)})

    return _dedupe(items, keys, fold)


def dedupe_key_points(items: Sequence[KeyPoint]) -> list[KeyPoint]:
    def keys(p: KeyPoint) -> list[Hashable]:
        return [("text", _norm(p.text)), ("body", _spans(p.evidence))]

    return _dedupe(items, keys, lambda a, b: a)
