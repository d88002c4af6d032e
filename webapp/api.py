"""The JSON API other sites embed: GET /api/search, /api/suggest and /api/openapi.json."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request, url_for

from indexer import IndexMissing, QueryError
from indexer.search.browse import has_filter

from . import openapi
from .params import default_scope, search_request

api = Blueprint("api", __name__)


@api.get("/search")
def search():
    try:
        req = search_request(request.args)
        if not req.q.strip() and not has_filter(req):  # a filter alone lists its documents, newest first
            raise QueryError("thiếu tham số q (từ khóa tìm kiếm) hoặc một bộ lọc (kind, doc_type, year, category, from, to)")
        result = current_app.extensions["tracuu.search"].search(req)
    except QueryError as exc:
        return jsonify(error=str(exc)), 400
    except IndexMissing:
        return jsonify(error="Chưa có dữ liệu để tìm kiếm (chỉ mục chưa được tạo)."), 503
    return jsonify(result.to_dict())


@api.get("/suggest")
def suggest():
    """Autocomplete; ``format=opensearch`` answers browsers' search bars (OpenSearch suggestions)."""
    q = request.args.get("q", "")
    fmt = request.args.get("format", "json").strip() or "json"
    try:
        if fmt not in ("json", "opensearch"):
            raise QueryError("format phải là json hoặc opensearch")
        limit = _int_arg("limit", 8)
        if not 1 <= limit <= 20:
            raise QueryError("limit phải từ 1 đến 20")
        items = current_app.extensions["tracuu.search"].suggest(
            q, scope=request.args.get("scope", "").strip() or default_scope(),
            site=request.args.get("site", "").strip() or None, limit=limit)
    except QueryError as exc:
        return jsonify(error=str(exc)), 400
    except IndexMissing:
        return jsonify(error="Chưa có dữ liệu để tìm kiếm (chỉ mục chưa được tạo)."), 503
    if fmt == "opensearch":
        response = jsonify([q, [i["text"] for i in items], [], [i.get("url", "") for i in items]])
        response.mimetype = "application/x-suggestions+json"
        return response
    return jsonify(query=q, suggestions=items)


@api.get("/related/<path:doc_id>")
def related(doc_id):
    """Documents like this one (ids may hold slashes: 87/2015/NĐ-CP#3)."""
    from indexer.errors import DocumentNotFound

    try:
        limit = _int_arg("limit", 5)
        if not 1 <= limit <= 20:
            raise QueryError("limit phải từ 1 đến 20")
        items = current_app.extensions["tracuu.search"].related(doc_id, limit=limit)
    except QueryError as exc:
        return jsonify(error=str(exc)), 400
    except DocumentNotFound:
        return jsonify(error="Không tìm thấy văn bản này."), 404
    except IndexMissing:
        return jsonify(error="Chưa có dữ liệu để tìm kiếm (chỉ mục chưa được tạo)."), 503
    return jsonify(id=doc_id, related=items)


def _int_arg(name: str, default: int) -> int:
    raw = request.args.get(name, "").strip()
    if not raw:
        return default
    if not raw.isascii() or not raw.lstrip("-").isdigit() or len(raw) > 6:
        raise QueryError(f"{name} phải là một số nguyên")
    return int(raw)


@api.get("/openapi.json")
def openapi_document():
    sites = current_app.extensions["tracuu.search"].known_sites()
    return jsonify(openapi.document(url_for("pages.index", _external=True), sites=sites))
