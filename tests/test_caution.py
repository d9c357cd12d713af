"""The HTML briefing warns as the Markdown does when items could not be verified."""

from __future__ import annotations

import re
from typing import Any

import pytest

from briefing import Article, Brief, generate_brief
from briefing.testing import FakeModel

INVENTED = "The eight governments signed a memorandum in Geneva."


def unverified_brief(article: Article, payload: dict[str, Any]) -> Brief:
    """The first seed with every agreement quoting a sentence the article does not hold, so
    the pipeline drops them all after its repair request."""
    for agreement in payload["agreements"]:
        agreement["evidence"] = [INVENTED]
    payload["claims"][0]["evidence"] = [INVENTED]
    return generate_brief(article, client=FakeModel([payload] * 6).client())


@pytest.fixture
def brief(first_article: Article, first_payload: dict[str, Any]) -> Brief:
    return unverified_brief(first_article, first_payload)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


def test_the_html_opens_with_the_caution_the_markdown_gives(brief: Brief) -> None:
    dropped = len(brief.record.unverified)
    assert dropped >= 2 and not brief.agreements
    markdown = brief.to_markdown()
    assert f"**Caution:** {dropped} items the model proposed could not be verified" in markdown
    html = brief.to_html()
    caution = html.index('class="caution"')
    assert caution < html.index("Bottom line up front")
    assert f"Caution: {dropped} items the model proposed could not be verified" in _text(html)
    link = re.search(r'class="caution".*?href="#([^"]+)"', html, flags=re.DOTALL)
    assert link is not None and f'id="{link.group(1)}"' in html


def test_agreements_are_not_none_reported_when_some_were_proposed(brief: Brief) -> None:
    html = brief.to_html()
    section = html[html.index("<h2>Agreements</h2>") : html.index("<h2>Officials</h2>")]
    assert "None reported" not in section
    dropped = sum(u.kind == "agreement" for u in brief.record.unverified)
    noun = "agreement was" if dropped == 1 else "agreements were"
    assert f"{dropped} {noun} proposed but" in section
    assert "#b" in section  # links to the list of unverified items


def test_unverified_items_come_before_the_article_text(brief: Brief) -> None:
    html = brief.to_html()
    listed = html.index(brief.record.unverified[0].label)
    assert listed < html.index("<h2>Article</h2>") < html.index('class="article"')


def test_a_clean_briefing_has_no_caution(
    first_article: Article, first_payload: dict[str, Any]
) -> None:
    html = generate_brief(first_article, client=FakeModel([first_payload]).client()).to_html()
    assert 'class="caution"' not in html and "None verified" not in html
    assert "Every item the model proposed was found in the article." in html
