"""The search page: server-rendered HTML that works without JavaScript."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request, url_for

from indexer import IndexMissing, QueryError

from .params import search_request

pages = Blueprint("pages", __name__)

KIND_LABELS = {"article": "Tin tức", "legal": "Văn bản"}


def page_url(page: int) -> str:
    """This search on another page, keeping every other parameter (scope, site, filters)."""
    args = request.args.to_dict()
    args["page"] = page
    return url_for("pages.index", **args)


@pages.get("/")
def index():
    error = None
    result = None
    status = 200
    args = request.args
    try:
        req = search_request(args)
        if req.q.strip():
            result = current_app.extensions["tracuu.search"].search(req)
    except QueryError as exc:
        error, req, status = str(exc), None, 400
    except IndexMissing:
        error, req, status = "Chưa có dữ liệu để tìm kiếm. Quản trị viên cần chạy lệnh tracuu index.", None, 503
    return render_template(
        "search.html",
        q=args.get("q", ""),
        scope=(req.scope if req else args.get("scope", "site")),
        result=result,
        error=error,
        kind_labels=KIND_LABELS,
        site_names=current_app.config["SITE_NAMES"],
        page_url=page_url,
    ), status
