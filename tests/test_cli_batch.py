"""`briefing batch submit|status|collect` against the offline fake of the Batch endpoints."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import briefing.extract.settings
from briefing import openai_batch as ob
from briefing.cli.batch import submitted_settings
from briefing.cli.main import main
from briefing.testing import Answer, HTTPFailure

from .batchkit import seed_of
from .conftest import SEEDS, authored
from .fake_batch_api import FakeBatchAPI


def by_seed(request: dict[str, Any]) -> Answer:
    return authored(seed_of(request))


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> FakeBatchAPI:
    fake = FakeBatchAPI(by_seed)
    monkeypatch.setattr(briefing.extract.settings, "client_from_env", lambda: fake.client())
    monkeypatch.setattr(ob, "sleep", lambda _seconds: None)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key")
    return fake


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    folder = tmp_path / "seeds"
    folder.mkdir()
    for seed in SEEDS[:3]:
        (folder / seed.name).write_bytes(seed.read_bytes())
    return folder


def submit(api: FakeBatchAPI, seeds: Path, requests: Path, capsys: Any, *extra: str) -> str:
    assert main(["batch", "submit", str(seeds), "--requests", str(requests), *extra]) == 0
    out, err = capsys.readouterr()
    batch_id: str = out.strip()
    assert batch_id in api.batches and f"briefing batch collect {batch_id}" in err
    return batch_id


def test_submit_status_collect_gives_each_articles_briefing(
    api: FakeBatchAPI, seeds: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    requests = tmp_path / "requests.jsonl"
    batch_id = submit(api, seeds, requests, capsys, "--model", "gpt-4.1-mini")
    assert len(requests.read_text().splitlines()) == 3

    assert main(["batch", "status", batch_id]) == 0
    assert capsys.readouterr().out.startswith(f"{batch_id}: ")

    out = tmp_path / "out"
    collect = ["batch", "collect", batch_id, str(seeds), "--requests", str(requests), "--wait"]
    code = main([*collect, "-f", "json", "-o", f"{out}/", "-q"])
    assert code == 0
    written = sorted(out.glob("*.json"))
    assert [p.stem for p in written] == sorted(p.stem for p in SEEDS[:3])
    for path in written:
        brief = json.loads(path.read_text())
        assert brief["headline"] == authored(path.stem)["headline"]
        assert "batch" in " ".join(brief["record"]["notes"])


def test_collect_before_the_batch_finishes_says_to_wait(
    api: FakeBatchAPI, seeds: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    requests = tmp_path / "requests.jsonl"
    batch_id = submit(api, seeds, requests, capsys)
    code = main(["batch", "collect", batch_id, str(seeds), "--requests", str(requests)])
    assert code == 2
    assert "not finished" in capsys.readouterr().err


def test_a_failed_request_is_an_error_line_and_exit_1(
    monkeypatch: pytest.MonkeyPatch, seeds: Path, tmp_path: Path, capsys: Any
) -> None:
    first = SEEDS[0].stem

    def answer(request: dict[str, Any]) -> Answer:
        stem = seed_of(request)
        return HTTPFailure(500) if stem == first else authored(stem)

    api = FakeBatchAPI(answer)
    monkeypatch.setattr(briefing.extract.settings, "client_from_env", lambda: api.client())
    monkeypatch.setattr(ob, "sleep", lambda _seconds: None)
    requests = tmp_path / "requests.jsonl"
    batch_id = submit(api, seeds, requests, capsys)
    collect = ["batch", "collect", batch_id, str(seeds), "--requests", str(requests), "--wait"]
    code = main([*collect, "-o", f"{tmp_path / 'out'}/", "-q"])
    err = capsys.readouterr().err
    assert code == 1
    assert err.count("briefing: error:") == 1 and first in err
    assert len(list((tmp_path / "out").glob("*.md"))) == 2


def test_the_requests_file_tells_collect_the_model_and_mode(
    api: FakeBatchAPI, seeds: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for mode in ("tools_strict", "tools", "json"):
        requests = tmp_path / f"{mode}.jsonl"
        submit(api, seeds, requests, capsys, "--model", "gpt-4.1", "--mode", mode)
        assert submitted_settings(requests) == ("gpt-4.1", mode)


def test_a_missing_or_foreign_requests_file_is_a_usage_error(
    api: FakeBatchAPI, seeds: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    foreign = tmp_path / "notes.jsonl"
    foreign.write_text('{"hello": 1}\n')
    for requests in (tmp_path / "missing.jsonl", foreign):
        code = main(["batch", "collect", "batch_1", str(seeds), "--requests", str(requests)])
        assert code == 2
        assert "not a batch requests file" in capsys.readouterr().err


def test_collect_refuses_a_bad_output_choice_before_waiting(
    api: FakeBatchAPI, seeds: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    requests = tmp_path / "requests.jsonl"
    batch_id = submit(api, seeds, requests, capsys)
    polls = api.polls
    args = ["batch", "collect", batch_id, str(seeds), "--requests", str(requests), "--wait"]
    assert main([*args, "-f", "html"]) == 2
    assert "need -o FOLDER" in capsys.readouterr().err
    assert api.polls == polls  # no polling, no downloads: told at once
