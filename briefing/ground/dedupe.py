"""Folding duplicate items together: within one extraction (models repeat themselves) and
across the chunks of a long article."""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Sequence
from typing import TypeVar

from briefing.models import Agreement, Claim, Evidence, KeyPoint

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


def _nested(a: list[Evidence], b: list[Evidence]) -> bool:
    """One item's passages all among the other's: the same report, cited more or less fully."""
    sa, sb = _spans(a), _spans(b)
    return bool(sa) and bool(sb) and (sa <= sb or sb <= sa)


def _fold_similar(
    items: Sequence[T], same: Callable[[T, T], bool], fold: Callable[[T, T], T]
) -> list[T]:
    kept: list[T] = []
    for item in items:
        at = next((i for i, k in enumerate(kept) if same(k, item)), None)
        if at is None:
            kept.append(item)
        else:
            kept[at] = fold(kept[at], item)
    return kept


def dedupe_agreements(items: Sequence[Agreement]) -> list[Agreement]:
    """Same title; or same kind and parties resting on nested passages (a reworded repeat).
    Two agreements between the same parties that share only some passages stay apart."""

    def same(a: Agreement, b: Agreement) -> bool:
        if _norm(a.title) == _norm(b.title):
            return True
        parties = {_norm(p) for p in a.parties} == {_norm(p) for p in b.parties}
        return a.kind == b.kind and parties and _nested(a.evidence, b.evidence)

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

    return _fold_similar(items, same, fold)


def _same_claimant(a: str, b: str) -> bool:
    """ "Ahmad-Reza Radan" and "Radan": equal, or one is the other's last name."""
    wa, wb = _norm(a).split(), _norm(b).split()
    return wa == wb or (
        bool(wa) and bool(wb) and (len(wa) == 1 or len(wb) == 1) and wa[-1] == wb[-1]
    )


def dedupe_claims(items: Sequence[Claim]) -> list[Claim]:
    """The same claimant saying the same thing: in the same words, or on nested passages."""

    def same(a: Claim, b: Claim) -> bool:
        if not _same_claimant(a.claimant, b.claimant):
            return False
        return _norm(a.statement) == _norm(b.statement) or _nested(a.evidence, b.evidence)

    def fold(a: Claim, b: Claim) -> Claim:
        longer = a if len(a.claimant) >= len(b.claimant) else b
        return a.model_copy(
            update={"claimant": longer.claimant, "evidence": union_evidence(a.evidence, b.evidence)}
        )

    return _fold_similar(items, same, fold)


def dedupe_key_points(items: Sequence[KeyPoint]) -> list[KeyPoint]:
    def keys(p: KeyPoint) -> list[Hashable]:
        return [("text", _norm(p.text)), ("body", _spans(p.evidence))]

    return _dedupe(items, keys, lambda a, b: a)
