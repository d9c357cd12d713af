"""Long articles: split on paragraph boundaries, brief each part, merge into one Brief whose
spans point into the whole article."""

from __future__ import annotations

import re

from briefing.load.article import Article

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
