"""Sections mode, the strategy for small local models: one request per section after a shared
article prefix, evidence by sentence number, and cut answers that keep their finished items."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from briefing import Article, ConfigurationError, InputError, OutputError, generate_brief
from briefing.extract.core import REPAIR_TOKENS
from briefing.extract.prompts import SECTION_TOKENS
from briefing.extract.sections import numbered, sentence_spans
from briefing.extract.settings import resolve_mode
from briefing.testing import FakeModel, HTTPFailure, Reply

from .conftest import FIRST_SEED

ARTICLE = Article(
    text=(
        "Iran and Russia signed a security pact in Moscow on Wednesday. The memorandum was "
        'signed by Ahmad-Reza Radan and Viktor Zolotov.\n\nRadan said the visit "opens a new '
        'chapter" for the two countries. Western states accused Iran of supplying drones.'
    ),
    published="2023-06-29",
)
SUMMARY = {"headline": "Iran and Russia sign a security pact", "bluf": "They signed it.",
           "key_points": [{"text": "A pact was signed.", "evidence": ["1"]}]}  # fmt: skip
AGREEMENTS = {"agreements": [{
    "title": "security pact", "kind": "pact", "role": "reported", "parties": ["Iran", "Russia"],
    "signatories": ["Ahmad-Reza Radan", "Viktor Zolotov"], "status": "signed",
    "date": {"text": "on Wednesday", "tense": "past"}, "place": "Moscow",
    "subjects": ["security"], "evidence": ["[1]", "sentence 2"]}]}  # fmt: skip
RADAN: dict[str, Any] = {
    "name": "Ahmad-Reza Radan",
    "title": None,
    "affiliation": None,
    "country": "Iran",
    "other_names": ["Radan"],
    "evidence": [2, 3],
}
OFFICIALS = {"officials": [
    RADAN,
    {"name": "Viktor Zolotov", "title": None, "affiliation": None, "country": "Russia",
     "other_names": [], "evidence": ["[17]"]},
    {"name": "Nikolai Patrushev", "title": None, "affiliation": None, "country": "Russia",
     "other_names": [], "evidence": ["[17]"]}]}  # fmt: skip
CLAIMS = {"rows": [  # sentences 3 and 4 report speech: the claims are asked a row each
    {"sentence": 3, "claimant": None, "statement": None, "kind": "other", "target": None},
    {"sentence": 4, "claimant": "Western states", "statement": "Iran supplied drones.",
     "kind": "accusation", "target": "Iran"}]}  # fmt: skip


def test_the_sentences_are_numbered_and_numbers_become_the_article_text() -> None:
    shown, sentences = numbered(ARTICLE)
    assert sentences[1] == "The memorandum was signed by Ahmad-Reza Radan and Viktor Zolotov."
    assert shown.text.startswith("[1] Iran and Russia") and "\n\n[3] Radan said" in shown.text
    assert len(sentences) == 4
    fake = FakeModel([SUMMARY, AGREEMENTS, OFFICIALS, CLAIMS])
    brief = generate_brief(ARTICLE, client=fake.client(), mode="sections", max_retries=0)
    assert len(fake.requests) == 4
    [pact] = brief.agreements
    assert [e.quote for e in pact.evidence] == sentences[:2]
    radan = next(o for o in brief.officials if o.name == "Ahmad-Reza Radan")
    assert [e.quote for e in radan.evidence] == sentences[1:3]
    [claim] = brief.claims  # the row with no claimant is a sentence that reports nothing
    assert claim.claimant == "Western states" and [e.quote for e in claim.evidence] == [
        sentences[3]
    ]
    for e in (e for item in brief.evidenced() for e in item.evidence):
        assert ARTICLE.text[e.start : e.end] == e.quote
    # [17] numbers no sentence: an official's evidence is then the sentence that writes the
    # name (said in the notes), and one the article never names is not rendered
    zolotov = next(o for o in brief.officials if o.name == "Viktor Zolotov")
    assert [e.quote for e in zolotov.evidence] == [sentences[1]]
    assert any("the one naming them" in n for n in brief.record.notes)
    [dropped] = [u for u in brief.record.unverified if u.kind == "official"]
    assert dropped.proposed["name"] == "Nikolai Patrushev"


def test_a_misquoted_sentence_is_the_sentence_the_model_pointed_at() -> None:
    pact = AGREEMENTS["agreements"][0]
    slipped = {"agreements": [
        {**pact, "evidence": ["[2] The memorandum was signed by Radan and Zolotov."]},
        {**pact, "title": "Moscow accord", "kind": "agreement",
         "evidence": ["Iran and Russia signed the security pact in Moscow on Wednesday."]},
        {**pact, "title": "drone supply deal", "kind": "deal",
         "evidence": ["Iran and Russia agreed that Iran supplies drones to Russia."]}]}  # fmt: skip
    fake = FakeModel([SUMMARY, slipped, OFFICIALS, CLAIMS])
    brief = generate_brief(ARTICLE, client=fake.client(), mode="sections", max_retries=0)
    _, sentences = numbered(ARTICLE)
    quoted = {a.title: [e.quote for e in a.evidence] for a in brief.agreements}
    assert quoted["security pact"] == [sentences[1]]  # led by its number, words alike
    assert quoted["Moscow accord"] == [sentences[0]]  # nearly all of one sentence
    # words the article does not hold are no sentence's near copy: that item is not rendered
    assert "drone supply deal" not in quoted
    assert any("drone supply deal" in str(u.proposed) for u in brief.record.unverified)
    # two agreements' passages and Zolotov's "[17]" (the sentence naming him)
    assert any(n.startswith("3 evidence passage(s)") for n in brief.record.notes)


def test_every_section_request_shares_the_article_prefix() -> None:
    fake = FakeModel([SUMMARY, AGREEMENTS, OFFICIALS, CLAIMS])
    generate_brief(ARTICLE, client=fake.client(), mode="sections", max_retries=0)
    prefixes = {json.dumps(r["messages"][:2]) for r in fake.requests}
    assert len(prefixes) == 1
    fields = ("key_points", "agreements", "officials", "rows")
    for request, field in zip(fake.requests, fields, strict=True):
        asked = request["messages"][-1]["content"]
        opening = "Sentences 3 to 4 of the article:" if field == "rows" else "From the article"
        assert asked.startswith(opening)
        schema = request["response_format"]["schema"]
        assert field in schema["properties"] and field in request["messages"][-1]["content"]
        assert request["temperature"] == 0 and request["max_tokens"] == 1024


def test_an_answer_cut_at_the_length_limit_keeps_the_items_it_finished() -> None:
    cut = json.dumps(OFFICIALS)[:-60]  # inside Patrushev's entry
    assert "Patrushev" in cut
    fake = FakeModel([SUMMARY, AGREEMENTS, Reply(cut, finish_reason="length"), CLAIMS])
    brief = generate_brief(ARTICLE, client=fake.client(), mode="sections", max_retries=0)
    assert [o.name for o in brief.officials] == ["Ahmad-Reza Radan", "Viktor Zolotov"]
    assert any("cut off at the length limit" in n for n in brief.record.notes)


def test_auto_picks_sections_for_a_server_on_this_machine() -> None:
    assert resolve_mode("auto", "http://127.0.0.1:8080") == "sections"
    assert resolve_mode("auto", "http://localhost:11434") == "sections"
    assert resolve_mode("auto", "https://api.openai.com") == "tools_strict"
    assert resolve_mode("auto", "https://llm.example.org") == "json"


def test_sentences_split_on_ends_not_on_abbreviations_in_names() -> None:
    text = 'He said "no." Then he left! Was it 2023? Yes.\nA new line'
    parts = [text[s:e] for s, e in sentence_spans(text)]
    assert parts == ['He said "no."', "Then he left!", "Was it 2023?", "Yes.", "A new line"]


def test_a_local_model_is_checked_before_it_is_loaded(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        generate_brief(FIRST_SEED, local=tmp_path / "missing.gguf")
    not_gguf = tmp_path / "model.gguf"
    not_gguf.write_bytes(b"not a model")
    with pytest.raises(InputError, match="not a GGUF file"):
        generate_brief(FIRST_SEED, local=not_gguf)
    with pytest.raises(ConfigurationError, match="unknown mode"):
        generate_brief(FIRST_SEED, local=not_gguf, mode="fast")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="not both"):
        generate_brief(FIRST_SEED, local=not_gguf, client=FakeModel().client())


# Guards that cost nothing, in every mode.


def test_a_date_the_article_does_not_word_costs_the_date_not_the_agreement() -> None:
    iso_date = {**AGREEMENTS["agreements"][0], "date": {"text": "2023-06-28", "tense": "past"}}
    fake = FakeModel([SUMMARY, {"agreements": [iso_date]}, {"officials": []}, {"claims": []}])
    brief = generate_brief(ARTICLE, client=fake.client(), mode="sections", max_retries=0)
    [pact] = brief.agreements
    assert pact.date is None and pact.title == "security pact"
    [fate] = [f for f in brief.record.items if f.kind == "agreement"]
    assert fate.fate == "repaired" and fate.reason is not None and "2023-06-28" in fate.reason


def test_a_body_or_an_official_whose_quotes_do_not_name_them_is_not_rendered() -> None:
    body = {"name": "Russian National Guard", "title": None, "affiliation": None,
            "country": "Russia", "other_names": [], "evidence": ["1"]}  # fmt: skip
    state = {**body, "name": "Iran", "country": "Iran"}
    unnamed = {**body, "name": "Nikolai Patrushev", "evidence": ["4"]}
    officials = {"officials": [body, state, unnamed]}
    fake = FakeModel([SUMMARY, {"agreements": []}, officials, {"claims": []}])
    brief = generate_brief(ARTICLE, client=fake.client(), mode="sections", max_retries=0)
    assert brief.officials == []
    reasons = {u.proposed["name"]: " ".join(u.reasons) for u in brief.record.unverified}
    assert "not a person" in reasons["Russian National Guard"]
    assert "not a person" in reasons["Iran"]
    assert "no quote names Nikolai Patrushev" in reasons["Nikolai Patrushev"]


def test_a_section_that_cannot_be_read_leaves_the_others_standing() -> None:
    fake = FakeModel([SUMMARY, AGREEMENTS, "not json", "still not json", CLAIMS])
    brief = generate_brief(ARTICLE, client=fake.client(), mode="sections", max_retries=1)
    assert brief.agreements and brief.claims and brief.officials == []
    assert any("officials section's answer could not be read" in n for n in brief.record.notes)
    nothing = FakeModel(["no", "no", "no", "no"])
    with pytest.raises(OutputError, match="could not be read"):
        generate_brief(ARTICLE, client=nothing.client(), mode="sections", max_retries=0)


def test_a_repair_that_does_not_fit_the_context_leaves_the_brief_standing() -> None:
    too_long = HTTPFailure(
        400, body='{"error": {"message": "This model\'s maximum context length is 6144 tokens"}}'
    )
    fake = FakeModel([SUMMARY, AGREEMENTS, OFFICIALS, CLAIMS, too_long])
    brief = generate_brief(ARTICLE, client=fake.client(), mode="sections", max_retries=1)
    assert brief.agreements and [o.name for o in brief.officials] == [
        "Ahmad-Reza Radan", "Viktor Zolotov"
    ]  # fmt: skip
    assert any("A repair request failed" in n for n in brief.record.notes)
    assert [u.proposed["name"] for u in brief.record.unverified] == ["Nikolai Patrushev"]


def test_claims_are_asked_about_the_sentences_that_report_speech_a_few_at_a_time() -> None:
    said = [f"Minister Ana Costa said point {n} matters to Portugal." for n in range(1, 15)]
    narration = [f"Portugal builds bridge {n}." for n in range(1, 15)]
    article = Article(text=" ".join(x for pair in zip(said, narration, strict=True) for x in pair),
                      published="2024-01-02")  # fmt: skip
    _, sentences = numbered(article)
    assert len(sentences) == 28  # the odd ones report speech

    def rows(shown: range, said: int) -> dict[str, Any]:
        return {"rows": [
            {"sentence": n, "claimant": "Ana Costa" if n == said else None,
             "statement": f"Point {n} matters." if n == said else None,
             "kind": "assertion", "target": None} for n in shown]}  # fmt: skip

    answers: list[Any] = [SUMMARY, {"agreements": []}, {"officials": []}]
    answers += [rows(range(1, 12, 2), 3), rows(range(13, 24, 2), 15), rows(range(25, 28, 2), 27)]
    answers[-1]["rows"].append("not a row")  # passed on: the parser reports it
    fake = FakeModel(answers)
    brief = generate_brief(article, client=fake.client(), mode="sections", max_retries=0)
    asked = [r["messages"][-1]["content"] for r in fake.requests]
    assert len(asked) == 6  # summary, agreements, officials, claims in 6 + 6 + 2 sentences
    shown = asked[4].split("\n\n")[0].splitlines()
    assert shown[0] == "Sentences 13, 15, 17, 19, 21, 23 of the article:"
    assert shown[1:] == [f"[{n}] {sentences[n - 1]}" for n in range(13, 24, 2)]
    assert "one row for each of these sentences, in order: who in it says" in asked[4]
    schema = fake.requests[4]["response_format"]["schema"]["properties"]["rows"]
    assert schema["minItems"] == schema["maxItems"] == 6
    # the rows with a claimant are claims, their evidence the sentence they are about; the
    # lists are joined, and the fields left out of the schema are filled empty
    quoted = [c.evidence[0].quote for c in brief.claims]
    assert quoted == [sentences[2], sentences[14], sentences[26]]
    assert all(c.how is None for c in brief.claims)
    assert any("not a row" in str(u.proposed) for u in brief.record.unverified)


def test_an_article_with_no_reported_speech_is_asked_for_claims_a_stretch_at_a_time() -> None:
    text = " ".join(f"Portugal builds bridge {n} over the Tagus." for n in range(30))
    _, sentences = numbered(Article(text=text, published="2024-01-02"))
    fake = FakeModel([SUMMARY, {"agreements": []}, {"officials": []}, *[{"claims": []}] * 3])
    generate_brief(text, client=fake.client(), mode="sections", max_retries=0)
    asked = [r["messages"][-1]["content"] for r in fake.requests]
    assert len(asked) == 6  # claims in 1-12, 13-24, 25-30
    assert asked[4].startswith("Sentences 13 to 24 of the article:\n[13] " + sentences[12])
    assert "[25]" not in asked[4].split("\n\n")[0] and "[12] " not in asked[4]
    schema = json.dumps(fake.requests[5]["response_format"]["schema"])
    assert '"claims"' in schema and '"how"' not in schema and '"reporting_source"' not in schema


def test_a_title_an_initial_or_a_dotted_abbreviation_does_not_end_a_sentence() -> None:
    text = "Mr. Xi met Donald J. Trump. U.S. forces left on Jan. 5. Then Dr. Ng spoke."
    assert [text[s:e] for s, e in sentence_spans(text)] == [
        "Mr. Xi met Donald J. Trump.", "U.S. forces left on Jan. 5.", "Then Dr. Ng spoke."
    ]  # fmt: skip


def test_a_small_models_repair_is_cut_to_the_items_it_is_asked_about() -> None:
    misquoted = {**RADAN, "evidence": ["Radan opened one more chapter."]}
    fake = FakeModel([SUMMARY, AGREEMENTS, {"officials": [misquoted]}, {"claims": []}, "{}"])
    generate_brief(ARTICLE, client=fake.client(), mode="sections", max_retries=1)
    assert len(fake.requests) == 5
    assert {r["max_tokens"] for r in fake.requests[:4]} == {SECTION_TOKENS}
    assert fake.requests[4]["max_tokens"] == REPAIR_TOKENS * 2  # one item, plus one


def test_the_agreements_and_officials_requests_point_at_the_sentences_that_word_them() -> None:
    text = (
        "Foreign Minister Ana Costa met the press in Lisbon. Portugal builds three bridges. "
        "The two states signed a memorandum on ports. Prime Minister Rui Melo welcomed it."
    )
    fake = FakeModel([SUMMARY, {"agreements": []}, {"officials": []}, {"claims": []}])
    generate_brief(text, client=fake.client(), mode="sections", max_retries=0)
    asked = [r["messages"][-1]["content"] for r in fake.requests]
    assert "(look at sentences [3])" in asked[1]
    assert "(look at sentences [1], [4])" in asked[2]
