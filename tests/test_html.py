"""The HTML briefing: escaped, self-contained, every evidence span linked both ways."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from briefing import Agreement, Article, Brief, Claim, ConfigurationError, generate_brief
from briefing.testing import FakeModel

PAYLOAD_TEXT = (
    "date 2024-03-01\nurl javascript:alert(1)\n\n"
    "Officials <script>document.body.dataset.pwned = 1</script> met in Vienna on Monday, "
    'and <img src=x onerror="alert(2)"> the ministers signed the Vienna Accord.\n\n'
    "Minister Anna Berg said the accord <b>ends</b> the dispute."
)


class Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def parse(html: str) -> list[tuple[str, dict[str, str | None]]]:
    collector = Collector()
    collector.feed(html)
    return collector.tags


def hostile_brief() -> Brief:
    article = Article.from_string(PAYLOAD_TEXT)
    payload = {
        "headline": "<script>alert('headline')</script> Vienna Accord signed",
        "bluf": "Ministers signed the <i>Vienna Accord</i>.",
        "key_points": [
            {
                "text": "The accord was signed <em>on Monday</em>.",
                "evidence": ["the ministers signed the Vienna Accord."],
            }
        ],
        "agreements": [
            {
                "title": "Vienna Accord <script>x()</script>",
                "kind": "agreement",
                "parties": ["A", "B"],
                "signatories": [],
                "status": "signed",
                "date": {"text": "on Monday", "tense": "past"},
                "place": "Vienna",
                "subjects": [],
                "evidence": ["the ministers signed the Vienna Accord."],
            }
        ],
        "officials": [
            {
                "name": "Anna Berg",
                "title": "Minister",
                "affiliation": None,
                "country": None,
                "other_names": [],
                "evidence": ["Minister Anna Berg said the accord <b>ends</b> the dispute."],
            }
        ],
        "claims": [],
    }
    return generate_brief(article, client=FakeModel([payload]).client())


def test_all_text_is_escaped() -> None:
    html = hostile_brief().to_html()
    tags = [tag for tag, _ in parse(html)]
    assert "script" not in tags and "img" not in tags and "b" not in tags and "i" not in tags
    assert "&lt;script&gt;document.body.dataset.pwned" in html
    assert "&lt;script&gt;alert(&#39;headline&#39;)&lt;/script&gt;" in html
    assert 'href="javascript:' not in html


def test_page_is_self_contained() -> None:
    html = hostile_brief().to_html()
    for tag, attrs in parse(html):
        assert tag not in {"script", "link", "iframe", "img"}
        for name in ("src", "href"):
            value = attrs.get(name) or ""
            assert not value or value.startswith("#"), (tag, attrs)
    assert html.startswith("<!DOCTYPE html>")


def test_every_evidence_span_is_highlighted_and_linked_both_ways(
    first_article: Article, first_payload: dict[str, Any]
) -> None:
    brief = generate_brief(first_article, client=FakeModel([first_payload]).client())
    tags = parse(brief.to_html())
    ids = {attrs["id"] for _, attrs in tags if attrs.get("id")}
    links = [attrs for tag, attrs in tags if tag == "a"]
    to_spans = [(a["href"] or "")[1:] for a in links if "quote" in (a.get("class") or "")]
    to_items = [(a["href"] or "")[1:] for a in links if "back" in (a.get("class") or "")]
    evidence_count = sum(len(item.evidence) for item in brief.evidenced())
    assert len(to_spans) == len(to_items) == evidence_count
    assert set(to_spans) <= ids and set(to_items) <= ids
    assert len(set(to_spans)) == evidence_count  # one anchor per span
    marks = [attrs for tag, attrs in tags if tag == "mark"]
    assert {m["class"] for m in marks} == {"k-agreement", "k-official", "k-claim", "k-key_point"}


def test_highlighted_text_is_exactly_the_cited_text(
    first_article: Article, first_payload: dict[str, Any]
) -> None:
    brief = generate_brief(first_article, client=FakeModel([first_payload]).client())
    html = brief.to_html()
    marked = re.findall(r"<mark [^>]*>(.*?)</mark>", html, flags=re.DOTALL)
    text = first_article.text
    items: list[Agreement | Claim] = [*brief.agreements, *brief.claims]
    cited = sorted({(e.start, e.end) for i in items for e in i.evidence})
    covered = set()
    for start, end in cited:
        covered |= set(range(start, end))
    marked_chars = sum(len(m.replace("&#39;", "'").replace("&#34;", '"')) for m in marked)
    assert marked_chars >= len(covered)
    assert all(part.replace("&#39;", "'").replace("&#34;", '"') in text for part in marked)


def test_notebook_reprs(first_article: Article, first_payload: dict[str, Any]) -> None:
    brief = generate_brief(first_article, client=FakeModel([first_payload]).client())
    fragment = brief._repr_html_()
    assert "<html" not in fragment and "<style>" in fragment
    assert all(
        rule.startswith((".briefing", "@media", "}")) or not rule.strip()
        for rule in re.findall(
            r"^[^\s].*$", fragment.split("<style>")[1].split("</style>")[0], re.M
        )
    )
    assert brief._repr_markdown_() == brief.to_markdown()


def test_user_templates_override_ours(tmp_path: Path, first_article: Article) -> None:
    payload = {
        "headline": "H",
        "bluf": "B",
        "key_points": [],
        "agreements": [],
        "officials": [],
        "claims": [],
    }
    brief = generate_brief(first_article, client=FakeModel([payload] * 3).client())
    (tmp_path / "brief.md.j2").write_text("CUSTOM {{ brief.headline }} {{ brief.record.model }}")
    assert brief.to_markdown(templates=tmp_path) == "CUSTOM H fake-model\n"
    assert "<!DOCTYPE html>" in brief.to_html(templates=tmp_path)  # falls back to ours
    (tmp_path / "brief.md.j2").write_text("{{ brief.no_such_field }}")
    with pytest.raises(ConfigurationError, match="no_such_field"):
        brief.to_markdown(templates=tmp_path)
    with pytest.raises(ConfigurationError, match="does not exist"):
        brief.to_markdown(templates=tmp_path / "missing")
