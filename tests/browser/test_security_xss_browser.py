"""XSS in a real browser: Debian's headless Chromium (Playwright) against the real server.

Documents whose titles, bodies and URLs carry script payloads, and queries that carry
them too, are searched on the page, the iframe embed, the embed.js widget (from a
second origin) and the autocomplete list. A payload that runs sets ``window.__xss``,
opens a dialog or requests a beacon URL; none may. Links from indexed data are never
``javascript:``."""

from __future__ import annotations

import http.server
import json
import threading
from functools import partial
from urllib.parse import quote, urlsplit

import pytest

from helpers.browser import require_chromium
from helpers.reliability import record, served, tracuu

pytestmark = pytest.mark.reliability

require_chromium()

SITE = "sldtbxh"
WORD = "độc hại"  # every hostile document has it, so one query shows them all
# Each payload, if it ran, would set window.__xss, open a dialog or fetch /beacon.
PAYLOADS = [
    "<script>window.__xss=1</script>",
    "<img src=x onerror=\"window.__xss=1\">",
    "\"><svg onload=window.__xss=1>",
    "'><script>alert(1)</script>",
    "</mark><script>window.__xss=1</script><mark>",
    "<mark onmouseover=window.__xss=1>độc hại</mark>",
    "<a href=\"javascript:window.__xss=1\">bấm</a>",
    "<iframe src=\"javascript:parent.__xss=1\"></iframe>",
    "<style>@import '/beacon?css';</style>",
    "<img src=\"/beacon?img\">",
    "<body onload=window.__xss=1>",
    "{{7*7}}<x-tag ${alert(1)}>",
    "<scr<script>ipt>window.__xss=1</scr</script>ipt>",
    "<math><mtext><table><mglyph><style><img src=x onerror=window.__xss=1>",
    "javascript:window.__xss=1",
    "<input autofocus onfocus=window.__xss=1>",
]
URLS = ["javascript:window.__xss=1", "JaVaScRiPt:alert(1)", " javascript:alert(1)", "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)", "https://example.gov.vn/\"><script>window.__xss=1</script>"]


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory):
    home = tmp_path_factory.mktemp("xss")
    source = home / "hostile.jsonl"
    with open(source, "w", encoding="utf-8") as out:
        for i, payload in enumerate(PAYLOADS):
            out.write(json.dumps({
                "id": f"xss-{i}", "site": SITE, "url": URLS[i % len(URLS)],
                "title": f"Văn bản {WORD} {payload} số {i}",
                "sapo": f"{payload} tóm tắt {WORD}",
                "text": f"Nội dung {WORD} {payload} tiếp theo {payload} về {WORD} trẻ em.",
                "category": payload, "doc_number": f"{i}/2020/QĐ-UBND" if i % 3 == 0 else "",
                "issuer": payload if i % 3 == 0 else "",
            }, ensure_ascii=False) + "\n")
    index_dir = home / "index"
    result = tracuu(index_dir, "index", "--quiet", source, timeout=600)
    assert result.returncode == 0, result.stderr
    with served(index_dir, home / "server.log", workers=1, TRACUU_DEFAULT_SITE=SITE, TRACUU_RATE_LIMIT="") as base:
        yield base


@pytest.fixture()
def page(browser, hostile_server):
    context = browser.new_context()
    page = context.new_page()
    page.fired = []
    page.on("dialog", lambda dialog: (page.fired.append(f"dialog {dialog.message}"), dialog.dismiss()))
    page.on("request", lambda request: urlsplit(request.url).path == "/beacon"
            and page.fired.append(f"request {request.url}"))
    yield page
    context.close()


def _assert_nothing_ran(page, where: str) -> None:
    page.wait_for_timeout(300)  # let onload/onerror handlers fire if any were injected
    ran = page.evaluate("() => window.__xss || null")
    frames = [f.evaluate("() => window.__xss || null") for f in page.frames if f != page.main_frame
              and f.url.startswith("http")]
    assert ran is None and not any(frames) and page.fired == [], (where, ran, frames, page.fired)
    hrefs = page.evaluate("""() => {
        const out = [];
        const walk = (root) => root.querySelectorAll('*').forEach(el => {
            for (const attr of ['href', 'src', 'action', 'formaction']) {
                const v = el.getAttribute && el.getAttribute(attr);
                if (v) out.push(v);
            }
            if (el.shadowRoot) walk(el.shadowRoot);
        });
        walk(document);
        return out;
    }""")
    assert not [h for h in hrefs if h.strip().lower().startswith(("javascript:", "data:", "vbscript:"))], (where, hrefs)


def test_hostile_documents_on_the_search_page(page, hostile_server):
    page.goto(f"{hostile_server}/?q={quote(WORD)}&scope=web")
    assert page.locator("li.result").count() >= 10
    for link in page.locator("li.result a").all():
        link.hover()
    _assert_nothing_ran(page, "search page")
    record("xss_payloads_tried", len(PAYLOADS) + len(URLS))


@pytest.mark.parametrize("payload", PAYLOADS)
def test_the_query_echoed_on_the_page_never_runs(page, hostile_server, payload):
    q = quote(f"{WORD} {payload}")
    for path in (f"/?q={q}&scope=web", f"/?q={q}&scope=web&page=-1", f"/embed?q={q}&site={SITE}",
                 f"/?q={q}&scope=nowhere", f"/?q={quote(payload)}"):
        page.goto(hostile_server + path)
        _assert_nothing_ran(page, path)
        record("xss_payloads_tried")
    # The query is shown as typed, as text.
    page.goto(f"{hostile_server}/?q={q}&scope=web")
    assert page.locator("input[name=q]").first.input_value() == f"{WORD} {payload}"


def test_hostile_documents_in_the_iframe_embed(page, hostile_server):
    page.goto(f"{hostile_server}/embed?q={quote(WORD)}&site={SITE}")
    assert page.locator("li.result").count() >= 10
    _assert_nothing_ran(page, "embed")
    record("xss_payloads_tried", len(PAYLOADS))


def test_hostile_suggestions_in_the_autocomplete(page, hostile_server):
    page.goto(f"{hostile_server}/")
    box = page.locator("input[name=q]").first
    box.click()
    box.type("văn bản độc", delay=30)
    page.wait_for_timeout(800)
    _assert_nothing_ran(page, "autocomplete")
    record("xss_payloads_tried", len(PAYLOADS))


@pytest.fixture(scope="module")
def host_page(hostile_server, tmp_path_factory):
    """A third-party page on another loopback origin that embeds the widget with embed.js."""
    folder = tmp_path_factory.mktemp("host")
    (folder / "widget.html").write_text(
        '<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>Huyện</title></head><body>'
        f'<script src="{hostile_server}/embed.js" data-site="{SITE}" data-per-page="20"></script></body></html>',
        encoding="utf-8")
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *args: None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/widget.html"
    httpd.shutdown()
    httpd.server_close()


def test_hostile_documents_in_the_embed_js_widget(page, host_page):
    page.goto(host_page)
    box = page.locator(".tracuu-embed input[name=q]")
    box.fill(WORD)
    box.press("Enter")
    page.locator(".tracuu-embed ol li").first.wait_for(timeout=30_000)
    assert page.locator(".tracuu-embed ol li").count() >= 5
    _assert_nothing_ran(page, "embed.js widget")
    box.fill(f"{WORD} <img src=x onerror=window.__xss=1>")
    box.press("Enter")
    page.wait_for_timeout(1000)
    _assert_nothing_ran(page, "embed.js widget, hostile query")
    record("xss_payloads_tried", len(PAYLOADS) + len(URLS))
