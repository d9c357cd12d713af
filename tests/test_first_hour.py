"""The traps a new user fell into in their first hour (issue: first hour of a new user)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from briefing import (
    ConfigurationError,
    InputError,
    generate_brief,
    generate_briefs,
    replay_brief,
)
from briefing.cli.main import main
from briefing.pricing import PRICES
from briefing.testing import FakeModel

from .conftest import CASSETTES, FIRST_SEED, ROOT

SEEDS_DIR = ROOT / "seeds"


def test_a_budget_with_the_default_model_resolves_its_price(first_payload: dict[str, Any]) -> None:
    fake = FakeModel([first_payload])
    [result] = generate_briefs([FIRST_SEED], client=fake.async_client(), max_cost=1, cache=False)
    assert result.ok
    for bad in (0, -1):
        with pytest.raises(ConfigurationError, match="max_cost must be a positive"):
            list(generate_briefs([FIRST_SEED], client=fake.async_client(), max_cost=bad))


def test_a_string_is_not_a_list_of_articles() -> None:
    with pytest.raises(InputError, match="takes a list of articles"):
        list(generate_briefs(str(FIRST_SEED), client=FakeModel().async_client()))


def test_a_string_that_looks_like_a_missing_path_is_an_error_not_an_article() -> None:
    fake = FakeModel()
    for path in ("seeds/nope.txt", "some/folder/article"):
        with pytest.raises(InputError, match="no such file"):
            generate_brief(path, client=fake.client())
    assert fake.requests == []


def test_a_folder_skips_its_sources_and_readme_and_says_so(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main([str(SEEDS_DIR), "-f", "json"]) == 0
    out, err = capsys.readouterr()
    assert "skipped SOURCES.md" in err
    assert len(out.strip().splitlines()) == len(list(SEEDS_DIR.glob("*.txt")))


def test_the_output_format_follows_the_file_extension(tmp_path: Path) -> None:
    page = tmp_path / "x.html"
    assert main([str(FIRST_SEED), "-o", str(page), "-q"]) == 0
    assert page.read_text().startswith("<!DOCTYPE html>")
    lines = tmp_path / "all.json"
    assert main([str(SEEDS_DIR), "-o", str(lines), "-q"]) == 0
    briefs = [json.loads(line) for line in lines.read_text().splitlines()]
    assert len(briefs) == len(list(SEEDS_DIR.glob("*.txt"))) and lines.is_file()
    assert main([str(SEEDS_DIR), "-o", str(tmp_path / "many.html"), "-q"]) == 2


def test_a_replay_reports_no_spending(first_article: Any) -> None:
    brief = replay_brief(first_article, CASSETTES / f"{FIRST_SEED.stem}.yaml")
    assert brief.record.replayed and brief.record.cost_usd == 0.0
    assert "Nothing was spent" in brief.record.notes[0]


def test_bad_options_are_refused_before_any_request(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = FakeModel()
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setattr(
        "briefing.extract.settings.openai.AsyncOpenAI", lambda **_: fake.async_client()
    )
    assert main([str(FIRST_SEED), "--templates", "/nope"]) == 2
    assert main([str(FIRST_SEED), "--price", "broken"]) == 2
    assert "--templates /nope: no such folder" in capsys.readouterr().err
    assert fake.requests == []


def test_a_local_model_can_be_given_a_price(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(PRICES, "my-local", raising=False)
    assert main([str(FIRST_SEED), "--replay", "--price", "my-local=0.2,0.8", "-q"]) == 0
    assert (PRICES["my-local"].input, PRICES["my-local"].output) == (0.2, 0.8)
    monkeypatch.delitem(PRICES, "my-local")


def test_notices_and_the_progress_bar_share_one_console(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    first_payload: dict[str, Any],
) -> None:
    fake = FakeModel([first_payload, first_payload])
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setattr("briefing.batch.run.async_client_from_env", fake.async_client)
    articles = [tmp_path / name for name in ("a.txt", "b.txt")]
    for article in articles:
        article.write_text(FIRST_SEED.read_text())
    out = tmp_path / "out"
    args = [*map(str, articles), "-o", f"{out}/", "--progress", "--no-cache", "--concurrency", "1"]
    assert main(args) == 0
    err = capsys.readouterr().err
    notices = [line for line in err.split("\n") if "briefing: wrote" in line]
    assert len(notices) == 2
    for line in notices:  # the bar was lifted before each notice: it starts its own line
        assert line.split("\r")[-1].startswith("briefing: wrote"), repr(line)


def test_ctrl_c_while_the_command_loads_ends_quietly() -> None:
    interrupt_on_import = (
        "import sys\n"
        "class Interrupt:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'openai':\n"
        "            raise KeyboardInterrupt\n"
        "sys.meta_path.insert(0, Interrupt())\n"
        "from briefing.cli.entry import main\n"
        "raise SystemExit(main(['--version']))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", interrupt_on_import], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 130, done.stderr
    assert done.stderr == "briefing: interrupted\n"


def test_open_with_no_browser_says_where_the_briefing_is(tmp_path: Path) -> None:
    keep = ("HOME", "BRIEFING_CACHE_DIR", "LANG")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env |= {"PATH": str(Path(sys.executable).parent), "BROWSER": "/bin/false", "TERM": "dumb"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "briefing",
            str(FIRST_SEED),
            "--open",
            "-o",
            str(tmp_path / "b.html"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert f"no web browser could be started here; the briefing is at {tmp_path}" in done.stderr
    assert (tmp_path / "b.html").read_text().startswith("<!DOCTYPE html>")
