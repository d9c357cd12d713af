"""The files analysts have: PDFs (text layer) and Word documents brief like the text they hold,
a scan says it has no text, and no PDF is ever taken for article text (issue 21, item 1).

The PDFs of two seeds are committed in tests/data/documents (written by make.py there with
fpdf2: justified, compressed, broken across A5 pages); the Word documents are written here with
python-docx, one paragraph per line of the seed, as a word processor makes them. The seeds'
cassettes are authored afresh from cassettes/authored (as `briefing cassettes author` does), so
that these tests replay what this version sends.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import docx
import pytest

from briefing import load_article
from briefing.cli.main import main
from briefing.errors import InputError
from briefing.models import Brief

from .conftest import ROOT
from .conftest import TWO_SEEDS as SEEDS

DOCUMENTS = ROOT / "tests" / "data" / "documents"


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "BRIEFING_CASSETTE_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(ROOT)


def word_document(seed: Path, out: Path) -> Path:
    """The seed as a .docx: each line of it its own paragraph (the header's too)."""
    document = docx.Document()
    for block in seed.read_text(encoding="utf-8").strip().split("\n\n"):
        for line in block.split("\n"):
            document.add_paragraph(line.strip())
    document.save(str(out))
    return out


def brief_json(path: Path, cassettes: Path, capsys: pytest.CaptureFixture[str]) -> Brief:
    assert main([str(path), "-f", "json", "-q", "--cassettes", str(cassettes)]) == 0, (
        capsys.readouterr().err
    )
    return Brief.model_validate_json(capsys.readouterr().out)


def items(brief: Brief) -> list[dict[str, object]]:
    return [item.model_dump() for item in brief.evidenced()]


@pytest.mark.parametrize("seed", SEEDS)
def test_a_pdf_and_a_docx_of_a_seed_brief_to_the_same_items_as_its_text(
    seed: str, tmp_path: Path, cassettes: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = ROOT / "seeds" / f"{seed}.txt"
    word = word_document(text, tmp_path / f"{seed}.docx")
    expected = brief_json(text, cassettes, capsys)
    assert expected.evidenced()
    for document in (DOCUMENTS / f"{seed}.pdf", word):
        brief = brief_json(document, cassettes, capsys)
        assert brief.article.converted_from == document.suffix[1:]
        assert brief.article.text == expected.article.text
        assert brief.article.key == expected.article.key
        assert items(brief) == items(expected)
        for item in brief.evidenced():
            for span in item.evidence:
                assert brief.article.text[span.start : span.end] == span.quote


def test_pdf_paragraphs_survive_justified_lines_and_page_breaks() -> None:
    from pypdf import PdfReader

    pdf = DOCUMENTS / "012_uk-us-diplomatic-immunity-sacoolas.pdf"
    assert len(PdfReader(pdf).pages) > 1
    raw = pdf.read_bytes()
    assert b"/FlateDecode" in raw  # compressed: not readable as UTF-8 text
    article = load_article(pdf)
    seed = load_article(ROOT / "seeds" / f"{pdf.stem}.txt")
    assert article.text.split("\n\n") == seed.text.split("\n\n")
    assert (article.published, article.source, article.url) == (
        seed.published,
        seed.source,
        seed.url,
    )


def test_a_scanned_pdf_is_an_input_error_that_says_it_has_no_text_layer(
    capsys: pytest.CaptureFixture[str],
) -> None:
    scan = DOCUMENTS / "scanned.pdf"
    with pytest.raises(InputError, match="no text layer") as info:
        load_article(scan)
    assert "OCR" in str(info.value) and str(scan) in str(info.value)
    assert main([str(scan), "-q"]) == 2
    err = capsys.readouterr().err
    assert "no text layer" in err and "Traceback" not in err


def uncompressed_pdf(lines: list[str]) -> bytes:
    """A minimal PDF with plain-text streams: every byte of it is valid UTF-8."""
    content = "BT /F1 11 Tf 72 720 Td 14 TL " + " ".join(f"({line}) ' " for line in lines) + "ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(content)} >>\nstream\n{content}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = "%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n"
    out += "".join(f"{offset:010d} 00000 n \n" for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    return out.encode("ascii")


def test_an_uncompressed_pdf_is_read_as_a_pdf_never_as_text(tmp_path: Path) -> None:
    data = uncompressed_pdf(["The ministers signed the accord in Valletta.", "Both sides"])
    data.decode("utf-8")  # the trap: it would pass as text
    for name in ("statement.pdf", "statement.txt"):  # the signature decides, not the name
        path = tmp_path / name
        path.write_bytes(data)
        article = load_article(path)
        assert article.converted_from == "pdf"
        assert "obj" not in article.text and "%PDF" not in article.text
        assert article.text == "The ministers signed the accord in Valletta. Both sides"


def test_word_documents_are_never_binary_and_other_packages_are_named(tmp_path: Path) -> None:
    seed = ROOT / "seeds" / f"{SEEDS[1]}.txt"
    word = word_document(seed, tmp_path / "memo.docx")
    assert load_article(word).text == load_article(seed).text
    archive = tmp_path / "photos.docx"
    with zipfile.ZipFile(archive, "w") as package:
        package.writestr("photo.jpg", b"\xff\xd8\xff")
    with pytest.raises(InputError, match="binary file"):
        load_article(archive)
    old = tmp_path / "memo.doc"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64)
    with pytest.raises(InputError, match=r"old binary Office file \(\.doc\); save it as \.docx"):
        load_article(old)
    empty = tmp_path / "empty.docx"
    docx.Document().save(str(empty))
    with pytest.raises(InputError, match="has no text"):
        load_article(empty)


def test_a_word_table_and_line_breaks_keep_their_structure(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("Joint statement")
    lines = document.add_paragraph("Signed in Valletta")
    lines.add_run().add_break()
    lines.add_run("on 4 March 2025")
    table = document.add_table(rows=2, cols=2)
    for row, (who, role) in enumerate([("Party", "Signatory"), ("Malta", "Robert Abela")]):
        table.cell(row, 0).text, table.cell(row, 1).text = who, role
    document.add_paragraph("Both governments agreed to meet again.")
    path = tmp_path / "statement.docx"
    document.save(str(path))
    assert load_article(path).text == (
        "Joint statement\n\nSigned in Valletta\non 4 March 2025\n\nParty | Signatory\n\n"
        "Malta | Robert Abela\n\nBoth governments agreed to meet again."
    )


def test_a_folder_briefs_pdf_and_docx_and_names_every_skipped_file_in_one_notice(
    tmp_path: Path, cassettes: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "statements"
    folder.mkdir()
    seed = ROOT / "seeds" / f"{SEEDS[1]}.txt"
    (folder / f"{SEEDS[0]}.pdf").write_bytes((DOCUMENTS / f"{SEEDS[0]}.pdf").read_bytes())
    word_document(seed, folder / f"{SEEDS[1]}.docx")
    (folder / "SOURCES.md").write_text("Credits.\n")
    (folder / "figures.xlsx").write_bytes(b"PK\x03\x04")
    (folder / ".DS_Store").write_bytes(b"\x00")
    out = tmp_path / "out"
    assert main([str(folder), "-o", f"{out}/", "--cassettes", str(cassettes)]) == 0, (
        capsys.readouterr().err
    )
    assert sorted(p.name for p in out.iterdir()) == [f"{SEEDS[0]}.md", f"{SEEDS[1]}.md"]
    notices = [line for line in capsys.readouterr().err.splitlines() if "skipped" in line]
    assert len(notices) == 1
    assert "SOURCES.md" in notices[0] and "figures.xlsx" in notices[0]
    assert ".DS_Store" not in notices[0]


def test_stdin_reads_bytes_invalid_utf8_is_an_input_error_and_a_pdf_works(
    monkeypatch: pytest.MonkeyPatch, cassettes: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    class Stdin(io.TextIOWrapper):
        pass

    def feed(data: bytes) -> None:
        monkeypatch.setattr("sys.stdin", Stdin(io.BytesIO(data), encoding="utf-8"))

    feed(b"The talks \xff\xfe ended.")
    assert main(["-", "-q"]) == 2
    err = capsys.readouterr().err
    assert "stdin: not UTF-8 text (invalid byte at offset 10)" in err
    assert "Traceback" not in err
    pdf = DOCUMENTS / f"{SEEDS[0]}.pdf"
    feed(pdf.read_bytes())
    assert main(["-", "--cassettes", str(pdf.parent)]) == 2  # read as a PDF; no cassette there
    assert "-: no model endpoint is configured and no recorded cassette" in (
        capsys.readouterr().err
    )
    feed(pdf.read_bytes())
    assert main(["-", "-f", "json", "-q", "--cassettes", str(cassettes)]) == 0  # by its key
    brief = json.loads(capsys.readouterr().out)
    assert brief["article"]["converted_from"] == "pdf"
