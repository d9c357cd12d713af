"""Pacing a batch on one event loop: requests in flight, checking turns, budget, collector."""

from __future__ import annotations

import asyncio
import gc
import threading
import time
from pathlib import Path
from typing import Any

import httpx2
import openai
import pytest

import briefing.batch.pace
from briefing import BudgetExceededError, agenerate_briefs, generate_briefs
from briefing.models import Usage
from briefing.batch.pace import Pacer, Ticket, collector_spared
from briefing.testing import FakeModel

from .batchkit import seed_model
from .conftest import SEEDS

OPENAI = "https://api.openai.com/v1"


def slow_client(fake: FakeModel, seconds: float, seen: dict[str, int]) -> openai.AsyncOpenAI:
    """An async client whose every answer takes `seconds`, counting requests in flight."""

    async def answer(request: httpx2.Request) -> httpx2.Response:
        seen["now"] += 1
        seen["max"] = max(seen["max"], seen["now"])
        try:
            await asyncio.sleep(seconds)
            return fake._answer(request)
        finally:
            seen["now"] -= 1

    return openai.AsyncOpenAI(
        api_key="fake-key",
        base_url=OPENAI,
        max_retries=0,
        http_client=httpx2.AsyncClient(transport=httpx2.MockTransport(answer)),
    )


def ticket(pacer: Pacer, spent: list[Usage] | None = None) -> Ticket:
    return Ticket(pacer, charge=lambda u, _m: (spent or []).append(u), check=lambda: None)


def test_a_batch_keeps_exactly_concurrency_requests_in_flight() -> None:
    seen = {"now": 0, "max": 0}
    client = slow_client(seed_model(), 0.05, seen)

    async def collect() -> list[Any]:
        stream = agenerate_briefs(SEEDS * 2, client=client, cache=False, concurrency=3)
        return [r async for r in stream]

    results = asyncio.run(collect())
    assert all(r.ok for r in results) and len(results) == 2 * len(SEEDS)
    assert seen["max"] == 3


def test_an_answer_is_checked_only_after_a_preparing_article_has_sent() -> None:
    events: list[str] = []

    async def scenario() -> None:
        pacer = Pacer(2)
        first, second = ticket(pacer), ticket(pacer)
        answered = asyncio.Event()
        first.start()

        async def first_article() -> None:
            async with first.request():
                events.append("first sent")
                await answered.wait()
            events.append("first checks")
            first.done()

        task = asyncio.ensure_future(first_article())
        await asyncio.sleep(0.01)
        second.start()  # preparing: the first answer must wait for it
        answered.set()
        await asyncio.sleep(0.01)
        assert events == ["first sent"]
        async with second.request():
            events.append("second sent")
            await task
        second.done()

    asyncio.run(scenario())
    assert events == ["first sent", "second sent", "first checks"]


def test_checking_turns_are_taken_one_at_a_time_in_order() -> None:
    events: list[str] = []

    async def scenario() -> None:
        pacer = Pacer(4)
        tickets = [ticket(pacer) for _ in range(3)]

        async def article(i: int) -> None:
            async with tickets[i].request():
                await asyncio.sleep(0.001 * i)
            events.append(f"check {i}")
            await asyncio.sleep(0.01)  # a turn held across a suspension keeps others out
            events.append(f"end {i}")
            tickets[i].done()

        await asyncio.gather(*(article(i) for i in range(3)))

    asyncio.run(scenario())
    assert events == ["check 0", "end 0", "check 1", "end 1", "check 2", "end 2"]


def test_an_article_cancelled_while_waiting_for_its_turn_frees_it() -> None:
    async def scenario() -> bool:
        pacer = Pacer(2)
        blocker, waiting = ticket(pacer), ticket(pacer)
        blocker.start()

        async def article() -> None:
            try:
                async with waiting.request():
                    pass
            finally:
                waiting.done()

        task = asyncio.ensure_future(article())
        await asyncio.sleep(0.01)
        assert pacer.turn.locked()  # it holds the turn while the blocker prepares
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        blocker.done()
        return pacer.turn.locked() or pacer.preparing != 0

    assert asyncio.run(scenario()) is False


def test_async_budget_is_charged_per_response_so_no_article_overshoots(tmp_path: Path) -> None:
    fake = seed_model()
    log = tmp_path / "out.jsonl"

    async def collect() -> list[Any]:
        stream = agenerate_briefs(
            SEEDS,
            client=fake.async_client(base_url=OPENAI),
            cache=False,
            concurrency=1,
            max_total_tokens=8_000,
            output=log,
        )
        return [r async for r in stream]

    results = asyncio.run(collect())
    done = [r for r in results if r.ok]
    skipped = [r for r in results if isinstance(r.error, BudgetExceededError)]
    assert 1 <= len(done) < len(SEEDS) and len(done) + len(skipped) == len(SEEDS)
    assert (
        sum(r.usage.total_tokens for r in done[:-1])
        < 8_000
        <= sum(r.usage.total_tokens for r in done)
    )
    assert len(fake.requests) == len(done)
    assert len(log.read_text().splitlines()) == len(done)


def test_the_collector_skips_old_objects_during_a_batch_only() -> None:
    assert gc.get_freeze_count() == 0
    with collector_spared():
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0


def test_a_process_that_freezes_objects_itself_is_left_alone() -> None:
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with collector_spared():
            assert gc.get_freeze_count() == frozen
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()


def test_a_sync_client_runs_concurrency_articles_at_once_in_threads() -> None:
    """asyncio's default executor would cap this at min(32, cores + 4) threads."""
    seen = {"now": 0, "max": 0}
    fake = seed_model()
    lock = threading.Lock()

    def answer(request: httpx2.Request) -> httpx2.Response:
        with lock:
            seen["now"] += 1
            seen["max"] = max(seen["max"], seen["now"])
        try:
            time.sleep(0.3)  # long enough for all twelve to be out at once, even on a busy CI
            return fake._answer(request)
        finally:
            with lock:
                seen["now"] -= 1

    client = openai.OpenAI(
        api_key="fake-key",
        base_url=OPENAI,
        max_retries=0,
        http_client=httpx2.Client(transport=httpx2.MockTransport(answer)),
    )
    results = list(generate_briefs(SEEDS * 2, client=client, cache=False, concurrency=12))
    assert all(r.ok for r in results) and len(results) == 2 * len(SEEDS)
    assert seen["max"] == 12


def test_a_response_is_charged_before_its_slot_passes_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """Checks wait their turn (here a long pause before each); the budget must not: once the
    first answer has spent the budget, no article may take the freed slot and start."""
    monkeypatch.setattr(briefing.batch.pace, "CHECK_PAUSE", 0.2)
    fake = seed_model()

    async def collect() -> list[Any]:
        stream = agenerate_briefs(
            SEEDS,
            client=slow_client(fake, 0.02, {"now": 0, "max": 0}),
            cache=False,
            concurrency=2,
            max_total_tokens=100,
        )
        return [r async for r in stream]

    results = asyncio.run(collect())
    assert len(fake.requests) == 2
    assert sum(isinstance(r.error, BudgetExceededError) for r in results) == len(SEEDS) - 2
