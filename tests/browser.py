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
) -> tuple[PageReport, Any]:
    """Open `html_path` in headless Chromium and wait for its load event.

    Then, in order: evaluate `eval_js` (a JS expression or function source, as for Playwright's
    `page.evaluate`; a returned promise is awaited), snapshot the DOM and title, and write a
    full-page PNG to `screenshot` if asked. Returns the report and the eval_js result (or None).
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
            viewport=VIEWPORT,
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
