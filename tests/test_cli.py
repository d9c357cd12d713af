"""The command as a user runs it: a real process, offline."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from briefing.cli.main import main

from .conftest import FIRST_SEED, ROOT


def run(
    *args: str, cwd: Path = ROOT, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "BRIEFING_"))}
    clean["BRIEFING_CACHE_DIR"] = os.environ["BRIEFING_CACHE_DIR"]
    return subprocess.run(
        [sys.executable, "-m", "briefing.cli.main", *args],
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


def test_formats_to_stdout() -> None:
    as_json = run("-f", "json", str(FIRST_SEED))
    assert as_json.returncode == 0, as_json.stderr
    data = json.loads(as_json.stdout)
    assert data["agreements"][0]["date"]["value"] == "2023-06-28"
    as_html = run("--format", "html", str(FIRST_SEED))
    assert as_html.stdout.startswith("<!DOCTYPE html>") and "Viktor Zolotov" in as_html.stdout


def test_stdin_finds_the_cassette_by_content() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "briefing.cli.main", "-", "-q"],
        cwd=ROOT,
        input=FIRST_SEED.read_text(),
        capture_output=True,
        text=True,
        timeout=120,
        env={k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "BRIEFING_"))},
    )
    assert done.returncode == 0, done.stderr
    assert "Viktor Zolotov" in done.stdout
    assert done.stderr == ""  # --quiet


def test_output_file_and_folder(tmp_path: Path) -> None:
    single = tmp_path / "one.html"
    assert run("-f", "html", "-o", str(single), str(FIRST_SEED)).returncode == 0
    assert "<!DOCTYPE html>" in single.read_text()
    seeds = sorted((ROOT / "seeds").glob("*.txt"))[:3]
    folder = tmp_path / "out"
    done = run("-f", "json", "-o", str(folder), *map(str, seeds))
    assert done.returncode == 0, done.stderr
    written = sorted(p.name for p in folder.iterdir())
    assert written == [f"{p.stem}.json" for p in seeds]
    assert f"wrote {folder / seeds[0].stem}.json" in done.stderr


def test_several_html_pages_need_a_folder() -> None:
    seeds = sorted((ROOT / "seeds").glob("*.txt"))[:2]
    done = run("-f", "html", *map(str, seeds))
    assert done.returncode == 2
    assert "-o FOLDER" in done.stderr and done.stdout == ""


def test_open_writes_html_and_calls_the_browser(tmp_path: Path) -> None:
    opened = tmp_path / "opened.txt"
    browser = tmp_path / "browser.sh"
    browser.write_text(f'#!/bin/sh\necho "$1" > {opened}\n')
    browser.chmod(0o755)
    done = run(
        "--open", "-o", str(tmp_path / "page.html"), str(FIRST_SEED), env={"BROWSER": str(browser)}
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "page.html").read_text().startswith("<!DOCTYPE html>")
    assert opened.read_text().strip() == (tmp_path / "page.html").as_uri()


def test_custom_template_folder(tmp_path: Path) -> None:
    (tmp_path / "brief.md.j2").write_text("{{ brief.officials | length }} officials")
    done = run("--templates", str(tmp_path), str(FIRST_SEED), "-q")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "7 officials\n"


def test_a_closed_pipe_ends_quietly_with_141() -> None:
    from .conftest import SEEDS

    command = [sys.executable, "-m", "briefing", *map(str, SEEDS), "-f", "json"]
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.read(200)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) in (0, 141)
    assert "Traceback" not in err and "BrokenPipeError" not in err


def test_bare_command_prints_the_overview_and_doctor_names_the_next_step(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main([]) == 2
    assert "doctor" in capsys.readouterr().out
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out
    assert "key       not set (OPENAI_API_KEY)" in out and "next: no model endpoint" in out


def test_cache_info_counts_entries(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "ab").mkdir()
    (tmp_path / "ab" / "abc.json").write_text("{}")
    assert main(["cache", "info", "--cache-dir", str(tmp_path)]) == 0
    assert "entries 1" in capsys.readouterr().out


def test_doctor_never_prints_credentials_in_the_base_url(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.setenv(
        "OPENAI_BASE_URL",
        "https://analyst:hunter2-secret@llm.example.org/v1?api_key=sk-abcd1234efgh",
    )
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out
    assert "llm.example.org/v1" in out and "(OPENAI_BASE_URL)" in out
    for secret in ("analyst", "hunter2-secret", "sk-abcd1234efgh"):
        assert secret not in out
