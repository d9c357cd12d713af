"""Agreements across briefings: mentions resolved by title, or by parties and alike titles,
each with its status history in date order."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from rapidfuzz import fuzz

from briefing.digest.folding import STOP, date_key, distinct, entity_id, fold_tag, place, words
from briefing.digest.inputs import article_key, published
from briefing.digest.model import AgreementEntry, AgreementMention, Decision, Overrides, StatusStep
from briefing.digest.overrides import Clusters, apply_same, vetoes
from briefing.ground.names import fold_name
from briefing.models import Agreement, Brief

SAME_TITLE_SCORE = (
    80  # rapidfuzz token_set_ratio of two agreement titles between one set of parties
)


def gather_agreements(
    briefs: Sequence[Brief], overrides: Overrides
) -> tuple[list[AgreementEntry], dict[str, str], list[Decision], list[AgreementItem]]:
    """The agreements of `briefs`, which agreement each mention id is, the merges made, and
    every mention (the timeline's events)."""
    items = agreement_items(briefs)
    clusters = _resolve_agreements(items, overrides)
    entries, entity_of, decisions = _agreements(items, clusters)
    return entries, entity_of, decisions, items


@dataclass
class AgreementItem:
    id: str
    item: str
    brief: Brief
    agreement: Agreement
    title: str
    numbers: frozenset[str]
    parties: frozenset[str]


def agreement_items(briefs: Sequence[Brief]) -> list[AgreementItem]:
    out = []
    for brief in briefs:
        key = article_key(brief)
        for i, agreement in enumerate(brief.agreements, start=1):
            title = " ".join(w for w in words(agreement.title) if w not in STOP)
            out.append(
                AgreementItem(
                    id=f"{key}:a{i}",
                    item=f"b{key[:8]}-a{i}",
                    brief=brief,
                    agreement=agreement,
                    title=title,
                    numbers=frozenset(re.findall(r"\d+", title)),
                    parties=frozenset(place(p) for p in agreement.parties) - {""},
                )
            )
    return out


def _resolve_agreements(mentions: list[AgreementItem], overrides: Overrides) -> Clusters:
    tags = [{m.id, fold_tag(m.agreement.title)} for m in mentions]
    index: dict[str, list[int]] = defaultdict(list)
    for i, t in enumerate(tags):
        for tag in t:
            index[tag].append(i)
    clusters = Clusters(tags, vetoes(overrides))
    apply_same(clusters, index, overrides)
    by_title: dict[str, int] = {}
    for i, m in enumerate(mentions):
        first = by_title.setdefault(m.title or m.id, i)
        if first != i:
            clusters.union(first, i, f"same title {m.agreement.title!r}")
    by_parties: dict[frozenset[str], dict[str, int]] = defaultdict(dict)
    for i, m in enumerate(mentions):
        if len(m.parties) >= 2:
            by_parties[m.parties].setdefault(m.title, i)
    for parties, titles in by_parties.items():
        reps = list(titles.items())
        for k, (ta, i) in enumerate(reps):
            for tb, j in reps[k + 1 :]:
                a, b = mentions[i], mentions[j]
                if a.numbers and b.numbers and a.numbers != b.numbers:
                    continue
                score = fuzz.token_set_ratio(ta, tb)
                if score >= SAME_TITLE_SCORE:
                    clusters.union(
                        i,
                        j,
                        f"same parties ({', '.join(sorted(parties))}), titles "
                        f"{a.agreement.title!r} and {b.agreement.title!r} {score:.0f}% alike",
                    )
    return clusters


def _step(m: AgreementItem) -> StatusStep:
    date = m.agreement.date
    when: str | None
    source: Literal["agreement", "article", "none"]
    if date is not None and date.value:
        when, source = date.value, "agreement"
    else:
        when = published(m.brief)
        source = "article" if when else "none"
    return StatusStep.model_construct(
        status=m.agreement.status,
        date=when,
        date_from=source,
        article=article_key(m.brief),
        mention=m.id,
        quote=m.agreement.evidence[0].quote if m.agreement.evidence else None,
    )


def _agreements(
    mentions: list[AgreementItem], clusters: Clusters
) -> tuple[list[AgreementEntry], dict[str, str], list[Decision]]:
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(len(mentions)):
        groups[clusters.find(i)].append(i)
    out: list[AgreementEntry] = []
    entity_of: dict[str, str] = {}
    for members in groups.values():
        ms = [mentions[i] for i in members]
        aid = entity_id("agreement", ms[0].id)
        history = sorted(
            (_step(m) for m in ms),
            key=lambda s: (date_key(s.date) if s.date else ("~", 9), s.article, s.mention),
        )
        known = [s.status for s in history if s.status != "unknown"]
        titles = Counter(m.agreement.title for m in ms)
        kinds = Counter(m.agreement.kind for m in ms)
        out.append(
            AgreementEntry(
                id=aid,
                title=max(titles, key=lambda t: (titles[t], len(t), t)),
                titles=list(titles),
                kind=max(kinds, key=lambda k: (kinds[k], k)),
                parties=distinct(p for m in ms for p in m.agreement.parties),
                status=known[-1] if known else "unknown",
                history=history,
                mentions=[
                    AgreementMention.model_construct(
                        id=m.id,
                        article=article_key(m.brief),
                        item=m.item,
                        title=m.agreement.title,
                        kind=m.agreement.kind,
                        parties=m.agreement.parties,
                        status=m.agreement.status,
                        date=m.agreement.date.value if m.agreement.date else None,
                        date_text=m.agreement.date.text if m.agreement.date else None,
                        quotes=[e.quote for e in m.agreement.evidence],
                    )
                    for m in ms
                ],
            )
        )
        for m in ms:
            entity_of[m.id] = aid
    decisions = clusters.recorded("agreement", [m.id for m in mentions], entity_of)
    out.sort(key=lambda a: (fold_name(a.title), a.id))
    return out, entity_of, decisions
