"""Rendering a Brief with Jinja2 templates: the package's, or a user's folder searched first."""

from __future__ import annotations

import os
import re
import string
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from urllib.parse import quote

import jinja2

from briefing.errors import ConfigurationError

if TYPE_CHECKING:
    from briefing.models import Brief, DateValue, Evidence

TemplateDir = str | os.PathLike[str] | None


def _label(value: str) -> str:
    return value.replace("_", " ")


def _oneline(value: str) -> str:
    return re.sub(r"\s+", " ", value).strip()


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|])")


def escape_markdown(value: object) -> str:
    """Escape text from the article or the model so it renders as text: no links, images,
    HTML or emphasis smuggled into a notebook through a quote or a name."""
    return _MD_SPECIAL.sub(r"\\\1", _oneline(str(value)))


def _count(number: int, noun: str, plural: str | None = None) -> str:
    """ "1 item", "2 items": a count with its noun in the right number."""
    return f"{number} {noun if number == 1 else plural or noun + 's'}"


def _quotes(evidence: list[Evidence], indent: int) -> str:
    """Evidence as separate Markdown block quotes nested under a list item."""
    pad = " " * indent
    return "\n\n".join(f"{pad}> \u201c{escape_markdown(e.quote)}\u201d" for e in evidence)


def _when(date: DateValue) -> str:
    if date.value:
        return f"{date.value} (\u201c{escape_markdown(date.text)}\u201d)"
    return f"\u201c{escape_markdown(date.text)}\u201d (not resolved)"


def _safe_url(url: str | None) -> str | None:
    """Only http(s) links become hrefs; anything else (javascript:, data:) stays text."""
    return url if url and re.match(r"https?://", url, flags=re.IGNORECASE) else None


def _autolink_url(url: str) -> str:
    """The URL percent-encoded so that it stays inside a Markdown autolink `<...>`: a space,
    `<` or `>` in it would end the link and let the rest through as raw HTML."""
    return quote(url, safe=string.punctuation.replace("<", "").replace(">", ""))


@cache
def _environment(folder: str | None, flavour: Literal["md", "html"]) -> jinja2.Environment:
    loaders: list[jinja2.BaseLoader] = [jinja2.PackageLoader("briefing.render", "templates")]
    if folder is not None:
        loaders.insert(0, jinja2.FileSystemLoader(folder))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        undefined=jinja2.StrictUndefined,
        autoescape=flavour == "html",
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        label=_label,
        count=_count,
        oneline=_oneline,
        when=_when,
        quotes=_quotes,
        safe_url=_safe_url,
        md=escape_markdown,
        url_md=_autolink_url,
    )
    return env


def _template(name: str, folder: TemplateDir, flavour: Literal["md", "html"]) -> jinja2.Template:
    if folder is not None and not Path(folder).is_dir():
        raise ConfigurationError(f"template folder {folder} does not exist")
    try:
        return _environment(None if folder is None else str(folder), flavour).get_template(name)
    except jinja2.TemplateError as exc:
        raise ConfigurationError(f"template {name} could not be loaded: {exc}") from None


def _render(template: jinja2.Template, **context: object) -> str:
    try:
        return template.render(**context)
    except jinja2.TemplateError as exc:
        raise ConfigurationError(f"template {template.name} failed: {exc}") from None


def render_markdown(brief: Brief, *, templates: TemplateDir = None) -> str:
    text = _render(_template("brief.md.j2", templates, "md"), brief=brief)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def render_html(brief: Brief, *, templates: TemplateDir = None, fragment: bool = False) -> str:
    """A self-contained page (inline CSS, no script, no external request), or the fragment
    for notebooks, whose CSS is scoped to the briefing's own element."""
    from briefing.render.segments import article_paragraphs, item_refs

    refs = item_refs(brief)
    page = _render(
        _template("brief.html.j2", templates, "html"),
        brief=brief,
        refs=refs,
        paragraphs=article_paragraphs(brief.article.text, refs),
        fragment=fragment,
    )
    return page.strip() + "\n"
