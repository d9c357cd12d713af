"""generate_brief through a fake endpoint: re-asks, drops, backoff and typed failures."""

from __future__ import annotations

import asyncio
import copy
import json
from typing import Any

import httpx2
import pytest

from briefing import (
    Article,
    ConfigurationError,
    OutputError,
    RetriesExhaustedError,
    TransportError,
    agenerate_brief,
    generate_brief,
)
from briefing.testing import FakeModel, HTTPFailure, Reply

from .conftest import recorder

OPENAI = "https://api.openai.com/v1"


def with_bad_quote(
    payload: dict[str, Any], quote: str = "Radan signed a treaty in Paris"
) -> dict[str, Any]:
    bad = copy.deepcopy(payload)
    bad["officials"][1]["evidence"] = [quote]
    return bad


def fix(group: str, ref: str, item: dict[str, Any] | None) -> dict[str, Any]:
    """A repair answer: one item of `group` fixed (or withdrawn with None)."""
    return {group: [{"ref": ref, "withdraw": item is None, "item": item}]}


def test_ungrounded_quote_is_repaired_by_a_short_request_naming_only_that_item(
    first_article: Article, first_payload: dict[str, Any]
) -> None:
    fake = FakeModel(
        [
            with_bad_quote(first_payload),
            fix("officials", "officials[1]", first_payload["officials"][1]),
        ]
    )
    brief = generate_brief(first_article, client=fake.client(base_url=OPENAI))
    assert brief.record.attempts == 2 and brief.record.repairs == 1
    assert brief.record.unverified == []
    repair = json.dumps(fake.requests[1]["messages"])
    assert "Radan signed a treaty in Paris" in repair and "officials[1]" in repair
    assert "Viktor Zolotov" in repair  # the closest passage of the article is shown
    assert first_article.text[:300] not in repair  # the article itself is not sent again
    assert "officials" in fake.requests[1]["tools"][0]["function"]["parameters"]["properties"]
    assert "claims" not in fake.requests[1]["tools"][0]["function"]["parameters"]["properties"]
    assert "Viktor Zolotov" in [o.name for o in brief.officials]
    fates = {f.ref: f.fate for f in brief.record.items}
    assert fates["officials[1]"] == "repaired"


def test_one_item_missing_its_evidence_keeps_every_other_item(
    first_article: Article, first_payload: dict[str, Any]
) -> None:
    broken = copy.deepcopy(first_payload)
    del broken["officials"][0]["evidence"]
    del broken["officials"][0]["other_names"]
    brief = generate_brief(first_article, client=FakeModel([broken]).client(), max_retries=0)
    expected = sum(len(first_payload[g]) for g in ("agreements", "claims"))
    assert len(brief.agreements) + len(brief.claims) == expected
    [dropped] = brief.record.unverified
    assert dropped.kind == "official" and "give at least one quote" in dropped.reasons[0]
    assert len(brief.record.items) == sum(
        len(first_payload[g]) for g in ("key_points", "agreements", "officials", "claims")
    )


def test_a_repair_that_comes_back_empty_keeps_the_grounded_items(
    first_article: Article, first_payload: dict[str, Any]
) -> None:
    fake = FakeModel([with_bad_quote(first_payload), {"officials": []}, {"officials": []}])
    brief = generate_brief(first_article, client=fake.client(base_url=OPENAI))
    assert brief.record.attempts == 3  # the repeated empty answer stops the rounds
    assert len(brief.officials) >= len(first_payload["officials"]) - 2
    assert [u.label for u in brief.record.unverified] == [
        f"Official: {first_payload['officials'][1]['name']}"
    ]


def test_a_bare_date_string_is_read_as_its_text_with_tense_unknown(
    first_article: Article, first_payload: dict[str, Any]
) -> None:
    payload = copy.deepcopy(first_payload)
    payload["agreements"][0]["date"] = "on Wednesday"
    brief = generate_brief(first_article, client=FakeModel([payload]).client(), max_retries=0)
    assert brief.agreements[0].date is not None
    assert (brief.agreements[0].date.text, brief.agreements[0].date.tense) == (
        "on Wednesday",
        "unknown",
    )


def test_item_still_ungrounded_after_retries_is_dropped_and_reported(
    first_article: Article, first_payload: dict[str, Any]
) -> None:
    bad = with_bad_quote(first_payload)
    fake = FakeModel([bad, bad, bad])
    brief = generate_brief(first_article, client=fake.client(base_url=OPENAI), max_retries=2)
    assert len(fake.requests) == 3
    assert brief.record.attempts == 3
    assert "Viktor Zolotov" not in [o.name for o in brief.officials]
    [dropped] = brief.record.unverified
    assert dropped.kind == "official" and dropped.label == "Official: Viktor Zolotov"
    assert "Radan signed a treaty in Paris" in dropped.reasons[0]
    markdown = brief.to_markdown()
    assert "treaty in Paris" not in markdown.split("## Not verified")[0]
    assert "## Not verified" in markdown
    assert brief.record.usage.total_tokens > 0


def test_invented_official_fails_grounding(
    first_article: Article, first_payload: dict[str, Any]
) -> None:
    invented = copy.deepcopy(first_payload)
    invented["officials"].append(
        {
            "name": "John Smith",
            "title": "Envoy",
            "affiliation": None,
            "country": None,
            "other_names": [],
            "evidence": ["The Memorandum of Understanding (MoU) was signed by the chief"],
        }
    )
    fake = FakeModel([invented] * 3)
    brief = generate_brief(first_article, client=fake.client(base_url=OPENAI))
    assert "John Smith" not in {n for o in brief.officials for n in o.names}
    assert [u.label for u in brief.record.unverified] == ["Official: John Smith"]


def test_schema_failures_exhaust_into_a_typed_error(first_article: Article) -> None:
    fake = FakeModel(["not json at all", "[1, 2]", "{broken"])
    with pytest.raises(RetriesExhaustedError) as info:
        generate_brief(first_article, client=fake.client(base_url=OPENAI), max_retries=2)
    error = info.value
    assert error.attempts == 3
    assert error.last_output == "{broken"
    assert error.usage.total_tokens > 0
    assert error.errors
    assert "3 attempt(s)" in str(error)


def test_malformed_json_then_good_output_recovers(
    first_article: Article, first_payload: dict[str, Any]
) -> None:
    fake = FakeModel(['{"headline": "trunc', first_payload])
    brief = generate_brief(first_article, client=fake.client(base_url=OPENAI))
    assert brief.record.attempts == 2
    assert brief.agreements[0].date is not None
    assert brief.agreements[0].date.value == "2023-06-28"


def test_rate_limit_backs_off_using_retry_after(
    monkeypatch: pytest.MonkeyPatch, first_article: Article, first_payload: dict[str, Any]
) -> None:
    waits: list[float] = []
    monkeypatch.setattr("briefing.extract.call.sleep", recorder(waits))
    fake = FakeModel(
        [
            HTTPFailure(429, {"retry-after": "7"}),
            HTTPFailure(429, {"retry-after-ms": "1500"}),
            HTTPFailure(503, {"retry-after": "600"}),
            first_payload,
        ]
    )
    brief = generate_brief(first_article, client=fake.client(base_url=OPENAI))
    assert waits == [7.0, 1.5, 60.0]  # the server's hint, capped at a minute
    assert brief.record.transport_retries == 3
    assert brief.record.attempts == 1
    assert len(fake.requests) == 4


def test_connection_errors_are_retried(
    first_article: Article, first_payload: dict[str, Any]
) -> None:
    fake = FakeModel([httpx2.ConnectError("refused"), first_payload])
    brief = generate_brief(first_article, client=fake.client(base_url=OPENAI))
    assert brief.record.transport_retries == 1


def test_persistent_server_errors_end_in_transport_error(first_article: Article) -> None:
    fake = FakeModel([HTTPFailure(500, {"retry-after": "0"})] * 3)
    with pytest.raises(TransportError) as info:
        generate_brief(first_article, client=fake.client(base_url=OPENAI), transport_retries=2)
    assert info.value.attempts == 3 and info.value.status_code == 500
    assert len(fake.requests) == 3


def test_rejected_key_is_a_configuration_error_without_the_key(first_article: Article) -> None:
    fake = FakeModel(
        [HTTPFailure(401, body='{"error": {"message": "Incorrect API key sk-secret"}}')]
    )
    with pytest.raises(ConfigurationError) as info:
        generate_brief(first_article, client=fake.client(base_url=OPENAI))
    assert "OPENAI_API_KEY" in str(info.value)
    assert "sk-secret" not in str(info.value) and "fake-key" not in str(info.value)
    assert len(fake.requests) == 1


def test_truncated_output_is_an_output_error(
    first_article: Article, first_payload: dict[str, Any]
) -> None:
    fake = FakeModel([Reply('{"headline": "cut', finish_reason="length")])
    with pytest.raises(OutputError, match="length limit") as info:
        generate_brief(first_article, client=fake.client(base_url=OPENAI))
    assert info.value.attempts == 1


def test_no_client_and_no_environment_names_the_variables(first_article: Article) -> None:
    with pytest.raises(ConfigurationError, match=r"OPENAI_API_KEY.*OPENAI_BASE_URL"):
        generate_brief(first_article)


def test_environment_configures_client_and_model(
    monkeypatch: pytest.MonkeyPatch, first_article: Article
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("BRIEFING_MODEL", "local-model")
    with pytest.raises(TransportError, match=r"127\.0\.0\.1:9"):
        generate_brief(first_article, transport_retries=0)
    fake = FakeModel([{"headline": "h"}])
    monkeypatch.setattr("briefing.extract.core.async_client_from_env", fake.async_client)
    brief = generate_brief(first_article, max_retries=0)
    assert brief.record.model == "fake-model" and brief.headline == "h"
    assert fake.requests[0]["model"] == "local-model"
    response_format = fake.requests[0]["response_format"]  # not OpenAI: JSON, schema enforced
    assert response_format["type"] == "json_object"
    assert set(response_format["schema"]["properties"]) >= {"agreements", "officials", "claims"}


def test_explicit_model_beats_environment(
    monkeypatch: pytest.MonkeyPatch, first_article: Article, first_payload: dict[str, Any]
) -> None:
    monkeypatch.setenv("BRIEFING_MODEL", "env-model")
    fake = FakeModel([first_payload, first_payload])
    generate_brief(first_article, client=fake.client(), model="arg-model")
    generate_brief(first_article, client=fake.client())
    assert [r["model"] for r in fake.requests] == ["arg-model", "env-model"]


def test_async_twin(first_article: Article, first_payload: dict[str, Any]) -> None:
    fake = FakeModel(
        [
            HTTPFailure(429, {"retry-after": "0"}),
            with_bad_quote(first_payload),
            fix("officials", "officials[1]", first_payload["officials"][1]),
        ]
    )
    brief = asyncio.run(agenerate_brief(first_article, client=fake.async_client(base_url=OPENAI)))
    assert brief.record.attempts == 2 and brief.record.transport_retries == 1
    assert "Viktor Zolotov" in [o.name for o in brief.officials]


def test_either_client_kind_serves_both_entry_points(
    first_article: Article, first_payload: dict[str, Any]
) -> None:
    brief = generate_brief(first_article, client=FakeModel([first_payload]).async_client())
    again = asyncio.run(agenerate_brief(first_article, client=FakeModel([first_payload]).client()))
    assert brief.officials == again.officials and brief.officials
    with pytest.raises(ConfigurationError, match=r"openai\.OpenAI or openai\.AsyncOpenAI"):
        generate_brief(first_article, client="sk-not-a-client")  # type: ignore[arg-type]


def test_text_and_paths_are_accepted(first_payload: dict[str, Any], tmp_path: Any) -> None:
    from .conftest import FIRST_SEED

    fake = FakeModel([first_payload, first_payload])
    by_path = generate_brief(FIRST_SEED, client=fake.client())
    by_text = generate_brief(FIRST_SEED.read_text(), client=fake.client())
    assert by_path.article.text == by_text.article.text
    assert by_path.article.published == by_text.article.published


def test_slow_answer_times_out_and_is_retried(
    first_article: Article, first_payload: dict[str, Any]
) -> None:
    fake = FakeModel([httpx2.ReadTimeout("slow"), first_payload])
    brief = generate_brief(first_article, client=fake.client(base_url=OPENAI), timeout=5)
    assert brief.record.transport_retries == 1


def test_usage_is_the_sum_of_each_response(
    first_article: Article, first_payload: dict[str, Any]
) -> None:
    fake = FakeModel([with_bad_quote(first_payload), with_bad_quote(first_payload), first_payload])
    brief = generate_brief(first_article, client=fake.client(base_url=OPENAI))
    sent = fake.usage_sent
    assert len(sent) == 3
    assert brief.record.usage.prompt_tokens == sum(u["prompt_tokens"] for u in sent)
    assert brief.record.usage.total_tokens == sum(u["total_tokens"] for u in sent)


def test_salvage_keeps_the_best_output_not_just_the_last(
    first_article: Article, first_payload: dict[str, Any]
) -> None:
    worse = copy.deepcopy(first_payload)
    for official in worse["officials"]:
        official["evidence"] = ["invented sentence about a meeting"]
    fake = FakeModel([with_bad_quote(first_payload), worse, '{"headline": "trunc'])
    brief = generate_brief(first_article, client=fake.client(base_url=OPENAI))
    assert len(brief.officials) == len(first_payload["officials"]) - 1
    assert [u.label for u in brief.record.unverified] == ["Official: Viktor Zolotov"]


def test_one_line_string_naming_a_file_is_loaded(first_payload: dict[str, Any]) -> None:
    from .conftest import FIRST_SEED

    fake = FakeModel([first_payload])
    brief = generate_brief(str(FIRST_SEED), client=fake.client())
    assert brief.article.name == FIRST_SEED.stem


def test_server_error_text_is_redacted(first_article: Article) -> None:
    body = '{"error": {"message": "bad request for key sk-abcdefghijklmnop1234 (Bearer xyz123)"}}'
    fake = FakeModel([HTTPFailure(400, body=body)])
    with pytest.raises(ConfigurationError) as info:
        generate_brief(first_article, client=fake.client(base_url=OPENAI))
    assert "sk-abcdefghijklmnop1234" not in str(info.value) and "xyz123" not in str(info.value)
    assert "[redacted]" in str(info.value)


def test_context_overflow_is_an_input_error(first_article: Article) -> None:
    from briefing import InputError

    body = (
        '{"error": {"message": "maximum context length is 8192 tokens", '
        '"code": "context_length_exceeded"}}'
    )
    fake = FakeModel([HTTPFailure(400, body=body)])
    with pytest.raises(InputError, match="context window"):
        generate_brief(first_article, client=fake.client(base_url=OPENAI))


def test_template_syntax_in_the_article_reaches_the_model_unchanged(
    first_payload: dict[str, Any],
) -> None:
    from .conftest import FIRST_SEED

    text = FIRST_SEED.read_text() + "\n\nReaders wrote {{ 7*7 }} and {% raw %} and {{article}}.\n"
    fake = FakeModel([first_payload])
    generate_brief(text, client=fake.client())
    sent = fake.requests[0]["messages"][1]["content"]
    assert "{{ 7*7 }} and {% raw %} and {{article}}." in sent


def test_answer_that_used_up_max_tokens_is_truncation_not_bad_json(first_article: Article) -> None:
    fake = FakeModel([Reply('{"headline": "cut off mid-sen' + "x" * 400)])  # finish_reason stop
    with pytest.raises(OutputError, match="length limit"):
        generate_brief(first_article, client=fake.client(), max_tokens=100)
    assert len(fake.requests) == 1  # not re-asked: it would be cut off again
