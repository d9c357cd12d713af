"""Articles and their loader.

Text is read as UTF-8 (a BOM is dropped); PDFs and Word documents are recognised by their
signature, whatever their name, before any of it is taken for text:

- `.txt` (and `.text`): the seeds format or plain text. The seeds format is a `date
  YYYY-MM-DD` first line (or `Date: YYYY-MM-DD`), optional `key value` header lines (`source`,
  `url`, `title`, `language`, `author`), a blank line, then the body. The founding sample has
  the date and the first sentence on one line, so text after the date on that line starts the
  body. A file whose first line does not start with the word `date` is plain text: all of it
  is the body.
- `.md`: read exactly like `.txt`; the Markdown is kept as written (it is the text that
  evidence quotes).
- `.html` / `.htm`, or any text that looks like HTML (with or without a seeds header): reduced
  to the page's article by `briefing.load.html` (menus, cookie banners, related links, sidebars,
  comments and footers dropped), `converted_from="html"`. The page's title, publication date
  and site name fill `title`, `published` and `source` where no header gave them. A fragment
  in which no article body is found keeps all its visible text, and `notes` says so.
- `.pdf`: the text layer, as paragraphs rebuilt from the lines' positions (`briefing.load.pdf`),
  `converted_from="pdf"`; a PDF with no text layer (a scan) is an InputError.
- `.docx`: the body's paragraphs and tables (`briefing.load.docx`), `converted_from="docx"`.
  The paragraphs of a PDF or a Word document are separated by a blank line, as in the seeds,
  and a seeds header typed at the top of one is read as a header.

A body that opens with a dateline (`VALLETTA, March 4, 2025 (Newswire) - ...`, see
`briefing.load.text`) gives the date and source where neither a header nor the page did;
the dateline stays in the text, which is never rewritten (evidence spans index into it). The
language, unless a `language` header gives it, is guessed (`briefing.load.language`).

What the loader inferred rather than read from a header or was given (`Article.inferred`) is
kept out of `Article.key`, which names the article in resume logs, batch request ids and
cassettes: a better guess never renames an article. (The cache of briefs still keys on all of
the metadata the model is shown, as it must.) `load_article(path, date=..., source=...,
title=...)` overrides any of the three; what is passed counts as given.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from briefing.errors import InputError
from briefing.load.docx import is_docx, is_old_office, is_zip, read_docx
from briefing.load.pdf import is_pdf, read_pdf
from briefing.load.text import guess_language, looks_like_html, read_dateline, read_page

MAX_ARTICLE_CHARS = 200_000
MAX_FILE_BYTES = 5_000_000  # checked before reading: a saved news page is far smaller
MAX_DOCUMENT_BYTES = 50_000_000  # a PDF or .docx carries fonts and images besides its text
HEADER_KEYS = {"source", "url", "title", "language", "author"}
INFERABLE = ("published", "source", "title", "language")
NO_ARTICLE_BODY = (
    "no article body was found in this HTML, so all its visible text was kept: menus, "
    "sidebars or comments may be in it"
)
_DATE_LINE = re.compile(r"^\s*date\b(?:\s+(?P<value>\S+))?(?P<rest>.*)$")
# "Date: 2023-06-29" as mail and web exports write it; only with an ISO date, so that prose
# such as "Date night ..." stays text.
_DATE_COLON = re.compile(r"^\s*date:\s*(?P<value>\d{4}-\d{2}-\d{2})\b(?P<rest>.*)$", re.IGNORECASE)
_HEADER_LINE = re.compile(r"^(?P<key>[a-z_]+:?)\s+(?P<value>\S.*)$", re.IGNORECASE)


class Article(BaseModel):
    """A news article: its text and what is known about it."""

    model_config = ConfigDict(frozen=True)

    text: str = Field(description="The article body.")
    published: dt.date | None = Field(None, description="Publication date; anchors relative dates.")
    source: str | None = None
    title: str | None = None
    url: str | None = None
    language: str | None = Field(None, description="ISO 639-1 code, from the header or guessed.")
    name: str | None = Field(None, description="A short name, e.g. the file stem it came from.")
    converted_from: str | None = Field(
        None,
        description=(
            "'html' when reduced from a web page; 'pdf' or 'docx' when read from a PDF's text "
            "layer or a Word document."
        ),
    )
    inferred: tuple[str, ...] = Field(
        (),
        description=(
            "Which of published, source, title and language the loader inferred (from a "
            "dateline, a web page's metadata, or a language detector) rather than read from a "
            "header or was given. They are kept out of `key`."
        ),
    )
    notes: tuple[str, ...] = Field(
        (), description="What the loader could not do as usual, e.g. find a page's article body."
    )

    @field_validator("text")
    @classmethod
    def _usable_text(cls, text: str) -> str:
        if not text.strip():
            raise ValueError("the article text is empty")
        if "\x00" in text:
            raise ValueError("the article text contains NUL bytes; is this a binary file?")
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ValueError(
                f"the article text is not valid Unicode: a lone surrogate at character "
                f"{exc.start} (text decoded with errors='surrogateescape'?); decode it as UTF-8 "
                "or clean it first"
            ) from None
        if len(text) > MAX_ARTICLE_CHARS:
            raise ValueError(
                f"the article has {len(text):,} characters, more than the {MAX_ARTICLE_CHARS:,} "
                "one briefing takes; split it into separate articles"
            )
        return text.strip()

    @field_validator("inferred")
    @classmethod
    def _known_fields(cls, inferred: tuple[str, ...]) -> tuple[str, ...]:
        unknown = set(inferred) - set(INFERABLE)
        if unknown:
            raise ValueError(f"inferred names fields that cannot be inferred: {sorted(unknown)}")
        return tuple(sorted(set(inferred)))

    @property
    def key(self) -> str:
        """A stable content hash of the text and the metadata given (names the article in
        records). Inferred fields count as unknown, so a better guess keeps the key."""
        given = self.model_copy(update=dict.fromkeys(self.inferred))
        payload = given.model_dump_json(exclude={"name", "converted_from", "inferred", "notes"})
        return hashlib.sha256(payload.encode()).hexdigest()[:16]

    @classmethod
    def from_string(
        cls,
        raw: str,
        *,
        name: str | None = None,
        date: dt.date | str | None = None,
        source: str | None = None,
        title: str | None = None,
    ) -> Article:
        """Parse seeds-format text, HTML, or plain text; `date`, `source` and `title`
        override what the text says."""
        overrides = _overrides(date=date, source=source, title=title)
        return _parse(raw, name=name, overrides=overrides)

    @classmethod
    def from_file(
        cls,
        path: str | os.PathLike[str],
        *,
        date: dt.date | str | None = None,
        source: str | None = None,
        title: str | None = None,
    ) -> Article:
        return load_article(path, date=date, source=source, title=title)


def load_article(
    path: str | os.PathLike[str],
    *,
    date: dt.date | str | None = None,
    source: str | None = None,
    title: str | None = None,
) -> Article:
    """Load an article file: `.txt` or `.md` in the seeds format or plain UTF-8 text, an
    `.html` page, a PDF with a text layer, or a Word `.docx`. `date` (a date or YYYY-MM-DD),
    `source` and `title` override what the file says about them."""
    overrides = _overrides(date=date, source=source, title=title)
    file = Path(path)
    if not file.exists():
        raise InputError(f"{file}: no such file")
    if file.is_dir():
        raise InputError(f"{file}: is a directory, not an article file")
    size = file.stat().st_size
    with file.open("rb") as handle:
        limit = MAX_DOCUMENT_BYTES if _is_document(handle.read(1024)) else MAX_FILE_BYTES
    if size > limit:
        raise InputError(
            f"{file}: {size:,} bytes is far more than a news article (limit "
            f"{limit:,}); split it into articles first"
        )
    return _from_bytes(file.read_bytes(), name=file.stem, where=str(file), overrides=overrides)


def article_from_bytes(
    data: bytes,
    *,
    name: str | None = None,
    where: str = "stdin",
    date: dt.date | str | None = None,
    source: str | None = None,
    title: str | None = None,
) -> Article:
    """An article from a file's bytes (what `load_article` reads; stdin for the CLI): a PDF or
    a Word document by its signature, else UTF-8 text. Errors name `where`."""
    overrides = _overrides(date=date, source=source, title=title)
    return _from_bytes(data, name=name, where=where, overrides=overrides)


def _is_document(head: bytes) -> bool:
    return is_pdf(head) or is_zip(head)


def _from_bytes(
    data: bytes, *, name: str | None, where: str, overrides: dict[str, object]
) -> Article:
    # The signatures come first: an uncompressed PDF is valid UTF-8 and must not be read as text.
    try:
        if is_pdf(data):
            pdf = read_pdf(data)
            raw = document_text(pdf.paragraphs)
            return _parse(raw, name=name, overrides=overrides, kind="pdf", notes=pdf.notes)
        if is_docx(data):
            raw = document_text(read_docx(data))
            return _parse(raw, name=name, overrides=overrides, kind="docx")
    except InputError as exc:
        raise InputError(f"{where}: {exc}") from None
    if is_old_office(data):
        raise InputError(
            f"{where}: an old binary Office file (.doc); save it as .docx or PDF, or as text"
        )
    if b"\x00" in data[:8192] or is_zip(data):
        raise InputError(
            f"{where}: looks like a binary file, not article text (articles are read from "
            "UTF-8 text, HTML, PDF or .docx)"
        )
    try:
        raw = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{where}: not UTF-8 text (invalid byte at offset {exc.start}); "
            "convert it to UTF-8 first"
        ) from None
    try:
        return _parse(raw, name=name, overrides=overrides)
    except InputError as exc:
        raise InputError(f"{where}: {exc}") from None


def document_text(paragraphs: list[str]) -> str:
    """A document's paragraphs as article text, one blank line between them. A seeds header
    typed at the top of a document (`date YYYY-MM-DD`, then `source ...` and the like, each
    line its own paragraph, as a word processor makes them) is kept together as a header."""
    head = 0
    first = paragraphs[0].strip() if paragraphs else ""
    date = _DATE_COLON.match(first) or _DATE_LINE.match(first)
    if date and not date["rest"].strip() and "\n" not in first:
        head = 1
        while head < len(paragraphs) and (line := _HEADER_LINE.match(paragraphs[head].strip())):
            if line["key"].lower().rstrip(":") not in HEADER_KEYS or "\n" in paragraphs[head]:
                break
            head += 1
    header = "\n".join(p.strip() for p in paragraphs[:head])
    return "\n\n".join(([header] if header else []) + paragraphs[head:])


def _overrides(
    *, date: dt.date | str | None, source: str | None, title: str | None
) -> dict[str, object]:
    """The metadata a caller gives, checked before any file is read."""
    given: dict[str, object] = {}
    if date is not None:
        if isinstance(date, dt.datetime):
            date = date.date()
        if isinstance(date, str):
            try:
                if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", date.strip()):
                    raise ValueError
                date = dt.date.fromisoformat(date.strip())
            except ValueError:
                raise InputError(
                    f"the date {date!r} is not a calendar date in YYYY-MM-DD form"
                ) from None
        given["published"] = date
    for field, value in (("source", source), ("title", title)):
        if value is not None:
            if not value.strip():
                raise InputError(f"the {field} given is empty")
            given[field] = " ".join(value.split())
    return given


def _parse(
    raw: str,
    *,
    name: str | None,
    overrides: dict[str, object] | None = None,
    kind: str | None = None,
    notes: tuple[str, ...] = (),
) -> Article:
    """Seeds-format, HTML or plain text into an Article; `kind` names the document (pdf,
    docx) the text was read from, whose text is never taken for HTML."""
    lines = raw.lstrip("\ufeff").splitlines()
    while lines and not lines[0].strip():
        lines.pop(0)
    fields: dict[str, str] = {}
    published: dt.date | None = None
    match = (_DATE_COLON.match(lines[0]) or _DATE_LINE.match(lines[0])) if lines else None
    if match:
        published = _parse_date(match["value"])
        rest = match["rest"].strip()
        lines = lines[1:]
        if rest:
            lines.insert(0, rest)
        else:
            while lines and (header := _HEADER_LINE.match(lines[0].strip())):
                if header["key"].lower().rstrip(":") not in HEADER_KEYS:
                    break
                fields[header["key"].lower().rstrip(":")] = header["value"].strip()
                lines.pop(0)
    body = "\n".join(lines)
    # Precedence, field by field: overrides, then headers, then the page's metadata, then a
    # dateline, then (language) the detector. Only the first two count as given.
    given: dict[str, object] = {**fields, "published": published, **(overrides or {})}
    found: dict[str, object] = {}
    extra: dict[str, object] = {"converted_from": kind, "notes": notes}
    if kind is None and looks_like_html(body):
        page = read_page(body)
        body = page.text
        extra["converted_from"] = "html"
        if page.whole:
            extra["notes"] = (*notes, NO_ARTICLE_BODY)
        found = {"published": page.published, "source": page.site, "title": page.title}
    if dateline := read_dateline(body):
        found["published"] = found.get("published") or dateline.published
        found["source"] = found.get("source") or dateline.source
    if given.get("language") is None:
        found["language"] = guess_language(body)
    inferred = {k: v for k, v in found.items() if v is not None and given.get(k) is None}
    values = {k: v for k, v in given.items() if v is not None} | inferred
    try:
        return Article.model_validate(
            {"text": body, "name": name, **values, **extra, "inferred": tuple(inferred)}
        )
    except ValueError as exc:
        reason = exc.errors()[0]["msg"] if hasattr(exc, "errors") else str(exc)
        raise InputError(reason.removeprefix("Value error, ")) from None


def _parse_date(value: str | None) -> dt.date:
    try:
        if value is None:
            raise ValueError
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(
            f"the date header {value or '(missing)'!r} is not a calendar date in YYYY-MM-DD form"
        ) from None


PATH_SUFFIXES = (".txt", ".md", ".html", ".htm", ".json", ".pdf", ".docx")


def as_article(article: Article | str | os.PathLike[str]) -> Article:
    """An Article from an Article, a path, or text.

    The rule for strings: one that names an existing file is that file; one that looks like a
    path (a single line ending in .txt/.md/.html/.htm/.json/.pdf/.docx, or holding a path
    separator and no space) but names no file is an InputError, never text sent to the model;
    anything else is article text (pass `Article(text=...)` to be explicit).
    """
    if isinstance(article, Article):
        return article
    if isinstance(article, os.PathLike):
        return load_article(article)
    if not isinstance(article, str):
        raise InputError(f"expected an Article, a path or text, not {type(article).__name__}")
    candidate = article.strip()
    if "\n" not in candidate and len(candidate) < 1024:
        if candidate and Path(candidate).is_file():
            return load_article(candidate)
        looks_like_path = candidate.lower().endswith(PATH_SUFFIXES) or (
            (os.sep in candidate or "/" in candidate) and " " not in candidate
        )
        if looks_like_path:
            raise InputError(
                f"{candidate}: no such file (a string that looks like a path is read as one; "
                "pass Article(text=...) to brief it as text)"
            )
    return Article.from_string(article)
