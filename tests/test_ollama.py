"""Ollama's OpenAI-compatible endpoint, faked as its documentation describes it: on port 11434,
`response_format` of type text, json_object or json_schema (any other is a 400), the schema of
json_schema enforced, a `schema` key next to json_object ignored (plain JSON mode)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from briefing import Article, ConfigurationError, generate_brief
from briefing.extract.sections import numbered, plan
from briefing.testing import FakeModel, HTTPFailure

from .conftest import FIRST_SEED, authored

OLLAMA = "http://127.0.0.1:11434/v1"
PAYLOAD = authored(FIRST_SEED.stem)


def ollama(request: dict[str, Any]) -> Any:
    kind = (request.get("response_format") or {"type": "text"}).get("type")
    if kind not in ("text", "json_object", "json_schema"):
        return HTTPFailure(400, body=json.dumps({"error": {"message": "invalid format"}}))
    if kind == "json_schema":
        schema = request["response_format"]["json_schema"]["schema"]
        return {k: PAYLOAD.get(k, []) for k in schema["properties"]}
    last = request["messages"][-1]["content"]
    if '"rows"' in last:  # claims, a row per sentence shown: none reports a statement here
        return {"rows": []}
    for field in ("key_points", "agreements", "officials", "claims"):
        if f'"{field}"' in last and "From the article above" in last:  # one section
            return {field: PAYLOAD[field]} | (
                {"headline": PAYLOAD["headline"], "bluf": PAYLOAD["bluf"]}
                if field == "key_points"
                else {}
            )
    return PAYLOAD


@pytest.mark.parametrize("mode", ["json_schema", "json", "sections"])
def test_ollama_briefs_in_each_json_mode(first_article: Article, mode: Any) -> None:
    fake = FakeModel(function=ollama, model="qwen2.5:7b")
    brief = generate_brief(first_article, client=fake.client(base_url=OLLAMA), mode=mode)
    assert brief.record.mode == mode and brief.officials and brief.agreements
    sent = {r["response_format"]["type"] for r in fake.requests}
    assert sent == ({"json_schema"} if mode == "json_schema" else {"json_object"})
    _, sentences = numbered(first_article)
    assert len(fake.requests) == (len(plan(sentences)) if mode == "sections" else 1)


def test_ollama_on_localhost_gets_sections_by_default(first_article: Article) -> None:
    fake = FakeModel(function=ollama, model="qwen2.5:7b")
    brief = generate_brief(first_article, client=fake.client(base_url=OLLAMA))
    assert brief.record.mode == "sections" and brief.officials


def test_a_rejected_request_form_is_a_configuration_error(first_article: Article) -> None:
    fake = FakeModel([HTTPFailure(400, body='{"error": {"message": "invalid format"}}')])
    with pytest.raises(ConfigurationError, match="rejected the request"):
        generate_brief(first_article, client=fake.client(base_url=OLLAMA), mode="json")
    assert len(fake.requests) == 1


def test_llama_cpp_pythons_500_for_json_schema_is_refused_at_once(first_article: Article) -> None:
    """llama-cpp-python answers mode json_schema with HTTP 500 and a validation message naming
    the field: permanent, so one request and an error saying which mode to use."""
    body = '{"error": {"message": "Input should be \'text\' or \'json_object\'"}}'
    fake = FakeModel([HTTPFailure(500, body=body)] * 5)
    with pytest.raises(ConfigurationError, match="pass mode='json'"):
        generate_brief(
            first_article,
            client=fake.client(base_url="http://127.0.0.1:8765/v1"),
            mode="json_schema",
        )
    assert len(fake.requests) == 1
