"""The OpenAI Batch API path, offline against tests/fake_batch_api.py: the requests are exactly the
live requests, and the replies become the Briefs (or typed errors) a live run would give."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from briefing import (
    Article,
    Brief,
    ConfigurationError,
    InputError,
    ModelError,
    RetriesExhaustedError,
    TransportError,
    generate_brief,
)
from briefing import openai_batch as ob
from briefing.testing import Answer, FakeModel, HTTPFailure, Reply

from .batchkit import ARTICLES, seed_model, seed_of
from .conftest import SEEDS, authored
from .fake_batch_api import OPENAI_BASE_URL, FakeBatchAPI

MODEL = "gpt-4.1-mini"
FIRST = SEEDS[0].stem


class Clock:
    """Stands in for time: `sleep` advances `now` instead of waiting."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds

    def monotonic(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(ob, "sleep", fake.sleep)
    monkeypatch.setattr(ob, "clock", fake.monotonic)
    return fake


def by_seed(request: dict[str, Any]) -> Answer:
    return authored(seed_of(request))


def live_brief(article: Article, **options: Any) -> Brief:
    """The same article briefed directly, through FakeModel and the same replies."""
    fake = seed_model(model=MODEL)
    return generate_brief(article, client=fake.client(base_url=OPENAI_BASE_URL), **options)


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def content(brief: Brief) -> dict[str, Any]:
    """Everything in a Brief but when it was made and what the batch adds to its record."""
    return brief.model_dump(exclude={"record": {"created", "notes", "cost_usd"}})


# --- the requests ------------------------------------------------------------------------------


def test_request_bodies_are_what_generate_brief_sends(tmp_path: Path) -> None:
    path = tmp_path / "requests.jsonl"
    ids = ob.write_requests(ARTICLES.values(), path, model=MODEL)
    written = lines(path)
    assert ids == [a.key for a in ARTICLES.values()] == [w["custom_id"] for w in written]
    for article, line in zip(ARTICLES.values(), written, strict=True):
        fake = FakeModel([authored(article.name or "")], model=MODEL)
        generate_brief(article, client=fake.client(base_url=OPENAI_BASE_URL), model=MODEL)
        assert line == {
            "custom_id": article.key,
            "method": "POST",
            "url": "/v1/chat/completions",
            "body": fake.requests[0],
        }
    body = written[0]["body"]
    assert body["tools"][0]["function"]["strict"] is True  # auto on api.openai.com: strict tools


def test_request_bodies_follow_mode_endpoint_and_options(tmp_path: Path) -> None:
    article = ARTICLES[FIRST]
    local = "http://127.0.0.1:8080/v1"
    path = tmp_path / "local.jsonl"
    ob.write_requests(
        [article], path, model="qwen", base_url=local, temperature=0.0, max_tokens=900
    )
    fake = FakeModel([authored(FIRST)], model="qwen")
    generate_brief(
        article,
        client=fake.client(base_url=local),
        model="qwen",
        mode="json",  # what "auto" is for a batch on a server on this machine
        temperature=0.0,
        max_tokens=900,
    )
    body = lines(path)[0]["body"]
    assert body == fake.requests[0]
    assert "tools" not in body and body["temperature"] == 0.0 and body["max_tokens"] == 900
    with pytest.raises(ConfigurationError, match="mode 'sections' sends four requests"):
        ob.write_requests([article], path, model="qwen", base_url=local, mode="sections")


def test_a_long_article_is_one_request_per_part(tmp_path: Path) -> None:
    article = ARTICLES[FIRST]
    path = tmp_path / "long.jsonl"
    ids = ob.write_requests([article], path, model=MODEL, max_article_tokens=500)
    fake = FakeModel(function=lambda _: authored(FIRST), model=MODEL)
    client = fake.client(base_url=OPENAI_BASE_URL)
    generate_brief(article, client=client, model=MODEL, max_article_tokens=500, max_retries=0)
    assert len(ids) == len(fake.requests) > 1
    assert ids == [f"{article.key}#{i}" for i in range(1, len(ids) + 1)]
    assert [line["body"] for line in lines(path)] == fake.requests


def test_identical_articles_share_one_request_and_bad_input_is_refused(tmp_path: Path) -> None:
    article = ARTICLES[FIRST]
    assert ob.write_requests([article, article], tmp_path / "a.jsonl") == [article.key]
    with pytest.raises(InputError, match=r"missing\.txt"):
        ob.write_requests([article, tmp_path / "missing.txt"], tmp_path / "b.jsonl")
    with pytest.raises(InputError, match="no articles"):
        ob.write_requests([], tmp_path / "c.jsonl")
    assert not (tmp_path / "b.jsonl").exists() and not (tmp_path / "c.jsonl").exists()


def test_submit_uploads_the_file_and_creates_a_24h_chat_batch(tmp_path: Path) -> None:
    path = tmp_path / "requests.jsonl"
    ob.write_requests([ARTICLES[FIRST]], path)
    api = FakeBatchAPI(by_seed)
    batch_id = ob.submit(api.client(), path, metadata={"project": "test"})
    assert api.uploaded() == path.read_bytes()
    batch = api.batches[batch_id]
    assert (batch.endpoint, batch.completion_window, batch.status) == (
        "/v1/chat/completions",
        "24h",
        "validating",
    )
    assert batch.metadata is not None and batch.metadata["project"] == "test"
    assert batch.metadata["prompt_version"]


# --- the round trip ----------------------------------------------------------------------------


def test_round_trip_of_every_seed_equals_briefing_them_directly(
    tmp_path: Path, clock: Clock
) -> None:
    api = FakeBatchAPI(by_seed, model=MODEL)
    results = ob.run(SEEDS, api.client(), model=MODEL, path=tmp_path / "r.jsonl")
    assert [r.source for r in results] == [str(p) for p in SEEDS]
    assert api.polls == 3 and len(clock.slept) == 2  # in_progress, finalizing, completed
    assert len(api.answered) == len(SEEDS)
    for path, result in zip(SEEDS, results, strict=True):
        assert result.ok and result.brief is not None, result.error
        direct = live_brief(ARTICLES[path.stem], model=MODEL)
        assert content(result.brief) == content(direct)
        record = result.brief.record
        assert record.attempts == 1 and record.usage.total_tokens > 0
        assert record.usage == direct.record.usage == result.usage
        assert direct.record.cost_usd is not None
        assert record.cost_usd == round(direct.record.cost_usd * ob.BATCH_DISCOUNT, 6)
        assert record.notes[: len(direct.record.notes)] == direct.record.notes
        assert "batch_1" in record.notes[-1] and "50% of the list price" in record.notes[-1]


def test_long_article_round_trip_equals_briefing_it_directly(tmp_path: Path) -> None:
    article = ARTICLES[FIRST]
    api = FakeBatchAPI(lambda _: authored(FIRST), model=MODEL)
    [result] = ob.run([article], api.client(), model=MODEL, max_article_tokens=500)
    fake = FakeModel(function=lambda _: authored(FIRST), model=MODEL)
    direct = generate_brief(
        article,
        client=fake.client(base_url=OPENAI_BASE_URL),
        model=MODEL,
        max_article_tokens=500,
        max_retries=0,
    )
    assert result.brief is not None and len(api.answered) > 1
    assert content(result.brief) == content(direct)
    assert not direct.record.unverified  # parts are grounded against the whole article
    assert "Batch API" in result.brief.record.notes[-1]


def test_an_ungrounded_quote_is_dropped_into_unverified() -> None:
    payload = authored(FIRST)
    invented = "The two ministers agreed to build a bridge to the moon by next spring."
    payload["claims"] = [
        *payload["claims"],
        {**payload["claims"][0], "evidence": [invented]},
    ]
    api = FakeBatchAPI(lambda _: payload, model=MODEL)
    [result] = ob.run([ARTICLES[FIRST]], api.client(), model=MODEL)
    assert result.brief is not None
    [dropped] = result.brief.record.unverified
    assert dropped.kind == "claim" and invented in json.dumps(dropped.proposed)
    assert len(result.brief.claims) == len(authored(FIRST)["claims"])
    assert result.brief.record.attempts == 1
    fake = FakeModel([payload], model=MODEL)
    direct = generate_brief(
        ARTICLES[FIRST], client=fake.client(base_url=OPENAI_BASE_URL), model=MODEL, max_retries=0
    )
    assert content(result.brief) == content(direct)


# --- per-request failures ----------------------------------------------------------------------


def test_error_file_entries_and_bad_replies_become_typed_error_results(tmp_path: Path) -> None:
    stems = [p.stem for p in SEEDS]

    def answer(request: dict[str, Any]) -> Answer:
        stem = seed_of(request)
        if stem == stems[1]:
            return HTTPFailure(500, body='{"error": {"message": "overloaded, key=sk-abcdefghijk"}}')
        if stem == stems[2]:
            return HTTPFailure(400, body='{"error": {"message": "Invalid schema for tool"}}')
        if stem == stems[3]:
            return Reply("this is not JSON at all")
        if stem == stems[4]:
            return Reply(authored(stem), refusal="I can't help with that.")
        return authored(stem)

    api = FakeBatchAPI(answer, model=MODEL)
    results = ob.run(SEEDS, api.client(), model=MODEL)
    errors = [r.error for r in results]
    assert [r.ok for r in results] == [True, False, False, False, False, True, True]
    assert isinstance(errors[1], TransportError) and errors[1].status_code == 500
    assert ARTICLES[stems[1]].key in str(errors[1]) and "resubmit" in str(errors[1])
    assert "sk-abc" not in str(errors[1])  # server text is redacted
    assert isinstance(errors[2], ConfigurationError) and "Invalid schema" in str(errors[2])
    assert isinstance(errors[3], RetriesExhaustedError) and errors[3].attempts == 1
    assert type(errors[4]).__name__ == "OutputError" and "refused" in str(errors[4])


def test_an_article_missing_from_the_batch_is_an_error_result(tmp_path: Path) -> None:
    api = FakeBatchAPI(by_seed, model=MODEL)
    client = api.client()
    path = tmp_path / "r.jsonl"
    ob.write_requests([ARTICLES[FIRST]], path, model=MODEL)
    batch = ob.wait(client, ob.submit(client, path))
    extra = ARTICLES[SEEDS[1].stem]
    results = ob.collect(client, batch, [ARTICLES[FIRST], extra, "  "], model=MODEL)
    assert results[0].ok
    assert isinstance(results[1].error, ModelError) and "no result" in str(results[1].error)
    assert isinstance(results[2].error, InputError)
    checked = ob.collect(client, batch.id, [extra], model=MODEL, requests=path)
    assert isinstance(checked[0].error, ConfigurationError) and "no request" in str(
        checked[0].error
    )


def test_collect_checks_the_requests_it_pairs_replies_with(tmp_path: Path) -> None:
    api = FakeBatchAPI(by_seed, model=MODEL)
    client = api.client()
    path = tmp_path / "r.jsonl"
    ob.write_requests([ARTICLES[FIRST]], path, model=MODEL)
    batch = ob.wait(client, ob.submit(client, path))
    [same] = ob.collect(client, batch, [ARTICLES[FIRST]], model=MODEL, requests=path)
    assert same.ok
    [other] = ob.collect(client, batch, [ARTICLES[FIRST]], model="gpt-4.1", requests=path)
    assert isinstance(other.error, ConfigurationError) and "differs" in str(other.error)


# --- whole-batch failures and polling ----------------------------------------------------------


def submitted(api: FakeBatchAPI, tmp_path: Path, articles: list[Article] | None = None) -> str:
    path = tmp_path / "r.jsonl"
    ob.write_requests(articles or [ARTICLES[FIRST]], path, model=MODEL)
    return ob.submit(api.client(), path)


def test_a_failed_batch_raises_a_configuration_error(tmp_path: Path) -> None:
    api = FakeBatchAPI(by_seed, outcome="failed")
    batch_id = submitted(api, tmp_path)
    with pytest.raises(ConfigurationError, match=f"batch {batch_id} failed.*line 1"):
        ob.wait(api.client(), batch_id)
    with pytest.raises(ConfigurationError, match="failed"):
        ob.collect(api.client(), batch_id, [ARTICLES[FIRST]])


def test_an_invalid_requests_file_fails_validation(tmp_path: Path) -> None:
    api = FakeBatchAPI(by_seed)
    path = tmp_path / "bad.jsonl"
    line = {"custom_id": "x", "method": "POST", "url": "/v1/chat/completions", "body": {}}
    path.write_text(json.dumps(line) + "\nnot json\n")
    batch_id = ob.submit(api.client(), path)
    with pytest.raises(ConfigurationError, match=r"line 1: missing_required.*line 2: invalid_json"):
        ob.wait(api.client(), batch_id)


def test_an_expired_batch_raises_and_its_finished_requests_can_be_collected(
    tmp_path: Path,
) -> None:
    articles = [ARTICLES[p.stem] for p in SEEDS[:3]]
    api = FakeBatchAPI(by_seed, outcome="expired", finished=2, model=MODEL)
    batch_id = submitted(api, tmp_path, articles)
    with pytest.raises(TransportError, match=f"batch {batch_id} expired.*2 of 3 requests"):
        ob.wait(api.client(), batch_id)
    results = ob.collect(api.client(), batch_id, articles, model=MODEL)
    assert [r.ok for r in results] == [True, True, False]
    assert isinstance(results[2].error, TransportError)
    assert "batch_expired" in str(results[2].error)


def test_a_cancelled_batch_raises_a_model_error(tmp_path: Path) -> None:
    api = FakeBatchAPI(by_seed, outcome="cancelled", progress=())
    batch_id = submitted(api, tmp_path)
    with pytest.raises(ModelError, match="cancelled"):
        ob.wait(api.client(), batch_id)


def test_polling_is_bounded_by_the_timeout(tmp_path: Path, clock: Clock) -> None:
    api = FakeBatchAPI(by_seed, progress=("in_progress",) * 1000)
    batch_id = submitted(api, tmp_path)
    with pytest.raises(TransportError, match="still in_progress after 60 s"):
        ob.wait(api.client(), batch_id, poll_seconds=25, timeout=60)
    assert clock.slept == [25, 25, 10] and api.polls == 4
    with pytest.raises(ConfigurationError, match="timeout"):
        ob.wait(api.client(), batch_id, timeout=float("inf"))
    with pytest.raises(ConfigurationError, match="poll_seconds"):
        ob.wait(api.client(), batch_id, poll_seconds=0)


def test_polling_is_bounded_even_when_time_stands_still(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ob, "sleep", lambda _: None)
    api = FakeBatchAPI(by_seed, progress=("in_progress",) * 1000)
    batch_id = submitted(api, tmp_path)
    with pytest.raises(TransportError, match="still in_progress"):
        ob.wait(api.client(), batch_id, poll_seconds=10, timeout=30)
    assert api.polls == 5  # timeout / poll_seconds + 2


def test_transient_polling_failures_are_tolerated_up_to_a_limit(tmp_path: Path) -> None:
    api = FakeBatchAPI(by_seed, poll_failures=ob.MAX_POLL_ERRORS, progress=())
    batch_id = submitted(api, tmp_path)
    assert ob.wait(api.client(), batch_id).status == "completed"
    flaky = FakeBatchAPI(by_seed, poll_failures=ob.MAX_POLL_ERRORS + 1, progress=())
    flaky_id = submitted(flaky, tmp_path)
    with pytest.raises(TransportError, match="HTTP 500"):
        ob.wait(flaky.client(), flaky_id)


def test_collect_refuses_a_running_batch_and_unknown_ids(tmp_path: Path) -> None:
    api = FakeBatchAPI(by_seed)
    batch_id = submitted(api, tmp_path)
    with pytest.raises(ConfigurationError, match="wait"):
        ob.collect(api.client(), batch_id, [ARTICLES[FIRST]])
    with pytest.raises(ConfigurationError, match="404"):
        ob.wait(api.client(), "batch_nope")
