"""The admin console at /admin: the state of every site, recrawls, and what visitors search.

Server-rendered, no script. Signing in takes an admin key (``ADMIN_TOKEN``, or a key of the
key store whose right is ``admin``); the console then runs on a server-side session
(``admin_sessions``) in an HttpOnly, SameSite=Strict cookie (Secure over https) that expires
after ``ADMIN_SESSION_MINUTES`` without a request. Every form carries a CSRF token: the
session's own once signed in, a double-submit cookie on the sign-in form. Without any admin
key possible (no ``ADMIN_TOKEN``, no admin key in the store) every /admin URL answers 404,
like the routes guarded by ``security.admin_required``.

What a site shows: its documents by kind (the search backend's kind facet for the query
``site:<slug>``, which matches every document of the site), its last crawl and the pages that
crawl skipped or could not read (``indexer.crawl.crawl_summaries``), its recent tasks
(``TaskQueue.recent``) and a recrawl button (a ``crawl`` task for the writer to run). The
query report is ``indexer.querylog``'s.
"""

from __future__ import annotations

import functools
import hmac
import logging
import secrets
from datetime import date, datetime

from flask import (Blueprint, Flask, abort, current_app, g, make_response, redirect, render_template, request,
                   url_for)

from indexer import QueryError, SearchRequest, StoreError
from indexer.crawl.state import crawl_summaries
from indexer.querylog import MIN_SEARCHES, QueryLog, parse_since
from indexer.sources.sites import SiteConfigError

from . import security
from .admin_sessions import AdminSession, SessionStore

log = logging.getLogger(__name__)

admin = Blueprint("admin", __name__, url_prefix="/admin")

DEFAULTS = {
    "ADMIN_SESSION_MINUTES": 30,  # a console session ends after this long without a request
    "ADMIN_COOKIE_SECURE": None,  # None: Secure when the request is https; true behind a TLS proxy
    "ADMIN_SIGN_IN_LIMIT": "10 per minute",  # sign-in attempts per client address (when RATE_LIMIT is on)
    "ADMIN_REPORT_MIN_SEARCHES": MIN_SEARCHES,  # a query is shown only once searched this often (no one visitor's words)
}
SESSION_COOKIE = "tracuu_admin"
SIGN_IN_COOKIE = "tracuu_admin_form"  # the sign-in form's CSRF token (double submit)
COOKIE_PATH = "/admin"
REFRESH_SECONDS = 3  # while a task waits or runs, the page reloads itself (meta refresh, no script)
REPORT_PERIODS = {"7d": "7 ngày", "30d": "30 ngày", "90d": "90 ngày"}
SITE_TASKS = 5
RECENT_TASKS = 20
REPORT_ROWS = 20
KINDS = (("article", "Tin tức"), ("legal", "Văn bản"))

STATUS_LABELS = {"queued": "Đang chờ", "processing": "Đang chạy", "succeeded": "Hoàn tất", "failed": "Thất bại"}
TASK_KIND_LABELS = {"documents": "Cập nhật tài liệu", "delete": "Xóa tài liệu", "crawl": "Thu thập lại"}
CRAWL_STATUS_LABELS = {"running": "Đang chạy hoặc bị ngắt giữa chừng",
                       "paused": "Tạm dừng (đủ số trang tối đa; lần sau chạy tiếp)",
                       "done": "Hoàn tất", "failed": "Thất bại"}
COUNT_LABELS = {"fetched": "Đã tải", "added": "Thêm mới", "updated": "Cập nhật", "unchanged": "Không đổi",
                "removed": "Đã gỡ", "skipped": "Bỏ qua (không phải bài viết hay văn bản)", "errors": "Lỗi",
                "indexed": "Đã lập chỉ mục", "deleted": "Đã xóa", "missing": "Không có trong chỉ mục",
                "documents": "Tài liệu", "problems": "Vấn đề", "received": "Đã nhận"}
NOTICES = {  # ?tb=<code>: fixed messages, never text from the URL
    "da-dang-xuat": "Đã đăng xuất.",
    "het-han": "Phiên làm việc đã hết hạn hoặc không còn hiệu lực; xin đăng nhập lại.",
    "da-gui": "Đã gửi yêu cầu thu thập lại.",
    "dang-chay": "Trang này đang có một lần thu thập chờ hoặc đang chạy; chưa gửi thêm yêu cầu.",
}
CSRF_REFUSED = "Biểu mẫu thiếu mã xác nhận hoặc mã đã hết hạn; xin tải lại trang rồi thử lại. Chưa có thay đổi nào."
WRONG_KEY = "Mã quản trị không đúng, đã bị thu hồi hoặc không có quyền quản trị."
CONSOLE_OFF = ("Bảng quản trị chưa được bật: cần đặt ADMIN_TOKEN trong cấu hình hoặc tạo một khóa "
               "có quyền quản trị.")


# -- wiring ---------------------------------------------------------------------------------
def init_app(app: Flask) -> None:
    """Register the console; after ``security.init_app`` (the sign-in limit uses its limiter)."""
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    minutes = float(app.config["ADMIN_SESSION_MINUTES"])
    app.extensions["tracuu.admin_sessions"] = SessionStore(app.config["INDEX_DIR"], minutes)
    app.register_blueprint(admin)
    limiter = app.extensions.get("tracuu.limiter")
    if limiter is not None and app.config["ADMIN_SIGN_IN_LIMIT"]:
        endpoint = "admin.sign_in_submit"
        app.view_functions[endpoint] = limiter.limit(
            app.config["ADMIN_SIGN_IN_LIMIT"], methods=["POST"], override_defaults=False)(app.view_functions[endpoint])


def _sessions() -> SessionStore:
    return current_app.extensions["tracuu.admin_sessions"]


def _keys():
    return current_app.extensions.get("tracuu.keys")


def _tasks():
    return current_app.extensions.get("tracuu.tasks")


# -- who may sign in ------------------------------------------------------------------------
def _is_admin_key(key) -> bool:
    return key is not None and getattr(key, "revoked", None) is None and key.allows("admin")


def console_enabled() -> bool:
    """An admin key can exist: ADMIN_TOKEN is set, or the key store holds an admin key."""
    if current_app.config.get("ADMIN_TOKEN"):
        return True
    keys = _keys()
    return keys is not None and any(_is_admin_key(key) for key in keys.list())


def _admin_key_id(secret: str) -> str | None:
    """The id of the admin key ``secret`` is (ADMIN_TOKEN is ``admin-token``), or None."""
    token = current_app.config.get("ADMIN_TOKEN")
    if token and hmac.compare_digest(secret.encode(), str(token).encode()):
        return security.ADMIN_TOKEN_KEY_ID
    keys = _keys()
    key = keys.verify(secret) if keys is not None else None
    return key.id if _is_admin_key(key) else None


def _still_admin(key_id: str) -> bool:
    """The key a session was opened with still exists and still has the admin right."""
    if key_id == security.ADMIN_TOKEN_KEY_ID:
        return bool(current_app.config.get("ADMIN_TOKEN"))
    keys = _keys()
    return keys is not None and _is_admin_key(keys.get(key_id))


@admin.before_request
def _only_when_enabled():
    if not console_enabled():
        abort(404, description=CONSOLE_OFF)


@admin.after_request
def _never_cached(response):
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


# -- sessions and CSRF ----------------------------------------------------------------------
def _set_cookie(response, name: str, value: str) -> None:
    secure = current_app.config.get("ADMIN_COOKIE_SECURE")
    response.set_cookie(name, value, path=COOKIE_PATH, httponly=True, samesite="Strict",
                        secure=request.is_secure if secure is None else bool(secure))


def _drop_cookie(response, name: str) -> None:
    secure = current_app.config.get("ADMIN_COOKIE_SECURE")
    response.delete_cookie(name, path=COOKIE_PATH, httponly=True, samesite="Strict",
                           secure=request.is_secure if secure is None else bool(secure))


def _to_sign_in(notice: str | None = None):
    response = redirect(url_for("admin.sign_in", tb=notice) if notice else url_for("admin.sign_in"), code=303)
    _drop_cookie(response, SESSION_COOKIE)
    return response


def signed_in(view):
    """A console view: needs a live session of a key that is still an admin key; a form sent to
    it (any method but GET/HEAD) also needs the session's CSRF token, else 403 and nothing done."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        token = request.cookies.get(SESSION_COOKIE)
        session = _sessions().get(token)
        if session is None:
            return _to_sign_in("het-han" if token else None)
        if not _still_admin(session.key_id):
            _sessions().close_key(session.key_id)
            return _to_sign_in("het-han")
        if request.method not in ("GET", "HEAD") and not session.csrf_matches(request.form.get("csrf_token")):
            abort(403, description=CSRF_REFUSED)
        g.admin_session = session
        return view(*args, **kwargs)

    return security.mark_guarded(wrapper)  # every /admin URL is 404 without an admin key


@admin.app_context_processor
def _console_context() -> dict:
    session: AdminSession | None = g.get("admin_session")
    return {"admin_csrf": session.csrf if session else None, "admin_key": session.key_id if session else None}


# -- sign in and out ------------------------------------------------------------------------
def _sign_in_page(error: str | None = None, status: int = 200):
    form_token = secrets.token_urlsafe(32)
    notice = NOTICES.get(request.args.get("tb", ""))
    response = make_response(render_template("admin_sign_in.html", form_token=form_token, error=error,
                                             notice=notice), status)
    _set_cookie(response, SIGN_IN_COOKIE, form_token)
    return response


@admin.get("/dang-nhap")
def sign_in():
    if _sessions().get(request.cookies.get(SESSION_COOKIE)) is not None:
        return redirect(url_for("admin.console"), code=303)
    return _sign_in_page()


@admin.post("/dang-nhap")
@security.mark_guarded  # 404 without an admin key; the key is the form's
def sign_in_submit():
    expected, given = request.cookies.get(SIGN_IN_COOKIE, ""), request.form.get("csrf_token", "")
    if not expected or not given or not hmac.compare_digest(expected.encode(), given.encode()):
        abort(403, description=CSRF_REFUSED)
    secret = request.form.get("key", "").strip()
    key_id = _admin_key_id(secret) if secret else None
    if key_id is None:
        log.warning("admin console: a sign-in with a wrong key from %s", request.remote_addr)
        return _sign_in_page(WRONG_KEY, 401)
    sessions = _sessions()
    sessions.close(request.cookies.get(SESSION_COOKIE))  # never carry an older session over
    token, _session = sessions.open(key_id)
    log.info("admin console: %s signed in", key_id)
    response = redirect(url_for("admin.console"), code=303)
    _set_cookie(response, SESSION_COOKIE, token)
    _drop_cookie(response, SIGN_IN_COOKIE)
    return response


@admin.post("/dang-xuat")
@signed_in
def sign_out():
    _sessions().close(request.cookies.get(SESSION_COOKIE))
    log.info("admin console: %s signed out", g.admin_session.key_id)
    return _to_sign_in("da-dang-xuat")


# -- the console ----------------------------------------------------------------------------
def _configured_sites() -> tuple[dict, str | None]:
    """The sites a crawl task can run (the writer's own list, from the sites file), and the
    problem reading the file, if any."""
    applier = current_app.extensions.get("tracuu.applier")
    try:
        return (applier.sites() if applier is not None else {}), None
    except SiteConfigError as exc:
        return {}, str(exc)


def _document_counts(slugs) -> tuple[dict[str, dict], str | None]:
    """Documents by kind of each site, from the kind facet of ``site:<slug>`` (every document of
    the site); and the reason when the index cannot answer."""
    backend = current_app.extensions["tracuu.backend"]
    counts: dict[str, dict] = {}
    try:
        for slug in slugs:
            if any(ch.isspace() or ch == '"' for ch in slug):
                continue
            try:
                result = backend.search(SearchRequest(q=f"site:{slug}", scope="web", site=slug, per_page=1))
            except QueryError:  # a configured site with nothing indexed yet
                counts[slug] = {"total": 0, **{kind: 0 for kind, _ in KINDS}}
                continue
            kinds = {item["value"]: item["count"] for item in result.facets.get("kind", [])}
            counts[slug] = {"total": result.total, **{kind: kinds.get(kind, 0) for kind, _ in KINDS}}
    except StoreError as exc:
        log.warning("admin console: no document counts: %s", exc)
        return counts, "Chưa đếm được tài liệu: chỉ mục chưa có dữ liệu hoặc hệ thống tìm kiếm không truy cập được."
    return counts, None


def _indexed_sites() -> list[str]:
    """Sites the index holds documents of: the site facet of every document of either kind (the
    20 largest; a smaller site still shows when the sites file, a crawl or SITE_NAMES names it)."""
    try:
        result = current_app.extensions["tracuu.backend"].search(
            SearchRequest(q="loai:article loai:legal", scope="web", per_page=1))
    except StoreError:
        return []
    return [str(item["value"]) for item in result.facets.get("site", [])]


def _when(value) -> str:
    """A time as admins read it (dd/mm/yyyy hh:mm:ss); '' for none."""
    if not value:
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M:%S")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def _problem_text(problem) -> str:
    """One line for a task's problem (a dict from the writer) or a crawl error (a string)."""
    if isinstance(problem, dict):
        message = problem.get("message") or problem.get("error") or problem.get("why") or ""
        where = problem.get("id") or problem.get("url") or problem.get("line") or problem.get("index")
        if message and where is not None:
            return f"{where}: {message}"
        return str(message) if message else "; ".join(f"{k}: {v}" for k, v in problem.items())
    return str(problem)


def _task_view(task) -> dict:
    counts = dict(task.counts or {})
    return {
        "id": task.id, "kind": TASK_KIND_LABELS.get(task.kind, task.kind), "kind_code": task.kind, "site": task.site,
        "status": task.status, "status_label": STATUS_LABELS.get(task.status, task.status),
        "submitted": _when(task.submitted), "finished": _when(task.finished),
        "counts": [(COUNT_LABELS.get(name, name), value) for name, value in counts.items()
                   if isinstance(value, int) and (value or name == "indexed") and name != "problems"],
        "problems": [_problem_text(p) for p in (task.problems or [])],
        "running": task.status in ("queued", "processing"),
        "key_id": task.key_id,
        "error": task.error,
    }


def _recent_tasks(site: str | None = None, limit: int = RECENT_TASKS) -> list[dict]:
    tasks = _tasks()
    return [_task_view(t) for t in tasks.recent(site=site, limit=limit)] if tasks is not None else []


def _crawl_view(summary: dict | None) -> dict | None:
    """The last crawl of a site and what it skipped or could not read, as the page shows it."""
    if not summary:
        return None
    run = summary.get("last_run") or {}
    counts = run.get("counts") or {}
    return {
        "pages": summary.get("pages", 0), "documents": summary.get("documents", 0),
        "pages_with_errors": summary.get("pages_with_errors", 0), "pages_skipped": summary.get("pages_skipped", 0),
        "started": _when(run.get("started")), "finished": _when(run.get("finished")),
        "status": CRAWL_STATUS_LABELS.get(run.get("status"), run.get("status") or ""),
        "counts": [(COUNT_LABELS[name], counts[name]) for name in
                   ("fetched", "added", "updated", "unchanged", "removed", "skipped", "errors") if name in counts],
        "problems": [_problem_text(p) for p in run.get("errors") or []],
    }


def _site_views() -> tuple[list[dict], list[str]]:
    """Every site the console knows (sites file, crawl states, index, settings), and notes."""
    config = current_app.config
    notes = []
    configured, sites_problem = _configured_sites()
    if sites_problem:
        notes.append(f"Không đọc được tệp cấu hình trang: {sites_problem}")
    try:
        crawls = crawl_summaries(config["INDEX_DIR"])
    except Exception as exc:  # noqa: BLE001 - an unreadable crawl state must not hide the rest
        log.warning("admin console: crawl states unreadable: %s", exc)
        crawls = {}
        notes.append("Không đọc được trạng thái thu thập của các trang.")
    slugs = list(dict.fromkeys([*configured, *crawls, *_indexed_sites(), *config.get("SITE_NAMES", {}),
                                *([config["DEFAULT_SITE"]] if config.get("DEFAULT_SITE") else []),
                                *(config.get("WEB_SITES") or [])]))
    counts, count_problem = _document_counts(slugs)
    if count_problem:
        notes.append(count_problem)
    names = config.get("SITE_NAMES", {})
    views = []
    for slug in slugs:
        site = configured.get(slug)
        tasks = _recent_tasks(slug, SITE_TASKS)
        views.append({
            "slug": slug,
            "name": (site.name if site and site.name else names.get(slug, "")),
            "base_url": site.base_url if site else "",
            "counts": counts.get(slug),
            "crawl": _crawl_view(crawls.get(slug)),
            "can_crawl": site is not None and _tasks() is not None,
            "crawl_running": any(t["running"] and t["kind_code"] == "crawl" for t in tasks),
            "tasks": tasks,
        })
    return views, notes


def _query_report(period: str) -> dict:
    """``QueryLog.report``, which shows only queries searched at least ADMIN_REPORT_MIN_SEARCHES
    times (never one visitor's words)."""
    config = current_app.config
    report = QueryLog(config["INDEX_DIR"]).report(parse_since(period), REPORT_ROWS,
                                                  min_searches=int(config["ADMIN_REPORT_MIN_SEARCHES"]))
    report["logging"] = bool(config.get("QUERY_LOG", True))
    report["since_label"] = _when(date.fromisoformat(report["since"]))
    return report


@admin.get("/")
@signed_in
def console():
    period = request.args.get("ky", "30d")
    if period not in REPORT_PERIODS:
        period = "30d"
    sites, notes = _site_views()
    recent = _recent_tasks()
    tasks = _tasks()
    watched = tasks.get(request.args.get("tac_vu", "")) if tasks is not None and request.args.get("tac_vu") else None
    return render_template(
        "admin.html", sites=sites, notes=notes, recent=recent, kinds=KINDS,
        report=_query_report(period), period=period, periods=REPORT_PERIODS,
        notice=NOTICES.get(request.args.get("tb", "")), tasks_enabled=_tasks() is not None,
        watched=_task_view(watched) if watched is not None else None,
        refresh=REFRESH_SECONDS if any(t["running"] for t in recent) else None,
    )


@admin.post("/thu-thap-lai")
@signed_in
def recrawl():
    slug = request.form.get("site", "").strip()
    configured, _problem = _configured_sites()
    tasks = _tasks()
    if slug not in configured or tasks is None:
        abort(400, description="Không thu thập lại được trang này: trang không có trong tệp cấu hình trang "
                               "hoặc hàng đợi tác vụ chưa được bật.")
    running = [t for t in tasks.recent(site=slug, limit=SITE_TASKS)
               if t.kind == "crawl" and t.status in ("queued", "processing")]
    if running:
        return redirect(url_for("admin.console", tb="dang-chay", tac_vu=running[0].id), code=303)
    task = tasks.submit("crawl", slug, {"site": slug}, g.admin_session.key_id, sites=[slug])
    applier = current_app.extensions.get("tracuu.applier")
    if applier is not None and current_app.config.get("WRITE_APPLIER", True):
        applier.start()  # this process applies it now, unless another one holds the queue
    log.info("admin console: %s asked for a recrawl of %s (task %s)", g.admin_session.key_id, slug, task.id)
    # No #fragment: a meta refresh of a URL with one only scrolls, it does not reload.
    return redirect(url_for("admin.console", tb="da-gui", tac_vu=task.id), code=303)


@admin.get("/tac-vu/<task_id>")
@signed_in
def task_page(task_id: str):
    tasks = _tasks()
    task = tasks.get(task_id) if tasks is not None else None
    if task is None:
        abort(404, description="Không có tác vụ này.")
    view = _task_view(task)
    return render_template("admin_task.html", task=view, refresh=REFRESH_SECONDS if view["running"] else None)
