"""Claims across briefings: each claimant and target resolved to a person where the
article's officials (or a full name elsewhere in the digest) say who, and the disputes:
accusations answered by denials."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from briefing.digest.folding import fold_tag
from briefing.digest.inputs import article_key, published
from briefing.digest.model import ClaimEntry, Dispute, Person
from briefing.ground.names import Name
from briefing.models import Brief

ACCUSING = {"accusation", "condemnation"}
DENYING = {"denial"}


def claim_entries(
    briefs: Sequence[Brief], people: list[Person], person_of: dict[str, str]
) -> list[ClaimEntry]:
    by_full: dict[str, set[str]] = defaultdict(set)
    for person in people:
        for name in person.names:
            parsed = Name.of(name)
            if not parsed.is_reference and len(parsed.core) > 1:
                by_full[" ".join(parsed.core)].add(person.id)
    out = []
    for brief in briefs:
        key = article_key(brief)
        local = [
            (person_of[f"{key}:o{i}"], [Name.of(n) for n in [o.name, *o.names]])
            for i, o in enumerate(brief.officials, start=1)
        ]

        def resolve(name: str | None, local: list[tuple[str, list[Name]]] = local) -> str | None:
            if not name:
                return None
            parsed = Name.of(name)
            hits = {
                pid
                for pid, names in local
                for n in names
                if (parsed.core and n.core == parsed.core)
                or (
                    not n.is_reference
                    and parsed.core
                    and n.core
                    and (len(parsed.core) == 1 or len(n.core) == 1)
                    and n.surname == parsed.surname
                )
            }
            if not hits and len(parsed.core) > 1:
                hits = by_full.get(" ".join(parsed.core), set())
            if len(hits) == 1:
                return next(iter(hits))
            return f"name:{fold_tag(name)}"

        for i, claim in enumerate(brief.claims, start=1):
            out.append(
                ClaimEntry.model_construct(
                    id=f"{key}:c{i}",
                    article=key,
                    item=f"b{key[:8]}-c{i}",
                    claimant=claim.claimant,
                    claimant_key=resolve(claim.claimant) or "name:",
                    target=claim.target,
                    target_key=resolve(claim.target),
                    kind=claim.kind,
                    statement=claim.statement,
                    date=published(brief),
                    quote=claim.evidence[0].quote if claim.evidence else None,
                )
            )
    return out


def disputes(claims: list[ClaimEntry]) -> list[Dispute]:
    accusations: dict[str, list[ClaimEntry]] = defaultdict(list)
    denials: dict[str, list[ClaimEntry]] = defaultdict(list)
    for claim in claims:
        if claim.kind in ACCUSING and claim.target_key:
            accusations[claim.target_key].append(claim)
        elif claim.kind in DENYING:
            for key in {claim.target_key, claim.claimant_key} - {None}:
                denials[key].append(claim)  # type: ignore[index]
    out = []
    for key in sorted(accusations):
        accusers = {c.claimant_key for c in accusations[key]}
        answers = [c for c in denials.get(key, []) if accusers - {c.claimant_key}]
        if answers:
            out.append(
                Dispute(
                    target=accusations[key][0].target or key,
                    target_key=key,
                    accusations=[c.id for c in accusations[key]],
                    denials=list(dict.fromkeys(c.id for c in answers)),
                )
            )
    return out
