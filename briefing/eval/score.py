"""Scoring one Brief against its gold annotation.

Matching rule (one-to-one, best overlap first):
- an **agreement** matches when its evidence overlaps a gold span and its title is alike
  (rapidfuzz token_set_ratio >= 60) or it shares a party with the gold one; when both say the
  article itself is the agreement (role `document`), any passage of the article is its evidence,
  so the overlap is not asked;
- an **official** matches when one of its names equals one of the gold person's name forms
  (folded: case, accents, script-aware) or both have the same surname;
- a **claim** matches when its evidence overlaps a gold span and its claimant agrees
  (token_set_ratio >= 70, or a shared word of the name).
When two agreements share a party and a passage, a pair whose titles are alike is matched
before one that only shares the party, so neighbouring deals are not paired crosswise.
A predicted claim left unmatched whose evidence overlaps a *matched* gold claim's spans, with
the same claimant, says part of what that claim says (one sentence read as two propositions, or
a gold claim's second span given its own entry): it is counted as a `split`, neither right nor
wrong, so it leaves precision and recall alone (recall is still one-to-one) and is reported.
Attribute accuracy is counted on matched pairs only.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from rapidfuzz import fuzz

from briefing.eval.gold import Gold, Span
from briefing.ground.names import fold_name
from briefing.models import Brief, Evidence

TITLE_ALIKE = 60
CLAIMANT_ALIKE = 70
ATTRIBUTE_ALIKE = 70
NAMED_FIRST = 1_000_000  # above any overlap in characters: alike titles are paired first


@dataclass
class Counts:
    """Matches, predictions and gold items of one kind, and attribute hits on the matches."""

    matched: int = 0
    predicted: int = 0
    gold: int = 0
    split: int = 0  # predictions restating part of a matched gold item: not counted as wrong
    attributes: dict[str, list[int]] = field(default_factory=dict)  # name -> [right, asked]

    def add(self, other: Counts) -> None:
        self.matched += other.matched
        self.predicted += other.predicted
        self.gold += other.gold
        self.split += other.split
        for name, (right, asked) in other.attributes.items():
            tally = self.attributes.setdefault(name, [0, 0])
            tally[0] += right
            tally[1] += asked

    @property
    def precision(self) -> float:
        judged = self.predicted - self.split
        return self.matched / judged if judged else 1.0

    @property
    def recall(self) -> float:
        return self.matched / self.gold if self.gold else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def attribute(self, name: str, right: bool) -> None:
        tally = self.attributes.setdefault(name, [0, 0])
        tally[0] += int(right)
        tally[1] += 1


@dataclass
class ArticleScore:
    name: str
    kinds: dict[str, Counts]
    pairs: Counts  # "same person" decisions: matched = pairs both call the same
    matches: dict[str, list[tuple[int, int]]]  # kind -> (gold index, predicted index)
    fates: dict[str, int]
    unexplained: int
    tokens: int
    cost: float
    repairs: int


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", fold_name(text)))


def _overlaps(evidence: Sequence[Evidence], spans: Sequence[Span]) -> int:
    return sum(max(0, min(e.end, s.end) - max(e.start, s.start)) for e in evidence for s in spans)


def _alike(a: str | None, b: str | None, threshold: int = ATTRIBUTE_ALIKE) -> bool:
    if not a or not b:
        return not a and not b
    return bool(fuzz.token_set_ratio(fold_name(a), fold_name(b)) >= threshold)


def _assign(
    gold: Sequence[Any], predicted: Sequence[Any], score: Callable[[Any, Any], float]
) -> list[tuple[int, int]]:
    """Greedy one-to-one matching, best-scoring pairs first."""
    pairs = sorted(
        ((s, g, p) for g, gi in enumerate(gold) for p, pi in enumerate(predicted)
         if (s := score(gi, pi)) > 0),
        reverse=True,
    )  # fmt: skip
    used_g: set[int] = set()
    used_p: set[int] = set()
    out = []
    for _, g, p in pairs:
        if g not in used_g and p not in used_p:
            used_g.add(g)
            used_p.add(p)
            out.append((g, p))
    return sorted(out)


def _splits(
    gold: Sequence[Any],
    predicted: Sequence[Any],
    found: list[tuple[int, int]],
    score: Callable[[Any, Any], float],
) -> int:
    """Unmatched predictions that would match a gold item already matched to another."""
    matched_gold = {g for g, _ in found}
    matched_pred = {p for _, p in found}
    return sum(
        1
        for p, item in enumerate(predicted)
        if p not in matched_pred and any(score(gold[g], item) > 0 for g in matched_gold)
    )


def _surname(name: str) -> str | None:
    words = re.findall(r"\w+", fold_name(name))
    words = [w for w in words if w not in {"jr", "sr", "ii", "iii"}]
    return words[-1] if words else None


def score_article(name: str, gold: Gold, brief: Brief, proposed: int | None) -> ArticleScore:
    kinds = {k: Counts() for k in ("agreements", "officials", "claims")}
    matches: dict[str, list[tuple[int, int]]] = {}

    def agreement(g: Any, p: Any) -> float:
        overlap = _overlaps(p.evidence, g.spans)
        if g.role == p.role == "document":
            overlap = max(overlap, 1)
        parties = {fold_name(x) for x in g.parties} & {fold_name(x) for x in p.parties}
        named = fuzz.token_set_ratio(fold_name(g.title), fold_name(p.title)) >= TITLE_ALIKE
        if not overlap or not (named or parties):
            return 0
        return overlap + (NAMED_FIRST if named else 0)

    def official(g: Any, p: Any) -> float:
        forms_g = {fold_name(n) for n in [g.name, *g.names]}
        forms_p = {fold_name(n) for n in [p.name, *p.names]}
        if forms_g & forms_p:
            return 2 + len(forms_g & forms_p)
        return 1 if _surname(g.name) and _surname(g.name) == _surname(p.name) else 0

    def claim(g: Any, p: Any) -> float:
        overlap = _overlaps(p.evidence, g.spans)
        agree = fuzz.token_set_ratio(fold_name(g.claimant), fold_name(p.claimant)) >= (
            CLAIMANT_ALIKE
        ) or bool(_words(g.claimant) & _words(p.claimant) - {"the", "of", "and"})
        return overlap if overlap and agree else 0

    groups: list[tuple[str, Sequence[Any], Sequence[Any], Callable[[Any, Any], float]]] = [
        ("agreements", gold.agreements, brief.agreements, agreement),
        ("officials", gold.officials, brief.officials, official),
        ("claims", gold.claims, brief.claims, claim),
    ]
    for kind, gold_items, predicted, score in groups:
        found = _assign(gold_items, predicted, score)
        matches[kind] = found
        counts = kinds[kind]
        counts.matched, counts.predicted, counts.gold = len(found), len(predicted), len(gold_items)
        if kind == "claims":
            counts.split = _splits(gold_items, predicted, found, score)
        for g_index, p_index in found:
            g, p = gold_items[g_index], predicted[p_index]
            if kind == "agreements":
                counts.attribute("kind", g.kind == p.kind)
                counts.attribute("status", g.status == p.status)
                counts.attribute("role", g.role == p.role)
                counts.attribute("date value", g.date == (p.date.value if p.date else None))
                counts.attribute("place", _alike(g.place, p.place))
            elif kind == "officials":
                counts.attribute("title", _alike(g.title, p.title))
                counts.attribute("affiliation", _alike(g.affiliation, p.affiliation))
                counts.attribute("country", _alike(g.country, p.country, 90))
            else:
                counts.attribute("kind", g.kind == p.kind)
                counts.attribute("target", _alike(g.target, p.target))
    fates: dict[str, int] = {}
    for item in brief.record.items:
        fates[item.fate] = fates.get(item.fate, 0) + 1
    unexplained = max(proposed - len(brief.record.items), 0) if proposed is not None else 0
    return ArticleScore(
        name=name,
        kinds=kinds,
        pairs=same_person_pairs(gold, brief),
        matches=matches,
        fates=fates,
        unexplained=unexplained,
        tokens=brief.record.usage.total_tokens,
        cost=brief.record.cost_usd or 0.0,
        repairs=brief.record.repairs,
    )


def same_person_pairs(gold: Gold, brief: Brief) -> Counts:
    """Pairwise precision and recall of "these two names are one person", over the name forms
    that both the gold and the Brief use."""
    gold_of = {fold_name(n): i for i, o in enumerate(gold.officials) for n in [o.name, *o.names]}
    pred_of = {fold_name(n): i for i, o in enumerate(brief.officials) for n in [o.name, *o.names]}
    shared = sorted(set(gold_of) & set(pred_of))
    pairs = list(combinations(shared, 2))
    gold_same = {p for p in pairs if gold_of[p[0]] == gold_of[p[1]]}
    pred_same = {p for p in pairs if pred_of[p[0]] == pred_of[p[1]]}
    return Counts(matched=len(gold_same & pred_same), predicted=len(pred_same), gold=len(gold_same))
