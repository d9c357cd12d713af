"""The article cut into highlighted segments, so every evidence span can be linked both ways.

Spans overlap freely (a key point and an agreement often cite the same sentence), so the text
is cut at every span edge: each segment knows which spans cover it, which start there (the
anchor an item links to) and which end there (the badge linking back to the item).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import pairwise

from briefing.extract.schema import ItemKind
from briefing.models import Brief, Evidence

BADGE = {"key_point": "K", "agreement": "A", "official": "O", "claim": "C"}
PRIORITY: tuple[ItemKind, ...] = ("agreement", "claim", "official", "key_point")


@dataclass(frozen=True)
class EvidenceRef:
    id: str
    item_id: str
    kind: ItemKind
    badge: str
    start: int
    end: int


@dataclass(frozen=True)
class ItemRef:
    id: str
    kind: ItemKind
    badge: str
    evidence: list[EvidenceRef]


@dataclass(frozen=True)
class Refs:
    prefix: str
    key_points: list[ItemRef]
    agreements: list[ItemRef]
    officials: list[ItemRef]
    claims: list[ItemRef]

    @property
    def evidence(self) -> list[EvidenceRef]:
        items = [*self.key_points, *self.agreements, *self.officials, *self.claims]
        return [ref for item in items for ref in item.evidence]


@dataclass
class Segment:
    text: str
    kinds: list[ItemKind] = field(default_factory=list)
    badges: list[str] = field(default_factory=list)
    starts: list[EvidenceRef] = field(default_factory=list)
    ends: list[EvidenceRef] = field(default_factory=list)

    @property
    def kind(self) -> ItemKind | None:
        """The colour of the highlight: the most specific kind of item citing this text."""
        return next((k for k in PRIORITY if k in self.kinds), None)


def item_refs(brief: Brief) -> Refs:
    """Stable ids per item and per evidence span, prefixed by the article so that several
    briefings on one notebook page do not clash."""
    prefix = f"b{brief.article.key[:8]}"

    def refs(kind: ItemKind, evidence_lists: list[list[Evidence]]) -> list[ItemRef]:
        out = []
        for i, evidence in enumerate(evidence_lists, start=1):
            item_id = f"{prefix}-{BADGE[kind].lower()}{i}"
            badge = f"{BADGE[kind]}{i}"
            spans = [
                EvidenceRef(f"{item_id}-e{j}", item_id, kind, badge, e.start, e.end)
                for j, e in enumerate(evidence, start=1)
            ]
            out.append(ItemRef(item_id, kind, badge, spans))
        return out

    return Refs(
        prefix=prefix,
        key_points=refs("key_point", [p.evidence for p in brief.key_points]),
        agreements=refs("agreement", [a.evidence for a in brief.agreements]),
        officials=refs("official", [o.evidence for o in brief.officials]),
        claims=refs("claim", [c.evidence for c in brief.claims]),
    )


def article_paragraphs(text: str, refs: Refs) -> list[list[Segment]]:
    spans = refs.evidence
    edges = {s.start for s in spans} | {s.end for s in spans}
    paragraphs = []
    for match in re.finditer(r"\S(?:.*?\S)?(?=\s*\n\s*\n|\s*$)", text, flags=re.DOTALL):
        start, end = match.span()
        cuts = sorted({start, end} | {e for e in edges if start < e < end})
        segments = []
        for a, b in pairwise(cuts):
            covering = [s for s in spans if s.start <= a and s.end >= b]
            segments.append(
                Segment(
                    text=text[a:b],
                    kinds=[s.kind for s in covering],
                    badges=sorted({s.badge for s in covering}),
                    starts=[s for s in spans if s.start == a],
                    ends=[s for s in spans if s.end == b],
                )
            )
        paragraphs.append(segments)
    return paragraphs
