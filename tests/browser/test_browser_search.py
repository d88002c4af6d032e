"""The search page and the embed widget in a real browser: Debian's headless Chromium driven by
Playwright, against the real app under gunicorn (`python -m cli serve`) over a real index of
tests/fixtures/web_corpus.jsonl. The embed widget runs on a page served from a second origin
(another loopback port). axe-core (tests/browser/node_modules, from npm) checks accessibility.
The tests take no screenshots; scripts/screenshots.py refreshes those in docs/screenshots."""

from __future__ import annotations

import http.server
import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from functools import partial
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from helpers.browser import require_chromium
from helpers.processes import PROJECT_ROOT, free_port
from helpers.webcorpus import DEPT, DEPT_MATCHES, SITE_NAMES, build_web_index

AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]

sync_api = require_chromium()
if not AXE.exists():
    pytest.skip("axe-core is not installed (scripts/test.sh runs `npm ci` in tests/browser)", allow_module_level=True)


def wait_until_up(url: str, process: subprocess.Popen, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The real app under gunicorn on a free loopback port; yields its base URL."""
    home = tmp_path_factory.mktemp("browser")
    index_dir = build_web_index(home / "index")
    config = home / "tracuu.toml"
    config.write_text(
        f'SITE_NAME = "Sở Tư pháp tỉnh Quảng Nam"\n'
        f'DEFAULT_SITE = "{DEPT}"\n'
        'RATE_LIMIT = ""\n'  # the tests type fast; the limiter is tested elsewhere
        "[SITE_NAMES]\n" + "".join(f"{slug} = {json.dumps(name, ensure_ascii=False)}\n"
                                    for slug, name in SITE_NAMES.items()), encoding="utf-8")
    port = free_port()
    log = open(home / "server.log", "w+", encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", "cli", "--index-dir", str(index_dir), "serve", "--host", "127.0.0.1",
         "--port", str(port), "--workers", "1", "--threads", "4", "--config", str(config)],
        cwd=PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    base = f"http://127.0.0.1:{port}/"
    try:
        wait_until_up(base, process)
    except RuntimeError:
        process.kill()
        log.seek(0)
        pytest.fail(f"server did not start:\n{log.read()[-3000:]}")
    yield base
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def host_site(server, tmp_path_factory):
    """Another department's page on a second origin (another loopback port) embedding tracuu."""
    folder = tmp_path_factory.mktemp("host_site")
    hostile_css = "<style>input, button, ol, li, a, mark { background: rgb(255, 0, 0) !important; " \
                  "color: rgb(0, 128, 0) !important; font-size: 40px !important; }</style>"
    (folder / "widget.html").write_text(
        '<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>Trang của huyện</title>'
        f"{hostile_css}</head><body><main><h1>UBND huyện Núi Thành</h1>"
        f'<script src="{server}embed.js" data-site="{DEPT}"></script>'
        "</main></body></html>", encoding="utf-8")
    (folder / "iframe.html").write_text(
        '<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>Trang của huyện</title></head>'
        f'<body><main><h1>UBND huyện Núi Thành</h1><iframe src="{server}embed?site={DEPT}" '
        'title="Tìm kiếm văn bản, tin tức" width="600" height="700"></iframe></main></body></html>',
        encoding="utf-8")
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietHandler, directory=str(folder)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture()
def page(browser):
    # bypass_csp lets the test inject axe-core; the app's own scripts run under its strict CSP anyway.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN", bypass_csp=True)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert not errors, f"JavaScript errors: {errors}"


def query_of(url: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def check_accessibility(page) -> None:
    """axe-core finds no WCAG 2.1 A/AA or best-practice violation on the whole page."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("(tags) => axe.run(document, {runOnly: tags})", AXE_TAGS)
    violations = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]]
    assert not violations, violations


def search_for(page, base: str, text: str) -> None:
    page.goto(base)
    page.locator("#q").fill(text)
    page.locator("#q").press("Enter")
    page.wait_for_load_state()


# -- the page -----------------------------------------------------------------------------

def test_type_a_query_and_see_highlighted_results(page, server):
    page.goto(server)
    assert page.evaluate("document.activeElement.id") == "q"  # the box has focus on arrival
    check_accessibility(page)
    search_for(page, server, "đăng ký kết hôn")
    assert page.locator(".summary").inner_text().startswith(f"Tìm thấy {DEPT_MATCHES} kết quả")
    assert page.locator("ol.results > li").count() == 10
    marks = page.locator(".result mark").all_inner_texts()
    marked = {m.lower() for m in marks}
    assert "kết hôn" in marked or "đăng ký kết hôn" in marked  # whole words marked ...
    assert not {"đăng", "ký", "kết", "hôn"} & marked  # ... never one of their syllables alone
    assert page.locator("aside.facets").is_visible()
    check_accessibility(page)


def test_switch_scope_then_open_page_two(page, server):
    search_for(page, server, "kết hôn")
    site_total = int(page.locator(".summary strong").inner_text())
    page.get_by_text("Web", exact=True).click()  # a click on the label: search.js re-runs the search
    page.wait_for_url(lambda url: query_of(url).get("scope") == "web")
    assert int(page.locator(".summary strong").inner_text()) > site_total
    first_page = page.locator(".result-title").all_inner_texts()
    page.locator("nav.pager").get_by_role("link", name="Trang 2").click()
    page.wait_for_url(lambda url: query_of(url).get("page") == "2")
    assert query_of(page.url)["scope"] == "web"  # the scope survives paging
    assert page.locator('nav.pager [aria-current="page"]').inner_text() == "2"
    assert page.get_by_label("Web").is_checked()
    assert not set(first_page) & set(page.locator(".result-title").all_inner_texts())


def test_scope_with_the_keyboard_waits_for_enter(page, server):
    search_for(page, server, "kết hôn")
    site_radio = page.get_by_label("Site")
    site_radio.focus()
    site_radio.press("ArrowRight")  # moves the choice to Web without leaving the page
    assert page.get_by_label("Web").is_checked()
    page.wait_for_timeout(500)  # time for a (wrong) submit to start; none may
    assert query_of(page.url).get("scope") in (None, "site")
    page.get_by_label("Web").press("Enter")
    page.wait_for_url(lambda url: query_of(url).get("scope") == "web")


def test_filter_by_a_facet_and_remove_it(page, server):
    search_for(page, server, "đăng ký kết hôn")
    page.locator("aside.facets").get_by_role("link", name="Văn bản 4", exact=True).click()
    page.wait_for_url(lambda url: query_of(url).get("kind") == "legal")
    assert page.locator(".summary strong").inner_text() == "4"
    kinds = page.locator(".result-meta .kind").all_inner_texts()
    assert kinds and set(kinds) == {"Văn bản"}
    page.locator("ul.active-filters a").click()
    page.wait_for_url(lambda url: "kind" not in query_of(url))
    assert page.locator(".summary strong").inner_text() == str(DEPT_MATCHES)


def test_pick_an_autocomplete_suggestion_with_the_keyboard(page, server):
    page.goto(server)
    box = page.locator("#q")
    box.press_sequentially("thu tuc dang ky ket h", delay=20)
    listbox = page.locator("#q-suggestions")
    # Suggestions for a shorter prefix may show first; wait for those of the whole text.
    sync_api.expect(listbox.get_by_role("option").first).to_have_text("thủ tục đăng ký kết hôn")
    assert box.get_attribute("aria-expanded") == "true"
    check_accessibility(page)
    box.press("ArrowDown")
    box.press("ArrowDown")
    assert box.get_attribute("aria-activedescendant") == "q-suggestions-1"
    box.press("ArrowUp")
    active = listbox.locator('[aria-selected="true"]')
    assert active.get_attribute("id") == box.get_attribute("aria-activedescendant") == "q-suggestions-0"
    box.press("Enter")
    page.wait_for_url(lambda url: query_of(url).get("q") == "thủ tục đăng ký kết hôn")
    assert page.locator(".result mark").count() > 0


def test_a_title_suggestion_opens_its_document(page, server):
    page.route("https://stp.example.gov.vn/**", lambda route: route.fulfill(
        status=200, content_type="text/html; charset=utf-8",
        body="<!DOCTYPE html><html lang='vi'><title>Bài viết</title><h1>Bài viết</h1></html>"))
    page.goto(server)
    box = page.locator("#q")
    box.press_sequentially("trich luc", delay=20)
    title = page.locator("#q-suggestions .type-title").first
    sync_api.expect(title).to_contain_text("Cấp bản sao trích lục kết hôn bị mất")
    assert "mở trang" in title.inner_text()
    count = page.locator("#q-suggestions [role=option]").count()
    index = page.locator("#q-suggestions [role=option]").evaluate_all(
        "els => els.findIndex(e => e.classList.contains('type-title'))")
    for _ in range(index + 1):
        box.press("ArrowDown")
    assert count > index
    box.press("Enter")
    page.wait_for_url("https://stp.example.gov.vn/tin-tuc/tin-08")


def test_escape_closes_the_suggestions(page, server):
    page.goto(server)
    box = page.locator("#q")
    box.press_sequentially("ket h", delay=20)
    page.locator("#q-suggestions [role=option]").first.wait_for()
    box.press("Escape")
    assert page.locator("#q-suggestions").is_hidden()
    assert box.get_attribute("aria-expanded") == "false"
    assert box.input_value() == "ket h"  # Esc closes the list, keeps the text
    box.press("Enter")  # and Enter then searches what was typed
    page.wait_for_url(lambda url: query_of(url).get("q") == "ket h")


def test_follow_the_did_you_mean_link(page, server):
    search_for(page, server, "thu tuc dang ky ket hon")
    link = page.locator(".did-you-mean a")
    assert link.inner_text() == "thủ tục đăng ký kết hôn"
    link.click()
    page.wait_for_url(lambda url: query_of(url).get("q") == "thủ tục đăng ký kết hôn")
    assert page.locator(".did-you-mean").count() == 0
    assert page.locator("#q").input_value() == "thủ tục đăng ký kết hôn"


def test_sort_newest(page, server):
    search_for(page, server, "đăng ký kết hôn")
    page.locator("nav.sort").get_by_role("link", name="Mới nhất").click()
    page.wait_for_url(lambda url: query_of(url).get("sort") == "newest")
    # Each result's first date: a news item's publication, a legal text's signing ("Ngày ký").
    dates = page.locator("ol.results > li").evaluate_all(
        "items => items.map(li => li.querySelector('time')).filter(Boolean).map(t => t.getAttribute('datetime'))")
    assert len(dates) >= 2 and dates == sorted(dates, reverse=True)


def test_accessibility_of_empty_results_and_error_pages(page, server):
    # The home page and a page of results are checked above.
    search_for(page, server, "xyzzyqw")
    assert page.locator(".empty").is_visible()
    check_accessibility(page)
    response = page.goto(server + "khong-co-trang-nay")
    assert response.status == 404
    check_accessibility(page)


def test_phone_width_layout(browser, server):
    context = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, locale="vi-VN", bypass_csp=True)
    page = context.new_page()
    try:
        search_for(page, server, "đăng ký kết hôn")
        assert page.locator("ol.results > li").count() == 10
        assert page.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scrolling
        box = page.locator("#q").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 360
        check_accessibility(page)
    finally:
        context.close()


def test_works_without_javascript(browser, server):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto(server)
        page.locator("#q").fill("kết hôn")
        page.get_by_label("Web").check()
        page.get_by_role("button", name="Tìm kiếm").click()
        page.wait_for_url(lambda url: query_of(url).get("scope") == "web")
        page.locator("aside.facets a[href*='kind=article']").click()
        page.wait_for_url(lambda url: query_of(url).get("kind") == "article")
        page.locator("nav.pager").get_by_role("link", name="Trang 2").click()
        page.wait_for_url(lambda url: query_of(url).get("page") == "2")
        assert query_of(page.url)["kind"] == "article" and query_of(page.url)["scope"] == "web"
        assert page.locator("ol.results > li").count() > 0
    finally:
        context.close()


# -- embedding on another site ------------------------------------------------------------

def test_embed_widget_on_a_second_origin(page, server, host_site):
    assert urlsplit(host_site).port != urlsplit(server).port
    page.goto(host_site + "widget.html")
    widget = page.locator(".tracuu-embed")
    box = widget.get_by_role("combobox", name="Từ khóa tìm kiếm")  # inside the open shadow root
    box.press_sequentially("dang ky ket h", delay=20)
    sync_api.expect(widget.get_by_role("option").first).to_have_text("đăng ký kết hôn")
    box.press("ArrowDown")
    box.press("Enter")  # picks the suggestion and searches (cross-origin fetch: CORS)
    widget.locator("ol li").first.wait_for()
    assert widget.get_by_role("status").inner_text().startswith(f"Tìm thấy {DEPT_MATCHES} kết quả")
    assert widget.locator("ol li").count() == 5
    assert widget.locator("ol li mark").count() > 0
    # The host page's CSS does not reach into the widget.
    background = box.evaluate("el => getComputedStyle(el).backgroundColor")
    assert background != "rgb(255, 0, 0)"
    assert widget.locator("ol li a").first.evaluate("el => getComputedStyle(el).fontSize") != "40px"
    # More results load in place; links lead to the documents.
    widget.get_by_role("button", name="Xem thêm kết quả").click()
    page.wait_for_function("() => document.querySelector('.tracuu-embed').shadowRoot.querySelectorAll('ol li').length === 10")
    assert widget.locator("ol li a").first.get_attribute("href").startswith("https://stp.example.gov.vn/")
    check_accessibility(page)


def test_embed_widget_did_you_mean(page, server, host_site):
    page.goto(host_site + "widget.html")
    widget = page.locator(".tracuu-embed")
    box = widget.get_by_role("combobox")
    box.fill("thu tuc dang ky ket hon")
    box.press("Enter")
    suggestion = widget.locator(".dym button")
    suggestion.wait_for()
    assert suggestion.inner_text() == "thủ tục đăng ký kết hôn"
    suggestion.click()
    page.wait_for_function("() => !document.querySelector('.tracuu-embed').shadowRoot.querySelector('.dym')")
    assert box.input_value() == "thủ tục đăng ký kết hôn"


def test_embed_iframe_for_sites_without_scripts(page, server, host_site):
    page.goto(host_site + "iframe.html")
    frame = page.frame_locator("iframe")
    frame.locator("#q").fill("kết hôn")
    frame.locator("#q").press("Enter")
    frame.locator("ol.results > li").first.wait_for()
    assert frame.locator(".summary").inner_text().startswith("Tìm thấy")
    assert frame.locator(".result a").first.get_attribute("target") == "_top"


def test_opensearch_is_advertised(page, server):
    page.goto(server)
    href = page.locator('link[rel="search"]').get_attribute("href")
    response = page.request.get(urllib.parse.urljoin(server, href))
    assert response.ok and b"x-suggestions+json" in response.body()
