"""Building a digest: briefs in, one per article in date order; people, agreements, claims
and the timeline resolved (each in its own module); every merge recorded with its reason."""

from __future__ import annotations

import datetime as dt
import os
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from briefing.digest.agreements import gather_agreements
from briefing.digest.changes import changes
from briefing.digest.claims import claim_entries, disputes
from briefing.digest.inputs import (
    Source,
    article_key,
    canonical,
    collect,
    forget_keys,
    page_names,
    published,
    window,
)
from briefing.digest.model import ArticleRef, Digest, Overrides
from briefing.digest.overrides import load_overrides, split_overrides
from briefing.digest.people import gather_people
from briefing.digest.timeline import timeline
from briefing.models import Brief

__all__ = ["Source", "build", "changes", "collect", "digest", "split_overrides"]


def build(briefs: Iterable[Brief], overrides: Overrides | None = None) -> Digest:
    try:
        return _build(briefs, overrides or Overrides())
    finally:
        forget_keys()


def _build(briefs: Iterable[Brief], overrides: Overrides) -> Digest:
    ordered = canonical(briefs)
    pages = page_names(ordered)
    people, person_of, person_decisions = gather_people(ordered, overrides)
    agreements, agreement_of, agreement_decisions, agreement_items = gather_agreements(
        ordered, overrides
    )
    claims = claim_entries(ordered, people, person_of)
    by_claimant: dict[str, list[str]] = defaultdict(list)
    by_target: dict[str, list[str]] = defaultdict(list)
    for claim in claims:
        by_claimant[claim.claimant_key].append(claim.id)
        if claim.target_key:
            by_target[claim.target_key].append(claim.id)
    people = [
        p.model_copy(
            update={"claims_by": by_claimant.get(p.id, []), "claims_about": by_target.get(p.id, [])}
        )
        if p.id in by_claimant or p.id in by_target
        else p
        for p in people
    ]
    return Digest(
        briefs=ordered,
        overrides=overrides,
        articles=[
            ArticleRef(
                key=article_key(b),
                name=b.article.name,
                title=b.article.title or b.headline,
                published=published(b),
                source=b.article.source,
                url=b.article.url,
                page=pages[article_key(b)],
            )
            for b in ordered
        ],
        people=people,
        agreements=agreements,
        claims=claims,
        claims_by_claimant=dict(sorted(by_claimant.items())),
        claims_by_target=dict(sorted(by_target.items())),
        disputes=disputes(claims),
        timeline=timeline(ordered, agreement_items, agreement_of),
        decisions=person_decisions + agreement_decisions,
    )


def digest(
    briefs: Source,
    *,
    overrides: Overrides | dict[str, Any] | str | os.PathLike[str] | None = None,
    since: dt.date | str | None = None,
    until: dt.date | str | None = None,
) -> Digest:
    """A digest of briefings: Brief objects, BriefResults, a batch's JSONL log, Brief JSON
    files or folders of them (any mix). `overrides` is a dict, an `Overrides` or a JSON file
    (`{"never_merge": [[a, b]], "same": [[a, b]]}`); `since`/`until` keep the articles
    published in that range (inclusive)."""
    return build(window(collect(briefs), since, until), load_overrides(overrides))
