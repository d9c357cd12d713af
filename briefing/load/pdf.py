"""The text layer of a PDF as paragraphs (pypdf), for `briefing.load.article`.

A PDF holds positioned lines, not paragraphs. A paragraph is rebuilt from the lines' positions:
a gap between two lines clearly wider than the document's usual line pitch starts a new one,
and so do a new page (unless the page ends mid-sentence) and a line that moves back up (a new
column). The lines of a paragraph are joined with one space (after a hyphen that ends a line,
with none), and runs of spaces inside a line are one space, since a justified line spreads
its words. The result is the text evidence spans index into; it is never re-read from the PDF.

A PDF without any text (a scan: images of pages) is an InputError that says so, since OCR is
not this library's job; pages without text among pages with text are named in a note.
"""

from __future__ import annotations

import io
import itertools
import logging
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from briefing.errors import InputError

PDF_MAGIC = b"%PDF-"
PARAGRAPH_GAP = 1.3  # a line gap this many times the usual pitch starts a paragraph
_SPACES = re.compile(r"[ \t\u00a0]+")
_SENTENCE_END = re.compile(r"[.!?:;\"\u201d\u2019')\]]$")
_HYPHEN_END = re.compile(r"[^\W\d_]-$")


def is_pdf(data: bytes) -> bool:
    """Whether bytes are a PDF (the `%PDF-` signature may follow a little junk)."""
    return PDF_MAGIC in data[:1024]


@dataclass
class _Line:
    page: int
    y: float | None = None
    size: float = 0.0
    parts: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return _SPACES.sub(" ", "".join(self.parts)).strip()


@dataclass(frozen=True)
class PdfText:
    """The paragraphs of a PDF's text layer, and what a reader should know about them."""

    paragraphs: list[str]
    notes: tuple[str, ...]


def read_pdf(data: bytes) -> PdfText:
    """Paragraphs of the PDF's text layer; InputError for an unreadable, locked or scanned
    PDF."""
    import pypdf
    from pypdf.errors import PyPdfError

    lines: list[_Line] = []
    try:
        with _quiet_pypdf():
            reader = pypdf.PdfReader(io.BytesIO(data))
            if reader.is_encrypted and not reader.decrypt(""):
                raise InputError("the PDF is encrypted with a password; save an unlocked copy")
            pages = len(reader.pages)
            for number, page in enumerate(reader.pages, start=1):
                lines += _page_lines(page, number)
    except InputError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"not a readable PDF ({reason})") from None
    lines = [line for line in lines if line.text]
    if not lines:
        raise InputError(
            f"the PDF has no text layer ({pages} page(s) of images only: a scan?); run OCR on "
            "it first (for example ocrmypdf), or give its text as a .txt file"
        )
    empty = sorted(set(range(1, pages + 1)) - {line.page for line in lines})
    notes: tuple[str, ...] = ()
    if empty:
        notes = (
            f"page(s) {', '.join(map(str, empty))} of {pages} have no text layer (scanned?); "
            "their text is not in this briefing",
        )
    return PdfText(list(_paragraphs(lines)), notes)


def _page_lines(page: object, number: int) -> list[_Line]:
    """The page's lines as pypdf extracts them, each with its height on the page."""
    lines = [_Line(number)]

    def visit(
        text: str, cm: Sequence[float], tm: Sequence[float], font: object, size: float
    ) -> None:
        for piece in re.split(r"(\n)", text):
            if piece == "\n":
                lines.append(_Line(number))
            elif piece:
                line = lines[-1]
                if line.y is None and piece.strip():
                    line.y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
                    line.size = abs(size * (tm[3] or 1.0) * (cm[3] or 1.0)) or size
                line.parts.append(piece)

    page.extract_text(visitor_text=visit)  # type: ignore[attr-defined]
    return lines


def _paragraphs(lines: list[_Line]) -> Iterator[str]:
    """Lines joined into paragraphs by the gaps between them (see the module's docstring)."""
    pitch = _usual_pitch(lines)
    paragraph: list[str] = [lines[0].text]
    for before, line in itertools.pairwise(lines):
        if _breaks(before, line, pitch):
            yield _join(paragraph)
            paragraph = []
        paragraph.append(line.text)
    yield _join(paragraph)


def _usual_pitch(lines: list[_Line]) -> float | None:
    steps = Counter(
        round(before.y - line.y, 0)
        for before, line in itertools.pairwise(lines)
        if before.page == line.page
        and before.y is not None
        and line.y is not None
        and before.y - line.y >= 0.8 * max(line.size, 1.0)
    )
    return steps.most_common(1)[0][0] if steps else None


def _breaks(before: _Line, line: _Line, pitch: float | None) -> bool:
    if before.page != line.page:
        return bool(_SENTENCE_END.search(before.text))
    if before.y is None or line.y is None:
        return True
    step = before.y - line.y
    return step < 0 or (pitch is not None and step > PARAGRAPH_GAP * pitch)


def _join(lines: list[str]) -> str:
    text = lines[0]
    for line in lines[1:]:
        text += line if _HYPHEN_END.search(text) and line[:1].isalpha() else " " + line
    return text


@contextmanager
def _quiet_pypdf() -> Iterator[None]:
    """pypdf logs repairs of damaged files as warnings; the text read is what counts here."""
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)
