from __future__ import annotations

from typing import Any

from briefing import Article, generate_brief
from briefing.testing import FakeModel


def test_markdown_sections_and_quotes(
    first_article: Article, first_payload: dict[str, Any]
) -> None:
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
    assert "**Caution:** 1 item(s)" in markdown
    assert markdown.index("**Caution:**") < markdown.index("## Key points")


def test_headline_and_bottom_line_are_marked_as_the_models_words(
    first_article: Article, first_payload: dict[str, Any]
) -> None:
    brief = generate_brief(first_article, client=FakeModel([first_payload]).client())
    marker = "Headline and bottom line are the model's words"
    markdown = brief.to_markdown()
    assert marker in markdown and markdown.index(marker) < markdown.index("## Key points")
    assert marker in brief.to_html()
