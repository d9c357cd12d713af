"""Recording: secrets scrubbed, failures not kept, provenance written, replay offline."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openai

from briefing import load_article
from briefing.replay.cassettes import provenance, record, replay
from briefing.testing import FakeModel, HTTPFailure

from .conftest import FIRST_SEED

PLANTED_KEY = "sk-planted-0123456789abcdefghijklmnop"


def test_record_scrubs_secrets_and_skips_failures(
    tmp_path: Path, first_payload: dict[str, Any]
) -> None:
    fake = FakeModel([HTTPFailure(429, {"retry-after": "0"}), first_payload], model="served-1")
    client = fake.client(base_url="https://api.openai.com/v1").with_options(
        api_key=PLANTED_KEY, organization="org-planted", project="proj-planted"
    )
    assert isinstance(client, openai.OpenAI)
    out = tmp_path / f"{FIRST_SEED.stem}.yaml"
    record(FIRST_SEED, out, client=client, model="gpt-test", mode="tools_strict")
    text = out.read_text()
    for secret in (PLANTED_KEY, "org-planted", "proj-planted", "Bearer"):
        assert secret not in text
    assert text.count("- request:") == 1  # the 429 was not recorded
    prov = provenance(out)
    assert prov["kind"] == "recorded"
    assert (prov["model"], prov["served_model"]) == ("gpt-test", "served-1")
    assert prov["base_url"] == "https://api.openai.com/v1"
    assert '"headline": ' in text  # bodies stored as indented JSON

    brief = replay(load_article(FIRST_SEED), out)
    assert brief.record.model == "served-1"
    assert brief.agreements[0].title == first_payload["agreements"][0]["title"]


def test_failed_record_keeps_the_existing_cassette(tmp_path: Path) -> None:
    from briefing import ConfigurationError

    out = tmp_path / f"{FIRST_SEED.stem}.yaml"
    out.write_text("previous cassette\n")
    client = FakeModel([HTTPFailure(401)]).client(base_url="https://user:pw@proxy.example/v1")
    try:
        record(FIRST_SEED, out, client=client, model="m", mode="tools_strict")
    except ConfigurationError:
        pass
    else:
        raise AssertionError("a 401 must fail the recording")
    assert out.read_text() == "previous cassette\n"
    assert list(tmp_path.iterdir()) == [out]


def test_broken_cassette_is_a_clear_error(tmp_path: Path) -> None:
    from briefing import ConfigurationError

    broken = tmp_path / "x.yaml"
    broken.write_text("metadata: {provenance: {kind: authored}}\ninteractions: []\n")
    try:
        replay(load_article(FIRST_SEED), broken)
    except ConfigurationError as exc:
        assert "base_url" in str(exc)
    else:
        raise AssertionError("a cassette without provenance must not replay")
    broken.write_text("{{{ not yaml")
    try:
        provenance(broken)
    except ConfigurationError as exc:
        assert "not a readable cassette" in str(exc)
    else:
        raise AssertionError("unreadable YAML must be a ConfigurationError")
