"""Every seed's HTML briefing in a real headless Chromium: clean, linked, inert."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from briefing import load_article
from briefing.replay.cassettes import replay

from .browser import load_page, skip_without_chromium
from .conftest import CASSETTES, FIRST_SEED, ROOT, SEEDS
from .test_html import hostile_brief

pytestmark = skip_without_chromium()

# Checks in the page itself: every evidence link resolves to an anchor inside the article text,
# every badge resolves to an item, and each anchor is followed by highlighted text.
CHECK_LINKS = """() => {
  const article = document.querySelector('.article');
  const quotes = [...document.querySelectorAll('a.quote')];
  const backs = [...document.querySelectorAll('a.back')];
  const broken = [];
  for (const a of quotes) {
    const target = document.getElementById(a.getAttribute('href').slice(1));
    if (!target || !article.contains(target)) broken.push('quote ' + a.getAttribute('href'));
    else if (!['MARK', 'SPAN'].includes(target.nextElementSibling?.tagName))
      broken.push('unhighlighted ' + a.getAttribute('href'));
  }
  for (const a of backs) {
    const target = document.getElementById(a.getAttribute('href').slice(1));
    if (!target || article.contains(target)) broken.push('back ' + a.getAttribute('href'));
  }
  const marks = [...article.querySelectorAll('mark')];
  return {quotes: quotes.length, backs: backs.length, marks: marks.length, broken,
          colours: new Set(marks.map(m => getComputedStyle(m).backgroundColor)).size};
}"""


@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.stem)
def test_seed_briefing_in_chromium(seed: Path, tmp_path: Path) -> None:
    brief = replay(load_article(seed), CASSETTES / f"{seed.stem}.yaml")
    page = tmp_path / f"{seed.stem}.html"
    page.write_text(brief.to_html(), encoding="utf-8")
    screenshot = ROOT / "build" / "briefing-000.png" if seed == FIRST_SEED else None
    report, result = load_page(page, screenshot=screenshot, eval_js=CHECK_LINKS)
    assert report.console_errors == []
    assert report.requests == []
    assert report.title == brief.headline
    evidence = sum(len(i.evidence) for i in brief.evidenced())
    links: dict[str, Any] = result
    assert links["broken"] == []
    assert links["quotes"] == links["backs"] == evidence
    assert links["marks"] > 0 and links["colours"] >= 2
    if screenshot is not None:
        assert screenshot.stat().st_size > 10_000


def test_script_payload_in_the_article_does_not_run(tmp_path: Path) -> None:
    page = tmp_path / "hostile.html"
    page.write_text(hostile_brief().to_html(), encoding="utf-8")
    probe = """() => ({pwned: document.body.dataset.pwned ?? null, imgs: document.images.length,
                       text: document.querySelector('.article').innerText})"""
    report, state = load_page(page, eval_js=probe)
    assert (state["pwned"], state["imgs"]) == (None, 0)
    assert "<script>document.body.dataset.pwned = 1</script>" in state["text"]
    assert report.console_errors == [] and report.requests == []


CONTRAST = """() => {
  const rgb = (c) => c.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map(Number);
  const lum = ([r, g, b]) => [r, g, b].map(v => { v /= 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
    .reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
  const root = document.querySelector('.briefing');
  const style = getComputedStyle(root);
  const [a, b] = [lum(rgb(style.color)), lum(rgb(style.backgroundColor))];
  return {ratio: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05), bg: style.backgroundColor};
}"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_notebook_fragment_is_readable_in_light_and_dark_themes(
    scheme: str, tmp_path: Path
) -> None:
    """A notebook shows the fragment inside its own page: a dark theme's page must not leave
    dark text on a dark background."""
    brief = replay(load_article(FIRST_SEED), CASSETTES / f"{FIRST_SEED.stem}.yaml")
    page = tmp_path / "notebook.html"
    host = "#1e1e1e" if scheme == "dark" else "#ffffff"
    page.write_text(
        f'<html><body style="background:{host};color:#ccc">{brief._repr_html_()}</body></html>',
        encoding="utf-8",
    )
    report, result = load_page(page, eval_js=CONTRAST, color_scheme=scheme)  # type: ignore[arg-type]
    assert report.console_errors == []
    assert result["ratio"] >= 7, result
