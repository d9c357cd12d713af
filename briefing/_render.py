"""Rendering a Brief with the Jinja2 templates shipped in `briefing/templates`."""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING

import jinja2

if TYPE_CHECKING:
    from briefing._models import Brief, DateValue, Evidence


def _label(value: str) -> str:
    return value.replace("_", " ")


def _oneline(value: str) -> str:
    return re.sub(r"\s+", " ", value).strip()


def _quotes(evidence: list[Evidence], indent: int) -> str:
    """Evidence as Markdown block quotes nested under a list item."""
    pad = " " * indent
    return "\n".join(f'{pad}> "{_oneline(e.quote)}"' for e in evidence)


def _when(date: DateValue) -> str:
    if date.value:
        return f'{date.value} ("{_oneline(date.text)}")'
    return f'"{_oneline(date.text)}" (not resolved)'


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("briefing", "templates"),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(label=_label, oneline=_oneline, when=_when, quotes=_quotes)
    return env


def render_markdown(brief: Brief) -> str:
    text = _environment().get_template("brief.md.j2").render(brief=brief)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
