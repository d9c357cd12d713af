"""Web pages reduced to their article: the body text without the page's furniture, and the
title, publication date and site name the page's metadata gives.

The body comes from trafilatura, a maintained main-content extractor, set to favour precision:
menus, cookie banners, "related stories", sidebars, share buttons, comments and footers are
dropped. When it finds no article body (a fragment of markup, a page that is all lists), the
visible text of the whole markup is kept instead and `Page.whole` says so.

The date is read from the page's metadata only (meta tags, JSON-LD, `itemprop="datePublished"`
and a dated canonical URL), never from dates scattered in the page, such as those of comments.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

from briefing.errors import ConfigurationError

_BLOCKS = {
    "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table",
    "section", "article", "header", "footer", "blockquote", "pre", "figure", "figcaption", "hr",
}  # fmt: skip
_SKIP = {"script", "style", "noscript", "template", "svg", "head", "nav", "iframe", "form"}

# Boxes trafilatura keeps on some sites (GOV.UK's "Is this page useful?" feedback box), named
# by words no article body's class or id uses. Only small boxes that hold no <article> or
# <main> are pruned, so that a page wrapper whose class happens to name a cookie banner
# ("has-cookie-notice") can never take the article with it. Related links, share buttons and
# comments trafilatura drops by itself.
_FURNITURE_WORDS = ("feedback", "cookie", "consent", "gdpr", "newsletter")
_LOWER = (
    "translate(concat(@class, ' ', @id), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', "
    "'abcdefghijklmnopqrstuvwxyz')"
)
_FURNITURE = (
    "//body//*[self::div or self::section or self::aside or self::form or self::ul]"
    f"[{' or '.join(f'contains({_LOWER}, {word!r})' for word in _FURNITURE_WORDS)}]"
    "[not(.//article) and not(.//main) and string-length(normalize-space(.)) < 1500]"
)
_DATE_PARAMS = {"original_date": True, "extensive_search": False}
_DATE_ITEMPROPS = {"datepublished", "datecreated"}


@dataclass(frozen=True)
class Page:
    """What a web page yields: its article text, and what its metadata says."""

    text: str
    title: str | None = None
    published: dt.date | None = None
    site: str | None = None
    whole: bool = False  # no article body was found: the visible text of all the markup


def looks_like_html(text: str) -> bool:
    head = text.lstrip()[:1000].lower()
    if head.startswith(("<!doctype html", "<html", "<?xml")):
        return True
    tags = len(re.findall(r"</?(?:p|div|span|a|br|body|html|h[1-6]|li|article)\b", head))
    return tags >= 3


def _trafilatura() -> Any:
    """The HTML reader; a broken install (lxml without its html-clean part, as old pips leave
    it) is a ConfigurationError that says what to install, not a traceback per page."""
    try:
        import trafilatura
        import trafilatura.settings
    except ImportError as exc:
        raise ConfigurationError(
            f"web pages cannot be read: the HTML reader does not load ({exc}); "
            "`pip install lxml_html_clean` or reinstall grounded-briefing"
        ) from None
    return trafilatura


def read_page(markup: str) -> Page:
    """The article of a web page, without its furniture, with its title, date and site."""
    trafilatura = _trafilatura()
    Document = trafilatura.settings.Document

    found = trafilatura.bare_extraction(
        markup,
        favor_precision=True,
        include_comments=False,
        include_tables=True,
        include_images=False,
        include_links=False,
        include_formatting=False,
        with_metadata=True,
        prune_xpath=_FURNITURE,
    )
    published = _page_date(markup)
    text = _paragraphs(found.text or "") if isinstance(found, Document) else ""
    if not isinstance(found, Document) or not text:
        visible, title = _visible_text(markup)
        return Page(visible, title, published, whole=True)
    title = _clean(found.title) or _visible_text(markup)[1]
    return Page(text, title, published, _clean(found.sitename))


def html_to_text(markup: str) -> tuple[str, str | None]:
    """The article text of an HTML page, paragraphs kept, and its title."""
    page = read_page(markup)
    return page.text, page.title


def _paragraphs(text: str) -> str:
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n\n".join(line for line in lines if line)


def _clean(value: str | None) -> str | None:
    """The value with its whitespace collapsed; None for nothing."""
    collapsed = " ".join((value or "").split())
    return collapsed or None


def _page_date(markup: str) -> dt.date | None:
    """The publication date the page's metadata gives, looked for in its metadata only."""
    trafilatura = _trafilatura()

    collector = _Metadata()
    collector.feed(markup)
    collector.close()
    head, body = "".join(collector.head), "".join(collector.body)
    mini = f"<html><head>{head}</head><body>{body}</body></html>"
    found = trafilatura.extract_metadata(mini, date_config=dict(_DATE_PARAMS)).date
    try:
        return dt.date.fromisoformat(found) if found else None
    except ValueError:
        return None


class _Metadata(HTMLParser):
    """The markup that carries metadata: meta and link tags, JSON-LD, dated itemprops."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.head: list[str] = []
        self.body: list[str] = []
        self._json: list[str] | None = None
        self._dated: tuple[str, list[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name.lower(): value or "" for name, value in attrs}
        if tag in ("meta", "link"):
            self.head.append(f"<{tag} {_attributes(values)}>")
        elif tag == "script" and values.get("type", "").lower() == "application/ld+json":
            self._json = []
        elif values.get("itemprop", "").lower() in _DATE_ITEMPROPS and self._dated is None:
            value = values.get("datetime") or values.get("content")
            if value:
                self.body.append(f'<time itemprop="datePublished" datetime="{html.escape(value)}">')
                self.body.append("</time>")
            else:
                self._dated = (tag, [])

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._json is not None:
            self.head.append(f'<script type="application/ld+json">{"".join(self._json)}</script>')
            self._json = None
        elif self._dated is not None and tag == self._dated[0]:
            text = html.escape(" ".join("".join(self._dated[1]).split()))
            self.body.append(f'<time itemprop="datePublished">{text}</time>')
            self._dated = None

    def handle_data(self, data: str) -> None:
        if self._json is not None:
            self._json.append(data)
        elif self._dated is not None:
            self._dated[1].append(data)


def _attributes(values: dict[str, str]) -> str:
    return " ".join(f'{name}="{html.escape(value)}"' for name, value in values.items())


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0
        self.title: str | None = None
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skipping += 1
        elif tag == "title":
            self._in_title = True
        elif tag in _BLOCKS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP and self.skipping:
            self.skipping -= 1
        elif tag == "title":
            self._in_title = False
        elif tag in _BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title = (self.title or "") + data
        elif not self.skipping:
            self.parts.append(data)


def _visible_text(markup: str) -> tuple[str, str | None]:
    """All visible text of the markup (no script, style, head, nav or forms), and <title>."""
    parser = _Text()
    parser.feed(markup)
    parser.close()
    text = html.unescape("".join(parser.parts))
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text)]
    title = " ".join(parser.title.split()) if parser.title else None
    return "\n\n".join(p for p in paragraphs if p), title or None
