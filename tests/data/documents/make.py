"""Write the PDF fixtures of tests/test_files.py: two seeds as text PDFs, and a scan.

    pip install fpdf2  # dev only: tests read the committed PDFs, they do not write them
    python tests/data/documents/make.py

Each seed is typeset as a word processor would: every header line and paragraph its own
paragraph with space after it, body text justified in 10 pt DejaVu Sans on A5 (embedded, with a
Unicode map, so curly quotes and dashes survive), wrapped and broken across pages. The scan is
a page with a picture of text and no text layer.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from fpdf import FPDF
from PIL import Image, ImageDraw

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
FIXED = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
SEEDS = ("000_b6e8438b54aa0c6d", "012_uk-us-diplomatic-immunity-sacoolas")


def _document() -> FPDF:
    pdf = FPDF(format="A5")  # small pages, so that paragraphs run on to the next page
    pdf.set_creation_date(FIXED)  # reproducible bytes
    pdf.add_font("DejaVu", fname=str(FONT))
    pdf.set_font("DejaVu", size=10)
    pdf.set_margins(20, 20)
    pdf.add_page()
    return pdf


def seed_pdf(stem: str) -> None:
    text = (ROOT / "seeds" / f"{stem}.txt").read_text(encoding="utf-8").strip()
    pdf = _document()
    for block in text.split("\n\n"):
        header = "\n" in block
        for line in block.split("\n"):  # a header's lines: each its own paragraph
            size = 10.0
            while header and pdf.get_string_width(line) > pdf.epw and size > 5:  # a long URL
                size -= 0.5
                pdf.set_font_size(size)
            pdf.multi_cell(0, 5, line.strip(), align="J", new_x="LMARGIN", new_y="NEXT")
            pdf.set_font_size(10)
            pdf.ln(3)
    pdf.output(str(HERE / f"{stem}.pdf"))


def scan_pdf() -> None:
    page = Image.new("L", (850, 1100), 255)
    draw = ImageDraw.Draw(page)
    for row in range(12):
        draw.text((80, 100 + 40 * row), "A scanned statement: this line is pixels, not text.")
    picture = io.BytesIO()
    page.save(picture, format="PNG")
    pdf = FPDF(format="A4")
    pdf.set_creation_date(FIXED)
    pdf.add_page()
    pdf.image(picture, x=0, y=0, w=pdf.w)
    pdf.output(str(HERE / "scanned.pdf"))


if __name__ == "__main__":
    for seed in SEEDS:
        seed_pdf(seed)
    scan_pdf()
