"""From a checked-or-not extraction to a Brief: only what code can ground becomes an item."""

from __future__ import annotations

from typing import Any

from briefing.load.article import Article
from briefing.ground.dates import resolve_date
from briefing.ground.dedupe import dedupe_agreements, dedupe_claims, dedupe_key_points
from briefing.models import (
    Agreement,
    Brief,
    Claim,
    DateValue,
    Evidence,
    ItemKind,
    KeyPoint,
    RunRecord,
    Unverified,
)
from briefing.ground.people import merge_officials
from briefing.extract.schema import (
    AgreementDraft,
    ClaimDraft,
    DateMention,
    Extraction,
    KeyPointDraft,
    OfficialDraft,
)
from briefing.ground.quotes import item_problems, locate

_KINDS: dict[type[Any], ItemKind] = {
    KeyPointDraft: "key_point",
    AgreementDraft: "agreement",
    OfficialDraft: "official",
    ClaimDraft: "claim",
}


def assemble(article: Article, extraction: Extraction, record: RunRecord) -> Brief:
    """Ground every item; drop and report those that fail, resolve dates, merge officials."""
    text = article.text
    unverified: list[Unverified] = []
    notes = list(record.notes)
    if not extraction.key_points:
        notes.append("The model gave no key points: the bottom line rests on no cited evidence.")

    clean = extraction._clean_for == text  # checked item by item by the validator already

    def grounded(items: list[Any]) -> list[tuple[Any, list[Evidence]]]:
        kept = []
        for item in items:
            reasons = [] if clean else item_problems(item, text)
            if reasons:
                unverified.append(
                    Unverified(
                        kind=_KINDS[type(item)],
                        label=_label(item),
                        reasons=reasons,
                        proposed=item.model_dump(),
                    )
                )
                continue
            kept.append((item, _evidence(item.evidence, text)))
        return kept

    key_points = dedupe_key_points(
        [KeyPoint(text=p.text, evidence=ev) for p, ev in grounded(extraction.key_points)]
    )
    agreements = dedupe_agreements(
        [
            Agreement(
                **a.model_dump(exclude={"evidence", "date"}),
                date=_resolve(a.date, article, notes),
                evidence=ev,
            )
            for a, ev in grounded(extraction.agreements)
        ]
    )
    officials = merge_officials(
        [
            ([o.name, *o.other_names], o.title, o.affiliation, o.country, ev)
            for o, ev in grounded(extraction.officials)
        ]
    )
    claims = dedupe_claims(
        [
            Claim(**c.model_dump(exclude={"evidence"}), evidence=ev)
            for c, ev in grounded(extraction.claims)
        ]
    )
    return Brief(
        article=article,
        headline=extraction.headline,
        bluf=extraction.bluf,
        key_points=key_points,
        agreements=agreements,
        officials=officials,
        claims=claims,
        record=record.model_copy(update={"unverified": unverified, "notes": notes}),
    )


def _evidence(quotes: list[str], text: str) -> list[Evidence]:
    spans = sorted({span for q in quotes if (span := locate(q, text)) is not None})
    return [Evidence(quote=text[start:end], start=start, end=end) for start, end in spans]


def _resolve(mention: DateMention | None, article: Article, notes: list[str]) -> DateValue | None:
    if mention is None:
        return None
    resolved = None
    if article.published is None:
        notes.append(f"{mention.text!r} left unresolved: the article has no publication date")
    else:
        resolved = resolve_date(mention.text, article.published, tense=mention.tense)
        if resolved is None:
            notes.append(f"{mention.text!r} could not be resolved to a calendar date")
    return DateValue(
        text=mention.text,
        tense=mention.tense,
        value=resolved.value if resolved else None,
        precision=resolved.precision if resolved else None,
    )


def _label(item: Any) -> str:
    if isinstance(item, AgreementDraft):
        return f"Agreement: {item.title}"
    if isinstance(item, OfficialDraft):
        return f"Official: {item.name}"
    if isinstance(item, ClaimDraft):
        return f"Claim by {item.claimant}: {item.statement}"
    return f"Key point: {item.text}"
