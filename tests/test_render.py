from __future__ import annotations

import re
from typing import Any

from briefing import Article, generate_brief
from briefing.testing import FakeModel


def test_markdown_sections_and_quotes(
    first_article: Article, first_payload: dict[str, Any]
) -> None:
    first_payload["agreements"] = first_payload["agreements"][:1]
    brief = generate_brief(first_article, client=FakeModel([first_payload]).client())
    markdown = brief.to_markdown()
    headings = [line for line in markdown.splitlines() if line.startswith("#")]
    assert headings[0] == f"# {first_payload['headline']}"
    assert headings[1:5] == [
        "## Key points",
        "## Agreements",
        f"### {first_payload['agreements'][0]['title']}",
        "## Officials",
    ]
    assert "## Claims" in headings
    assert "**Status:** signed, 2023-06-28 (\u201con Wednesday\u201d)" in markdown
    assert "- **Ahmad-Reza Radan**, chief of Iran's Law Enforcement Command" in markdown
    assert "(accusation, about Iran" in markdown
    assert "## Not verified" not in markdown
    assert f"{brief.record.usage.total_tokens} tokens" in markdown
    assert brief._repr_markdown_() == markdown


def test_empty_sections_say_so(first_article: Article) -> None:
    payload = {
        "headline": "Nothing",
        "bluf": "Nothing happened.",
        "key_points": [],
        "agreements": [],
        "officials": [],
        "claims": [],
    }
    markdown = generate_brief(first_article, client=FakeModel([payload] * 3).client()).to_markdown()
    for text in (
        "No key point could be grounded",
        "None reported.",
        "None named.",
        "None attributed.",
    ):
        assert text in markdown


def test_json_round_trip(first_article: Article, first_payload: dict[str, Any]) -> None:
    from briefing import Brief

    brief = generate_brief(first_article, client=FakeModel([first_payload]).client())
    assert Brief.from_json(brief.to_json()) == brief


def test_markdown_escapes_article_and_model_text(first_article: Article) -> None:
    article = Article.from_string(
        "date 2024-03-01\n\nMinister Anna Berg said ![x](https://tracker.example/p.png) and "
        "[click](javascript:alert(1)) <b>loudly</b> on Monday in Vienna."
    )
    quote = "said ![x](https://tracker.example/p.png) and [click](javascript:alert(1))"
    payload = {
        "headline": "[Breaking](https://evil.example) <script>x</script>",
        "bluf": "**bold** claim",
        "key_points": [{"text": "_it_ happened", "evidence": [quote]}],
        "agreements": [],
        "officials": [],
        "claims": [],
    }
    markdown = generate_brief(article, client=FakeModel([payload]).client()).to_markdown()
    assert "](" not in markdown.replace("\\](", "")
    assert "<script>" not in markdown and "<b>" not in markdown
    assert "# \\[Breaking\\](https://evil.example) \\<script\\>x\\</script\\>" in markdown
    assert "\\*\\*bold\\*\\* claim" in markdown


def test_caution_when_items_were_dropped(
    first_article: Article, first_payload: dict[str, Any]
) -> None:
    bad = dict(
        first_payload, claims=[dict(first_payload["claims"][0], evidence=["not in it at all"])]
    )
    brief = generate_brief(first_article, client=FakeModel([bad] * 3).client())
    markdown = brief.to_markdown()
    assert "**Caution:** 1 item the model proposed could not be verified" in markdown
    assert "the summary above may still mention it." in markdown
    assert "1 item proposed by the model failed the checks against the article and is" in markdown
    assert markdown.index("**Caution:**") < markdown.index("## Key points")


def test_headline_and_bottom_line_are_marked_as_the_models_words(
    first_article: Article, first_payload: dict[str, Any]
) -> None:
    brief = generate_brief(first_article, client=FakeModel([first_payload]).client())
    marker = "Headline and bottom line are the model's words"
    markdown = brief.to_markdown()
    assert marker in markdown and markdown.index(marker) < markdown.index("## Key points")
    assert marker in brief.to_html()


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


def test_an_agreement_whose_parties_the_article_does_not_name_says_so(
    first_article: Article, first_payload: dict[str, Any]
) -> None:
    first_payload["agreements"][0]["parties"] = []
    brief = generate_brief(first_article, client=FakeModel([first_payload]).client())
    assert brief.agreements[0].parties == []
    assert "- **Parties:** not named in the article\n" in brief.to_markdown()
    assert "<dt>Parties</dt><dd>not named in the article</dd>" in brief.to_html()


def test_a_headline_and_bottom_line_emptied_by_the_grounding_are_marked(
    first_article: Article, first_payload: dict[str, Any]
) -> None:
    first_payload["headline"] = "A factual headline, at most 15 words."  # the schema echoed
    first_payload["bluf"] = "Bottom line up front: one to three sentences."
    brief = generate_brief(first_article, client=FakeModel([first_payload]).client())
    assert (brief.headline, brief.bluf) == ("", "")
    markdown = brief.to_markdown()
    assert markdown.startswith("# (no usable headline from the model)\n")
    assert "**Bottom line up front.** (no usable bottom line from the model)\n" in markdown
    html = brief.to_html()
    assert "<h1>(no usable headline from the model)</h1>" in html
    assert "<title>(no usable headline from the model)</title>" in html
    assert "Bottom line up front. (no usable bottom line from the model)" in _text(html)


def test_counts_take_the_singular_for_one(
    first_article: Article, first_payload: dict[str, Any]
) -> None:
    first_payload["agreements"] = first_payload["agreements"][:1]
    first_payload["agreements"][0]["evidence"] = ["The governments signed nothing like this."]
    brief = generate_brief(first_article, client=FakeModel([first_payload] * 3).client())
    attempts = brief.record.attempts
    assert len(brief.record.unverified) == 1 and attempts > 1
    html = _text(brief.to_html())
    assert "None verified: 1 agreement was proposed but" in html
    assert "Caution: 1 item the model proposed could not be verified" in html
    assert "and is left out" in html and "may still mention it." in html
    assert "Not verified: 1 item proposed by the model" in html
    assert f"{attempts} model responses; 0 transport retries" in html
    markdown = brief.to_markdown()
    assert "(s)" not in markdown and "(s)" not in html
    assert f": {attempts} attempts, " in markdown
