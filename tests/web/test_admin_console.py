"""The admin console at /admin: signing in with an admin key, the session cookie, CSRF tokens,
expiry and signing out, each refusal doing nothing; and what the console shows: documents by kind
per site (both engines), the last crawl and its problems, recent tasks, the query report.

The app is the real one (create_app) on a real index in a tmp folder; keys, tasks, crawl states and
the query log are the real stores in the same index home. One test signs in on the app served by
gunicorn (``python -m cli serve``)."""

from __future__ import annotations

import collections
import os
import re
import time
from datetime import date

import pytest

from helpers.corpus import DEPT_SITE, DOCUMENTS_JSONL, OTHER_SITE, index_source
from helpers.engines import app_config
from helpers.processes import served

TOKEN = "token-quan-tri-rat-dai-0123456789"
SESSION_COOKIE = "tracuu_admin"


# -- helpers --------------------------------------------------------------------------------------
def make_console(home, **config):
    """The web app on ``home`` (Whoosh), rate limit off; no applier thread: the tests play the
    writer's part themselves (TaskQueue.pending / finish), so a task stays queued until they do."""
    from webapp import create_app

    return create_app({"INDEX_DIR": str(home), "TESTING": True, "RATE_LIMIT": "", "WRITE_APPLIER": False, **config})


@pytest.fixture(scope="module")
def corpus_home(tmp_path_factory):
    home = tmp_path_factory.mktemp("admin_corpus")
    assert index_source(home, DOCUMENTS_JSONL).indexed == 12
    return home


@pytest.fixture()
def home(corpus_home, tmp_path):
    """A fresh index home holding the sample corpus: sessions, keys and tasks of this test only."""
    import shutil

    target = tmp_path / "index"
    shutil.copytree(corpus_home, target)
    return target


@pytest.fixture()
def app(home):
    return make_console(home, ADMIN_TOKEN=TOKEN)


def form_token(response) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', response.get_data(as_text=True))
    assert match, response.get_data(as_text=True)[:500]
    return match.group(1)


def sign_in(client, key: str = TOKEN):
    """Open the sign-in page and send ``key`` with its form token."""
    page = client.get("/admin/dang-nhap")
    assert page.status_code == 200
    return client.post("/admin/dang-nhap", data={"csrf_token": form_token(page), "key": key})


def signed_in(client, key: str = TOKEN) -> str:
    """Sign in; returns the console's CSRF token."""
    response = sign_in(client, key)
    assert response.status_code == 303 and response.headers["Location"].endswith("/admin/"), response.status_code
    console = client.get("/admin/")
    assert console.status_code == 200
    return form_token(console)


def session_cookie(client):
    return client.get_cookie(SESSION_COOKIE, path="/admin")


def text(response) -> str:
    """The page's visible text, spaces collapsed."""
    html = response.get_data(as_text=True)
    html = re.sub(r"<(style|script)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def write_sites_file(home, *slugs) -> None:
    (home / "sites.toml").write_text("".join(
        f'[[site]]\nslug = "{slug}"\nname = "Trang {slug}"\nbase_url = "http://127.0.0.1:9/{slug}/"\n'
        for slug in slugs), encoding="utf-8")


def tasks_of(app):
    return app.extensions["tracuu.tasks"].recent(limit=100)


# -- who may enter --------------------------------------------------------------------------------
def test_without_any_admin_key_the_console_answers_404_in_vietnamese(home):
    app = make_console(home)
    client = app.test_client()
    for path in ("/admin/", "/admin/dang-nhap", "/admin/tac-vu/x"):
        response = client.get(path)
        assert response.status_code == 404
        assert "Bảng quản trị chưa được bật" in text(response)
    for path in ("/admin/dang-nhap", "/admin/dang-xuat", "/admin/thu-thap-lai"):
        assert client.post(path, data={"key": TOKEN}).status_code == 404
    # A key store with search and write keys only still has no admin key.
    keys = app.extensions["tracuu.keys"]
    keys.create([DEPT_SITE], "write", name="CMS")
    admin_key, secret = keys.create([], "admin", name="Quản trị viên")
    assert client.get("/admin/dang-nhap").status_code == 200  # an admin key exists now
    keys.revoke(admin_key.id)
    assert client.get("/admin/dang-nhap").status_code == 404


def test_admin_token_and_admin_keys_sign_in_other_keys_do_not(home):
    app = make_console(home, ADMIN_TOKEN=TOKEN)
    keys = app.extensions["tracuu.keys"]
    admin_key, admin_secret = keys.create([], "admin", name="Quản trị viên")
    _write, write_secret = keys.create([DEPT_SITE], "write", name="CMS")
    revoked, revoked_secret = keys.create([], "admin")
    keys.revoke(revoked.id)

    for wrong in ("sai", TOKEN[:-1], TOKEN + "x", write_secret, revoked_secret, admin_secret[:-2]):
        client = app.test_client()
        response = sign_in(client, wrong)
        assert response.status_code == 401, wrong
        assert "Mã quản trị không đúng" in text(response)
        assert session_cookie(client) is None
        assert client.get("/admin/").status_code == 303

    client = app.test_client()
    signed_in(client, TOKEN)
    assert "Đăng nhập bằng khóa admin-token" in text(client.get("/admin/"))
    client = app.test_client()
    signed_in(client, admin_secret)
    assert f"Đăng nhập bằng khóa {admin_key.id}" in text(client.get("/admin/"))


def test_the_console_needs_a_session(app):
    client = app.test_client()
    response = client.get("/admin/")
    assert response.status_code == 303 and response.headers["Location"].endswith("/admin/dang-nhap")


# -- cookies --------------------------------------------------------------------------------------
def _set_cookies(response) -> dict[str, str]:
    return {header.split("=", 1)[0]: header for header in response.headers.getlist("Set-Cookie")}


def test_cookies_are_httponly_samestrict_and_secure_over_https(app):
    client = app.test_client()
    page = client.get("/admin/dang-nhap")
    form_cookie = _set_cookies(page)["tracuu_admin_form"]
    response = client.post("/admin/dang-nhap", data={"csrf_token": form_token(page), "key": TOKEN})
    cookie = _set_cookies(response)[SESSION_COOKIE]
    for header in (form_cookie, cookie):
        assert "HttpOnly" in header and "SameSite=Strict" in header and "Path=/admin" in header
        assert "Secure" not in header  # plain http: a Secure cookie would never come back
    assert re.match(rf"{SESSION_COOKIE}=[A-Za-z0-9_-]{{40,}};", cookie)

    secure = app.test_client()
    page = secure.get("/admin/dang-nhap", base_url="https://localhost")
    assert "Secure" in _set_cookies(page)["tracuu_admin_form"]
    response = secure.post("/admin/dang-nhap", data={"csrf_token": form_token(page), "key": TOKEN},
                           base_url="https://localhost")
    assert response.status_code == 303
    cookie = _set_cookies(response)[SESSION_COOKIE]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie


def test_console_pages_are_never_cached_and_carry_no_script(app):
    from webapp.security import theme_style

    client = app.test_client()
    signed_in(client)
    for response in (client.get("/admin/"), app.test_client().get("/admin/dang-nhap")):
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-store"
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
        html = response.get_data(as_text=True)
        assert "<script" not in html and not re.search(r"<[^>]*\son\w+=", html)  # no inline script of any kind
        assert re.findall(r"<style>(.*?)</style>", html) == [theme_style(app.config["THEME_COLOR"])]
    from webapp.security import unguarded_write_routes

    assert unguarded_write_routes(app) == []


# -- refusals: nothing is done --------------------------------------------------------------------
def test_a_form_without_its_csrf_token_is_refused_and_nothing_done(app, home):
    write_sites_file(home, DEPT_SITE)
    client = app.test_client()
    csrf = signed_in(client)
    other = app.test_client()
    other_csrf = signed_in(other)  # a valid token, of another session
    for data in ({"site": DEPT_SITE}, {"site": DEPT_SITE, "csrf_token": ""},
                 {"site": DEPT_SITE, "csrf_token": csrf[:-1]}, {"site": DEPT_SITE, "csrf_token": other_csrf}):
        response = client.post("/admin/thu-thap-lai", data=data)
        assert response.status_code == 403, data
        assert "mã xác nhận" in text(response)
    assert tasks_of(app) == []
    assert client.post("/admin/dang-xuat", data={}).status_code == 403
    assert client.get("/admin/").status_code == 200  # still signed in: the sign-out did nothing
    # The sign-in form needs its own token too (a login CSRF), checked before the key.
    fresh = app.test_client()
    fresh.get("/admin/dang-nhap")
    response = fresh.post("/admin/dang-nhap", data={"key": TOKEN})
    assert response.status_code == 403 and session_cookie(fresh) is None
    response = app.test_client().post("/admin/dang-nhap", data={"key": TOKEN, "csrf_token": "x"})
    assert response.status_code == 403
    # With its token the same form works.
    response = client.post("/admin/thu-thap-lai", data={"site": DEPT_SITE, "csrf_token": csrf})
    assert response.status_code == 303
    assert [(t.kind, t.site) for t in tasks_of(app)] == [("crawl", DEPT_SITE)]


def test_an_expired_session_goes_back_to_sign_in_and_does_nothing(home):
    app = make_console(home, ADMIN_TOKEN=TOKEN, ADMIN_SESSION_MINUTES=5)
    write_sites_file(home, DEPT_SITE)
    sessions = app.extensions["tracuu.admin_sessions"]
    assert sessions.lifetime == 300
    client = app.test_client()
    csrf = signed_in(client)
    sessions.clock = lambda: time.time() + 4 * 60  # within the idle time: still open, and pushed on
    assert client.get("/admin/").status_code == 200
    sessions.clock = lambda: time.time() + 4 * 60 + 5 * 60 + 1
    response = client.post("/admin/thu-thap-lai", data={"site": DEPT_SITE, "csrf_token": csrf})
    assert response.status_code == 303 and "/admin/dang-nhap?tb=het-han" in response.headers["Location"]
    assert tasks_of(app) == []
    page = client.get(response.headers["Location"])
    assert "Phiên làm việc đã hết hạn" in text(page)
    assert client.get("/admin/").status_code == 303  # the session is gone for good
    sessions.clock = time.time
    assert client.get("/admin/").status_code == 303


def test_sign_out_really_ends_the_session(app, home):
    write_sites_file(home, DEPT_SITE)
    client = app.test_client()
    csrf = signed_in(client)
    stolen = session_cookie(client).value
    response = client.post("/admin/dang-xuat", data={"csrf_token": csrf})
    assert response.status_code == 303 and "tb=da-dang-xuat" in response.headers["Location"]
    assert session_cookie(client) is None
    assert "Đã đăng xuất" in text(client.get(response.headers["Location"]))
    # The old cookie, sent again (copied before signing out), opens nothing and does nothing.
    replay = app.test_client()
    replay.set_cookie(SESSION_COOKIE, stolen, path="/admin")
    assert replay.get("/admin/").status_code == 303
    response = replay.post("/admin/thu-thap-lai", data={"site": DEPT_SITE, "csrf_token": csrf})
    assert response.status_code == 303 and tasks_of(app) == []


def test_a_revoked_key_loses_its_sessions(home):
    app = make_console(home, ADMIN_TOKEN=TOKEN)
    keys = app.extensions["tracuu.keys"]
    key, secret = keys.create([], "admin", name="Tạm thời")
    client = app.test_client()
    signed_in(client, secret)
    assert keys.revoke(key.id)
    response = client.get("/admin/")
    assert response.status_code == 303 and "het-han" in response.headers["Location"]


def test_wrong_keys_are_rate_limited(home):
    app = make_console(home, ADMIN_TOKEN=TOKEN, RATE_LIMIT="1000 per minute", ADMIN_SIGN_IN_LIMIT="3 per minute")
    client = app.test_client()
    statuses = [sign_in(client, f"sai-{n}").status_code for n in range(4)]
    assert statuses == [401, 401, 401, 429]
    assert client.get("/admin/dang-nhap").status_code == 200  # only the POST is limited


# -- what the console shows -----------------------------------------------------------------------
def test_documents_by_kind_per_site(make_backend, tmp_path):
    """On each engine: the counts are the backend's kind facet for each site."""
    from indexer import read_source
    from webapp import create_app

    items = list(read_source(str(DOCUMENTS_JSONL)))
    expected = collections.Counter((d.site, d.kind) for d in items if hasattr(d, "kind"))
    backend = make_backend(tmp_path / "engine", items)
    app = create_app(app_config(backend, TESTING=True, RATE_LIMIT="", ADMIN_TOKEN=TOKEN))
    client = app.test_client()
    signed_in(client)
    html = client.get("/admin/").get_data(as_text=True)
    for site in (DEPT_SITE, OTHER_SITE):
        card = re.search(rf'<article class="site-card" id="trang-{site}".*?</article>', html, re.S).group(0)
        cells = dict(re.findall(r'<td data-kind="(\w+)">([\d.]+)</td>', card))
        assert cells == {"article": str(expected[(site, "article")]), "legal": str(expected[(site, "legal")]),
                         "total": str(expected[(site, "article")] + expected[(site, "legal")])}, (site, cells)
    assert expected[(DEPT_SITE, "article")] and expected[(DEPT_SITE, "legal")]
    assert app.extensions["tracuu.querylog"].report(date.today())["searches"] == 0  # the counts are not logged


def test_a_new_install_without_an_index_still_shows_its_console(tmp_path):
    home = tmp_path / "empty"
    home.mkdir()
    write_sites_file(home, "so-moi")
    app = make_console(home, ADMIN_TOKEN=TOKEN)
    client = app.test_client()
    signed_in(client)
    response = client.get("/admin/")
    assert response.status_code == 200
    page = text(response)
    assert "Chưa đếm được tài liệu" in page and "Trang so-moi" in page and "Thu thập lại Trang so-moi" in page


def test_last_crawl_and_the_pages_it_skipped(app, home):
    from indexer.crawl.state import CrawlState, PageRow, state_path

    with CrawlState(state_path(home, DEPT_SITE)) as state:
        run, _ = state.start_or_resume()
        state.apply(run, [], [PageRow("http://x/tin-tuc/a.html", "tin-001", None, None, "h", [], 200, run),
                              PageRow("http://x/tin-tuc/loi.html", None, None, None, None, [], 200, run,
                                      error="no title or text"),
                              PageRow("http://x/tin-tuc/", None, None, None, None, [], 200, run)], [])
        state.finish(run, "done", {"fetched": 9, "added": 2, "skipped": 3, "errors": 1},
                     ["http://x/tin-tuc/loi.html: no title or text"])
    client = app.test_client()
    signed_in(client)
    page = text(client.get("/admin/"))
    assert "Lần thu thập gần nhất" in page and "Hoàn tất" in page
    assert "Đã tải 9" in page and "Bỏ qua (không phải bài viết hay văn bản) 3" in page
    assert "Trang bị bỏ qua hoặc không đọc được, và lý do (1)" in page
    assert "http://x/tin-tuc/loi.html: no title or text" in page
    assert "Trang đã biết 3 (1 trang đang lỗi, 1 trang không có bài để lập chỉ mục)" in page
    other = re.search(rf'id="trang-{OTHER_SITE}".*?</article>', client.get("/admin/").get_data(as_text=True), re.S)
    assert "chưa được thu thập lần nào" in other.group(0)


def test_recrawl_queues_one_crawl_task_and_the_page_follows_it(app, home):
    write_sites_file(home, DEPT_SITE)
    client = app.test_client()
    csrf = signed_in(client)
    html = client.get("/admin/").get_data(as_text=True)
    assert html.count('action="/admin/thu-thap-lai"') == 1  # only the configured site can be recrawled
    assert "không có trong tệp cấu hình trang" in html
    response = client.post("/admin/thu-thap-lai", data={"site": DEPT_SITE, "csrf_token": csrf})
    assert response.status_code == 303 and "tb=da-gui" in response.headers["Location"]
    (task,) = tasks_of(app)
    assert (task.kind, task.site, task.status, task.key_id) == ("crawl", DEPT_SITE, "queued", "admin-token")
    # Asked again while it waits: no second task.
    response = client.post("/admin/thu-thap-lai", data={"site": DEPT_SITE, "csrf_token": csrf})
    assert "tb=dang-chay" in response.headers["Location"] and len(tasks_of(app)) == 1
    page = client.get("/admin/")
    html = page.get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="3">' in html and "Đang chờ" in text(page)
    task_page = client.get(f"/admin/tac-vu/{task.id}")
    assert task_page.status_code == 200 and 'http-equiv="refresh"' in task_page.get_data(as_text=True)
    # An unknown or unconfigured site is refused with a message.
    for slug in (OTHER_SITE, "khong-co", ""):
        response = client.post("/admin/thu-thap-lai", data={"site": slug, "csrf_token": csrf})
        assert response.status_code == 400 and "tệp cấu hình trang" in text(response)
    assert len(tasks_of(app)) == 1
    # Once the writer finished it, the page stops refreshing and shows the outcome.
    queue = app.extensions["tracuu.tasks"]
    with queue.applier_lock() as mine:
        assert mine
        [(taken, _payload)] = queue.pending()
        taken.status = "succeeded"
        taken.counts.update(indexed=4, fetched=12)
        taken.problems = [{"line": None, "id": None, "message": "http://x/loi.html: HTTP 500"}]
        queue.finish([taken])
    html = client.get("/admin/").get_data(as_text=True)
    assert 'http-equiv="refresh"' not in html
    page = text(client.get(f"/admin/tac-vu/{task.id}"))
    assert "Hoàn tất" in page and "Đã lập chỉ mục 4" in page and "http://x/loi.html: HTTP 500" in page
    assert client.get("/admin/tac-vu/khong-co").status_code == 404


def test_query_report_shows_only_queries_searched_several_times(app, home):
    from indexer.querylog import QueryLog

    log = QueryLog(home)
    for _ in range(3):
        log.record_search("bảo vệ trẻ em", 5)
        log.record_search("lương hưu tháng 13", 0)
        log.record_search("học bổng", 2)
    log.record_click("bảo vệ trẻ em", "tin-001")
    for _ in range(2):  # searched twice only: one visitor's words, never shown
        log.record_search("hồ sơ của nguyễn văn bình", 0)
        log.record_search("trợ cấp thôi việc", 4)
    client = app.test_client()
    signed_in(client)
    html = client.get("/admin/").get_data(as_text=True)

    def rows(table_id):
        table = re.search(rf'<table class="report" id="{table_id}">.*?</table>', html, re.S).group(0)
        return [re.findall(r"<td>([^<]*)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:]]

    assert ["bảo vệ trẻ em", "3", "5", "1"] in rows("truy-van-nhieu")
    assert rows("truy-van-khong-ket-qua") == [["lương hưu tháng 13", "3"]]
    assert rows("truy-van-khong-nhan") == [["học bổng", "3"]]
    page = text(client.get("/admin/"))
    assert "13 lượt tìm" in page and "từ 3 lần trở lên" in page
    assert "nguyễn văn bình" not in html and "trợ cấp thôi việc" not in html
    # Fewer searches needed where the operator says so.
    app.config["ADMIN_REPORT_MIN_SEARCHES"] = 2
    html = client.get("/admin/").get_data(as_text=True)
    assert ["hồ sơ của nguyễn văn bình", "2"] in rows("truy-van-khong-ket-qua")


# -- served ---------------------------------------------------------------------------------------
def test_the_served_console_signs_in_refuses_and_signs_out(corpus_home, tmp_path):
    """Under gunicorn: the cookie's attributes, a form without its token, sign-out."""
    import shutil

    import requests

    home = tmp_path / "index"
    shutil.copytree(corpus_home, home)
    write_sites_file(home, DEPT_SITE)
    env = {**os.environ, "TRACUU_ADMIN_TOKEN": TOKEN, "TRACUU_RATE_LIMIT": '""', "PYTHONUNBUFFERED": "1"}
    with served(home, tmp_path / "server.log", "--threads", "2", env=env, workers=2) as (base, _):
        browser = requests.Session()
        page = browser.get(f"{base}/admin/dang-nhap", timeout=10)
        response = browser.post(f"{base}/admin/dang-nhap", data={"csrf_token": form_token_text(page.text),
                                                                  "key": TOKEN}, allow_redirects=False, timeout=10)
        assert response.status_code == 303
        cookie = next(h for h in response.raw.headers.getlist("Set-Cookie") if h.startswith(SESSION_COOKIE + "="))
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
        console = browser.get(f"{base}/admin/", timeout=10)  # any of the two workers knows the session
        assert console.status_code == 200 and "Bảng quản trị" in console.text
        csrf = form_token_text(console.text)
        refused = browser.post(f"{base}/admin/thu-thap-lai", data={"site": DEPT_SITE}, allow_redirects=False,
                               timeout=10)
        assert refused.status_code == 403
        stolen = browser.cookies.get(SESSION_COOKIE)
        out = browser.post(f"{base}/admin/dang-xuat", data={"csrf_token": csrf}, allow_redirects=False, timeout=10)
        assert out.status_code == 303
        again = requests.get(f"{base}/admin/", cookies={SESSION_COOKIE: stolen}, allow_redirects=False, timeout=10)
        assert again.status_code == 303 and again.headers["Location"].endswith("/admin/dang-nhap?tb=het-han")
        from indexer.tasks import TaskQueue

        assert TaskQueue(home).recent() == []  # the refused form queued nothing


def form_token_text(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
