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
from dataclasses import dataclass, replace
from functools import cache
from typing import Annotated, Any, get_args

from annotated_types import Len
from pydantic import BaseModel, Field, create_model
from rapidfuzz import fuzz

from briefing.extract.pointers import AGREEMENT_WORDS, NAMED_ROLE, REPORTING, pointed
from briefing.extract.prompts import Message, render
from briefing.extract.schema import ClaimDraft, ClaimKind, Draft, Extraction
from briefing.ground.quotes import locate, mentioned, names_person
from briefing.load.article import Article


@dataclass(frozen=True)
class Section:
    name: str
    fields: tuple[str, ...]
    asks: str  # what the section message asks for, in the prompt's words
    shown: tuple[int, ...] = ()  # the sentences asked about, shown again above the question
    rows: bool = False  # answered one row per sentence shown (claims)

    @property
    def label(self) -> str:
        """The section as progress lines and notes name it."""
        where = f" in sentences {_ranges(self.shown, '-')}" if self.shown else ""
        return self.name.lower() + where


SECTIONS = (
    Section("Summary", ("headline", "bluf", "key_points"), "a headline, a bottom line up front "
            "and the key points"),
    Section("Agreements", ("agreements",), "the agreements: memoranda, treaties, pacts, deals, "
            "ceasefires, frameworks or joint statements the article reports or mentions, also "
            "earlier ones it recalls"),
    Section("Officials", ("officials",), "the officials: every named person acting in an "
            "official, political or organisational role, one entry per person (a state or a "
            "body is not an official)"),
    Section("Claims", ("claims",), "the claims: what named people or bodies say, allege, deny, "
            "promise or warn, one entry per distinct statement"),
)  # fmt: skip

# A small model lists the first few claims it meets and stops, and asked about "sentences 13 to
# 24" it still answers from the first ones. Claims are asked about the sentences that report
# speech, this many at a time, each shown again right above the question and answered a row
# per sentence (the 1.5B model on seeds 001 and 012: 18 of 30 gold claims matched, 4 asked for
# a list). An article with no such sentence (in English) is asked a stretch of STRETCH
# sentences at a time. The other sections ask about the whole article (officials asked a
# stretch at a time did not gain: the model listed fewer).
CLAIM_BATCH = 6
STRETCH = 12
POINTED_CLAIMS = (
    "one row for each of these sentences, in order: who in it says, alleges, denies, promises "
    "or warns what (text in the first person is its author's); claimant and statement null "
    "when the sentence reports no statement"
)


_POINTERS = {"Agreements": AGREEMENT_WORDS, "Officials": NAMED_ROLE}


def plan(sentences: list[str]) -> list[Section]:
    """The requests for one article: the summary, its agreements and its officials (pointing
    at the sentences that word one or name one), and its claims a few sentences at a time."""
    out: list[Section] = []
    for section in SECTIONS:
        pointer = _POINTERS.get(section.name)
        if pointer is not None:
            marked = pointed(pointer, sentences)
            hint = f" (look at sentences {_numbers(marked)})" if 0 < len(marked) <= 40 else ""
            out.append(replace(section, asks=section.asks + hint))
        elif section.name == "Claims":
            reporting = pointed(REPORTING, sentences)
            if reporting:
                for at in range(0, len(reporting), CLAIM_BATCH):
                    group = tuple(reporting[at : at + CLAIM_BATCH])
                    out.append(replace(section, asks=POINTED_CLAIMS, shown=group, rows=True))
                continue
            stretches = _stretches(len(sentences))
            for start, end in stretches:
                shown = tuple(range(start, end + 1)) if len(stretches) > 1 else ()
                out.append(replace(section, shown=shown))
        else:
            out.append(section)
    return out


def _stretches(count: int) -> list[tuple[int, int]]:
    """[first, last] sentence numbers of each stretch; a short tail joins the one before."""
    out: list[tuple[int, int]] = []
    for start in range(1, count + 1, STRETCH):
        end = min(start + STRETCH - 1, count)
        if out and end - start + 1 < STRETCH // 2:
            out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out or [(1, 1)]


def _numbers(numbers: list[int]) -> str:
    return ", ".join(f"[{n}]" for n in numbers)


def _ranges(numbers: tuple[int, ...], to: str) -> str:
    """'2, 5, 7-9' (or '7 to 9'): sentence numbers with runs written as ranges."""
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}{to}{r[-1]}" for r in runs)


# Fields a small model spends tokens on that code fills or does without: subject tags, the
# other forms of a name (code merges people across mentions), how a claim was made and the
# outlet credited. Left out of the section schemas, they are filled empty when merged.
_LEFT_OUT: dict[str, dict[str, Any]] = {
    "agreements": {"subjects": []},
    "officials": {"other_names": []},
    "claims": {"how": None, "reporting_source": None},
}


@cache
def _lean(group: str) -> Any:
    """The item model of `group` without the fields `_LEFT_OUT` names."""
    annotation = Extraction.model_fields[group].annotation
    left_out = _LEFT_OUT.get(group)
    if not left_out:
        return annotation
    item: type[BaseModel] = get_args(annotation)[0]
    fields: dict[str, Any] = {
        name: (info.annotation, info)
        for name, info in item.model_fields.items()
        if name not in left_out
    }
    lean: type[BaseModel] = create_model(
        item.__name__, __base__=Draft, __doc__=item.__doc__, **fields
    )
    return list[lean]


@cache
def section_model(section: Section) -> type[BaseModel]:
    """The response schema of one section: those fields of `Extraction`, as they are there,
    less the fields a small model need not write; or, for claims asked about pointed
    sentences, one row per sentence."""
    if section.rows:
        return _rows_model(len(section.shown))
    fields: dict[str, Any] = {f: (_lean(f), Extraction.model_fields[f]) for f in section.fields}
    model: type[BaseModel] = create_model(
        section.name, __base__=Draft, __doc__=f"{section.name} of one news article.", **fields
    )
    return model


@cache
def _rows_model(count: int) -> type[BaseModel]:
    """Claims as exactly `count` rows, one per sentence shown: asked for a list, a small model
    gives the first claim and stops; held to a row per sentence (llama.cpp's grammar keeps
    minItems), it reads each. The claim's fields keep their one definition (`ClaimDraft`)."""
    claim = ClaimDraft.model_fields
    row: type[BaseModel] = create_model(
        "SentenceClaim",
        __base__=Draft,
        __doc__="What one of the sentences shown reports someone saying, if anything.",
        sentence=(int, Field(description="The sentence's number.")),
        claimant=(str | None, claim["claimant"]),
        statement=(str | None, claim["statement"]),
        kind=(ClaimKind, claim["kind"]),
        target=(str | None, claim["target"]),
    )
    rows = Annotated[list[row], Len(count, count)]
    model: type[BaseModel] = create_model(
        "Claims",
        __base__=Draft,
        __doc__="The claims of the sentences shown, a row per sentence.",
        rows=(rows, Field(description="One row per sentence shown, in their order.")),
    )
    return model


def claims_of_rows(answer: dict[str, Any], section: Section) -> dict[str, Any]:
    """A rows answer as the claims it holds (a section answer in the usual form): each row
    with a claimant and a statement is a claim whose evidence is its sentence (the number the
    row gives when it is one shown, else the row's place); rows without are sentences that
    report nothing, and anything unreadable is passed on for the parser to report."""
    if not section.rows:
        return answer
    rows = answer.get("rows")
    claims: list[Any] = []
    for at, row in enumerate(rows if isinstance(rows, list) else []):
        if not isinstance(row, dict):
            claims.append(row)
            continue
        said, who = row.get("statement"), row.get("claimant")
        if not (isinstance(who, str) and who.strip() and isinstance(said, str) and said.strip()):
            continue
        number = row.get("sentence")
        if number not in section.shown:
            number = section.shown[at] if at < len(section.shown) else None
        claims.append({
            "claimant": who, "statement": said, "target": row.get("target"),
            "kind": row.get("kind"), "evidence": [f"[{number}]"] if number else [],
        })  # fmt: skip
    return {"claims": claims}


# A sentence ends at . ! ? (and any closing quote or bracket) before a space and a capital, a
# digit or an opening quote, or at a line break.
_SENTENCE_END = re.compile(r"[.!?][\"'\u201d\u2019)\]]*(?=\s+[\"'\u201c\u2018(\[]?[\w])|\n+")


# A period that ends a title, an initial or a dotted abbreviation ("Mr. Xi", "Donald J. Trump",
# "the U.S. Senate") does not end the sentence: split there, a name's sentence lost its subject.
_ABBREVIATED = re.compile(
    r"(?:^|[\s(\[\"\u201c])(?:Mr|Mrs|Ms|Dr|Prof|Sen|Rep|Gov|Gen|Lt|Col|Capt|Sgt|Adm|Amb|St|"
    r"Jr|Sr|No|Nos|Inc|Co|Corp|Ltd|vs|Jan|Feb|Aug|Sept?|Oct|Nov|Dec|[A-Z](?:\.[A-Z])*)\.$"
)


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """[start, end) spans of the text's sentences, in order, without surrounding space."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        before = max(0, match.start() - 12)
        if match.group() == "." and _ABBREVIATED.search(text, before, match.end()):
            continue
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
    label: str = ""  # the section and the stretch of sentences it asks about


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


def section_messages(
    prefix: list[Message], section: Section, number: int, total: int, sentences: list[str]
) -> list[Message]:
    """The shared prefix (system message, numbered article) and one short request (with its
    stretch of `sentences` shown again), the `number`th of `total`; listeners of
    `section_progress` hear that it starts."""
    if _listeners:
        event = SectionStarted(section.name, number, total, _article_label(prefix), section.label)
        for listener in list(_listeners):
            listener(event)
    passage = "\n".join(f"[{n}] {sentences[n - 1]}" for n in section.shown)
    where = _ranges(section.shown, " to ")
    content = render(
        "section.j2", asks=section.asks, passage=passage, where=where, rows=section.rows
    )
    return [*prefix, {"role": "user", "content": content}]


_REFERENCE = re.compile(r"^\s*(?:sentences?\s*)?\[?\s*(\d{1,4})\s*\]?\s*\.?\s*$", re.IGNORECASE)
_MARKERS = re.compile(r"\[\d{1,4}\]\s*")


@dataclass
class Merged:
    json: str
    matched: int  # evidence passages taken as the article sentence the model meant


def merge(answers: list[dict[str, Any]], sentences: list[str]) -> Merged:
    """The section answers as one extraction in JSON (lists from several stretches joined,
    the fields left out of the section schemas filled empty), with every evidence reference
    replaced by the sentence it numbers and the article's numbers taken out of copied quotes.

    A small model that points at a sentence by copying it often slips a word; a passage not
    in the article that is led by a sentence number, or nearly all of one sentence, is that
    sentence (the model pointed at it), counted in `matched`. The sentence, not the model's
    words, is what grounds."""
    merged: dict[str, Any] = {}
    whole = " ".join(sentences)
    matched = 0
    for answer in answers:
        for key, value in answer.items():
            if isinstance(value, list) and isinstance(merged.get(key), list):
                merged[key] = merged[key] + value
            else:
                merged[key] = value
    for group in ("key_points", "agreements", "officials", "claims"):
        items = merged.get(group)
        for item in items if isinstance(items, list) else []:
            if not isinstance(item, dict):
                continue
            for name, empty in _LEFT_OUT.get(group, {}).items():
                item.setdefault(name, empty)
            if "evidence" in item:
                item["evidence"], meant = _evidence(item["evidence"], sentences, whole)
                matched += meant + (group == "officials" and _naming(item, sentences))
    return Merged(json.dumps(merged, ensure_ascii=False), matched)


# How alike (rapidfuzz partial_ratio) a misquoted passage must be to the sentence taken for it.
_NEARLY = 90
_POINTED = 60


def _evidence(value: Any, sentences: list[str], whole: str) -> tuple[Any, int]:
    """The evidence with references and misquotes turned into sentences, and how many
    misquotes were taken as the sentence meant."""
    entries = value if isinstance(value, list) else [value]
    out: list[Any] = []
    matched = 0
    for entry in entries:
        text = str(entry) if isinstance(entry, int | str) and not isinstance(entry, bool) else ""
        reference = _REFERENCE.match(text)
        if reference and 1 <= int(reference.group(1)) <= len(sentences):
            out.append(sentences[int(reference.group(1)) - 1])
        elif isinstance(entry, str):
            quote = _MARKERS.sub("", entry).strip()
            sentence = None if locate(quote, whole) else _meant(entry, sentences)
            matched += sentence is not None
            out.append(sentence or quote)
        else:
            out.append(entry)  # left for the parser to report
    return out, matched


_LEADING = re.compile(r"^\s*\[(\d{1,4})\]")


def _meant(entry: str, sentences: list[str]) -> str | None:
    """The sentence a misquoted passage points at: the one its leading number names (when the
    words agree), else the one it nearly copies."""
    quote = _MARKERS.sub("", entry).strip()
    if len(quote) < 20:
        return None
    lead = _LEADING.match(entry)
    if lead and 1 <= int(lead.group(1)) <= len(sentences):
        sentence = sentences[int(lead.group(1)) - 1]
        if fuzz.partial_ratio(quote, sentence) >= _POINTED:
            return sentence
    scored = [(fuzz.partial_ratio(quote, s), n) for n, s in enumerate(sentences) if len(s) >= 20]
    best = max(scored, default=(0.0, -1))
    return sentences[best[1]] if best[0] >= _NEARLY else None


def _naming(item: dict[str, Any], sentences: list[str]) -> bool:
    """Keep an official's evidence that names them; with none, take the first sentence that
    writes the name (True when so taken)."""
    name, evidence = item.get("name"), item.get("evidence")
    if not isinstance(name, str) or not name.strip() or not isinstance(evidence, list):
        return False
    naming = [q for q in evidence if isinstance(q, str) and names_person(q, [name])]
    if naming:
        item["evidence"] = naming
        return False
    written = next((s for s in sentences if mentioned(name, s)), None)
    if written is not None:
        item["evidence"] = [written]
    return written is not None
