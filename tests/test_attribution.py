"""First-person statements are attributed to the author the page names, even when only its
address names them: the request shows the address and a title read from it."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from briefing import Article, generate_brief
from briefing.extract.prompts import title_from_url
from briefing.testing import FakeModel

URL = (
    "https://bidenwhitehouse.archives.gov/briefing-room/statements-releases/2022/04/01/"
    "president-biden-statement-on-un-mediated-truce-in-yemen/"
)
STATEMENT = f"""date 2022-04-01
source The White House
url {URL}

I welcome the announcement today of a two-month truce in Yemen. I thank the Envoy.

We will continue to press for a lasting peace."""


def careful_model(request: dict[str, Any]) -> dict[str, Any]:
    """Answers as a careful model reads the request: the first-person claims go to the author
    the article tag names (title, author, url or a title read from the url), else the source."""
    user = request["messages"][-1]["content"]
    tag = re.search(r"<article ([^>]*)>", user)
    assert tag, "the request shows no article tag"
    attributes = dict(re.findall(r'(\w+)="([^"]*)"', tag.group(1)))
    named = " ".join(attributes.get(k, "") for k in ("title", "author", "title_from_url"))
    found = re.search(r"President (\w+)", named)
    author = f"President {found.group(1)}" if found else attributes["source"]
    claim = {"target": None, "how": None, "reporting_source": None}
    return {
        "headline": "A two-month truce in Yemen is welcomed",
        "bluf": "The statement welcomes a two-month truce in Yemen.",
        "key_points": [
            {
                "text": "A two-month truce in Yemen was announced.",
                "evidence": ["I welcome the announcement today of a two-month truce in Yemen."],
            }
        ],
        "agreements": [],
        "officials": [],
        "claims": [
            {
                **claim,
                "claimant": author,
                "statement": "The author welcomes the two-month truce in Yemen.",
                "kind": "praise",
                "evidence": ["I welcome the announcement today of a two-month truce in Yemen."],
            },
            {
                **claim,
                "claimant": author,
                "statement": "The author promises to keep pressing for a lasting peace.",
                "kind": "promise",
                "evidence": ["We will continue to press for a lasting peace."],
            },
        ],
    }


def test_a_statement_named_only_in_its_address_is_attributed_to_the_president() -> None:
    fake = FakeModel(function=careful_model)
    brief = generate_brief(
        Article.from_string(STATEMENT), client=fake.client(), model="m", mode="tools_strict"
    )
    assert [c.claimant for c in brief.claims] == ["President Biden", "President Biden"]
    sent = json.dumps(fake.requests[0]["messages"], ensure_ascii=False)
    assert URL in sent
    assert "President Biden Statement on Un Mediated Truce in Yemen" in sent
    assert brief.record.unverified == []


def test_a_given_title_is_shown_and_no_title_is_read_from_the_address() -> None:
    fake = FakeModel(function=careful_model)
    article = Article.from_string(STATEMENT, title="Remarks by Vice President Harris")
    brief = generate_brief(article, client=fake.client(), model="m", mode="tools_strict")
    sent = fake.requests[0]["messages"][-1]["content"]
    assert 'title="Remarks by Vice President Harris"' in sent
    assert "title_from_url" not in sent
    assert {c.claimant for c in brief.claims} == {"President Harris"}


def test_without_title_or_address_first_person_text_goes_to_the_source() -> None:
    fake = FakeModel(function=careful_model)
    text = STATEMENT.replace(f"url {URL}\n", "")
    brief = generate_brief(
        Article.from_string(text), client=fake.client(), model="m", mode="tools_strict"
    )
    assert "url=" not in fake.requests[0]["messages"][-1]["content"]
    assert {c.claimant for c in brief.claims} == {"The White House"}


@pytest.mark.parametrize(
    ("url", "title"),
    [
        (
            "https://x.gov/2022/01/18/statement-by-president-biden-on-5g-agreement/",
            "Statement by President Biden on 5G Agreement",
        ),
        ("https://example.org/news/statement_of_the_minister.html", "Statement of the Minister"),
        ("https://example.org/news/2022/01/18/", None),
        ("https://example.org/article/123456789", None),
        ("https://example.org/", None),
        (None, None),
    ],
)
def test_title_read_from_an_address(url: str | None, title: str | None) -> None:
    assert title_from_url(url) == title
