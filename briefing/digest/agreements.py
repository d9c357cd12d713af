"""Agreements across briefings: mentions resolved by title, by parties and alike titles, or by
the content words that name them (one deal worded differently in each article), each with its
status history in date order."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from rapidfuzz import fuzz

from briefing.digest.folding import (
    STOP,
    date_key,
    distinct,
    entity_id,
    fold_tag,
    place,
    places_agree,
    words,
)
from briefing.digest.inputs import article_key, published
from briefing.digest.model import AgreementEntry, AgreementMention, Decision, Overrides, StatusStep
from briefing.digest.overrides import Clusters, apply_same, vetoes
from briefing.ground.names import fold_name
from briefing.models import Agreement, Brief

SAME_TITLE_SCORE = (
    80  # rapidfuzz token_set_ratio of two agreement titles between one set of parties
)
SHARED_TITLE_WORDS = 2  # content words two titles must share (fewer if a title has fewer)
SHARED_CONTENT = 0.5  # of the smaller set of title-and-subject content words, held in common
# words that name no particular agreement: kinds, statuses and connectives
GENERIC = STOP | {
    "deal", "agreement", "accord", "pact", "treaty", "arrangement", "memorandum",
    "understanding", "mou", "contract", "framework", "declaration", "statement", "joint",
    "proposed", "negotiated", "signed", "agreed", "new", "draft", "its", "their", "this",
    "that", "over", "by", "from", "at", "as", "into", "about", "under", "after", "next",
}  # fmt: skip
# kinds said loosely of one thing: a hostage deal is also called an agreement or a pause
LOOSE_KINDS = {"agreement", "deal", "ceasefire", "pact", "memorandum_of_understanding", "other"}


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
    party_words: frozenset[str]
    title_words: frozenset[str]
    subject_words: frozenset[str]


def agreement_items(briefs: Sequence[Brief]) -> list[AgreementItem]:
    out = []
    for brief in briefs:
        key = article_key(brief)
        for i, agreement in enumerate(brief.agreements, start=1):
            title = " ".join(w for w in words(agreement.title) if w not in STOP)
            parties = frozenset(place(p) for p in agreement.parties) - {""}
            out.append(
                AgreementItem(
                    id=f"{key}:a{i}",
                    item=f"b{key[:8]}-a{i}",
                    brief=brief,
                    agreement=agreement,
                    title=title,
                    numbers=frozenset(re.findall(r"\d+", title)),
                    parties=parties,
                    party_words=frozenset(
                        w for p in [*agreement.parties, *parties] for w in words(p)
                    ),
                    title_words=content_words(agreement.title),
                    subject_words=frozenset().union(*map(content_words, agreement.subjects)),
                )
            )
    return out


def _singular(word: str) -> str:
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def content_words(text: str) -> frozenset[str]:
    """The words of a title or subject that say which agreement it is: no generic word
    (deal, agreement, the...), no single letter, plurals folded (hostages: hostage)."""
    return frozenset(_singular(w) for w in words(text) if w not in GENERIC and len(w) > 1)


def kinds_agree(a: str, b: str) -> bool:
    """A deal, an agreement and a ceasefire may be one thing; a treaty is not a declaration."""
    return a == b or (a in LOOSE_KINDS and b in LOOSE_KINDS) or "other" in (a, b)


def parties_agree(a: frozenset[str], b: frozenset[str]) -> bool:
    """No contradiction: one side names none, or they share one (a mediator does not veto)."""
    return not a or not b or any(places_agree(x, y) for x in a for y in b)


def named_alike(a: AgreementItem, b: AgreementItem) -> str | None:
    """Why mentions `a` and `b` (from different articles) name one agreement, or None: their
    titles share content words (at least two, or all of the shorter title's), title and
    subject words mostly overlap, and neither their numbers, parties nor kinds contradict.
    The parties' own names count for nothing: US-UK names every US-UK deal."""
    if a.numbers and b.numbers and a.numbers != b.numbers:
        return None
    if not kinds_agree(a.agreement.kind, b.agreement.kind) or not parties_agree(
        a.parties, b.parties
    ):
        return None
    skip = a.party_words | b.party_words
    ta, tb = a.title_words - skip, b.title_words - skip
    shared = ta & tb
    if not shared or len(shared) < min(SHARED_TITLE_WORDS, len(ta), len(tb)):
        return None
    ca, cb = (ta | a.subject_words) - skip, (tb | b.subject_words) - skip
    common = len(ca & cb) / min(len(ca), len(cb))
    if common < SHARED_CONTENT:
        return None
    together = sorted(a.parties & b.parties)
    return (
        f"titles {a.agreement.title!r} and {b.agreement.title!r} share "
        f"{', '.join(sorted(shared))}; {common:.0%} of title and subject words in common; "
        f"kinds {a.agreement.kind}/{b.agreement.kind}; "
        + (f"parties agree ({', '.join(together)})" if together else "parties do not contradict")
    )


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
    for i, a in enumerate(mentions):
        for j in range(i + 1, len(mentions)):
            b = mentions[j]
            if a.brief is b.brief or clusters.find(i) == clusters.find(j):
                continue
            if reason := named_alike(a, b):
                clusters.union(i, j, reason)
    return clusters


def representative_title(ms: Sequence[AgreementItem]) -> str:
    """The title most mentions use; else the one whose content words the mentions' titles
    share most on average (the wording the articles agree on), then the longer."""
    titles = Counter(m.agreement.title for m in ms)
    own = {m.agreement.title: m.title_words - m.party_words for m in ms}
    support = Counter(w for m in ms for w in own[m.agreement.title])

    def score(title: str) -> tuple[int, float, int, str]:
        mean = sum(support[w] for w in own[title]) / len(own[title]) if own[title] else 0.0
        return titles[title], mean, len(title), title

    return max(titles, key=score)


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
                title=representative_title(ms),
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
