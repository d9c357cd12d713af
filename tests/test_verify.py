from __future__ import annotations

import datetime as dt
import random
from typing import Any

from briefing.extract.schema import Extraction, OfficialDraft
from briefing.ground.quotes import _fold_runs, _fold_whole, locate, quote_problem
from briefing.ground.rules import _place_mentioned, item_problems

from .conftest import SEEDS

TEXT = (
    "Iran\u2019s police chief,  Ahmad-Reza Radan, signed the MoU \u2014 "
    "a \u201clong-term\u201d pact.\n\n"
    "Russia\u2019s Defence Minister, Sergei Shoigu, spoke on Monday."
)


def test_locate_tolerates_typography_but_returns_the_article_span() -> None:
    quote = 'Iran\'s police chief, Ahmad-Reza Radan, signed the MoU - a "long-term" pact.'
    span = locate(quote, TEXT)
    assert span is not None
    start, end = span
    assert TEXT[start:end].startswith("Iran\u2019s police chief,  Ahmad-Reza")
    assert TEXT[start:end].endswith("\u201d pact.")


def test_locate_ignores_case_and_wrapping_quote_marks_only() -> None:
    assert locate('"sergei shoigu, spoke on monday."', TEXT) is not None
    assert locate("Sergei Shoigu spoke on Monday", TEXT) is None  # the comma is missing
    assert locate("Sergei Shoygu, spoke on Monday", TEXT) is None


def test_quote_problems_name_the_quote() -> None:
    assert quote_problem("Radan, signed the MoU", TEXT) is None
    missing = quote_problem("Radan signed a treaty in Paris", TEXT)
    assert missing is not None and "Radan signed a treaty in Paris" in missing
    ellipsis = quote_problem("Radan ... signed", TEXT)
    assert ellipsis is not None and "ellipsis" in ellipsis
    short = quote_problem("MoU", TEXT)
    assert short is not None and "too short" in short


def _extraction(**overrides: Any) -> Extraction:
    data: dict[str, Any] = {
        "headline": "h",
        "bluf": "b",
        "key_points": [],
        "agreements": [],
        "officials": [],
        "claims": [],
    }
    data.update(overrides)
    return Extraction.model_validate(data)


def test_item_problems_cover_every_rule_and_say_how_to_fix_it() -> None:
    extraction = _extraction(
        officials=[
            {
                "name": "John Smith",
                "title": None,
                "affiliation": None,
                "country": None,
                "other_names": [],
                "evidence": ["Sergei Shoigu, spoke on Monday"],
            }
        ],
        agreements=[
            {
                "title": "MoU",
                "kind": "memorandum_of_understanding",
                "role": "reported",
                "parties": [" "],
                "signatories": [],
                "status": "signed",
                "date": {"text": "on Tuesday", "tense": "past"},
                "place": None,
                "subjects": [],
                "evidence": [],
            }
        ],
    )
    official = " | ".join(item_problems(extraction.officials[0], TEXT))
    agreement = " | ".join(item_problems(extraction.agreements[0], TEXT))
    assert "'John Smith' is not in the article" in official
    assert "parties" not in agreement  # an agreement only mentioned names no party
    assert "'on Tuesday' is not in the article" in agreement
    assert "give at least one quote" in agreement


def test_editorial_brackets_and_places_built_from_article_words_ground() -> None:
    text = "[Recep Tayyip] Erdogan met the envoy at Lancaster House in London on Monday."
    official = OfficialDraft(
        name="Recep Tayyip Erdogan", title=None, affiliation=None, country=None,
        other_names=["Erdogan"], evidence=["Recep Tayyip Erdogan met the envoy"],
    )  # fmt: skip
    assert item_problems(official, text) == []
    assert _place_mentioned("Lancaster House, London", text)
    assert not _place_mentioned("Downing Street, London", text)


def test_quotes_and_names_match_whole_words_only() -> None:
    text = (
        "The two sides disagreed on the terms of the pact. "
        "Iran said it was unlikely to be signed soon."
    )
    assert locate("agreed on the terms of the pact", text) is None
    assert locate("disagreed on the terms of the pact", text) is not None
    assert locate("likely to be signed soon", text) is None
    from briefing.ground.quotes import mentioned

    assert not mentioned("Ran", text) and mentioned("Iran", text)


def test_invisible_characters_and_the_articles_own_ellipsis() -> None:
    text = "The minis\u00adter said the talks\u2026 had failed, officials confirmed."
    assert locate("The minister said the talks\u2026 had failed", text) is not None
    assert quote_problem("The minister said the talks\u2026 had failed", text) is None


def test_whole_text_folding_agrees_with_run_by_run_folding() -> None:
    """The fast path (whole text at once) must give the same folded text and offsets as the
    careful run-by-run path on every text it accepts: typography, case, odd whitespace and
    invisible characters in random mixes, and the seeds."""
    rng = random.Random(7)
    alphabet = list("ab Cd.,\n\t  \u200b\u00ad\u2019\u201c\u201d\u2014")
    alphabet += list("\u00a0\u2009\u202f\u00e9\u03a3\u03c2\ufb01")  # fi ligature: the careful path
    texts = [path.read_text(encoding="utf-8") for path in SEEDS]
    texts += ["".join(rng.choices(alphabet, k=rng.randint(0, 14))) for _ in range(5000)]
    checked = 0
    for text in texts:
        whole = _fold_whole(text)
        if whole is None:
            continue
        runs = _fold_runs(text)
        assert (whole.text, whole.offsets) == (runs.text, runs.offsets), repr(text)
        checked += 1
    assert checked > 3000


def test_text_whose_case_folding_changes_length_takes_the_careful_path() -> None:
    assert _fold_whole("Stra\u00dfe \u0130stanbul") is None
    assert locate("strasse", "Die Stra\u00dfe.") is None  # never matched by expansion
    assert locate("Stra\u00dfe", "Die Stra\u00dfe.") == (4, 10)


def test_an_agreement_reached_over_a_run_of_days_is_dated_to_its_last_day() -> None:
    """Talks on "March 23-25" reach their agreement at the end: the gold guide's definition."""
    from briefing import Article, generate_brief
    from briefing.testing import FakeModel

    text = "The two delegations met in Riyadh on March 23-25 and agreed a ceasefire at sea."
    article = Article(text=text, published=dt.date(2025, 3, 26), name="range")
    answer = {
        "headline": "h", "bluf": "b", "key_points": [], "officials": [], "claims": [],
        "agreements": [{
            "title": "ceasefire at sea", "kind": "ceasefire", "role": "reported", "parties": [],
            "signatories": [], "status": "agreed",
            "date": {"text": "March 23-25", "tense": "past"}, "place": "Riyadh",
            "subjects": [], "evidence": [text],
        }],
    }  # fmt: skip
    brief = generate_brief(article, client=FakeModel([answer]).client(), mode="json")
    assert brief.agreements and brief.agreements[0].date is not None
    assert brief.agreements[0].date.value == "2025-03-25"
