"""From the proposed items to a Brief: only what code can ground becomes an item, and every
proposed item gets a line in `record.items` saying where it ended."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from briefing.errors import OutputError
from briefing.extract.parse import Proposed
from briefing.extract.schema import (
    AgreementDraft,
    ClaimDraft,
    DateMention,
    KeyPointDraft,
    OfficialDraft,
)
from briefing.ground.dates import resolve_date
from briefing.ground.dedupe import Fold, dedupe_agreements, dedupe_claims, dedupe_key_points
from briefing.ground.labels import echo
from briefing.ground.people import merge_officials
from briefing.ground.rules import spans
from briefing.ground.screen import bodies_named, screen
from briefing.load.article import Article
from briefing.models import (
    Agreement,
    Brief,
    Claim,
    DateValue,
    Evidence,
    ItemFate,
    KeyPoint,
    RunRecord,
    Unverified,
)


def assemble(
    article: Article, headline: str, bluf: str, proposed: Sequence[Proposed], record: RunRecord
) -> Brief:
    """Drop and report what failed, resolve dates, fold duplicates, merge officials."""
    text = article.text
    notes = list(record.notes)
    fates: list[ItemFate] = []
    unverified: list[Unverified] = []
    seen: dict[tuple[str, str, str], str] = {}  # a repeat is listed once, its fate says so
    good: dict[str, list[tuple[Proposed, list[Evidence]]]] = {
        "key_point": [], "agreement": [], "official": [], "claim": []
    }  # fmt: skip
    headline, bluf = _content(headline, "headline", notes), _content(bluf, "bottom line", notes)
    bodies = bodies_named(p.draft for p in proposed if p.draft is not None and not p.problems)
    echoed = bool(len(notes) - len(record.notes))
    for p in proposed:
        found = spans(p.draft.evidence, text) if p.draft is not None else []  # type: ignore[attr-defined]
        if p.draft is not None and not p.problems and not p.withdrawn:
            p.problems = screen(p, found, text, bodies, heading=_heading(article))
            echoed = echoed or any("answer schema" in problem for problem in p.problems)
        if p.draft is None or p.problems or p.withdrawn:
            reasons = p.problems + (
                ["withdrawn by the model when asked to fix it"] if p.withdrawn else []
            )
            key = (p.kind, label(p), "; ".join(reasons))
            if key in seen:
                fates.append(
                    ItemFate(
                        kind=p.kind,
                        ref=p.ref,
                        label=label(p),
                        fate="dropped",
                        reason=f"a repeat of {seen[key]}: {key[2]}",
                    )
                )
                continue
            seen[key] = p.ref
            unverified.append(
                Unverified(
                    kind=p.kind,
                    label=label(p),
                    reasons=reasons,
                    proposed=p.raw if isinstance(p.raw, dict) else {"value": p.raw},
                )
            )
            fates.append(
                ItemFate(
                    kind=p.kind,
                    ref=p.ref,
                    label=label(p),
                    fate="dropped",
                    reason="; ".join(reasons),
                )
            )
            continue
        evidence = [Evidence(quote=text[s:e], start=s, end=e) for s, e in found]
        good[p.kind].append((p, evidence))
    if echoed and not headline and not bluf and not any(good.values()):
        raise OutputError(
            "the model echoed its answer schema back instead of answering (no headline, "
            "bottom line or item with content); try a larger model or another mode",
            attempts=record.attempts,
            usage=record.usage,
            errors=[*notes[len(record.notes) :], *(f.reason or "" for f in fates)],
        )
    if not good["key_point"]:
        notes.append(
            "The model gave no usable key points: the bottom line rests on no cited evidence."
        )

    key_points, kp_into, kp_folds = dedupe_key_points(
        [KeyPoint(text=_draft(p, KeyPointDraft).text, evidence=ev) for p, ev in good["key_point"]]
    )
    agreements, ag_into, ag_folds = dedupe_agreements(
        [
            Agreement(
                **_draft(p, AgreementDraft).model_dump(exclude={"evidence", "date"}),
                date=_resolve(_draft(p, AgreementDraft).date, article, notes, last_day=True),
                evidence=ev,
            )
            for p, ev in good["agreement"]
        ]
    )
    people = [
        (
            [o.name, *o.other_names],
            o.title,
            o.affiliation,
            o.country,
            ev,
        )
        for o, ev in ((_draft(p, OfficialDraft), ev) for p, ev in good["official"])
    ]
    officials, of_into = merge_officials(people)
    of_folds = _merges(of_into)
    claims, cl_into, cl_folds = dedupe_claims(
        [
            Claim(**_draft(p, ClaimDraft).model_dump(exclude={"evidence"}), evidence=ev)
            for p, ev in good["claim"]
        ]
    )
    for kind, into, folds, outs, fold_fate in (
        ("key_point", kp_into, kp_folds, key_points, "folded"),
        ("agreement", ag_into, ag_folds, agreements, "folded"),
        ("official", of_into, of_folds, officials, "merged"),
        ("claim", cl_into, cl_folds, claims, "folded"),
    ):
        why = {i: reason for i, _, reason in folds}
        for i, (p, _) in enumerate(good[kind]):
            if i in why:
                fates.append(
                    ItemFate(
                        kind=p.kind,
                        ref=p.ref,
                        label=label(p),
                        fate=fold_fate,
                        into=_out_label(outs[into[i]]),
                        reason=why[i],
                    )
                )
            else:
                fates.append(
                    ItemFate(
                        kind=p.kind,
                        ref=p.ref,
                        label=label(p),
                        fate="repaired" if p.repaired or p.fixed else "kept",
                        reason="; ".join(p.fixed) or None,
                    )
                )
    order = {p.ref: n for n, p in enumerate(proposed)}
    fates.sort(key=lambda f: order.get(f.ref, 0))
    return Brief(
        article=article,
        headline=headline,
        bluf=bluf,
        key_points=key_points,
        agreements=agreements,
        officials=officials,
        claims=claims,
        record=record.model_copy(update={"unverified": unverified, "notes": notes, "items": fates}),
    )


def _heading(article: Article) -> str:
    """What the page says the article is: its title and address ("joint-statement-on-...")."""
    return " ".join(part for part in (article.title, article.url) if part)


def _content(text: str, what: str, notes: list[str]) -> str:
    """The text, or "" with a note when it is the answer schema echoed back."""
    why = echo(text)
    if why is None:
        return text
    notes.append(f"The model's {what} was left out: {why}.")
    return ""


def _merges(into: list[int]) -> list[Fold]:
    first: dict[int, int] = {}
    folds: list[Fold] = []
    for i, at in enumerate(into):
        if at in first:
            folds.append((i, at, "the same person by name"))
        else:
            first[at] = i
    return folds


def _draft(p: Proposed, kind: type[Any]) -> Any:
    assert isinstance(p.draft, kind)
    return p.draft


def _resolve(
    mention: DateMention | None, article: Article, notes: list[str], *, last_day: bool = False
) -> DateValue | None:
    """`last_day`: an agreement worded with a run of days ("talks on March 23-25") is dated to
    its last day, when it was reached."""
    if mention is None:
        return None
    resolved = None
    if article.published is None:
        notes.append(f"{mention.text!r} left unresolved: the article has no publication date")
    else:
        resolved = resolve_date(
            mention.text, article.published, tense=mention.tense, language=article.language
        )
        if resolved is None:
            notes.append(f"{mention.text!r} could not be resolved to a calendar date")
    return DateValue(
        text=mention.text,
        tense=mention.tense,
        value=None
        if resolved is None
        else (resolved.last or resolved.value)
        if last_day
        else resolved.value,
        precision=resolved.precision if resolved else None,
    )


def label(p: Proposed) -> str:
    raw = p.raw if isinstance(p.raw, dict) else {}

    def field(name: str) -> str:
        value = raw.get(name)
        return value if isinstance(value, str) else "?"

    if p.kind == "agreement":
        return f"Agreement: {field('title')}"
    if p.kind == "official":
        return f"Official: {field('name')}"
    if p.kind == "claim":
        return f"Claim by {field('claimant')}: {field('statement')}"
    return f"Key point: {field('text')}"


def _out_label(item: Any) -> str:
    if isinstance(item, Agreement):
        return f"Agreement: {item.title}"
    if isinstance(item, Claim):
        return f"Claim by {item.claimant}: {item.statement}"
    if isinstance(item, KeyPoint):
        return f"Key point: {item.text}"
    return f"Official: {item.name}"
