"""Results as you type, on the search page, in the iframe page and in the embed widget, in headless
Chromium against the real app under gunicorn (the fixtures of test_browser_search.py).

Answers for the shorter texts typed on the way are held back at the network (``page.route``) and
let through only after the whole text's answer is shown, or delayed inside the page with the
cancellation taken away: either way they must never replace the newer list."""

from __future__ import annotations

import urllib.parse

from test_browser_search import (  # noqa: F401  (fixtures)
    check_accessibility, host_site, page, query_of, server, sync_api,
)

from helpers.webcorpus import DEPT_MATCHES

expect = sync_api.expect

FULL = "bao ve tre em"  # one match, on the other department's site: the Web scope
REGION = "#search-results > .results-region"
LIVE_WAIT = 1500  # ms: longer than the debounce, a held answer and the announcement delay


def hold_answers_for_prefixes(page, pattern: str, full: str) -> list:
    """Intercept ``pattern``: the answer for ``full`` goes through, the others wait in the list."""
    held = []

    def handle(route):
        if query_of(route.request.url).get("q", "") == full:
            route.continue_()
        else:
            held.append(route)

    page.route(pattern, handle)
    return held


def release(held: list) -> None:
    """Let the held answers reach the page now, late (those the page cancelled fail: fine)."""
    for route in held:
        try:
            route.continue_()
        except Exception:  # noqa: BLE001 - the request was aborted by the page meanwhile
            pass


def typed_in_box(page, base: str, text: str, delay: float) -> None:
    page.goto(base)
    page.locator("#q").click()
    page.keyboard.type(text, delay=delay)


def record_announcements(page) -> None:
    """Count the changes of the results' live region (the polite role=status before the region)."""
    page.evaluate("""() => {
        const live = document.querySelector('#search-results').previousElementSibling;
        window.announcements = [];
        new MutationObserver(() => window.announcements.push(live.textContent))
            .observe(live, {childList: true, characterData: true, subtree: true});
    }""")


# -- the page ----------------------------------------------------------------------------------

def test_results_follow_the_whole_text_as_typed(page, server):
    for delay in (0, 40, 300):  # all at once; faster than the debounce; slower than it
        held = hold_answers_for_prefixes(page, "**/ket-qua?*", FULL)
        typed_in_box(page, server + "?scope=web", FULL, delay)
        region = page.locator(REGION)
        expect(region).to_have_attribute("data-query", FULL)  # no Enter pressed
        if delay == 300:
            assert held, "the shorter texts were searched on the way"
        release(held)
        page.wait_for_timeout(LIVE_WAIT)
        expect(region).to_have_attribute("data-query", FULL)  # the late answers were dropped
        assert page.locator(".result-title").all_inner_texts() == ["Bảo vệ trẻ em trong gia đình có cha mẹ ly hôn"]
        assert query_of(page.url) == {"q": FULL, "scope": "web"}  # the no-JS form's query string
        assert page.title().startswith(f"{FULL} – Kết quả tìm kiếm")
        assert page.evaluate("document.activeElement.id") == "q"  # focus stays in the box
        page.unroute("**/ket-qua?*")


def test_late_answers_are_dropped_even_when_not_cancelled(page, server):
    # Inside the page: fetch ignores the abort signal, and answers for shorter texts come 800 ms
    # late, so only the sequence check keeps them off the page.
    page.add_init_script("""(() => {
        const original = window.fetch;
        window.fetch = (url, options) => {
            const { signal, ...rest } = options || {};
            const q = new URL(url, location.href).searchParams.get('q') || '';
            return original(url, rest).then(r => r.text().then(body => new Promise(resolve =>
                setTimeout(() => resolve(new Response(body, {status: r.status, headers: r.headers})),
                           q.trim() === 'bao ve tre em' || !url.includes('/ket-qua') ? 0 : 800))));
        };
    })()""")
    typed_in_box(page, server + "?scope=web", FULL, 300)
    region = page.locator(REGION)
    expect(region).to_have_attribute("data-query", FULL)
    page.wait_for_timeout(LIVE_WAIT)
    expect(region).to_have_attribute("data-query", FULL)


def test_url_title_announcement_and_filters_follow_the_text(page, server):
    page.goto(server + "?q=k%E1%BA%BFt+h%C3%B4n&kind=legal&page=1")
    record_announcements(page)
    box = page.locator("#q")
    box.fill("")
    box.click()
    page.keyboard.type("đăng ký kết hôn", delay=300)  # each pause longer than the debounce
    region = page.locator(REGION)
    expect(region).to_have_attribute("data-query", "đăng ký kết hôn")
    # The active filter stays, the page number goes; the title follows.
    assert query_of(page.url) == {"q": "đăng ký kết hôn", "scope": "site", "kind": "legal"}
    assert page.title().startswith("đăng ký kết hôn – Kết quả tìm kiếm")
    assert set(page.locator(".result-meta .kind").all_inner_texts()) == {"Văn bản"}
    page.wait_for_timeout(LIVE_WAIT)
    # Announced once, when typing paused, though the list changed on the way.
    assert page.evaluate("window.announcements.filter(t => t.trim())") == ["Tìm thấy 4 kết quả."]
    # The visible summary is not a second live region once swapped in.
    assert page.locator(f"{REGION} [role=status]").count() == 0
    check_accessibility(page)


def test_enter_still_loads_the_page(page, server):
    typed_in_box(page, server, "ket hon", 0)
    expect(page.locator(REGION)).to_have_attribute("data-query", "ket hon")
    page.evaluate("window.sameDocument = true")
    page.keyboard.press("Enter")
    page.wait_for_function("() => window.sameDocument === undefined")  # a real page load
    assert query_of(page.url) == {"q": "ket hon", "scope": "site"}
    assert page.locator(".summary").inner_text().startswith(f"Tìm thấy {DEPT_MATCHES} kết quả")
    # A one-character text is not searched as you type; Enter still searches it.
    page.locator("#q").fill("k")
    page.wait_for_timeout(LIVE_WAIT)
    expect(page.locator(REGION)).to_have_attribute("data-query", "ket hon")


def test_clearing_the_box_returns_to_the_home_state(page, server):
    typed_in_box(page, server, "ket hon", 0)
    region = page.locator(REGION)
    expect(region).to_have_attribute("data-query", "ket hon")
    page.locator("#q").fill("")
    expect(region).to_have_attribute("data-query", "")  # what the server renders without q
    assert region.get_attribute("data-total") is None
    assert page.locator("ol.results").count() == 0
    assert "q" not in query_of(page.url)
    assert page.title().startswith("Tìm kiếm –")


def test_scope_click_updates_the_results_in_place(page, server):
    typed_in_box(page, server, "ket hon", 0)
    expect(page.locator(REGION)).to_have_attribute("data-query", "ket hon")
    site_total = int(page.locator(".summary strong").inner_text())
    page.keyboard.press("Escape")  # the suggestions cover the scope choice
    page.evaluate("window.sameDocument = true")
    page.get_by_text("Web", exact=True).click()
    page.wait_for_url(lambda url: query_of(url).get("scope") == "web")
    assert int(page.locator(".summary strong").inner_text()) > site_total
    assert page.evaluate("window.sameDocument") is True  # no page load


def test_the_fragment_is_not_a_page_to_index(page, server):
    url = server + "ket-qua?q=ket+hon&scope=site"
    first = page.request.get(url)
    assert first.ok and first.headers["x-robots-tag"] == "noindex"
    assert first.text().lstrip().startswith('<div class="results-region" data-query="ket hon"')
    again = page.request.get(url, headers={"If-None-Match": first.headers["etag"]})
    assert again.status == 304  # the search's ETag: answered before any search runs
    # Its links lead to the page, not to the fragment.
    hrefs = page.request.get(url).text()
    assert "/ket-qua" not in hrefs and 'href="/?q=ket+hon&amp;scope=site&amp;sort=newest"' in hrefs


def test_without_javascript_the_form_still_searches(browser, server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(server + "?scope=web")
        page.locator("#q").fill(FULL)
        page.wait_for_timeout(500)  # nothing happens while typing
        assert "q" not in query_of(page.url)
        page.locator("#q").press("Enter")
        page.wait_for_url(lambda url: query_of(url).get("q") == FULL)
        expect(page.locator(REGION)).to_have_attribute("data-query", FULL)
        assert page.locator(".result-title").count() == 1
    finally:
        context.close()


# -- the iframe page and the widget ------------------------------------------------------------

def test_iframe_page_results_as_you_type(page, server, host_site):
    page.goto(host_site + "iframe.html")
    frame = page.frame_locator("iframe")
    frame.locator("#q").click()
    page.keyboard.type("ket hon", delay=40)
    expect(frame.locator(REGION)).to_have_attribute("data-query", "ket hon")
    assert frame.locator(".summary").inner_text().startswith(f"Tìm thấy {DEPT_MATCHES} kết quả")
    frame_url = page.frames[1].url
    assert urllib.parse.urlsplit(frame_url).path == "/embed" and query_of(frame_url)["q"] == "ket hon"
    assert frame.locator(".result a").first.get_attribute("target") == "_top"


def widget_results(page):
    return page.locator(".tracuu-embed .results")  # Playwright's CSS pierces the open shadow root


def test_widget_results_follow_the_whole_text_as_typed(page, server, host_site):
    full = "dang ky ket hon"
    for delay in (0, 300):
        held = hold_answers_for_prefixes(page, "**/api/search?*", full)
        page.goto(host_site + "widget.html")
        page.locator(".tracuu-embed input").click()
        page.keyboard.type(full, delay=delay)
        results = widget_results(page)
        expect(results).to_have_attribute("data-query", full)  # no Enter pressed
        if delay == 300:
            assert held
        release(held)
        page.wait_for_timeout(LIVE_WAIT)
        expect(results).to_have_attribute("data-query", full)
        status = page.locator(".tracuu-embed").get_by_role("status")
        assert status.inner_text().startswith(f"Tìm thấy {DEPT_MATCHES} kết quả")
        assert results.locator("ol li").count() == 5
        page.unroute("**/api/search?*")
    # Autocomplete keeps its place; Enter on a suggestion searches it at once.
    box = page.locator(".tracuu-embed input")
    box.fill("")
    expect(results).not_to_have_attribute("data-query", full)
    assert results.locator("ol").count() == 0  # an empty box: the bare widget
    box.press_sequentially("dang ky ket h", delay=20)
    expect(page.locator(".tracuu-embed").get_by_role("option").first).to_have_text("đăng ký kết hôn")
    box.press("ArrowDown")
    box.press("Enter")
    expect(results).to_have_attribute("data-query", "đăng ký kết hôn")
    check_accessibility(page)


def test_widget_shows_legal_texts_as_legal_texts(page, server, host_site):
    page.goto(host_site + "widget.html")
    page.locator(".tracuu-embed input").click()
    page.keyboard.type("04/2020/TT-BTP", delay=0)
    results = widget_results(page)
    expect(results).to_have_attribute("data-query", "04/2020/TT-BTP")
    meta = results.locator("ol li .meta").first
    parts = meta.locator("span").all_inner_texts()
    assert parts[:4] == ["Văn bản", "Số hiệu: 04/2020/TT-BTP", "Thông tư", "Bộ Tư pháp"]
    assert parts[4] == "Ký ngày 28/05/2020"
