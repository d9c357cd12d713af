"""The local model's real runs, recorded by `benchmarks/local_models.py --record`, replay
offline through the public API and are labelled as recordings of that model."""

from __future__ import annotations

from pathlib import Path

import pytest

import briefing
from briefing.eval.report import answers_line
from briefing.replay.cassettes import provenance

from .conftest import ROOT

LOCAL = ROOT / "cassettes" / "local"
RECORDED = sorted(LOCAL.glob("*.yaml"))


@pytest.mark.parametrize("cassette", RECORDED, ids=lambda p: p.stem)
def test_a_recorded_local_run_replays_with_its_items_grounded(cassette: Path) -> None:
    prov = provenance(cassette)
    assert prov["kind"] == "recorded" and "qwen2.5-coder-1.5b" in prov["model"]
    article = briefing.load_article(ROOT / "seeds" / f"{cassette.stem}.txt")
    brief = briefing.replay_brief(article, cassette)
    assert brief.record.replayed
    for item in brief.evidenced():
        for e in item.evidence:
            assert article.text[e.start : e.end] == e.quote


def test_the_evaluation_of_the_recordings_says_which_model_answered() -> None:
    if not RECORDED:
        pytest.skip("no local recordings")
    evaluation = briefing.evaluate(ROOT / "gold" / "seeds", cassettes=LOCAL)
    line = answers_line(evaluation)
    assert line.startswith(f"Answers: all {len(RECORDED)} recorded from qwen2.5-coder-1.5b")
    assert all(r.error is None for r in evaluation.results)
    assert sum(len(r.brief.officials) for r in evaluation.results if r.brief) >= 1
