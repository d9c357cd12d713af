from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from briefing import Article, InputError, load_article
from briefing.load.article import MAX_ARTICLE_CHARS

from .conftest import FIRST_SEED, SEEDS


def test_all_seeds_load_with_their_dates() -> None:
    assert len(SEEDS) == 7
    for path in SEEDS:
        article = load_article(path)
        assert article.published is not None
        assert article.name == path.stem
        assert not article.text.startswith(("date", "source", "url"))
        assert len(article.text) > 500


def test_first_seed_has_date_and_text_on_one_line() -> None:
    article = load_article(FIRST_SEED)
    assert article.published == dt.date(2023, 6, 29)
    assert article.text.startswith("The Iranian police and the Russian National Guard signed")
    assert article.source is None


def test_header_lines_become_metadata() -> None:
    article = load_article(next(p for p in SEEDS if p.name.startswith("001")))
    assert article.source == "Wikinews (English edition)"
    assert article.url is not None and article.url.startswith("https://en.wikinews.org/")
    assert article.text.startswith("Germany on Monday banned")


def test_string_in_seeds_format_and_plain_text() -> None:
    seeded = Article.from_string("date 2020-01-02\ntitle A title\nsource Agency\n\nBody here.")
    assert (seeded.published, seeded.title, seeded.source, seeded.text) == (
        dt.date(2020, 1, 2),
        "A title",
        "Agency",
        "Body here.",
    )
    plain = Article.from_string("Dated reports say the talks failed.\nSecond line.")
    assert plain.published is None
    assert plain.text.startswith("Dated reports")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "empty"),
        ("   \n\t  \n", "empty"),
        ("date 2023-13-45\n\nBody.", "not a calendar date"),
        ("date June 5\n\nBody.", "not a calendar date"),
        ("date 2023-06-29\n\n   ", "empty"),
        ("x" * (MAX_ARTICLE_CHARS + 1), "more than"),
    ],
)
def test_bad_strings_name_the_problem(raw: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        Article.from_string(raw)


def test_bad_files_name_the_file(tmp_path: Path) -> None:
    binary = tmp_path / "image.bin"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    latin = tmp_path / "latin.txt"
    latin.write_bytes("Caf\u00e9 talks".encode("latin-1"))
    cases = {
        tmp_path / "missing.txt": "no such file",
        tmp_path: "is a directory",
        binary: "binary",
        latin: "not UTF-8",
    }
    for path, message in cases.items():
        with pytest.raises(InputError, match=message) as info:
            load_article(path)
        assert str(path) in str(info.value)


def test_key_changes_with_text_and_metadata() -> None:
    a = Article.from_string("date 2020-01-02\n\nBody.")
    b = Article.from_string("date 2020-01-03\n\nBody.")
    assert a.key != b.key
    assert a.key == Article.from_string("date 2020-01-02\n\nBody.").key
