"""Recording: secrets scrubbed, failures not kept, provenance written, replay offline."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openai

from briefing import load_article
from briefing._cassettes import provenance, record, replay
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
