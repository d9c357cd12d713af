"""Kill a batch midway (a real process, SIGKILL), rerun it, and check nothing is lost or paid
for twice."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from .conftest import ROOT, SEEDS


def start(results: Path, requests: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.batch_child", str(results), str(requests)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finished(results: Path) -> list[str]:
    if not results.exists():
        return []
    return [
        json.loads(line)["key"] for line in results.read_text().splitlines() if line.endswith("}")
    ]


def test_killed_batch_resumes_without_losing_or_repeating_work(tmp_path: Path) -> None:
    results, requests = tmp_path / "results.jsonl", tmp_path / "requests.log"
    child = start(results, requests)
    deadline = time.monotonic() + 60
    while len(finished(results)) < 3 and time.monotonic() < deadline and child.poll() is None:
        time.sleep(0.05)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=10)
    done_before = finished(results)
    assert 3 <= len(done_before) < len(SEEDS), "the kill must land mid-batch"
    asked_before = requests.read_text().splitlines()

    rerun = start(results, requests)
    _, err = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, err

    lines = [json.loads(line) for line in results.read_text().splitlines()]
    assert len(lines) == len(SEEDS)  # exactly one record per article
    assert len({line["key"] for line in lines}) == len(SEEDS)
    assert all(line["status"] == "ok" for line in lines)
    asked_after = requests.read_text().splitlines()[len(asked_before) :]
    names_done = {
        line["source"].split("/")[-1].removesuffix(".txt") for line in lines[: len(done_before)]
    }
    assert not names_done & set(asked_after)  # nothing finished was requested again
    assert Counter(asked_before + asked_after).keys() == {p.stem for p in SEEDS}
