"""The admin console in a real browser: Debian's headless Chromium driven by Playwright, against the
real app under gunicorn (`python -m cli serve`) whose writer crawls a fixture department site served
on 127.0.0.1 (tests/site_server.py). Sign in with ADMIN_TOKEN, read a site's document counts, ask
for a recrawl, watch the page follow its task (a meta refresh, no script) until it is done and the
counts include the crawled pages, sign out. axe-core checks the console's accessibility."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from helpers.browser import require_chromium
from helpers.corpus import DOCUMENTS_JSONL, OTHER_SITE, index_source
from helpers.processes import served
from site_server import SiteServer, copy_site, sites_toml

sync_api = require_chromium()
AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
TOKEN = "khoa-quan-tri-thu-nghiem-0123456789"
CRAWLED = "ldtbxh-quangnam"  # the fixture site, crawled from the console
PATTERNS = 'articles = ["/tin-tuc/*.html"]\nnotices = ["/van-ban/chi-tiet-*"]\n'
CRAWL_LIMIT_MS = 90_000  # the fixture site is 14 requests at 3 a second; this is only a bound


@pytest.fixture(scope="module")
def department_site(tmp_path_factory):
    with SiteServer(copy_site(tmp_path_factory.mktemp("site"))) as server:
        yield server


@pytest.fixture(scope="module")
def console(tmp_path_factory, department_site):
    """The app under gunicorn with ADMIN_TOKEN, the sample corpus indexed, the fixture site in its
    sites file; yields the base URL."""
    home = tmp_path_factory.mktemp("admin_browser")
    index_dir = home / "index"
    assert index_source(index_dir, DOCUMENTS_JSONL).indexed == 12
    # 3 requests a second: the crawl lasts a few seconds, so the page has to reload itself to see it end.
    sites = sites_toml(department_site.base, slug=CRAWLED, extra=PATTERNS).replace("rate = 50", "rate = 3")
    assert "rate = 3\n" in sites
    (index_dir / "sites.toml").write_text(sites, encoding="utf-8")
    env = {**os.environ, "TRACUU_ADMIN_TOKEN": TOKEN, "TRACUU_RATE_LIMIT": '""', "PYTHONUNBUFFERED": "1"}
    with served(index_dir, home / "server.log", "--threads", "4", env=env) as (base, _):
        yield base


@pytest.fixture()
def page(browser):
    # bypass_csp lets the test inject axe-core; the console itself has no script at all.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN", bypass_csp=True)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert not errors, f"JavaScript errors: {errors}"


def check_accessibility(page) -> None:
    if not AXE.exists():
        return  # axe-core comes from `npm ci` in tests/browser (scripts/test.sh); the rest still runs
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("(tags) => axe.run(document, {runOnly: tags})", AXE_TAGS)
    violations = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]]
    assert not violations, violations


def counts(page, slug: str) -> dict[str, str]:
    cells = page.locator(f"#trang-{slug} td[data-kind]")
    return {cells.nth(i).get_attribute("data-kind"): cells.nth(i).inner_text() for i in range(cells.count())}


def test_sign_in_recrawl_watch_the_task_and_sign_out(page, console, department_site, tmp_path):
    expect = sync_api.expect
    page.goto(f"{console}/admin/")
    expect(page).to_have_url(f"{console}/admin/dang-nhap")  # no session: the sign-in page
    check_accessibility(page)
    page.get_by_label("Khóa quản trị").fill("khóa sai")
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("alert")).to_contain_text("Mã quản trị không đúng")
    page.get_by_label("Khóa quản trị").fill(TOKEN)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page).to_have_url(f"{console}/admin/")
    expect(page.get_by_role("heading", name="Bảng quản trị", exact=True)).to_be_visible()
    cookie = next(c for c in page.context.cookies() if c["name"] == "tracuu_admin")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"

    # A site's documents by kind (the sample corpus: one article and one legal notice of stttt).
    assert counts(page, OTHER_SITE) == {"article": "1", "legal": "1", "total": "2"}
    assert counts(page, CRAWLED) == {"article": "0", "legal": "0", "total": "0"}
    expect(page.locator(f"#trang-{CRAWLED}")).to_contain_text("chưa được thu thập lần nào")
    check_accessibility(page)
    page.screenshot(path=str(tmp_path / "admin-before.png"), full_page=True)

    # Recrawl: the task is queued, the page reloads itself until the writer has finished it.
    requests_before = len(department_site.requests)
    loads = []
    page.on("load", lambda: loads.append(page.url))
    page.locator(f"#trang-{CRAWLED}").get_by_role("button", name="Thu thập lại").click()
    expect(page.get_by_role("status").first).to_contain_text("Đã gửi yêu cầu thu thập lại")
    expect(page.locator("#tac-vu-theo-doi")).to_contain_text(f"Thu thập lại {CRAWLED}")
    expect(page.locator("#tac-vu-theo-doi .status")).to_have_text("Hoàn tất", timeout=CRAWL_LIMIT_MS)
    assert len(loads) >= 2 and len(set(loads)) == 1, loads  # the console, then its own reloads
    done = page.locator(f'#trang-{CRAWLED} tr.task[data-status="succeeded"]')
    expect(done).to_have_count(1)
    expect(done).to_contain_text("Thu thập lại")
    assert len(department_site.requests) > requests_before  # the writer really fetched the site
    page.reload()
    assert counts(page, CRAWLED) == {"article": "6", "legal": "2", "total": "8"}
    card = page.locator(f"#trang-{CRAWLED}")
    expect(card).to_contain_text("Hoàn tất")
    card.get_by_text("Trang bị bỏ qua hoặc không đọc được").click()  # open the <details>
    expect(card.locator(".problems li")).to_contain_text(["trang-loi.html"])
    expect(page.locator("meta[http-equiv=refresh]")).to_have_count(0)  # nothing left running: no reload
    page.screenshot(path=str(tmp_path / "admin-after.png"), full_page=True)

    # The task's own page.
    done.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Tác vụ")
    expect(page.locator("body")).to_contain_text("Hoàn tất")

    # Sign out: back to the sign-in page, and the console is closed again.
    page.get_by_role("button", name="Đăng xuất").click()
    expect(page).to_have_url(f"{console}/admin/dang-nhap?tb=da-dang-xuat")
    expect(page.get_by_role("status")).to_contain_text("Đã đăng xuất")
    page.goto(f"{console}/admin/")
    expect(page).to_have_url(f"{console}/admin/dang-nhap")
