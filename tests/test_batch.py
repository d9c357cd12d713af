"""generate_briefs: concurrency, isolation, cache, budget, resumable JSONL, long articles."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import pytest

from briefing import (
    Article,
    BriefCache,
    BudgetExceededError,
    ConfigurationError,
    TransportError,
    agenerate_briefs,
    generate_brief,
    generate_briefs,
)
from briefing.testing import FakeModel

from .batchkit import ARTICLES, requested, seed_model
from .conftest import SEEDS, authored

OPENAI = "https://api.openai.com/v1"


def test_batch_isolates_failures_and_yields_every_article(tmp_path: Path) -> None:
    fake = seed_model(failing={"012_uk-us-diplomatic-immunity-sacoolas"})
    bad_file = tmp_path / "empty.txt"
    bad_file.write_text("  \n")
    inputs = [*SEEDS, bad_file, tmp_path / "missing.txt"]
    results = list(
        generate_briefs(
            inputs,
            client=fake.client(base_url=OPENAI),
            cache=False,
            concurrency=3,
            transport_retries=1,
        )
    )
    assert len(results) == len(inputs)
    by_source = {r.source: r for r in results}
    failed = by_source[str(SEEDS[3])]
    assert isinstance(failed.error, TransportError) and failed.brief is None
    assert "empty" in str(by_source[str(bad_file)].error)
    assert "no such file" in str(by_source[str(tmp_path / "missing.txt")].error)
    assert sum(r.ok for r in results) == len(SEEDS) - 1


def test_async_batch_runs_concurrently_with_an_async_client() -> None:
    fake = seed_model()

    async def collect() -> list[str]:
        stream = agenerate_briefs(SEEDS, client=fake.async_client(base_url=OPENAI), cache=False)
        return [r.brief.headline async for r in stream if r.brief]

    headlines = asyncio.run(collect())
    assert sorted(headlines) == sorted(authored(p.stem)["headline"] for p in SEEDS)


def test_rerun_with_cache_makes_no_requests(tmp_path: Path) -> None:
    cache = BriefCache(tmp_path / "cache")
    first = seed_model()
    list(generate_briefs(SEEDS, client=first.client(base_url=OPENAI), cache=cache))
    assert len(first.requests) == len(SEEDS)
    second = seed_model()
    again = list(generate_briefs(SEEDS, client=second.client(base_url=OPENAI), cache=cache))
    assert second.requests == []
    assert all(r.ok and r.brief is not None for r in again)
    assert all(r.usage.total_tokens == 0 for r in again)
    other_model = seed_model()
    list(
        generate_briefs(
            SEEDS[:1], client=other_model.client(base_url=OPENAI), cache=cache, model="gpt-4.1"
        )
    )
    assert len(other_model.requests) == 1  # the key covers the model
    assert cache.clear() == len(SEEDS) + 1


def test_budget_stops_new_work_and_keeps_finished_results(tmp_path: Path) -> None:
    fake = seed_model()
    results = list(
        generate_briefs(
            SEEDS,
            client=fake.client(base_url=OPENAI),
            cache=False,
            concurrency=1,
            max_total_tokens=8_000,
            output=tmp_path / "out.jsonl",
        )
    )
    done = [r for r in results if r.ok]
    skipped = [r for r in results if isinstance(r.error, BudgetExceededError)]
    assert 1 <= len(done) < len(SEEDS) and len(done) + len(skipped) == len(SEEDS)
    assert sum(r.usage.total_tokens for r in done) >= 8_000
    assert "token budget of 8,000 reached" in str(skipped[0].error)
    assert len(fake.requests) == len(done)
    lines = (tmp_path / "out.jsonl").read_text().splitlines()
    assert len(lines) == len(done)  # skipped articles are not recorded: a rerun does them


def test_cost_budget_needs_a_price() -> None:
    with pytest.raises(ConfigurationError, match="PRICES"):
        list(
            generate_briefs(
                SEEDS, client=seed_model().client(), model="unknown-model", max_cost=1.0
            )
        )


def test_an_early_error_never_races_the_worker_loop_closing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """CI once saw "Event loop is closed" instead of the ConfigurationError: the worker closed
    its loop between the caller's liveness check and its cancel. A slow cancel widens that gap."""
    original = asyncio.BaseEventLoop.call_soon_threadsafe

    def slow_call_soon_threadsafe(self: Any, *args: Any, **kwargs: Any) -> Any:
        time.sleep(0.02)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(asyncio.BaseEventLoop, "call_soon_threadsafe", slow_call_soon_threadsafe)
    for _ in range(5):
        with pytest.raises(ConfigurationError, match="PRICES"):
            list(generate_briefs(SEEDS, client=seed_model().client(), model="nope", max_cost=1.0))


def test_cost_budget_in_dollars(tmp_path: Path) -> None:
    fake = seed_model()
    results = list(
        generate_briefs(
            SEEDS,
            client=fake.client(base_url=OPENAI),
            model="gpt-4.1-mini",
            cache=False,
            concurrency=1,
            max_cost=0.004,
        )
    )
    spent = sum(r.brief.record.cost_usd or 0 for r in results if r.brief)
    assert spent >= 0.004 and any(isinstance(r.error, BudgetExceededError) for r in results)
    assert all(r.brief.record.cost_usd for r in results if r.brief)


def test_resume_skips_what_the_log_holds(tmp_path: Path) -> None:
    log = tmp_path / "out.jsonl"
    first = seed_model(failing={"023_sullivan-patrushev-joint-statement"})
    list(
        generate_briefs(
            SEEDS[:4],
            client=first.client(base_url=OPENAI),
            cache=False,
            output=log,
            transport_retries=0,
        )
    )
    with log.open("a") as handle:
        handle.write('{"key": "torn li')  # a crash mid-write
    second = seed_model()
    results = list(
        generate_briefs(SEEDS, client=second.client(base_url=OPENAI), cache=False, output=log)
    )
    assert sorted(requested(second)) == sorted(p.stem for p in SEEDS[4:])
    assert sum(r.resumed for r in results) == 4
    records = [json.loads(line) for line in log.read_text().splitlines()]
    assert len(records) == len({r["key"] for r in records}) == len(SEEDS)


def test_long_article_is_split_and_spans_point_into_the_whole(tmp_path: Path) -> None:
    parts = [ARTICLES[p.stem] for p in SEEDS[:3]]
    # each seed as one paragraph of ~2,400 characters: under a 4,000-character part, two over
    sections = [" ".join(a.text.split("\n\n")) for a in parts]
    long = Article(text="\n\n".join(sections), published=parts[0].published, name="long")

    def answer(request: dict) -> dict:  # type: ignore[type-arg]
        user = request["messages"][1]["content"]
        stem = next(p.stem for p, a in zip(SEEDS, sections, strict=False) if a[:200] in user)
        return authored(stem)

    fake = FakeModel(function=answer)
    brief = generate_brief(long, client=fake.client(), max_article_tokens=1_000)
    assert len(fake.requests) == 3
    for item in brief.evidenced():
        for e in item.evidence:
            assert long.text[e.start : e.end] == e.quote
    assert len(brief.agreements) == sum(len(authored(p.stem)["agreements"]) for p in SEEDS[:3])
    assert brief.record.attempts == 3
    assert "3 parts" in brief.record.notes[0]
    assert brief.headline == authored(SEEDS[0].stem)["headline"]


def test_giant_paragraph_is_cut_at_sentences() -> None:
    from briefing.extract.chunk import split_article

    sentence = "The ministers met again and agreed on nothing at all that day. "
    article = Article(text=sentence * 400, name="giant")
    parts = split_article(article, max_tokens=500)
    assert len(parts) > 1
    for offset, part in parts:
        assert article.text[offset : offset + len(part.text)] == part.text
        assert len(part.text) <= 2_000


def test_resume_retries_what_failed_for_a_passing_reason(tmp_path: Path) -> None:
    log = tmp_path / "out.jsonl"
    down = seed_model(failing={p.stem for p in SEEDS[:2]})
    missing = tmp_path / "missing.txt"
    first = list(
        generate_briefs(
            [*SEEDS[:3], missing],
            client=down.client(base_url=OPENAI),
            cache=False,
            output=log,
            transport_retries=0,
        )
    )
    assert sum(r.ok for r in first) == 1
    back = seed_model()
    again = list(
        generate_briefs(
            [*SEEDS[:3], missing], client=back.client(base_url=OPENAI), cache=False, output=log
        )
    )
    assert sorted(requested(back)) == sorted(p.stem for p in SEEDS[:2])  # the outage, retried
    assert sum(r.ok for r in again) == 3
    # append-only: the rerun's lines follow the first run's, and an article's last line wins
    records = [json.loads(line) for line in log.read_text().splitlines()]
    last = {r["key"]: r for r in records}
    assert len(last) == 4
    assert [r["error"]["type"] for r in last.values() if r["status"] == "error"] == ["InputError"]
    assert len(records) == 4 + 3  # the two outages and the missing file, written again


def test_a_batch_without_client_or_endpoint_fails_once_naming_the_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for variable in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(variable, raising=False)
    with pytest.raises(ConfigurationError, match=r"OPENAI_API_KEY.*OPENAI_BASE_URL"):
        list(generate_briefs(SEEDS, cache=False))
