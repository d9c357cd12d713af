"""The briefing, the digest and the eval report in Chromium at a phone's width (390 px) and a
desktop's (1280 px), light and dark: no sideways page scroll, body text at 4.5:1 or better,
the caution in view on load; the digest's pictures drawn, each mark linked to its quote."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, Literal

import pytest

from briefing import load_article, replay_brief
from briefing.digest import Digest, digest
from briefing.eval.report import to_html as eval_html
from briefing.eval.run import evaluate

from .browser import LEGIBILITY, load_page, skip_without_chromium
from .conftest import FIRST_SEED, ROOT, authored
from .test_caution import unverified_brief

pytestmark = skip_without_chromium()

STORYLINES = sorted((ROOT / "corpus" / "storylines").iterdir())
WIDTHS = [390, 1280]
SCHEMES: list[Literal["light", "dark"]] = ["light", "dark"]
PAGES = ["briefing", "digest", "eval"]


@cache
def storyline_digest(name: str) -> Digest:
    story = ROOT / "corpus" / "storylines" / name
    cassettes = ROOT / "cassettes" / "storylines" / name
    return digest(
        [
            replay_brief(load_article(p), cassettes / f"{p.stem}.yaml")
            for p in sorted(story.glob("*.txt"))
        ]
    )


def write_page(kind: str, folder: Path) -> Path:
    if kind == "briefing":
        page = folder / "briefing.html"
        brief = unverified_brief(load_article(FIRST_SEED), authored(FIRST_SEED.stem))
        page.write_text(brief.to_html(), encoding="utf-8")
        return page
    if kind == "digest":
        return storyline_digest(STORYLINES[0].name).write_html(folder / "digest")
    page = folder / "eval.html"
    result = evaluate(ROOT / "gold" / "seeds", cassettes=ROOT / "cassettes")
    page.write_text(eval_html(result), encoding="utf-8")
    return page


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("kind", PAGES)
def test_no_sideways_scroll_and_legible_text(
    kind: str, width: int, scheme: Literal["light", "dark"], tmp_path: Path
) -> None:
    report, result = load_page(
        write_page(kind, tmp_path), eval_js=LEGIBILITY, color_scheme=scheme, width=width
    )
    found: dict[str, Any] = result
    assert report.console_errors == [] and report.requests == []
    assert found["scrollWidth"] <= width, found["wide"]
    assert found["checked"] > 20
    assert found["lowCount"] == 0, found["low"]
    dark = sum(int(v) for v in found["canvas"].split(",")[:3]) < 150
    assert dark == (scheme == "dark"), found["canvas"]  # the whole page, not only a card


CAUTION_IN_VIEW = """() => {
  const el = document.querySelector('.caution');
  if (!el) return null;
  const r = el.getBoundingClientRect();
  return {top: r.top, bottom: r.bottom, height: window.innerHeight, scrollY: window.scrollY,
          text: el.innerText};
}"""


@pytest.mark.parametrize("width", WIDTHS)
def test_the_caution_is_in_view_on_load(width: int, tmp_path: Path) -> None:
    _, found = load_page(write_page("briefing", tmp_path), eval_js=CAUTION_IN_VIEW, width=width)
    assert found is not None
    assert found["scrollY"] == 0 and 0 <= found["top"] < found["bottom"] <= found["height"]
    assert found["text"].startswith("Caution:")


PICTURES = """() => {
  const out = {};
  for (const id of ['timeline-picture', 'claims-picture']) {
    const fig = document.getElementById(id);
    if (!fig) { out[id] = null; continue; }
    const svg = fig.querySelector('svg.picture');
    const links = [...svg.querySelectorAll('a')];
    const broken = links.map(a => a.getAttribute('href'))
      .filter(h => !h.startsWith('#') || !document.getElementById(h.slice(1)));
    const quoted = links.filter(a => {
      const t = document.getElementById(a.getAttribute('href').slice(1));
      return t && t.querySelector('td:last-child') && t.closest('table');
    }).length;
    const box = svg.getBoundingClientRect();
    const texts = [...svg.querySelectorAll('text')].map(t => t.getBBox());
    let overlaps = 0;
    for (let i = 0; i < texts.length; i++) for (let j = i + 1; j < texts.length; j++) {
      const [a, b] = [texts[i], texts[j]];
      const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
      const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
      if (w > 1 && h > 1) overlaps++;
    }
    out[id] = {links: links.length, broken, quoted, overlaps, width: box.width,
               height: box.height, marks: svg.querySelectorAll('circle, rect, path.edge').length,
               external: [...svg.querySelectorAll('[href]')]
                 .filter(e => !e.getAttribute('href').startsWith('#')).length};
  }
  out.scripts = document.scripts.length;
  return out;
}"""


@pytest.mark.parametrize("story", STORYLINES, ids=lambda p: p.name)
def test_each_storyline_digest_shows_the_timeline_and_the_claims_graph(
    story: Path, tmp_path: Path
) -> None:
    result = storyline_digest(story.name)
    index = result.write_html(tmp_path / "site")
    report, found = load_page(index, eval_js=PICTURES)
    assert report.console_errors == [] and report.requests == [] and found["scripts"] == 0
    timeline, claims = found["timeline-picture"], found["claims-picture"]
    assert timeline is not None and claims is not None, found
    assert timeline["links"] == len(result.timeline) and timeline["broken"] == []
    agreement_events = sum(e.kind == "agreement" for e in result.timeline)
    assert timeline["quoted"] >= agreement_events  # each agreement mark opens its quote's row
    assert claims["links"] > 0 and claims["broken"] == [] and claims["quoted"] == claims["links"]
    for picture in (timeline, claims):
        assert picture["overlaps"] == 0 and picture["external"] == 0
        assert picture["width"] > 300 and picture["height"] > 100
    kinds = {c.kind for c in result.claims if c.target_key}
    if kinds & {"accusation", "condemnation"}:
        assert 'class="edge acc"' in report.dom
    if "denial" in kinds:
        assert 'class="edge den"' in report.dom
