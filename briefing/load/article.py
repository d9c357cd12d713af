"""Articles and their loader.

The seeds format is a `date YYYY-MM-DD` first line, optional `key value` header lines, a blank
line, then the body. The founding sample has the date and the first sentence on one line, so
text after the date on that line starts the body. A file whose first line does not start with
the lower-case word `date` is plain text.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from briefing.errors import InputError
from briefing.load.text import guess_language, html_to_text, looks_like_html

MAX_ARTICLE_CHARS = 200_000
MAX_FILE_BYTES = 5_000_000  # checked before reading: a saved news page is far smaller
HEADER_KEYS = {"source", "url", "title", "language", "author"}
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
    converted_from: str | None = Field(None, description="'html' when reduced from a web page.")

    @field_validator("text")
    @classmethod
    def _usable_text(cls, text: str) -> str:
        if not text.strip():
            raise ValueError("the article text is empty")
        if "\x00" in text:
            raise ValueError("the article text contains NUL bytes; is this a binary file?")
        if len(text) > MAX_ARTICLE_CHARS:
            raise ValueError(
                f"the article has {len(text):,} characters, more than the {MAX_ARTICLE_CHARS:,} "
                "one briefing takes; split it into separate articles"
            )
        return text.strip()

    @property
    def key(self) -> str:
        """A stable content hash of the text and metadata (names the article in records)."""
        payload = self.model_dump_json(exclude={"name", "converted_from"})
        return hashlib.sha256(payload.encode()).hexdigest()[:16]

    @classmethod
    def from_string(cls, raw: str, *, name: str | None = None) -> Article:
        """Parse seeds-format text (or take plain text as the body)."""
        return _parse(raw, name=name)

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> Article:
        return load_article(path)


def load_article(path: str | os.PathLike[str]) -> Article:
    """Load an article file in the seeds format or as plain UTF-8 text."""
    file = Path(path)
    if not file.exists():
        raise InputError(f"{file}: no such file")
    if file.is_dir():
        raise InputError(f"{file}: is a directory, not an article file")
    size = file.stat().st_size
    if size > MAX_FILE_BYTES:
        raise InputError(
            f"{file}: {size:,} bytes is far more than a news article (limit "
            f"{MAX_FILE_BYTES:,}); split it into articles first"
        )
    data = file.read_bytes()
    if b"\x00" in data[:8192]:
        raise InputError(f"{file}: looks like a binary file, not article text")
    try:
        raw = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{file}: not UTF-8 text (invalid byte at offset {exc.start}); "
            "convert it to UTF-8 first"
        ) from None
    try:
        return _parse(raw, name=file.stem)
    except InputError as exc:
        raise InputError(f"{file}: {exc}") from None


def _parse(raw: str, *, name: str | None) -> Article:
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
    extra: dict[str, str] = {}
    if looks_like_html(body):
        body, page_title = html_to_text(body)
        extra["converted_from"] = "html"
        if page_title and "title" not in fields:
            fields["title"] = page_title
    if "language" not in fields and (language := guess_language(body)):
        fields["language"] = language
    try:
        return Article(text=body, published=published, name=name, **fields, **extra)
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


PATH_SUFFIXES = (".txt", ".md", ".html", ".htm", ".json")


def as_article(article: Article | str | os.PathLike[str]) -> Article:
    """An Article from an Article, a path, or text.

    The rule for strings: one that names an existing file is that file; one that looks like a
    path (a single line ending in .txt/.md/.html/.htm/.json, or holding a path separator and
    no space) but names no file is an InputError, never text sent to the model; anything else
    is article text (pass `Article(text=...)` to be explicit).
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
