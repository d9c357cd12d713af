"""Regenerate the README's and docs' screenshots (docs/*.png): the first seed's HTML briefing,
and the digest pictures (timeline, claims graph) of one storyline, in light and dark.

Needs Debian's Chromium (scripts/install-chromium) and playwright (the dev extra).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from playwright.sync_api import Browser, sync_playwright

from briefing import load_article
from briefing.digest import digest
from briefing.replay.cassettes import replay

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_b6e8438b54aa0c6d.txt"
STORY = "gaza-hostage-deal-pause-2023"
DOCS = ROOT / "docs"


def briefing_shots(browser: Browser, tmp: Path) -> None:
    brief = replay(load_article(SEED), ROOT / "cassettes" / f"{SEED.stem}.yaml")
    page_file = tmp / "brief.html"
    page_file.write_text(brief.to_html(), encoding="utf-8")
    page = browser.new_page(viewport={"width": 1100, "height": 1300})
    page.goto(page_file.as_uri())
    page.screenshot(path=str(DOCS / "briefing.png"))
    page.locator(".article").screenshot(path=str(DOCS / "briefing-article.png"))
    page.close()


def digest_shots(browser: Browser, tmp: Path) -> None:
    """docs/digest-timeline.png, docs/digest-claims.png and their -dark twins."""
    story = ROOT / "corpus" / "storylines" / STORY
    cassettes = ROOT / "cassettes" / "storylines" / STORY
    briefs = [
        replay(load_article(p), cassettes / f"{p.stem}.yaml") for p in sorted(story.glob("*.txt"))
    ]
    index = digest(briefs).write_html(tmp / "digest")
    for scheme in ("light", "dark"):
        suffix = "" if scheme == "light" else "-dark"
        page = browser.new_page(viewport={"width": 1000, "height": 900}, color_scheme=scheme)
        page.goto(index.as_uri())
        page.locator("#timeline-picture").screenshot(
            path=str(DOCS / f"digest-timeline{suffix}.png")
        )
        page.locator("#claims-picture").screenshot(path=str(DOCS / f"digest-claims{suffix}.png"))
        page.close()


def main() -> None:
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        briefing_shots(browser, Path(folder))
        digest_shots(browser, Path(folder))
        browser.close()


if __name__ == "__main__":
    main()
