"""Kill a batch with SIGKILL at several points, resume it each time, and check that nothing is
lost, no line is corrupt, and at most the articles in flight at each kill are paid again."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from .conftest import ROOT

ARTICLES = 14
CONCURRENCY = 2  # tests/batch_child.py
KILL_AFTER = (2, 6, 10)  # finished articles in the log when each kill lands


def start(results: Path, requests: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.batch_child", str(results), str(requests), str(ARTICLES)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def lines(results: Path) -> list[str]:
    return results.read_text(encoding="utf-8").splitlines() if results.exists() else []


def test_a_batch_killed_three_times_resumes_losing_and_repeating_nothing_finished(
    tmp_path: Path,
) -> None:
    results, requests = tmp_path / "results.jsonl", tmp_path / "requests.log"
    for after in KILL_AFTER:
        child = start(results, requests)
        deadline = time.monotonic() + 90
        while len(lines(results)) < after and time.monotonic() < deadline:
            assert child.poll() is None, child.stderr.read() if child.stderr else ""
            time.sleep(0.02)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
        assert len(lines(results)) < ARTICLES, "the kill must land mid-batch"

    rerun = start(results, requests)
    _, err = rerun.communicate(timeout=180)
    assert rerun.returncode == 0, err

    records = [json.loads(line) for line in lines(results)]  # every line parses: 0 corrupt
    assert all(r["status"] == "ok" for r in records)
    sources = Counter(r["source"] for r in records)
    assert set(sources) == {f"a{i:02d}" for i in range(ARTICLES)}  # 0 lost
    assert max(sources.values()) == 1  # nothing finished was briefed again
    asked = Counter(requests.read_text().split())
    repaid = sum(asked.values()) - ARTICLES
    print(f"kills {len(KILL_AFTER)}, lines {len(records)}, lost 0, corrupt 0, re-paid {repaid}")
    assert 0 <= repaid <= CONCURRENCY * len(KILL_AFTER)
