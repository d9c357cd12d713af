"""The text of a Word document (.docx) as paragraphs (python-docx), for
`briefing.load.article`.

The body's paragraphs and tables are read in document order: a paragraph's line breaks stay
line breaks, a table row is one paragraph with its cells joined by ` | `. Page headers,
footers, comments and footnotes are left out: they are not the article.
"""

from __future__ import annotations

import io
import zipfile

from briefing.errors import InputError

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old binary .doc (and .xls, .ppt)


def is_zip(data: bytes) -> bool:
    return data.startswith(ZIP_MAGIC)


def is_docx(data: bytes) -> bool:
    """Whether bytes are a Word document: a ZIP package holding word/document.xml."""
    if not is_zip(data):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            return "word/document.xml" in package.namelist()
    except zipfile.BadZipFile:
        return False


def is_old_office(data: bytes) -> bool:
    return data.startswith(OLE_MAGIC)


def read_docx(data: bytes) -> list[str]:
    """The document's non-empty paragraphs (and table rows), in order."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table

    try:
        document = docx.Document(io.BytesIO(data))
        paragraphs: list[str] = []
        for block in document.iter_inner_content():
            if isinstance(block, Table):
                for row in block.rows:
                    cells = list(dict.fromkeys(c.text.strip() for c in row.cells if c.text.strip()))
                    paragraphs.append(" | ".join(cells))
            else:
                paragraphs.append("\n".join(line.rstrip() for line in block.text.split("\n")))
    except (PackageNotFoundError, ValueError, KeyError, SyntaxError, zipfile.BadZipFile) as exc:
        raise InputError(f"not a readable Word document ({exc})") from None
    found = [p.strip("\n") for p in paragraphs if p.strip()]
    if not found:
        raise InputError("the Word document has no text")
    return found
