"""Headless Chromium harness for tests of briefing's self-contained HTML pages.

Drives Debian's Chromium (installed by scripts/install-chromium) through Playwright's bundled
driver; `playwright install` is never needed. Each `load_page` starts a fresh browser with an empty
profile. Every request other than the page itself is recorded in `PageReport.requests`; file: URLs
are let through (a missing one fails as usual), anything else is aborted, WebSockets are never
connected and no host name resolves, so a page under test cannot reach the network.
"""

from __future__ import annotations

import importlib.util
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import ConsoleMessage, Error, Route, ViewportSize, WebSocketRoute

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Safety net under the request routing: preconnects/DNS prefetches never resolve a host.
    "--host-resolver-rules=MAP * ~NOTFOUND",
]
VIEWPORT: ViewportSize = {"width": 1280, "height": 800}
TIMEOUT_MS = 30_000


@dataclass
class PageReport:
    console_errors: list[str]  # console messages of type error + uncaught page errors
    requests: list[str]  # every URL requested other than the page itself (should be none)
    dom: str  # page.content() after load (and after eval_js, if given)
    title: str


def skip_without_chromium() -> pytest.MarkDecorator:
    """A pytest skip mark for machines without the browser; where BRIEFING_REQUIRE_BROWSER is
    set (CI sets it), a missing browser fails instead of hiding the tests."""

    required = bool(os.environ.get("BRIEFING_REQUIRE_BROWSER"))
    return pytest.mark.skipif(
        not required and not chromium_available(),
        reason="needs Debian's Chromium at /usr/bin/chromium (run scripts/install-chromium as "
        "root) and the playwright package (pip install -e '.[dev]')",
    )


def chromium_available() -> bool:
    """True when Debian's Chromium and the playwright package are both installed."""
    return (
        CHROMIUM.is_file()
        and os.access(CHROMIUM, os.X_OK)
        and importlib.util.find_spec("playwright") is not None
    )


def load_page(
    html_path: Path,
    *,
    screenshot: Path | None = None,
    eval_js: str | None = None,
    color_scheme: Literal["light", "dark"] = "light",
    width: int = VIEWPORT["width"],
) -> tuple[PageReport, Any]:
    """Open `html_path` in headless Chromium and wait for its load event.

    Then, in order: evaluate `eval_js` (a JS expression or function source, as for Playwright's
    `page.evaluate`; a returned promise is awaited), snapshot the DOM and title, and write a
    full-page PNG to `screenshot` if asked. `width` sets the viewport's (390 is a phone).
    Returns the report and the eval_js result (or None).
    """
    from playwright.sync_api import sync_playwright

    url = html_path.resolve().as_uri()
    report = PageReport(console_errors=[], requests=[], dom="", title="")

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            report.console_errors.append(message.text)

    def on_page_error(error: Error) -> None:
        report.console_errors.append(
            f"{error.name}: {error.message}" if error.name else error.message
        )

    def on_route(route: Route) -> None:
        request_url = route.request.url
        if request_url != url:
            report.requests.append(request_url)
        if request_url.startswith("file:"):
            route.continue_()
        else:
            route.abort()

    def on_websocket(ws: WebSocketRoute) -> None:
        report.requests.append(ws.url)
        ws.close()  # never connected to a server: the page sees the socket close

    result: Any = None
    with (
        tempfile.TemporaryDirectory(
            prefix="briefing-chromium-", ignore_cleanup_errors=True
        ) as profile,
        sync_playwright() as playwright,
    ):
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": width, "height": VIEWPORT["height"]},
            service_workers="block",
            color_scheme=color_scheme,
        )
        try:
            context.set_default_timeout(TIMEOUT_MS)
            context.route("**/*", on_route)
            context.route_web_socket("**/*", on_websocket)
            page = context.pages[0] if context.pages else context.new_page()
            page.on("console", on_console)
            page.on("pageerror", on_page_error)
            page.goto(url, wait_until="load")
            if eval_js is not None:
                result = page.evaluate(eval_js)
            report.dom = page.content()
            report.title = page.title()
            if screenshot is not None:
                page.screenshot(path=screenshot, full_page=True)
        finally:
            context.close()
    return report, result


# Layout and legibility, measured in the page: the document must not scroll sideways, and every
# element with its own text must reach WCAG's 4.5:1 against the background painted behind it
# (the nearest ancestor with an opaque background, the canvas if none).
LEGIBILITY = """() => {
  const rgba = (c) => {
    const v = c.match(/[\\d.]+/g).map(Number);
    return v.length > 3 ? v : [...v, 1];
  };
  const lum = ([r, g, b]) => [r, g, b].map(v => { v /= 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
    .reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
  const canvas = () => {
    for (const el of [document.body, document.documentElement]) {
      const bg = rgba(getComputedStyle(el).backgroundColor);
      if (bg[3] > 0) return bg;
    }
    return matchMedia('(prefers-color-scheme: dark)').matches &&
      getComputedStyle(document.documentElement).colorScheme.includes('dark')
      ? [18, 18, 18, 1] : [255, 255, 255, 1];
  };
  const behind = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const bg = rgba(getComputedStyle(e).backgroundColor);
      if (bg[3] >= 0.5) return bg;
    }
    return canvas();
  };
  const worst = [];
  let checked = 0;
  for (const el of document.body.querySelectorAll('*')) {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.getClientRects().length) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden') continue;
    checked++;
    const ink = el instanceof SVGElement ? style.fill : style.color;  // SVG text is filled
    const [fg, bg] = [lum(rgba(ink)), lum(behind(el))];
    const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
    if (ratio < 4.5) worst.push({tag: el.tagName, cls: el.className && String(el.className),
      text: el.textContent.trim().slice(0, 40), ratio: Math.round(ratio * 100) / 100,
      color: ink, bg: String(behind(el))});
  }
  const doc = document.documentElement;
  const wide = [...document.body.querySelectorAll('*')].filter(e => {
    const r = e.getBoundingClientRect();
    return r.right > doc.clientWidth + 1 && !e.closest('.scroll');
  }).slice(0, 5).map(e => e.tagName + '.' + e.className);
  return {scrollWidth: doc.scrollWidth, viewport: window.innerWidth, checked,
          low: worst.slice(0, 10), lowCount: worst.length, wide,
          canvas: String(canvas())};
}"""
