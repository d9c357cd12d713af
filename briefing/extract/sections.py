"""The strategy for small local models (mode "sections"): smaller requests, evidence by number.

A 1-2B model asked for the whole briefing at once forgets fields and loses its place; asked for
one section at a time it does better, and costs little more: every request starts with the same
system message and the same article, so llama.cpp reuses the work of reading it and only the
short last message is new. The article is shown with its sentences numbered, and an item's
evidence may be the numbers of the sentences that show it: code turns each number into that
sentence's own text, which grounds like any quote, so nothing the model did not point at is
rendered. The answers are merged into one extraction and go through the same parse, checks and
repairs as every other mode.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from pydantic import BaseModel, create_model

from briefing.extract.prompts import Message, render
from briefing.extract.schema import Draft, Extraction
from briefing.load.article import Article


@dataclass(frozen=True)
class Section:
    name: str
    fields: tuple[str, ...]
    asks: str  # what the section message asks for, in the prompt's words


SECTIONS = (
    Section("Summary", ("headline", "bluf", "key_points"), "a headline, a bottom line up front "
            "and the key points"),
    Section("Agreements", ("agreements",), "the agreements: memoranda, treaties, pacts, deals, "
            "ceasefires or joint statements the article reports or mentions"),
    Section("Officials", ("officials",), "the officials: named people acting in an official, "
            "political or organisational role, one entry per person (a state or a body is not "
            "an official)"),
    Section("Claims", ("claims",), "the claims: what named people or bodies say, allege, deny, "
            "promise or warn, one entry per distinct statement"),
)  # fmt: skip


@cache
def section_model(section: Section) -> type[BaseModel]:
    """The response schema of one section: those fields of `Extraction`, as they are there."""
    fields: dict[str, Any] = {f: (Extraction.model_fields[f].annotation, Extraction.model_fields[f])
                              for f in section.fields}  # fmt: skip
    model: type[BaseModel] = create_model(
        section.name, __base__=Draft, __doc__=f"{section.name} of one news article.", **fields
    )
    return model


# A sentence ends at . ! ? (and any closing quote or bracket) before a space and a capital, a
# digit or an opening quote, or at a line break.
_SENTENCE_END = re.compile(r"[.!?][\"'\u201d\u2019)\]]*(?=\s+[\"'\u201c\u2018(\[]?[\w])|\n+")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """[start, end) spans of the text's sentences, in order, without surrounding space."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        end = match.end() if match.group().strip() else match.start()
        _add(spans, text, start, end)
        start = match.end()
    _add(spans, text, start, len(text))
    return spans


def _add(spans: list[tuple[int, int]], text: str, start: int, end: int) -> None:
    chunk = text[start:end]
    lead = len(chunk) - len(chunk.lstrip())
    if chunk.strip():
        spans.append((start + lead, start + len(chunk.rstrip())))


def numbered(article: Article) -> tuple[Article, list[str]]:
    """The article as the model sees it in this mode (each sentence led by its number in
    brackets, paragraphs kept), and its sentences by number - 1."""
    spans = sentence_spans(article.text)
    out: list[str] = []
    last = 0
    for number, (start, end) in enumerate(spans, start=1):
        out.append(article.text[last:start] + f"[{number}] " + article.text[start:end])
        last = end
    out.append(article.text[last:])
    return article.model_copy(update={"text": "".join(out)}), [article.text[s:e] for s, e in spans]


@dataclass(frozen=True)
class SectionStarted:
    """A section's request is about to be sent: which one of how many, for which article."""

    name: str
    number: int
    total: int
    article: str  # the article's title, or its first words


_listeners: list[Callable[[SectionStarted], None]] = []


@contextlib.contextmanager
def section_progress(listener: Callable[[SectionStarted], None]) -> Iterator[None]:
    """Call `listener` as each section starts, while the block runs (the command line prints
    it: a small model takes minutes per article, and silence looks like a hang)."""
    _listeners.append(listener)
    try:
        yield
    finally:
        _listeners.remove(listener)


def _article_label(prefix: list[Message]) -> str:
    shown = prefix[-1]["content"] if prefix else ""
    tag = re.search(r"<article\s[^>]*>", shown)
    title = re.search(r'\btitle="([^"]*)"', tag.group()) if tag else None
    if title and title.group(1).strip():
        return title.group(1).strip()
    body = shown[tag.end() :] if tag else shown
    return " ".join(re.sub(r"\[\d+\]\s*|<[^>]*>", " ", body).split()[:8])


def section_messages(prefix: list[Message], section: Section) -> list[Message]:
    """The shared prefix (system message, numbered article) and one short request; listeners
    of `section_progress` hear that it starts."""
    if _listeners:
        event = SectionStarted(
            section.name, SECTIONS.index(section) + 1, len(SECTIONS), _article_label(prefix)
        )
        for listener in list(_listeners):
            listener(event)
    return [*prefix, {"role": "user", "content": render("section.j2", asks=section.asks)}]


_REFERENCE = re.compile(r"^\s*(?:sentences?\s*)?\[?\s*(\d{1,4})\s*\]?\s*\.?\s*$", re.IGNORECASE)
_MARKERS = re.compile(r"\[\d{1,4}\]\s*")


def merge(answers: dict[str, dict[str, Any]], sentences: list[str]) -> str:
    """The section answers as one extraction in JSON, with every evidence reference replaced
    by the sentence it numbers and the article's numbers taken out of copied quotes."""
    merged: dict[str, Any] = {}
    for answer in answers.values():
        merged |= answer
    for group in ("key_points", "agreements", "officials", "claims"):
        items = merged.get(group)
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict) and "evidence" in item:
                item["evidence"] = _evidence(item["evidence"], sentences)
    return json.dumps(merged, ensure_ascii=False)


def _evidence(value: Any, sentences: list[str]) -> Any:
    entries = value if isinstance(value, list) else [value]
    out: list[Any] = []
    for entry in entries:
        text = str(entry) if isinstance(entry, int | str) and not isinstance(entry, bool) else ""
        reference = _REFERENCE.match(text)
        if reference and 1 <= int(reference.group(1)) <= len(sentences):
            out.append(sentences[int(reference.group(1)) - 1])
        elif isinstance(entry, str):
            out.append(_MARKERS.sub("", entry).strip())
        else:
            out.append(entry)  # left for the parser to report
    return out
