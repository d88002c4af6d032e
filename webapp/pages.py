"""The search page: server-rendered HTML that works without JavaScript.

Every control is a link or a GET form, so facets, sorting, paging and the
did-you-mean suggestion work with scripts off; search.js adds autocomplete
and re-runs the search when the scope changes.
"""

from __future__ import annotations

import re

from flask import Blueprint, current_app, render_template, request, url_for

from indexer import IndexMissing, QueryError

from .params import FILTERS, search_request

pages = Blueprint("pages", __name__)

KIND_LABELS = {"article": "Tin tức", "legal": "Văn bản"}
FACET_LABELS = {
    "kind": "Loại nội dung",
    "doc_type": "Loại văn bản",
    "year": "Năm",
    "site": "Trang",
    "category": "Chuyên mục",
}
SORT_LABELS = {"relevance": "Phù hợp nhất", "newest": "Mới nhất"}
NO_INDEX = "Chưa có dữ liệu để tìm kiếm. Quản trị viên cần chạy lệnh tracuu index."


@pages.app_context_processor
def theme() -> dict:
    """The configured colour, if it is a CSS hex colour (it goes into a <style>)."""
    color = str(current_app.config.get("THEME_COLOR") or "")
    return {"theme_color": color if re.fullmatch(r"#[0-9a-fA-F]{3,8}", color) else "#0b5394"}


def url_with(endpoint: str = "pages.index", **changes) -> str:
    """This search with some parameters changed (None removes one); back to page 1 unless given."""
    args = {k: v for k, v in request.args.items() if v != ""}
    if "page" not in changes:
        args.pop("page", None)
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = value
    return url_for(endpoint, **args)


def page_url(page: int) -> str:
    """This search on another page, keeping every other parameter (scope, site, filters)."""
    return url_with(page=page)


def value_label(facet: str, value) -> str:
    if facet == "kind":
        return KIND_LABELS.get(value, value)
    if facet == "site":
        return current_app.config["SITE_NAMES"].get(value, value)
    return str(value)


def _facet_groups(result, req) -> list[dict]:
    """Facets to show, each value with its count, its link and whether it is selected."""
    groups = []
    for name, label in FACET_LABELS.items():
        if name == "site" and req.scope == "site":
            continue  # one site already
        selected = str(getattr(req, name) or "") if name != "site" else (request.args.get("site") or "")
        values = []
        for item in result.facets.get(name, []):
            value = str(item["value"])
            is_selected = value == selected
            changes = {name: None if is_selected else value}
            values.append({
                "value": value, "label": value_label(name, value), "count": item["count"],
                "selected": is_selected, "url": url_with(**changes),
            })
        if selected and not any(v["selected"] for v in values):
            values.insert(0, {"value": selected, "label": value_label(name, selected), "count": 0,
                              "selected": True, "url": url_with(**{name: None})})
        if len(values) > 1 or selected:
            groups.append({"name": name, "label": label, "values": values})
    return groups


def _active_filters(req) -> list[dict]:
    active = []
    for name in FILTERS:
        value = request.args.get("site") if name == "site" else getattr(req, name)
        if name == "site" and req.scope == "site":
            continue
        if value:
            active.append({"name": name, "label": FACET_LABELS[name], "value": value_label(name, str(value)),
                           "url": url_with(**{name: None})})
    return active


def render_search(template: str, embed_site: str | None = None):
    """Run the search in the request's query string and render ``template`` with it."""
    error = None
    result = None
    req = None
    status = 200
    args = request.args
    try:
        req = search_request(args)
        if embed_site is not None:
            req.scope, req.site = "site", embed_site or None
        if req.q.strip():
            result = current_app.extensions["tracuu.search"].search(req)
    except QueryError as exc:
        error, req, status = str(exc), None, 400
    except IndexMissing:
        error, req, status = NO_INDEX, None, 503
    facet_groups = _facet_groups(result, req) if result and req else []
    return render_template(
        template,
        q=args.get("q", ""),
        scope=(req.scope if req else args.get("scope", "site")),
        sort=(req.sort if req else "relevance"),
        req=req,
        result=result,
        error=error,
        kind_labels=KIND_LABELS,
        sort_labels=SORT_LABELS,
        facet_groups=facet_groups,
        active_filters=_active_filters(req) if req else [],
        site_names=current_app.config["SITE_NAMES"],
        page_url=page_url,
        url_with=url_with,
        embed_site=embed_site,
    ), status


@pages.get("/")
def index():
    return render_search("search.html")
