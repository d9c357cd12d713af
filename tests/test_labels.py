"""Labels the article does not contradict, through the public API: answers shaped like a weak
local model's (issue #20) on a short memorandum text, checked for what the Brief renders."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from briefing import Article, Brief, OutputError, generate_brief
from briefing.ground.labels import check_agreement, echo, not_a_person, not_content
from briefing.testing import FakeModel

COMMIT = (
    "The Governments of the Kingdom of Saudi Arabia, the European Union, the Republic of "
    "India, the French Republic, the Federal Republic of Germany, the Italian Republic, the "
    "United Arab Emirates, and the United States of America commit to work together to "
    "establish the India - Middle East - Europe Economic Corridor (IMEC)."
)
NOT_BINDING = (
    "It sets forth political commitments of the Participants and does not create rights or "
    "obligations under international law."
)
SPEAKER = "Amos Hochstein, Senior Advisor to the President, welcomed the memorandum."
HOST = "The United Arab Emirates (UAE) will host the next meeting of the Participants."
IMEC = (
    "Memorandum of Understanding on the Principles of an India - Middle East - Europe Economic "
    f"Corridor\n\n{COMMIT} The Participants intend the corridor to stimulate economic "
    f"development through enhanced connectivity.\n\n{NOT_BINDING}\n\n{SPEAKER}\n"
)
PARTIES = ["Saudi Arabia", "European Union", "India", "France", "Germany", "Italy",
           "United Arab Emirates", "United States"]  # fmt: skip


def _article(text: str = IMEC) -> Article:
    return Article(text=text, source="The White House", published=dt.date(2023, 9, 9))


def _agreement(title: str, kind: str, status: str, **extra: Any) -> dict[str, Any]:
    return {
        "title": title, "kind": kind, "role": "reported", "parties": PARTIES,
        "signatories": [], "status": status, "date": None, "place": None, "subjects": [],
        "evidence": [COMMIT, NOT_BINDING], **extra,
    }  # fmt: skip


def _official(name: str, evidence: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": name, "title": None, "affiliation": None, "country": None,
        "other_names": [], "evidence": [evidence], **extra,
    }  # fmt: skip


def _answer(**groups: Any) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "headline": "Eight governments commit to build an India-Middle East-Europe corridor",
        "bluf": "A memorandum sets out political commitments to build a trade corridor.",
        "key_points": [{"text": "Eight governments commit to the corridor.", "evidence": [COMMIT]}],
        "agreements": [],
        "officials": [],
        "claims": [],
    }
    answer.update(groups)
    return answer


def _brief(answer: dict[str, Any], text: str = IMEC) -> Brief:
    return generate_brief(_article(text), client=FakeModel([answer]).client(), max_retries=0)


def test_four_labels_of_one_memorandum_are_one_memorandum_not_a_signed_treaty() -> None:
    brief = _brief(
        _answer(
            agreements=[
                _agreement("Memorandum of Understanding on IMEC", "memorandum_of_understanding",
                           "agreed"),
                _agreement("Agreement", "agreement", "agreed"),
                _agreement("Treaty", "treaty", "signed"),
                _agreement("Pact", "pact", "signed"),
            ]
        )
    )  # fmt: skip
    assert len(brief.agreements) == 1
    memorandum = brief.agreements[0]
    assert memorandum.kind == "memorandum_of_understanding"
    assert memorandum.status != "signed" and memorandum.title.startswith("Memorandum")
    fates = {f.ref: f for f in brief.record.items}
    assert "not call it a treaty" in (fates["agreements[2]"].reason or "") or (
        fates["agreements[2]"].fate == "folded"
    )
    assert [f.fate for f in brief.record.items if f.kind == "agreement"] == [
        "kept", "folded", "folded", "folded",
    ]  # fmt: skip
    assert all(
        f.into == "Agreement: Memorandum of Understanding on IMEC"
        for f in brief.record.items
        if f.fate == "folded"
    )
    markdown = brief.to_markdown()
    assert "Treaty" not in markdown and "Signed" not in markdown


def test_a_treaty_label_alone_is_repaired_to_what_the_article_calls_it() -> None:
    brief = _brief(_answer(agreements=[_agreement("IMEC corridor", "treaty", "signed")]))
    (agreement,) = brief.agreements
    assert (agreement.kind, agreement.status) == ("memorandum_of_understanding", "agreed")
    (fate,) = [f for f in brief.record.items if f.kind == "agreement"]
    assert fate.fate == "repaired"
    assert "does not call it a treaty" in (fate.reason or "")
    assert "nothing the article says about it is signed" in (fate.reason or "")


def test_signing_words_about_it_keep_signed_and_a_non_binding_text_is_still_no_treaty() -> None:
    signed = "The memorandum, which is not a treaty, was signed on the margins of the G20 summit."
    text = IMEC + "\n" + signed + "\n"
    brief = _brief(
        _answer(agreements=[_agreement("Memorandum on IMEC", "treaty", "signed")]), text=text
    )
    (agreement,) = brief.agreements
    assert agreement.status == "signed"  # "signed" is in a sentence that names it
    assert agreement.kind == "memorandum_of_understanding"
    assert "creates no legal obligations" in (brief.record.items[-1].reason or "")


def test_a_state_named_as_an_official_is_not_an_official() -> None:
    brief = _brief(
        _answer(
            officials=[
                _official("United Arab Emirates", COMMIT, country="United Arab Emirates"),
                _official("UAE", HOST),
                _official("Amos Hochstein", SPEAKER, title="Senior Advisor to the President"),
            ]
        ),
        text=IMEC + HOST + "\n",
    )
    assert [o.name for o in brief.officials] == ["Amos Hochstein"]
    dropped = {u.label: " ".join(u.reasons) for u in brief.record.unverified}
    assert "not a person" in dropped["Official: United Arab Emirates"]
    assert "not a person" in dropped["Official: UAE"]
    officials = brief.to_markdown().split("## Officials")[1].split("## Claims")[0]
    assert "Amos Hochstein" in officials and "Emirates" not in officials


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("United Arab Emirates", "state"),
        ("the Commission", "body"),
        ("Ministry of Defence", "body"),
        ("Russia", "state"),
        ("Iran", "state"),
        ("the Kremlin", "state"),
        ("Prime Minister", "title"),
        ("California", "place"),
    ],
)
def test_states_bodies_places_and_roles_are_not_people(name: str, why: str) -> None:
    reason = not_a_person(name, "Officials met in Munich.")
    assert reason is not None and why in reason


def test_people_stay_people_even_when_a_place_shares_their_name() -> None:
    text = "Slovenian Foreign Minister Anze Logar said Logar would travel. Jim Jordan spoke."
    for name in ("Amos Hochstein", "Logar", "Jim Jordan", "Mohammed bin Salman"):
        assert not_a_person(name, text) is None, name
    assert not_a_person("Logar", "Fighting spread to Logar province.") is not None


def test_a_schema_echoed_back_is_not_a_headline_and_an_all_echo_answer_is_a_model_error() -> None:
    echoed = _answer(
        headline="# A factual headline, at most 15 words.",
        bluf="#/$defs/KeyPointDraft",
    )
    brief = _brief(echoed)
    assert brief.headline == "" and brief.bluf == ""
    assert any("headline was left out" in n and "answer schema" in n for n in brief.record.notes)
    assert "A factual headline" not in brief.to_markdown().splitlines()[0]
    assert brief.key_points  # the grounded key point still stands

    claim = {"claimant": "#/$defs/ClaimDraft", "statement": "#/$defs/ClaimDraft",
             "target": None, "kind": "other", "how": None, "reporting_source": None,
             "evidence": [COMMIT]}  # fmt: skip
    nothing = {**echoed, "key_points": [{"text": "#/$defs/KeyPointDraft", "evidence": [COMMIT]}],
               "claims": [claim] * 12}  # fmt: skip
    with pytest.raises(OutputError, match="echoed its answer schema"):
        _brief(nothing)


def test_a_claim_whose_how_describes_the_article_loses_that_field_only() -> None:
    claim = {"claimant": "Amos Hochstein", "statement": "Hochstein welcomed the memorandum.",
             "target": "the memorandum", "kind": "praise",
             "how": "The article states this directly in sentence [1]", "reporting_source": None,
             "evidence": [SPEAKER]}  # fmt: skip
    brief = _brief(_answer(claims=[claim]))
    (kept,) = brief.claims
    assert kept.how is None and kept.target == "the memorandum"
    (fate,) = [f for f in brief.record.items if f.kind == "claim"]
    assert fate.fate == "repaired" and "describes the article" in (fate.reason or "")


def test_an_agreement_only_mentioned_is_kept_with_no_parties_and_renders() -> None:
    text = IMEC + "\nThe corridor complements the Abraham Accords, officials said.\n"
    mention = {**_agreement("the Abraham Accords", "agreement", "unknown"), "parties": [],
               "role": "background",
               "evidence": ["The corridor complements the Abraham Accords"]}  # fmt: skip
    brief = _brief(_answer(agreements=[mention]), text=text)
    (accords,) = brief.agreements
    assert accords.parties == [] and accords.title == "the Abraham Accords"
    assert brief.record.unverified == []
    assert "the Abraham Accords" in brief.to_markdown()
    assert "the Abraham Accords" in brief.to_html()


def test_two_named_agreements_cited_by_one_sentence_stay_two() -> None:
    sentence = "The corridor complements the Abraham Accords and the Paris Agreement."
    text = IMEC + "\n" + sentence + "\n"
    items = [
        {**_agreement(title, "agreement", "unknown"), "parties": [], "evidence": [sentence]}
        for title in ("the Abraham Accords", "the Paris Agreement")
    ]
    brief = _brief(_answer(agreements=items), text=text)
    assert [a.title for a in brief.agreements] == ["the Abraham Accords", "the Paris Agreement"]


def test_label_checks_in_isolation() -> None:
    spans = [(IMEC.index(COMMIT), IMEC.index(COMMIT) + len(COMMIT))]
    fixes = check_agreement(
        kind="pact", status="ratified", title="Pact", role="reported", spans=spans, article=IMEC
    )
    # the evidence names no kind; the article names one, a memorandum
    assert [(f.field, f.value) for f in fixes] == [
        ("kind", "memorandum_of_understanding"), ("status", "agreed"),
    ]  # fmt: skip
    assert check_agreement(
        kind="agreement", status="agreed", title="IMEC", role="reported", spans=spans,
        article=IMEC,
    ) == []  # fmt: skip
    assert echo("A factual headline, at most 15 words.") is not None
    assert echo("Eight governments commit to a corridor") is None
    assert not_content("said in a statement") is None
    assert not_content("The article states this directly in sentence [1]") is not None


def test_a_state_given_as_an_official_costs_no_repair_request() -> None:
    """Withdrawing is the only fix for a state named as an official: no request is paid for
    it, and the item is listed as unverified with the reason."""
    fake = FakeModel([_answer(officials=[_official("UAE", HOST)])])
    brief = generate_brief(_article(IMEC + HOST + "\n"), client=fake.client(), max_retries=2)
    assert len(fake.requests) == 1 and brief.record.repairs == 0
    assert brief.officials == []
    assert "not a person" in " ".join(brief.record.unverified[0].reasons)


def _claim(claimant: str, statement: str, evidence: str) -> dict[str, Any]:
    return {
        "claimant": claimant, "statement": statement, "target": None, "kind": "assertion",
        "how": None, "reporting_source": None, "evidence": [evidence],
    }  # fmt: skip


def test_a_claimant_that_is_a_sentence_is_not_rendered_as_who_made_the_claim() -> None:
    narration = "The Participants intend the corridor to stimulate economic development."
    answer = _answer(
        claims=[
            _claim(narration, narration, COMMIT),
            _claim(
                "The corridor will be built by the eight governments that commit to it.",
                "Eight governments commit to the corridor.",
                COMMIT,
            ),
            _claim("Amos Hochstein", "He welcomed the memorandum.", SPEAKER),
            _claim(
                "the Governments of the Kingdom of Saudi Arabia, the European Union and the "
                "Republic of India",
                "They commit to work together on the corridor.",
                COMMIT,
            ),  # a long description of a speaker is still a speaker
        ]
    )
    brief = _brief(answer)
    assert [c.claimant[:20] for c in brief.claims] == ["Amos Hochstein", "the Governments of t"]
    reasons = [" ".join(u.reasons) for u in brief.record.unverified if u.kind == "claim"]
    assert len(reasons) == 2 and all("is a sentence, not who makes" in r for r in reasons)


def test_two_initiatives_one_sentence_names_for_the_same_parties_stay_two() -> None:
    text = (
        "The United States and the UAE will continue our work to advance new initiatives, like "
        "the Partnership for Accelerating Clean Energy (PACE) and the Partnership for Global "
        "Infrastructure and Investment (PGII)."
    )
    both: dict[str, Any] = {"parties": ["United States", "UAE"], "kind": "other",
                            "status": "in_force", "evidence": [text]}  # fmt: skip
    brief = _brief(
        _answer(
            key_points=[],
            agreements=[
                _agreement("Partnership for Accelerating Clean Energy (PACE)", **both),
                _agreement("Partnership for Global Infrastructure and Investment (PGII)", **both),
                _agreement("Partnership", **both),
            ],
        ),
        text,
    )
    assert [a.title for a in brief.agreements] == [
        "Partnership for Accelerating Clean Energy (PACE)",
        "Partnership for Global Infrastructure and Investment (PGII)",
    ]  # a title that names neither is still one of them, folded
    assert [f.fate for f in brief.record.items if f.kind == "agreement"] == [
        "kept", "kept", "folded"
    ]  # fmt: skip
