"""Every error the web app answers, in Vietnamese: an HTML page under ``/``, ``{"error": ...}``
under ``/api/``, with the status code and the exception's own headers (``Allow`` on 405,
``Retry-After`` on 429 and 503).

Werkzeug's exceptions carry English descriptions ("The requested URL was not found on the
server ..."). A description our code gave (``abort(400, "…")``) is kept; werkzeug's own
default, or any other library's text without a single Vietnamese letter, is replaced by
the message for the status code.
"""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from indexer import BackendUnavailable

log = logging.getLogger(__name__)

UNAVAILABLE = "Hệ thống tìm kiếm tạm thời không truy cập được; xin vui lòng thử lại sau ít phút."
MESSAGES = {
    400: "Yêu cầu không hợp lệ.",
    401: "Cần khóa truy cập hợp lệ để dùng chức năng này.",
    403: "Bạn không có quyền thực hiện thao tác này.",
    404: "Không tìm thấy trang này. Địa chỉ có thể đã sai hoặc trang không còn nữa.",
    405: "Địa chỉ này không nhận phương thức {method}.",
    406: "Không có nội dung theo định dạng được yêu cầu.",
    408: "Yêu cầu gửi quá chậm; xin vui lòng thử lại.",
    409: "Yêu cầu xung đột với trạng thái hiện tại; xin vui lòng thử lại.",
    410: "Trang này không còn nữa.",
    411: "Yêu cầu thiếu độ dài nội dung (Content-Length).",
    413: "Nội dung gửi lên quá lớn.",
    414: "Địa chỉ yêu cầu quá dài.",
    415: "Kiểu nội dung gửi lên không được hỗ trợ.",
    416: "Khoảng dữ liệu yêu cầu không hợp lệ.",
    422: "Nội dung gửi lên không xử lý được.",
    429: "Quá nhiều yêu cầu; xin vui lòng thử lại sau ít phút.",
    431: "Phần đầu (header) của yêu cầu quá lớn.",
    500: "Đã có lỗi xảy ra; xin vui lòng thử lại sau.",
    501: "Chức năng này không được hỗ trợ.",
    502: UNAVAILABLE,
    503: UNAVAILABLE,
    504: "Hệ thống trả lời quá chậm; xin vui lòng thử lại sau ít phút.",
}
OTHER = "Không xử lý được yêu cầu (mã lỗi {code})."


def message_for(exc: HTTPException) -> str:
    """The Vietnamese message of ``exc``: its own description when our code wrote one."""
    description = exc.description or ""
    own = description != type(exc).description and not description.isascii()
    if own:
        return description
    code = exc.code or 500
    message = MESSAGES.get(code, OTHER).format(method=request.method, code=code)
    if code == 413 and request.max_content_length:
        message = message[:-1] + f" (tối đa {_size(request.max_content_length)})."
    return message


def _size(n: int) -> str:
    return f"{n // (1024 * 1024)} MB" if n >= 1024 * 1024 else f"{max(1, n // 1024)} KB"


def respond(code: int, message: str, headers=()):
    """``message`` as JSON under /api/, as the error page elsewhere."""
    if request.path.startswith("/api/"):
        return jsonify(error=message), code, list(headers)
    return render_template("error.html", code=code, message=message), code, list(headers)


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc):
        # Keep the exception's own headers (Allow on 405, Retry-After ...), not its HTML body.
        headers = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]
        return respond(exc.code or 500, message_for(exc), headers)

    @app.errorhandler(BackendUnavailable)
    def backend_unavailable(exc):
        # The search engine (a cluster) cannot be reached: a clear 503, never a 500 or a trace.
        log.warning("search backend unavailable on %s: %s", request.path, exc)
        return respond(503, UNAVAILABLE, [("Retry-After", "30")])

    @app.errorhandler(Exception)
    def unexpected_error(exc):
        log.exception("unhandled error on %s", request.path)
        return respond(500, MESSAGES[500])
