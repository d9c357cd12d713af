"""Tests of the headless-Chromium harness itself (tests/browser.py), on hand-written pages."""

from __future__ import annotations

import struct
from pathlib import Path

from .browser import load_page, skip_without_chromium

pytestmark = skip_without_chromium()

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def write_page(tmp_path: Path, body: str, *, title: str = "Harness test") -> Path:
    path = tmp_path / "page.html"
    path.write_text(
        f'<!doctype html><html><head><meta charset="utf-8"><title>{title}</title></head>'
        f"<body>{body}</body></html>",
        encoding="utf-8",
    )
    return path


def test_clean_page_reports_nothing(tmp_path: Path) -> None:
    report, result = load_page(write_page(tmp_path, "<h1>Briefing</h1>", title="Clean"))
    assert report.console_errors == []
    assert report.requests == []
    assert report.title == "Clean"
    assert "<h1>Briefing</h1>" in report.dom
    assert result is None


def test_console_error_and_uncaught_error_are_reported(tmp_path: Path) -> None:
    page = write_page(
        tmp_path,
        "<script>console.log('fine'); console.error('boom');</script>"
        "<script>throw new TypeError('kaput');</script>"
        "<p>after</p>",
    )
    report, _ = load_page(page)
    assert report.console_errors == ["boom", "TypeError: kaput"]
    assert report.requests == []
    assert "<p>after</p>" in report.dom  # the page went on rendering after the throw


def test_remote_requests_are_recorded_and_aborted(tmp_path: Path) -> None:
    page = write_page(
        tmp_path,
        '<img id="remote" src="https://example.com/x.png">'
        '<img id="local" src="missing.png">'
        "<script>new WebSocket('wss://example.com/socket');</script>",
    )
    probe = """async () => {
        const fetched = await fetch('https://example.com/api').then(() => 'ok', () => 'blocked');
        return [document.getElementById('remote').naturalWidth, fetched];
    }"""
    report, result = load_page(page, eval_js=probe)
    assert result == [0, "blocked"]
    assert set(report.requests) == {
        "https://example.com/x.png",
        (tmp_path / "missing.png").as_uri(),  # file: URLs pass through but are still recorded
        "wss://example.com/socket",
        "https://example.com/api",
    }
    assert page.as_uri() not in report.requests
    # Chromium logs each failed load as a console error.
    assert "Failed to load resource: net::ERR_FAILED" in report.console_errors


def test_escaped_script_text_does_not_run_but_real_script_does(tmp_path: Path) -> None:
    page = write_page(
        tmp_path,
        '<p id="text">&lt;script&gt;document.body.dataset.pwned = "yes"&lt;/script&gt;</p>'
        '<script>document.body.dataset.ran = "yes";</script>',
    )
    report, result = load_page(
        page,
        eval_js="[document.body.dataset.pwned ?? null, document.body.dataset.ran,"
        " document.getElementById('text').textContent]",
    )
    assert result == [None, "yes", '<script>document.body.dataset.pwned = "yes"</script>']
    assert report.console_errors == []
    assert 'data-ran="yes"' in report.dom
    assert "data-pwned" not in report.dom
    assert "&lt;script&gt;" in report.dom


def test_screenshot_is_a_full_page_png(tmp_path: Path) -> None:
    page = write_page(
        tmp_path,
        '<div style="height: 3000px; background: #e8f0ff">A tall briefing</div>',
        title="Tall",
    )
    shot = tmp_path / "shot.png"
    report, _ = load_page(page, screenshot=shot)
    data = shot.read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    width, height = struct.unpack(">II", data[16:24])  # IHDR: the first chunk after the signature
    assert width == 1280
    assert height >= 3000  # the whole page, not just the 800px viewport
    assert report.title == "Tall"
