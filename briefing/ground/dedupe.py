"""Folding duplicate items together: within one extraction (models repeat themselves) and
across the parts of a long article.

Only what says the same thing folds; in doubt both stay. Every fold is returned with its
reason, so that the run record can show it (nothing disappears silently).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TypeVar

from rapidfuzz import fuzz

from briefing.ground.names import fold_name
from briefing.models import Agreement, Claim, Evidence, KeyPoint

T = TypeVar("T", Agreement, Claim, KeyPoint)
SAME_STATEMENT = 90  # rapidfuzz token_sort_ratio: the same words, in any order
# (index folded, index of the kept item it went into, why)
Fold = tuple[int, int, str]


def _norm(text: str) -> str:
    return " ".join(re.findall(r"\w+", fold_name(text)))


def _spans(evidence: list[Evidence]) -> frozenset[tuple[int, int]]:
    return frozenset((e.start, e.end) for e in evidence)


def union_evidence(*groups: list[Evidence]) -> list[Evidence]:
    seen = {(e.start, e.end): e for group in groups for e in group}
    return [seen[span] for span in sorted(seen)]


def _union(first: list[str], second: list[str]) -> list[str]:
    known = {_norm(x) for x in first}
    return first + [x for x in second if _norm(x) not in known]


def _nested(a: list[Evidence], b: list[Evidence]) -> bool:
    """One item's passages all among the other's: the same report, cited more or less fully."""
    sa, sb = _spans(a), _spans(b)
    return bool(sa) and bool(sb) and (sa <= sb or sb <= sa)


def fold_similar(
    items: Sequence[T], same: Callable[[T, T], str | None], fold: Callable[[T, T], T]
) -> tuple[list[T], list[int], list[Fold]]:
    """Items with duplicates folded into the first of each; for every input the index of
    the item it ended in, and the folds with their reasons."""
    kept: list[T] = []
    into: list[int] = []
    folds: list[Fold] = []
    for i, item in enumerate(items):
        match = next(((k, why) for k, other in enumerate(kept) if (why := same(other, item))), None)
        if match is None:
            into.append(len(kept))
            kept.append(item)
        else:
            at, why = match
            kept[at] = fold(kept[at], item)
            into.append(at)
            folds.append((i, at, why))
    return kept, into, folds


GENERIC_KINDS = ("agreement", "deal", "other")


def _generic_title(title: str) -> bool:
    """A title that names only a kind ("Agreement", "the Treaty", "Pact"): nothing in it
    tells one agreement from another."""
    words = set(_norm(title).split()) - {"the", "a", "an", "of", "understanding", "joint"}
    kinds = ("agreement", "accord", "deal", "treaty", "pact", "memorandum", "mou", "contract",
             "ceasefire", "truce", "statement", "declaration", "framework")  # fmt: skip
    return all(w.rstrip("s") in kinds for w in words)


def _named_apart(a: Agreement, b: Agreement) -> bool:
    """Two titles the shared passage writes as two names ("initiatives like the Partnership
    for X and the Partnership for Y"): two agreements one sentence lists, not one labelled
    twice."""
    ta, tb = _norm(a.title), _norm(b.title)
    text = _norm(" ".join(e.quote for e in a.evidence))
    return bool(ta and tb) and ta not in tb and tb not in ta and ta in text and tb in text


def _parties(a: Agreement) -> set[str]:
    return {_norm(p) for p in a.parties if _norm(p)}


def dedupe_agreements(items: Sequence[Agreement]) -> tuple[list[Agreement], list[int], list[Fold]]:
    """Same title; or same kind and parties resting on nested passages (a reworded repeat);
    or the same passages for the same parties under any kind (one thing given several
    labels). Two agreements between the same parties that share only some passages stay
    apart, and so do two named agreements that one sentence mentions, with or without
    parties."""

    def same(a: Agreement, b: Agreement) -> str | None:
        if _norm(a.title) == _norm(b.title):
            return "same title"
        if _named_apart(a, b):
            return None
        pa, pb = _parties(a), _parties(b)
        if a.kind == b.kind and pa and pa == pb and _nested(a.evidence, b.evidence):
            return "same kind and parties, evidence within the other's"
        if _spans(a.evidence) != _spans(b.evidence):
            return None
        if pa and pb and (pa <= pb or pb <= pa):
            return "same evidence for the same parties"
        if not (pa and pb) and (_generic_title(a.title) or _generic_title(b.title)):
            return "same evidence, and a title that names only a kind"
        return None

    def fold(a: Agreement, b: Agreement) -> Agreement:
        return a.model_copy(
            update={
                "title": b.title if _generic_title(a.title) else a.title,
                "kind": b.kind
                if a.kind in GENERIC_KINDS and b.kind not in GENERIC_KINDS
                else a.kind,
                "status": b.status if a.status == "unknown" else a.status,
                "signatories": _union(a.signatories, b.signatories),
                "subjects": _union(a.subjects, b.subjects),
                "parties": _union(a.parties, b.parties),
                "date": a.date or b.date,
                "place": a.place or b.place,
                "evidence": union_evidence(a.evidence, b.evidence),
            }
        )

    return fold_similar(items, same, fold)


def _same_claimant(a: str, b: str) -> bool:
    """ "Ahmad-Reza Radan" and "Radan": equal, or one is the other's last name."""
    wa, wb = _norm(a).split(), _norm(b).split()
    return wa == wb or (
        bool(wa) and bool(wb) and (len(wa) == 1 or len(wb) == 1) and wa[-1] == wb[-1]
    )


def dedupe_claims(items: Sequence[Claim]) -> tuple[list[Claim], list[int], list[Fold]]:
    """The same claimant saying the same thing (the same statement, word for word or with
    its words reordered). Two statements drawn from one sentence stay two claims."""

    def same(a: Claim, b: Claim) -> str | None:
        if not _same_claimant(a.claimant, b.claimant) or a.kind != b.kind:
            return None
        if _norm(a.statement) == _norm(b.statement):
            return "same claimant, same statement"
        score = fuzz.token_sort_ratio(_norm(a.statement), _norm(b.statement))
        if score >= SAME_STATEMENT and _nested(a.evidence, b.evidence):
            return f"same claimant, statement {score:.0f}% alike on the same evidence"
        return None

    def fold(a: Claim, b: Claim) -> Claim:
        longer = a if len(a.claimant) >= len(b.claimant) else b
        return a.model_copy(
            update={"claimant": longer.claimant, "evidence": union_evidence(a.evidence, b.evidence)}
        )

    return fold_similar(items, same, fold)


def dedupe_key_points(items: Sequence[KeyPoint]) -> tuple[list[KeyPoint], list[int], list[Fold]]:
    def same(a: KeyPoint, b: KeyPoint) -> str | None:
        if _norm(a.text) == _norm(b.text):
            return "same text"
        if _spans(a.evidence) == _spans(b.evidence):
            return "same evidence"
        return None

    return fold_similar(items, same, lambda a, b: a)
