"""The search page: server-rendered HTML that works without JavaScript.

Every control is a link or a GET form, so facets, sorting, paging and the
did-you-mean suggestion work with scripts off; search.js adds autocomplete
and re-runs the search when the scope changes.
"""

from __future__ import annotations

import re

from flask import Blueprint, current_app, g, make_response, render_template, request, url_for

from indexer import IndexMissing, QueryError
from indexer.search.browse import has_filter

from .home import DEFAULT_PLACEHOLDER, home_for
from .params import FILTERS, default_scope, search_request

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
DATE_RANGE_LABEL = "Ngày ban hành/đăng"
# Categories that only say what the kind already says: not repeated on a result line, not a facet value.
KIND_CATEGORIES = {
    "article": {"tin tức", "tin tức - sự kiện", "tin tức sự kiện", "tin"},
    "legal": {"văn bản", "văn bản pháp luật", "văn bản pháp quy", "văn bản quy phạm pháp luật", "văn bản qppl"},
}
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


def _category_key(text: str) -> str:
    return " ".join(re.sub(r"[-–—:|/]+", " - ", str(text)).split()).casefold()


@pages.app_template_global()
def redundant_category(category, kind=None) -> bool:
    """Whether a category only names the kind (``kind``'s, or any kind's): "Tin tức" on a news item."""
    key = _category_key(category or "")
    kinds = [kind] if kind else list(KIND_CATEGORIES)
    return any(key in KIND_CATEGORIES.get(k, ()) or key == KIND_LABELS.get(k, "").casefold() for k in kinds)


@pages.app_template_filter("vn_date")
def vn_date(iso: str | None) -> str:
    """2015-08-18 as 18/08/2015, the way Vietnamese documents print dates."""
    if not iso or len(iso) < 10:
        return iso or ""
    return f"{iso[8:10]}/{iso[5:7]}/{iso[0:4]}"


@pages.app_template_filter("seconds")
def seconds(took_ms: float) -> str:
    """How long a search took, honestly and with the decimal comma: "0,12 giây", "dưới 0,01 giây"."""
    if took_ms < 10:
        return "dưới 0,01 giây"
    return f"{took_ms / 1000:.2f}".replace(".", ",") + " giây"


@pages.app_template_global()
def number_searched(number: str | None, q: str) -> bool:
    """Whether the visitor typed this document number, however spelled (87/2015/nd-cp): the card
    marks it as the snippets mark the words found."""
    from indexer.document import doc_number_key

    key = doc_number_key(number or "")
    return bool(key) and key in doc_number_key(q or "")


@pages.app_template_filter("without_parent")
def without_parent(title_html: str, hit) -> str:
    """An article's marked title without the " — <its law>" the API's title ends with: the card's
    own line names the law. Unchanged when the cut would split a mark."""
    if not (hit.parent_id and hit.parent_title) or " — " not in title_html:
        return title_html
    head, tail = title_html.rsplit(" — ", 1)
    balanced = all(part.count("<mark") == part.count("</mark>") for part in (head, tail))
    return head if balanced and tail.replace("<mark>", "").replace("</mark>", "").startswith(hit.parent_title) \
        else title_html


@pages.app_template_global()
def hidden_args(*skip: str) -> list[tuple[str, str]]:
    """This search's parameters but ``skip`` (and the page), as hidden inputs of a GET form."""
    return [(k, v) for k, v in request.args.items(multi=True) if v != "" and k not in skip and k != "page"]


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
            if name == "category" and not is_selected and redundant_category(value):
                continue  # "Tin tức", "Văn bản pháp luật": the kind facet says it already
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
    if req.date_from or req.date_to:
        start, end = (vn_date(d) if d else None for d in (req.date_from, req.date_to))
        shown = f"{start} – {end}" if start and end else (f"từ {start}" if start else f"đến {end}")
        active.append({"name": "date", "label": DATE_RANGE_LABEL, "value": shown,
                       "url": url_with(**{"from": None, "to": None})})
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
        if req.q.strip() or has_filter(req):  # a filter without words lists its documents, newest first
            result = current_app.extensions["tracuu.search"].search(req)
        else:
            current_app.extensions["tracuu.search"].check_site(req.site)  # an unknown site says so at once
    except QueryError as exc:
        error, req, status = str(exc), None, 400
    except IndexMissing:
        error, req, status = NO_INDEX, None, 503
    facet_groups = _facet_groups(result, req) if result and req else []
    home = home_for(req.scope, req.site) if req and result is None and embed_site is None else None
    if home is not None:
        g.index_etag = None  # the home's popular queries change without the index: ETag of the body
    return render_template(
        template,
        q=args.get("q", ""),
        scope=(req.scope if req else args.get("scope", "").strip() or default_scope()),
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
        home=home,
        # Called by the search box only: the region alone (results as you type) never builds it.
        search_placeholder=lambda: (home or home_for(req.scope, req.site)).placeholder if req else DEFAULT_PLACEHOLDER,
    ), status


@pages.get("/")
def index():
    return render_search("search.html")


@pages.app_template_global()
def search_title(q: str) -> str:
    """The search page's title (before the site name); search.js keeps it as the results change."""
    return f"{q} – Kết quả tìm kiếm" if q else "Tìm kiếm"


@pages.get("/ket-qua")
def results():
    """Only the region below the search box, for the same query string as ``/``: search.js swaps
    it in as the visitor types (results as you type). Its own path, not a parameter of ``/``, so a
    page URL always answers a whole page and the links inside (facets, paging) lead to ``/``. It is
    not a page to index; its ETag is the search's (http_cache.INDEX_ENDPOINTS)."""
    body, status = render_search("_results_region.html")
    response = make_response(body, status)
    response.headers["X-Robots-Tag"] = "noindex"
    return response
