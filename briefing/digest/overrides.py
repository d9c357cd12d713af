"""Merges and the corrections to them: union-find whose unions `never_merge` overrides
veto and `same` overrides force, overrides files, and the overrides that undo one merge."""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from briefing.digest.folding import fold_tag
from briefing.digest.model import Decision, EntityKind, Overrides, Person, PersonMention
from briefing.errors import InputError

if TYPE_CHECKING:
    from briefing.digest.model import Digest


@dataclass
class Clusters:
    tags: list[set[str]]
    forbidden: dict[str, set[str]]
    parent: list[int] = field(init=False)
    decisions: list[tuple[int, int, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.parent = list(range(len(self.tags)))

    def find(self, i: int) -> int:
        root = i
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[i] != root:
            self.parent[i], i = root, self.parent[i]
        return root

    def vetoed(self, ra: int, rb: int) -> bool:
        if not self.forbidden:
            return False
        small, big = sorted((self.tags[ra], self.tags[rb]), key=len)
        return any(big & self.forbidden.get(t, set()) for t in small)

    def union(self, a: int, b: int, reason: str) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb or self.vetoed(ra, rb):
            return False
        keep, gone = min(ra, rb), max(ra, rb)
        self.parent[gone] = keep
        self.tags[keep] |= self.tags[gone]
        self.tags[gone] = set()
        self.decisions.append((a, b, reason))
        return True

    def recorded(
        self, kind: EntityKind, ids: Sequence[str], entity_of: dict[str, str]
    ) -> list[Decision]:
        """Every merge made, as the digest records it: `ids` name the clustered mentions."""
        return [
            Decision(kind=kind, entity=entity_of[ids[a]], a=ids[a], b=ids[b], reason=why)
            for a, b, why in self.decisions
        ]


def vetoes(overrides: Overrides) -> dict[str, set[str]]:
    forbidden: dict[str, set[str]] = defaultdict(set)
    for pair in overrides.never_merge:
        tags = [t if ":" in t else fold_tag(t) for t in pair]
        for x in tags:
            forbidden[x].update(t for t in tags if t != x)
    return dict(forbidden)


def apply_same(clusters: Clusters, index: dict[str, list[int]], overrides: Overrides) -> None:
    for pair in overrides.same:
        found = [i for t in pair for i in index.get(t if ":" in t else fold_tag(t), [])]
        for i in found[1:]:
            clusters.union(found[0], i, f"override: {' and '.join(map(repr, pair))} are one")


def load_overrides(
    overrides: Overrides | dict[str, Any] | str | os.PathLike[str] | None,
) -> Overrides:
    if overrides is None:
        return Overrides()
    if isinstance(overrides, Overrides):
        return overrides
    if isinstance(overrides, dict):
        return Overrides.model_validate(overrides)
    path = Path(overrides)
    try:
        return Overrides.model_validate_json(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: not an overrides file: {str(exc).splitlines()[0]}") from None


def split_overrides(digest: Digest, entity_id: str, apart: list[str]) -> Overrides:
    entity = digest.entity(entity_id)
    wanted = {a if ":" in a else fold_tag(a) for a in apart}
    kind: EntityKind = "person" if isinstance(entity, Person) else "agreement"
    chosen: list[str] = []
    rest: list[str] = []
    for m in entity.mentions:
        forms = (
            {m.id, *(fold_tag(n) for n in [m.name, *m.names])}
            if isinstance(m, PersonMention)
            else {m.id, fold_tag(m.title)}
        )
        (chosen if forms & wanted else rest).append(m.id)
    if not chosen or not rest:
        raise ValueError(
            f"{kind} {entity_id}: {apart} must name some but not all of its mentions "
            f"({', '.join(m.id for m in entity.mentions)})"
        )
    pairs = [[a, b] for a in chosen for b in rest]
    # a name given keeps that name apart in articles added later, too
    named = [a for a in apart if ":" not in a]
    rest_forms = {
        n: None
        for m in entity.mentions
        if m.id in rest
        for n in ([m.name, *m.names] if isinstance(m, PersonMention) else [m.title])
    }
    pairs += [[a, n] for a in named for n in rest_forms if fold_tag(n) not in wanted]
    return Overrides(
        never_merge=[*digest.overrides.never_merge, *pairs],
        same=[p for p in digest.overrides.same if not (set(p) & wanted)],
    )
