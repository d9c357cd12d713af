"""The response schema as sent to OpenAI must be valid for strict mode, and well described."""

from __future__ import annotations

import json
from typing import Any

import pytest

from briefing import generate_brief
from briefing.extract.schema import Extraction
from briefing.testing import FakeModel

# Keywords OpenAI's strict mode accepts (structured outputs, "supported schemas").
ALLOWED = {
    "type", "properties", "required", "additionalProperties", "items", "enum", "anyOf",
    "$defs", "$ref", "description", "title", "const",
}  # fmt: skip


def strict_violations(node: Any, path: str = "$") -> list[str]:
    """Every place the schema breaks OpenAI's strict-mode rules."""
    found: list[str] = []
    if isinstance(node, dict):
        for key in node:
            if key not in ALLOWED:
                found.append(f"{path}: unsupported keyword {key!r}")
        if node.get("type") == "object" or "properties" in node:
            if node.get("additionalProperties") is not False:
                found.append(f"{path}: additionalProperties must be false")
            if sorted(node.get("required", [])) != sorted(node.get("properties", {})):
                found.append(f"{path}: every property must be required")
        for key, value in node.items():
            if key in ("properties", "$defs"):
                for name, sub in value.items():
                    found += strict_violations(sub, f"{path}.{key}.{name}")
            elif key in ("items",):
                found += strict_violations(value, f"{path}.items")
            elif key == "anyOf":
                for i, sub in enumerate(value):
                    found += strict_violations(sub, f"{path}.anyOf[{i}]")
    return found


@pytest.fixture
def sent_tool(first_article: Any, first_payload: dict[str, Any]) -> dict[str, Any]:
    fake = FakeModel([first_payload])
    generate_brief(
        first_article, client=fake.client(base_url="https://api.openai.com/v1"), model="m"
    )
    tool: dict[str, Any] = fake.requests[0]["tools"][0]["function"]
    return tool


def test_openai_endpoint_gets_a_strict_tool(sent_tool: dict[str, Any]) -> None:
    assert sent_tool["strict"] is True
    assert sent_tool["name"] == "Extraction"


def test_sent_schema_is_valid_for_strict_mode(sent_tool: dict[str, Any]) -> None:
    assert strict_violations(sent_tool["parameters"]) == []


def test_checker_catches_violations() -> None:
    bad = {
        "type": "object",
        "properties": {"a": {"type": "string", "default": "x", "minLength": 2}},
        "required": [],
    }
    problems = strict_violations(bad)
    assert any("additionalProperties" in p for p in problems)
    assert any("required" in p for p in problems)
    assert any("'default'" in p for p in problems)
    assert any("'minLength'" in p for p in problems)


def test_every_field_is_described_unless_its_name_and_values_say_it_all() -> None:
    schema = Extraction.model_json_schema()
    for name, definition in [("Extraction", schema), *schema["$defs"].items()]:
        assert definition.get("description"), f"{name} has no description"
        for field, spec in definition["properties"].items():
            # evidence: its rules are said once, in the system prompt
            self_explaining = "enum" in spec or field in ("agreements", "evidence")
            assert self_explaining or len(spec.get("description", "")) > 15, (
                f"{name}.{field} is not described"
            )


def test_descriptions_hold_no_examples_a_model_could_copy() -> None:
    text = json.dumps(Extraction.model_json_schema())
    assert "e.g." not in text and "for example" not in text.lower()


def test_other_endpoints_get_json_mode(first_article: Any, first_payload: dict[str, Any]) -> None:
    fake = FakeModel([first_payload])
    brief = generate_brief(first_article, client=fake.client(base_url="http://gpu-box:8080/v1"))
    request = fake.requests[0]
    assert "tools" not in request
    assert request["response_format"]["type"] == "json_object"
    assert brief.record.mode == "json"
    assert brief.agreements
