"""Long articles: split on paragraph boundaries, brief each part, merge into one Brief whose
spans point into the whole article."""

from __future__ import annotations

import re

from briefing.load.article import Article
from briefing.ground.dedupe import dedupe_agreements, dedupe_claims, dedupe_key_points
from briefing.models import Brief, Evidence, Usage
from briefing.ground.people import merge_officials

CHARS_PER_TOKEN = 4  # a deliberate over-estimate of English text per token
_PARAGRAPH = re.compile(r"\S(?:.*?\S)?(?=\s*\n\s*\n|\s*$)", re.DOTALL)
_SENTENCE = re.compile(r"\S.*?(?:[.!?][\"'\u201d\u2019)]*(?=\s)|$)", re.DOTALL)


def estimate_tokens(text: str) -> int:
    return len(text) // CHARS_PER_TOKEN + 1


def _pieces(text: str, limit: int) -> list[tuple[int, int]]:
    """Paragraph spans; a paragraph over `limit` characters is cut into sentences, and a
    sentence over it at the last space before the limit."""
    spans: list[tuple[int, int]] = []
    for para in _PARAGRAPH.finditer(text):
        if para.end() - para.start() <= limit:
            spans.append(para.span())
            continue
        for sentence in _SENTENCE.finditer(text, para.start(), para.end()):
            start, end = sentence.span()
            while end - start > limit:
                cut = text.rfind(" ", start, start + limit)
                cut = cut if cut > start else start + limit
                spans.append((start, cut))
                start = cut + len(text[cut:]) - len(text[cut:].lstrip())
            spans.append((start, end))
    return spans


def split_article(article: Article, max_tokens: int) -> list[tuple[int, Article]]:
    """(offset, part) pairs covering the article; one pair when it fits."""
    text = article.text
    if estimate_tokens(text) <= max_tokens:
        return [(0, article)]
    limit = max_tokens * CHARS_PER_TOKEN
    groups: list[tuple[int, int]] = []
    for start, end in _pieces(text, limit):
        if groups and end - groups[-1][0] <= limit:
            groups[-1] = (groups[-1][0], end)
        else:
            groups.append((start, end))
    return [
        (
            start,
            article.model_copy(
                update={"text": text[start:end], "name": f"{article.name or 'article'}#{i}"}
            ),
        )
        for i, (start, end) in enumerate(groups, start=1)
    ]


def _shift(evidence: list[Evidence], offset: int) -> list[Evidence]:
    return [
        e.model_copy(update={"start": e.start + offset, "end": e.end + offset}) for e in evidence
    ]


def merge_parts(article: Article, parts: list[tuple[int, Brief]]) -> Brief:
    """One Brief from the parts' Briefs: items deduplicated, officials merged across parts,
    spans moved to the whole article; headline and bottom line from the first part (the lede)."""
    key_points, agreements, claims, people = [], [], [], []
    for offset, brief in parts:
        key_points += [
            p.model_copy(update={"evidence": _shift(p.evidence, offset)}) for p in brief.key_points
        ]
        agreements += [
            a.model_copy(update={"evidence": _shift(a.evidence, offset)}) for a in brief.agreements
        ]
        claims += [
            c.model_copy(update={"evidence": _shift(c.evidence, offset)}) for c in brief.claims
        ]
        people += [
            (o.names, o.title, o.affiliation, o.country, _shift(o.evidence, offset))
            for o in brief.officials
        ]
    records = [brief.record for _, brief in parts]
    costs = [r.cost_usd for r in records]
    first = parts[0][1]
    record = first.record.model_copy(
        update={
            "attempts": sum(r.attempts for r in records),
            "transport_retries": sum(r.transport_retries for r in records),
            "usage": sum((r.usage for r in records), Usage()),
            "cost_usd": None if None in costs else round(sum(c or 0 for c in costs), 6),
            "unverified": [u for r in records for u in r.unverified],
            "notes": [
                f"Briefed in {len(parts)} parts split on paragraph boundaries; headline and "
                "bottom line come from the first part.",
                *[n for r in records for n in r.notes],
            ],
        }
    )
    return Brief(
        article=article,
        headline=first.headline,
        bluf=first.bluf,
        key_points=dedupe_key_points(key_points),
        agreements=dedupe_agreements(agreements),
        officials=merge_officials(people),
        claims=dedupe_claims(claims),
        record=record,
    )
