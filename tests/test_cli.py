"""The command as a user runs it: a real process, offline."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from briefing._cli import main

from .conftest import FIRST_SEED, ROOT


def run(
    *args: str, cwd: Path = ROOT, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "BRIEFING_"))}
    return subprocess.run(
        [sys.executable, "-m", "briefing._cli", *args],
        cwd=cwd,
        env={**clean, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_offline_briefing_of_the_first_seed() -> None:
    done = run(str(FIRST_SEED))
    assert done.returncode == 0, done.stderr
    assert "replaying" in done.stderr and "authored by hand" in done.stderr
    assert "not a recording" in done.stderr
    for expected in ("Ahmad-Reza Radan", "Viktor Zolotov", "2023-06-28", "Moscow", "drones"):
        assert expected in done.stdout
    assert done.stdout.startswith("# ")


def test_brief_subcommand_and_several_files() -> None:
    second = ROOT / "seeds" / "023_sullivan-patrushev-joint-statement.txt"
    done = run("brief", str(FIRST_SEED), str(second))
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("\n# ") + done.stdout.startswith("# ") == 2
    assert "Patrushev" in done.stdout


def test_article_without_cassette_names_the_variables(tmp_path: Path) -> None:
    article = tmp_path / "new.txt"
    article.write_text("date 2024-01-01\n\nThe ministers met on Monday.")
    done = run(str(article), cwd=tmp_path)
    assert done.returncode == 2
    for variable in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
        assert variable in done.stderr
    assert "Traceback" not in done.stderr


def test_bad_input_is_a_clear_error_and_good_files_still_brief(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("   \n")
    done = run(str(tmp_path / "missing.txt"), str(empty), str(FIRST_SEED))
    assert done.returncode == 2
    assert "missing.txt: no such file" in done.stderr
    assert "empty.txt: the article text is empty" in done.stderr
    assert "Traceback" not in done.stderr
    assert "Viktor Zolotov" in done.stdout


def test_unreachable_endpoint_is_a_model_error_exit_1() -> None:
    done = run(str(FIRST_SEED), env={"OPENAI_BASE_URL": "http://127.0.0.1:9/v1"})
    assert done.returncode == 1
    assert "127.0.0.1:9" in done.stderr and "Traceback" not in done.stderr


def test_schema_prints_the_brief_json_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["title"] == "Brief"
    assert {"agreements", "officials", "claims", "record"} <= set(schema["properties"])
