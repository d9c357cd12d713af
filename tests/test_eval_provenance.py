"""`briefing eval` says first where the answers it scores came from, and names officials."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from briefing.cli.main import main
from briefing.eval.gold import load_gold
from briefing.eval.report import to_html
from briefing.eval.run import evaluate

from .conftest import ROOT

GOLD = ROOT / "gold" / "seeds"


def _cassettes(tmp_path: Path, recorded: int) -> Path:
    """The seeds' cassettes, the first `recorded` of them relabelled as recordings."""
    folder = tmp_path / "cassettes"
    folder.mkdir()
    for i, gold in enumerate(sorted(GOLD.glob("*.json"))):
        text = (ROOT / "cassettes" / f"{gold.stem}.yaml").read_text(encoding="utf-8")
        if i < recorded:
            text = text.replace("kind: authored", "kind: recorded", 1)
            text = re.sub(
                r"created: '[^']+'", "created: '2026-11-30T09:00:00+00:00'", text, count=1
            )
        (folder / f"{gold.stem}.yaml").write_text(text, encoding="utf-8")
    return folder


def test_the_first_line_says_the_answers_were_written_by_hand(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    report = tmp_path / "eval.html"
    cassettes = ROOT / "cassettes"
    assert main(["eval", str(GOLD), "--cassettes", str(cassettes), "--html", str(report)]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    total = len(list(GOLD.glob("*.json")))
    assert first.startswith(f"Answers: all {total} authored by hand")
    assert "gpt-4.1-mini" in first and "mean F1" not in first
    page = report.read_text(encoding="utf-8")
    body = html.unescape(re.sub(r"<[^>]+>", "\n", page[page.index("<body>") :]))
    lines = [line for line in body.splitlines() if line.strip()]
    assert lines[:2] == ["briefing eval", first]


def test_mixed_provenance_is_counted(tmp_path: Path) -> None:
    result = evaluate(GOLD, cassettes=_cassettes(tmp_path, recorded=2))
    total = len(result.results)
    page = html.unescape(to_html(result))
    expected = (
        f"Answers: mixed: {total - 2} of {total} authored by hand (standing for gpt-4.1-mini; "
        f"not a model's answers); 2 of {total} recorded from gpt-4.1-mini at "
        "https://api.openai.com on 2026-11-30"
    )
    assert expected in page


def test_the_html_names_officials_with_their_titles() -> None:
    result = evaluate(GOLD, cassettes=ROOT / "cassettes")
    page = html.unescape(to_html(result))
    gold, _ = load_gold(GOLD / "000_b6e8438b54aa0c6d.json")
    titled = [o for o in gold.officials if o.title]
    assert titled
    for official in titled:
        label = f"{official.name} ({official.title})"
        assert f"<td>{label}</td>" in page, label
    assert "<td>President</td>" not in page
