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


@pytest.mark.parametrize(
    ("opening", "published", "source"),
    [
        ("VALLETTA, March 4, 2025 (Newswire) - ", dt.date(2025, 3, 4), "Newswire"),
        ("WASHINGTON (Reuters) - ", None, "Reuters"),
        ("LONDON, Jan 5 (AP) \u2014 ", None, "AP"),  # no year: the date is not guessed
        ("GENEVA, Nov. 14, 2024 (Reuters) - ", dt.date(2024, 11, 14), "Reuters"),
        ("KYIV, Ukraine, 4 March 2025 /PRNewswire/ -- ", dt.date(2025, 3, 4), "PRNewswire"),
        ("WASHINGTON, Tuesday, March 4, 2025 (AP) \u2014 ", dt.date(2025, 3, 4), "AP"),
        ("Rio de Janeiro, 2023-09-03 \u2013 ", dt.date(2023, 9, 3), None),
        ("BERLIN (dpa) - ", None, "dpa"),
        ("PARIS, February 30, 2024 (AFP) - ", None, "AFP"),  # no such day
    ],
)
def test_a_dateline_gives_date_and_source_and_stays_in_the_text(
    opening: str, published: dt.date | None, source: str | None
) -> None:
    body = f"{opening}The ministers signed the accord on Tuesday, officials said."
    article = Article.from_string(body)
    assert (article.published, article.source) == (published, source)
    assert article.text == body  # never rewritten: spans index into it
    assert set(article.inferred) == {"language"} | {
        k for k, v in (("published", published), ("source", source)) if v
    }


@pytest.mark.parametrize(
    "body",
    [
        "The minister said (in private) - nothing would change.",
        "Yesterday, March 4 (the anniversary) - crowds gathered in the square.",
        "President Biden (D) - the vote was close.",
        "On June 13th, 2024, President Biden signed - with Zelenskyy - an accord.",
        "Dated reports say the talks failed.\nSecond line.",
    ],
)
def test_prose_is_not_taken_for_a_dateline(body: str) -> None:
    article = Article.from_string(body)
    assert (article.published, article.source) == (None, None)


def test_headers_win_over_a_dateline_and_fill_only_what_is_missing() -> None:
    body = "GENEVA, Nov. 14, 2024 (Reuters) - Delegations agreed on a framework on Thursday."
    dated = Article.from_string(f"date 2024-11-15\n\n{body}")
    assert (dated.published, dated.source) == (dt.date(2024, 11, 15), "Reuters")
    sourced = Article.from_string(f"date 2024-11-15\nsource Swissinfo\n\n{body}")
    assert (sourced.published, sourced.source, sourced.inferred) == (
        dt.date(2024, 11, 15),
        "Swissinfo",
        ("language",),
    )


def test_keyword_overrides_win_and_count_as_given(tmp_path: Path) -> None:
    path = tmp_path / "wire.txt"
    path.write_text("LONDON, Jan 5 (AP) \u2014 The talks resumed in London on Monday, AP said.")
    plain = load_article(path)
    assert (plain.published, plain.source, plain.title) == (None, "AP", None)
    given = load_article(path, date="2025-01-05", source="Associated Press", title="Talks")
    assert (given.published, given.source, given.title) == (
        dt.date(2025, 1, 5),
        "Associated Press",
        "Talks",
    )
    assert given.inferred == ("language",)
    assert given.text == plain.text
    assert load_article(path, date=dt.date(2025, 1, 5)).published == dt.date(2025, 1, 5)
    seeded = Article.from_string("date 2020-01-02\ntitle Old\n\nBody here.", title="New")
    assert seeded.title == "New"
    with pytest.raises(InputError, match="not a calendar date"):
        load_article(path, date="5 January")
    with pytest.raises(InputError, match="source given is empty"):
        load_article(path, source="  ")


def test_inferred_metadata_stays_out_of_the_key_and_given_metadata_is_in_it() -> None:
    body = "GENEVA, Nov. 14, 2024 (Reuters) - Delegations agreed on a framework on Thursday."
    read = Article.from_string(body)
    assert read.key == Article(text=body).key  # a better dateline reader keeps the key
    given = Article.from_string(body, date="2024-11-14", source="Reuters")
    assert (given.published, given.source) == (read.published, read.source)
    assert given.key != read.key


def test_the_briefing_command_takes_date_source_and_title(tmp_path: Path) -> None:
    from briefing.cli import brief
    from briefing.cli.main import _parser

    path = tmp_path / "wire.txt"
    path.write_text("WASHINGTON (Reuters) - The Senate passed the bill on Monday, aides said.")
    given = ["--date", "2025-03-03", "--source", "Reuters wire", "--title", "Bill passes"]
    options = _parser().parse_args(["brief", *given, str(path)])
    article = brief._load(path, options)
    assert (article.published, article.source, article.title) == (
        dt.date(2025, 3, 3),
        "Reuters wire",
        "Bill passes",
    )
    assert not set(article.inferred) & {"published", "source", "title"}


def test_a_bad_date_option_is_refused_before_any_request(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from briefing.cli.main import main

    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")  # never reached
    with pytest.raises(SystemExit) as info:
        main(["--date", "2025-02-30", str(FIRST_SEED)])
    assert info.value.code == 2
    assert "--date/--published: '2025-02-30' is not a calendar date in YYYY-MM-DD form" in (
        capsys.readouterr().err
    )
    assert main(["--title", "One title", str(FIRST_SEED), str(SEEDS[1])]) == 2
    assert "--title names one article" in capsys.readouterr().err


def test_live_runs_with_overrides_still_report_each_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from briefing.cli.main import main

    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")  # refused at once
    missing = tmp_path / "missing.txt"
    options = ["--date", "2023-06-29", "--transport-retries", "0", "--no-cache", "-q"]
    code = main([*options, str(missing), str(FIRST_SEED)])
    err = capsys.readouterr().err
    assert code == 2  # the worst of: a missing file (2) and an unreachable endpoint (1)
    assert f"{missing}: no such file" in err
    assert f"{FIRST_SEED.stem}: " in err and "127.0.0.1:9" in err
