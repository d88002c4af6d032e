"""The JSON API other sites embed: GET /api/search."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from indexer import IndexMissing, QueryError

from .params import search_request

api = Blueprint("api", __name__)


@api.get("/search")
def search():
    try:
        req = search_request(request.args)
        if not req.q.strip():
            raise QueryError("thiếu tham số q (từ khóa tìm kiếm)")
        result = current_app.extensions["tracuu.search"].search(req)
    except QueryError as exc:
        return jsonify(error=str(exc)), 400
    except IndexMissing:
        return jsonify(error="Chưa có dữ liệu để tìm kiếm (chỉ mục chưa được tạo)."), 503
    return jsonify(result.to_dict())
