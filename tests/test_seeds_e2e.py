"""Every seed replayed from its cassette through the real client, instructor and HTTP stack."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from briefing import Brief, load_article
from briefing.replay.cassettes import SCRUBBED_HEADERS, provenance, replay

from .conftest import CASSETTES, FIRST_SEED, SEEDS, authored


@pytest.fixture(scope="module")
def briefs() -> dict[str, Brief]:
    return {p.stem: replay(load_article(p), CASSETTES / f"{p.stem}.yaml") for p in SEEDS}


def rendered_quotes(markdown: str) -> list[str]:
    quoted = re.findall(r"^\s*> \u201c(.*)\u201d$", markdown, flags=re.MULTILINE)
    return [re.sub(r"\\(.)", r"\1", q) for q in quoted]  # undo Markdown escaping


def squash(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.stem)
def test_every_rendered_quote_is_in_its_article(seed: Path, briefs: dict[str, Brief]) -> None:
    brief = briefs[seed.stem]
    article = squash(load_article(seed).text)
    quotes = rendered_quotes(brief.to_markdown())
    assert len(quotes) >= 5
    for quote in quotes:
        assert quote in article, quote


@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.stem)
def test_every_span_is_the_article_text(seed: Path, briefs: dict[str, Brief]) -> None:
    brief = briefs[seed.stem]
    text = brief.article.text
    items = brief.evidenced()
    assert all(item.evidence for item in items)
    for item in items:
        for evidence in item.evidence:
            assert text[evidence.start : evidence.end] == evidence.quote


@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.stem)
def test_replay_keeps_every_authored_item(seed: Path, briefs: dict[str, Brief]) -> None:
    brief = briefs[seed.stem]
    payload = authored(seed.stem)
    assert brief.record.unverified == []
    assert brief.record.attempts == 1
    assert len(brief.agreements) == len(payload["agreements"])
    assert len(brief.claims) == len(payload["claims"])
    assert brief.headline == payload["headline"]


def test_first_seed_briefing(briefs: dict[str, Brief]) -> None:
    brief = briefs[FIRST_SEED.stem]
    [mou] = [a for a in brief.agreements if a.kind == "memorandum_of_understanding"]
    assert mou.kind == "memorandum_of_understanding" and mou.status == "signed"
    assert mou.date is not None and (mou.date.value, mou.date.precision) == ("2023-06-28", "day")
    assert mou.place == "Moscow"
    assert any("Iranian police" in p or "Law Enforcement Command" in p for p in mou.parties)
    assert any("Russian National Guard" in p for p in mou.parties)
    names = {o.name: o for o in brief.officials}
    assert "Radan" in names["Ahmad-Reza Radan"].names
    assert "Viktor Zolotov" in names
    [drones] = [c for c in brief.claims if "drones" in c.statement]
    assert drones.kind == "accusation" and drones.target == "Iran"
    markdown = brief.to_markdown()
    for expected in ("Ahmad-Reza Radan", "Viktor Zolotov", "2023-06-28", "Moscow", "drones"):
        assert expected in markdown


@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.stem)
def test_cassette_says_where_it_came_from(seed: Path) -> None:
    prov = provenance(CASSETTES / f"{seed.stem}.yaml")
    assert prov["kind"] in {"authored", "recorded"}
    assert prov["article"] == seed.stem
    assert prov["model"] and prov["endpoint"].startswith("http")
    if prov["kind"] == "authored":
        assert "not a recording" in prov["note"]


@pytest.mark.parametrize("path", sorted(CASSETTES.glob("*.yaml")), ids=lambda p: p.stem)
def test_cassettes_hold_no_secrets(path: Path) -> None:
    raw = path.read_text()
    assert not re.search(r"sk-[A-Za-z0-9_-]{16,}|Bearer\s+\S{8,}", raw)
    for interaction in yaml.safe_load(raw)["interactions"]:
        for part in ("request", "response"):
            headers = {h.lower() for h in interaction[part].get("headers") or {}}
            assert not headers & set(SCRUBBED_HEADERS)
        assert interaction["response"]["status"]["code"] < 429


@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.stem)
def test_authored_cassette_matches_its_reply_file(seed: Path) -> None:
    """A stale cassette (reply edited, not re-authored) fails here, not in a demo."""
    path = CASSETTES / f"{seed.stem}.yaml"
    if provenance(path)["kind"] != "authored":
        pytest.skip("recorded cassette")
    body = json.loads(
        yaml.safe_load(path.read_text())["interactions"][0]["response"]["body"]["string"]
    )
    arguments = body["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"]
    assert json.loads(arguments) == authored(seed.stem)
