"""Refresh the screenshots in docs/screenshots/ (shown by the README and
docs/visitors-and-embedders.md). Only this command writes them; the test run never does.

It indexes the bundled samples into a temporary directory, serves them with the real app under
gunicorn (scripts/sample_server.py), and drives Debian's ``chromium`` with Playwright (both set up
by scripts/test.sh):

    home-desktop.png, home-phone.png        the page a visitor arrives on
    results-desktop.png, results-phone.png  a query typed one key at a time, results as you type
    legal-card-desktop.png                  a legal text found by its number
    embed-widget.png, embed-iframe.png      the widget and the iframe on a page of another origin

    .venv/bin/python scripts/screenshots.py [--out DIR]
"""

from __future__ import annotations

import argparse
import http.server
import sys
import tempfile
import threading
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "tests"))

from sample_server import SampleServerError, serve_samples  # noqa: E402

from helpers.browser import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

DESKTOP = {"viewport": {"width": 1280, "height": 800}}
PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
QUERY = "bảo vệ trẻ em"
LEGAL_QUERY = "56/2017/NĐ-CP"
WIDGET_QUERY = "tro cap xa hoi"
SITE = "sldtbxh"
TYPING_DELAY = 90  # ms between keys: a visitor's pace, so results as you type get their turn
RESULTS_WAIT = 8000  # ms for results to show after the last key


class Shots:
    """The browser, the served samples and where the pictures go."""

    def __init__(self, browser, base: str, out: Path):
        self.browser, self.base, self.out = browser, base, out
        self.notes: list[str] = []

    def page(self, device: dict):
        context = self.browser.new_context(locale="vi-VN", **device)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.errors = errors
        return page

    def save(self, page, name: str, full_page: bool = False) -> None:
        page.evaluate("() => { const a = document.activeElement; if (a && a.blur) a.blur(); return document.fonts.ready.then(() => true); }")
        page.screenshot(path=str(self.out / name), full_page=full_page, animations="disabled", caret="hide")
        if page.errors:
            raise RuntimeError(f"{name}: JavaScript errors on the page: {page.errors}")
        page.context.close()
        print(f"wrote {self.out / name}")

    def home(self, device: dict, name: str) -> None:
        page = self.page(device)
        page.goto(self.base)
        page.wait_for_load_state("networkidle")
        self.save(page, name)

    def results_as_you_type(self, device: dict, name: str) -> None:
        """Types the query one key at a time and waits for the results in place; if the page does
        not show results as you type, presses Enter (and says so)."""
        page = self.page(device)
        page.goto(self.base)
        box = page.locator("#q")
        box.click()
        box.press_sequentially(QUERY, delay=TYPING_DELAY)
        # The answer for the whole text, not for a prefix typed on the way.
        results = page.locator(f'#search-results .results-region[data-query="{QUERY}"] .result mark').first
        try:
            results.wait_for(timeout=RESULTS_WAIT)
        except Exception:  # Playwright's TimeoutError: no results as you type
            self.notes.append(f"{name}: no results appeared while typing; pressed Enter instead")
            box.press("Enter")
            page.wait_for_load_state()
            results.wait_for()
        page.keyboard.press("Escape")  # close the suggestions over the results
        page.wait_for_load_state("networkidle")
        self.save(page, name)

    def legal_card(self, device: dict, name: str) -> None:
        page = self.page(device)
        page.goto(self.base + "?q=" + LEGAL_QUERY.replace("/", "%2F"))
        page.locator("#search-results .result").first.wait_for()
        page.wait_for_load_state("networkidle")
        self.save(page, name)

    def embed(self, host: str) -> None:
        page = self.page(DESKTOP)
        page.goto(host + "widget.html")
        widget = page.locator(".tracuu-embed")
        box = widget.get_by_role("combobox")
        box.press_sequentially(WIDGET_QUERY, delay=TYPING_DELAY)
        box.press("Enter")
        widget.locator("ol li mark").first.wait_for()
        self.save(page, "embed-widget.png", full_page=True)

        page = self.page(DESKTOP)
        page.goto(host + "iframe.html")
        frame = page.frame_locator("iframe")
        frame.locator("#q").fill(WIDGET_QUERY)
        frame.locator("#q").press("Enter")
        frame.locator("ol.results > li").first.wait_for()
        self.save(page, "embed-iframe.png", full_page=True)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def host_pages(folder: Path, base: str) -> None:
    """A district's page that embeds tracuu: the widget (one script tag) and the iframe."""
    page = ('<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>UBND huyện Núi Thành</title>'
            '<style>body { font-family: Georgia, serif; margin: 0; background: #f4f1ea; } '
            'header { background: #7a1f1f; color: #fff; padding: 1rem 2rem; } '
            'main { max-width: 46rem; margin: 1.5rem auto; padding: 0 1rem; }</style></head>'
            '<body><header><strong>UBND huyện Núi Thành</strong></header><main><h1>Tra cứu thủ tục, văn bản</h1>'
            "EMBED</main></body></html>")
    (folder / "widget.html").write_text(
        page.replace("EMBED", f'<script src="{base}embed.js" data-site="{SITE}"></script>'), encoding="utf-8")
    (folder / "iframe.html").write_text(
        page.replace("EMBED", f'<iframe src="{base}embed?site={SITE}" title="Tìm kiếm văn bản, tin tức" '
                    'width="640" height="720" style="border: 1px solid #ccc"></iframe>'), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots",
                        help="where the PNGs go (default: docs/screenshots)")
    args = parser.parse_args()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sys.exit("screenshots.py: Playwright is missing: run scripts/test.sh once (it installs the test extras)")
    if not Path(CHROMIUM).exists():
        sys.exit("screenshots.py: Debian's chromium is missing (apt-get install chromium)")
    args.out.mkdir(parents=True, exist_ok=True)
    try:
        with serve_samples() as base, tempfile.TemporaryDirectory(prefix="tracuu-host-") as folder, \
                sync_playwright() as playwright:
            host_pages(Path(folder), base)
            httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietHandler, directory=folder))
            threading.Thread(target=httpd.serve_forever, daemon=True).start()
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            try:
                shots = Shots(browser, base, args.out)
                shots.home(DESKTOP, "home-desktop.png")
                shots.home(PHONE, "home-phone.png")
                shots.results_as_you_type(DESKTOP, "results-desktop.png")
                shots.results_as_you_type(PHONE, "results-phone.png")
                shots.legal_card(DESKTOP, "legal-card-desktop.png")
                shots.embed(f"http://127.0.0.1:{httpd.server_address[1]}/")
            finally:
                browser.close()
                httpd.shutdown()
                httpd.server_close()
    except SampleServerError as error:
        sys.exit(f"screenshots.py: {error}")
    for note in shots.notes:
        print(f"note: {note}", file=sys.stderr)


if __name__ == "__main__":
    main()
