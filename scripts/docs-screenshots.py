"""Regenerate the README's screenshots of the first seed's HTML briefing (docs/*.png).

Needs Debian's Chromium (scripts/install-chromium) and playwright (the dev extra).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from briefing import load_article
from briefing.replay.cassettes import replay

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_b6e8438b54aa0c6d.txt"


def main() -> None:
    brief = replay(load_article(SEED), ROOT / "cassettes" / f"{SEED.stem}.yaml")
    with tempfile.TemporaryDirectory() as tmp:
        page_file = Path(tmp) / "brief.html"
        page_file.write_text(brief.to_html(), encoding="utf-8")
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path="/usr/bin/chromium",
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            page = browser.new_page(viewport={"width": 1100, "height": 1300})
            page.goto(page_file.as_uri())
            page.screenshot(path=str(ROOT / "docs" / "briefing.png"))
            page.locator(".article").screenshot(path=str(ROOT / "docs" / "briefing-article.png"))
            browser.close()


if __name__ == "__main__":
    main()
