"""The write API: a CMS pushes its documents, an administrator asks for a recrawl.

Every write is a task (``indexer.tasks``): stored durably, answered ``202`` with its id, and
applied by the one applier (``indexer.apply``) in order and in batches; ``GET /api/tasks/<id>``
says when it is in the index. Callers authenticate with an API key (``indexer.keys``) or
``ADMIN_TOKEN``; a key for some sites writes only their documents. Without ``ADMIN_TOKEN`` and
without any key these routes do not exist (404).
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from flask import Blueprint, Flask, abort, current_app, jsonify, request, url_for

from indexer import IndexMissing
from indexer.apply import Applier
from indexer.keys import ApiKey, KeyStore
from indexer.sources.pushed import BodyError, document_to_json, read_pushed
from indexer.tasks import Task, TaskQueue

from .security import bearer_key, keys_configured, mark_guarded, unauthorized

DEFAULTS = {
    "WRITE_MAX_CONTENT_LENGTH": 32 * 1024 * 1024,  # bytes of a pushed body (MAX_CONTENT_LENGTH stays small)
    "WRITE_APPLIER": True,  # apply queued tasks in this process (one process at a time holds the queue)
}
NDJSON_TYPES = ("application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines")

write_api = Blueprint("write_api", __name__)


def init_app(app: Flask) -> None:
    """The key store, the task queue and the applier, in ``app.extensions``; the blueprint."""
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    home = Path(app.config["INDEX_DIR"])
    queue = TaskQueue(home)
    app.extensions["tracuu.keys"] = KeyStore(home)
    app.extensions["tracuu.tasks"] = queue
    app.extensions["tracuu.applier"] = Applier(app.extensions["tracuu.search"], queue,
                                               sites=lambda: _configured_sites(app))
    app.before_request(_ensure_applier)
    app.register_blueprint(write_api, url_prefix="/api")


def _configured_sites(app: Flask) -> dict:
    from indexer.sources.sites import load_sites

    path = app.config.get("SITES") or Path(app.config["INDEX_DIR"]) / "sites.toml"
    return load_sites(Path(path))


def _ensure_applier(force: bool = False) -> None:
    """Start this process's applier thread (again after a fork: threads do not survive it) once
    there is a queue to apply."""
    app = current_app
    applier: Applier = app.extensions["tracuu.applier"]
    if not app.config["WRITE_APPLIER"] or (applier.thread is not None and applier.thread.is_alive()):
        return
    if force or app.extensions["tracuu.tasks"].exists():
        applier.start()


# -- keys --------------------------------------------------------------------------------------
def authenticate(required: str, site: str | None = None) -> ApiKey:
    """The caller's key, allowed to do ``required`` ("search", "write", "admin") on ``site``;
    otherwise the request ends: 404 when no key exists at all, 401 without a valid key (unknown,
    revoked, or none), 403 when the key may not do this."""
    if not keys_configured():
        abort(404)
    key = bearer_key()
    if key is None:
        abort(unauthorized())
    if not key.allows(required, site):
        where = f" trên trang {site}" if site else ""
        what = {"search": "tìm kiếm", "write": "ghi", "admin": "quản trị"}.get(required, required)
        abort(_error(403, f"Khóa này không được phép {what}{where}."))
    return key


def _error(status: int, message: str, **extra):
    response = jsonify(error=message, **extra)
    response.status_code = status
    return response


def _accepted(task: Task):
    body = task.to_dict()
    body["url"] = url_for("write_api.task_status", task_id=task.id)
    response = jsonify(body)
    response.status_code = 202
    response.headers["Location"] = body["url"]
    return response


@write_api.after_request
def _not_cached(response):
    response.headers["Cache-Control"] = "no-store"
    return response


# -- documents ---------------------------------------------------------------------------------
def _body() -> bytes:
    request.max_content_length = int(current_app.config["WRITE_MAX_CONTENT_LENGTH"])
    return request.get_data(cache=False)


def _submit_documents(key: ApiKey, body: bytes, ndjson: bool | None):
    default_site = request.args.get("site", "").strip() or (key.sites[0] if len(key.sites) == 1 else None)
    if default_site and not key.allows("write", default_site):
        abort(_error(403, f"Khóa này không được phép ghi trên trang {default_site}."))
    try:
        pushed = read_pushed(body, default_site, ndjson)
    except BodyError as exc:
        abort(_error(400, str(exc)))
    refused = sorted({doc.site for doc in pushed.documents if not key.allows("write", doc.site)})
    if refused:
        abort(_error(403, f"Khóa này không được phép ghi trên trang {', '.join(refused)}; không văn bản nào được ghi."))
    if not pushed.documents:
        abort(_error(400, "Không có văn bản hợp lệ nào; không văn bản nào được ghi.", problems=pushed.problems))
    sites = sorted({doc.site for doc in pushed.documents})
    task = current_app.extensions["tracuu.tasks"].submit(
        "documents", sites[0] if len(sites) == 1 else None,
        {"documents": [document_to_json(doc) for doc in pushed.documents]}, key.id, sites=sites,
        problems=pushed.problems, received=pushed.received, size=len(pushed.documents))
    _ensure_applier(force=True)
    return _accepted(task)


@write_api.post("/documents")
@mark_guarded
def push_documents():
    """One JSON object, an array of them, or NDJSON (one per line)."""
    key = authenticate("write")
    ndjson = True if (request.mimetype or "") in NDJSON_TYPES else None
    return _submit_documents(key, _body(), ndjson)


@write_api.route("/documents/<path:doc_id>", methods=["PUT"])
@mark_guarded
def put_document(doc_id):
    """Add or replace the document ``doc_id`` (the body is one JSON object)."""
    key = authenticate("write")
    try:
        record = json.loads(_body().decode("utf-8-sig") or "null")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        abort(_error(400, f"Nội dung không phải JSON hợp lệ ({getattr(exc, 'msg', exc)})."))
    if not isinstance(record, dict):
        abort(_error(400, "Nội dung phải là một đối tượng JSON (một văn bản)."))
    if record.get("id") not in (None, "", doc_id):
        abort(_error(400, f"id trong nội dung ({record['id']}) khác id trong địa chỉ ({doc_id})."))
    record["id"] = doc_id
    return _submit_documents(key, json.dumps(record, ensure_ascii=False).encode("utf-8"), False)


def _stored(doc_id: str) -> dict | None:
    try:
        return current_app.extensions["tracuu.search"].stored(doc_id)
    except IndexMissing:
        return None


@write_api.route("/documents/<path:doc_id>", methods=["DELETE"])
@mark_guarded
def delete_document(doc_id):
    key = authenticate("write")
    stored = _stored(doc_id)
    if stored is not None and not key.allows("write", stored.get("site")):
        abort(_error(403, f"Khóa này không được phép ghi trên trang {stored.get('site')}; không xóa."))
    site = stored.get("site") if stored else (key.sites[0] if len(key.sites) == 1 else None)
    task = current_app.extensions["tracuu.tasks"].submit(
        "delete", site, {"ids": [doc_id], "sites": list(key.sites) if key.can != "admin" else []}, key.id,
        sites=[site] if site else [], received=1, size=1)
    _ensure_applier(force=True)
    return _accepted(task)


@write_api.get("/documents/<path:doc_id>")
@mark_guarded
def get_document(doc_id):
    """The stored fields of a document, for an admin key or a write key of its site."""
    key = authenticate("write")
    stored = _stored(doc_id)
    if stored is None or not key.allows("write", stored.get("site")):
        abort(_error(404, "Không tìm thấy văn bản này."))
    return jsonify({k: v.isoformat() if isinstance(v, datetime) else v for k, v in stored.items()})


# -- sites and tasks ---------------------------------------------------------------------------
@write_api.post("/sites/<slug>/crawl")
@mark_guarded
def crawl_site(slug):
    """Recrawl a configured site now (incrementally), as ``tracuu crawl SLUG`` does."""
    key = authenticate("write", slug)
    from indexer.sources.sites import SiteConfigError

    try:
        known = slug in _configured_sites(current_app)
    except SiteConfigError as exc:
        current_app.logger.warning("sites file: %s", exc)
        known = False
    if not known:
        abort(_error(404, f"Trang {slug} không có trong cấu hình các trang (sites.toml)."))
    task = current_app.extensions["tracuu.tasks"].submit("crawl", slug, {"site": slug}, key.id, sites=[slug])
    _ensure_applier(force=True)
    return _accepted(task)


def _visible(key: ApiKey, task: Task) -> bool:
    return key.can == "admin" or all(key.allows("write", site) for site in task.sites)


@write_api.get("/tasks/<task_id>")
@mark_guarded
def task_status(task_id):
    key = authenticate("write")
    task = current_app.extensions["tracuu.tasks"].get(task_id)
    if task is None or not _visible(key, task):
        abort(_error(404, "Không tìm thấy tác vụ này."))
    return jsonify(task.to_dict())


@write_api.get("/tasks")
@mark_guarded
def recent_tasks():
    """The newest tasks (``site``, ``limit`` up to 100) the caller's key may see."""
    site = request.args.get("site", "").strip() or None
    key = authenticate("write", site)
    raw = request.args.get("limit", "20").strip()
    if not raw.isdigit() or not 1 <= int(raw) <= 100:
        abort(_error(400, "limit phải từ 1 đến 100"))
    tasks = current_app.extensions["tracuu.tasks"].recent(site=site, limit=int(raw))
    return jsonify(tasks=[t.to_dict() for t in tasks if _visible(key, t)])
