"""Grounded items screened before they become a Brief: labels the article contradicts are
repaired (an agreement's kind and status), fields that are not content are emptied (the
request echoed back, the answer describing the article), and what cannot stand is dropped
(an "official" that is a state, a key point that is a schema description).

Every change is returned in words for the run record; nothing changes silently.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence

from briefing.extract.parse import Proposed
from briefing.extract.schema import AgreementDraft, Draft, OfficialDraft
from briefing.ground.labels import check_agreement, echo, not_a_person, not_content

# The text that is the item: if it is not content, nothing is left to show.
REQUIRED = {
    "key_point": ("text",),
    "agreement": ("title",),
    "official": ("name",),
    "claim": ("claimant", "statement"),
}
# Text that qualifies the item: if it is not content, the field is emptied.
OPTIONAL = {
    "agreement": ("place",),
    "official": ("title", "affiliation", "country"),
    "claim": ("target", "how", "reporting_source"),
}
LISTS = {
    "agreement": ("parties", "signatories", "subjects"),
    "official": ("other_names",),
}


def bodies_named(drafts: Iterable[Draft]) -> set[str]:
    """What the answer itself names as a state or body: the officials' affiliations and
    countries. (Agreement parties are left out: a person can be party to a deal.)"""
    found: set[str] = set()
    for draft in drafts:
        if isinstance(draft, OfficialDraft):
            found |= {v for v in (draft.affiliation, draft.country) if v}
    return found


def screen(
    p: Proposed,
    spans: Sequence[tuple[int, int]],
    article: str,
    bodies: Collection[str],
    *,
    heading: str = "",
) -> list[str]:
    """Why the item cannot stand (empty when it can). Repairs are made on `p.draft` and
    said in `p.fixed`. `heading` is the article's title."""
    draft = p.draft
    assert draft is not None
    for name in REQUIRED[p.kind]:
        why = echo(getattr(draft, name))
        if why:
            return [f"{name}: {why}"]
    update: dict[str, object] = {}
    fixed: list[str] = []
    for name in OPTIONAL.get(p.kind, ()):
        why = not_content(getattr(draft, name))
        if why:
            update[name] = None
            fixed.append(f"{name} emptied: {why}")
    for name in LISTS.get(p.kind, ()):
        values: list[str] = getattr(draft, name)
        kept = [v for v in values if not echo(v)]
        if len(kept) != len(values):
            update[name] = kept
            fixed.append(f"{name}: dropped entries that echo the answer schema")
    if isinstance(draft, OfficialDraft):
        own = [draft.affiliation or "", draft.country or ""]
        why = not_a_person(draft.name, article, [*bodies, *own])
        if why:
            return [f"name: {draft.name!r} is not a person ({why})"]
    if isinstance(draft, AgreementDraft):
        for fix in check_agreement(
            kind=draft.kind, status=draft.status, title=draft.title, role=draft.role,
            spans=spans, article=article, heading=heading,
        ):  # fmt: skip
            update[fix.field] = fix.value
            fixed.append(fix.reason)
    if update:
        p.draft = draft.model_copy(update=update)
        p.fixed += fixed
    return []
