"""Production serving: gunicorn, started from ``tracuu serve``.

The app (and pyvi's model, ~1 s and 100+ MB) is loaded once in the master and
shared by forked workers; each worker thread opens its own searcher.
"""

from __future__ import annotations

import html

from gunicorn import util
from gunicorn.http import message
from gunicorn.app.base import BaseApplication
from gunicorn.http.errors import LimitRequestLine
from gunicorn.workers.gthread import ThreadWorker

from indexer.search.understand import MAX_QUERY_CHARS

from .app import create_app

# The longest request line the server reads. A query at the parser's limit (MAX_QUERY_CHARS)
# percent-encodes to up to 9 bytes a character ("ệ" is %E1%BB%87), about 9,000 bytes, plus the
# other parameters: over gunicorn's own maximum of 8,190, so that maximum is raised (``serve``).
# Not unlimited (0): gunicorn's parser would then read an endless line into memory. The app
# answers a query over MAX_QUERY_CHARS with its Vietnamese 400; a longer line gets the 414 below.
LIMIT_REQUEST_LINE = 16384
TOO_LONG = (f"Địa chỉ yêu cầu quá dài. Câu tìm kiếm chỉ được tối đa {MAX_QUERY_CHARS:,} ký tự; ".replace(",", ".")
            + "xin vui lòng rút gọn.")


class TracuuServer(BaseApplication):
    def __init__(self, app, options: dict):
        self.application = app
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        return self.application


class VietnameseThreadWorker(ThreadWorker):
    """gunicorn's threaded worker; a request line over LIMIT_REQUEST_LINE, refused before the app
    sees it, is answered in Vietnamese rather than with gunicorn's English page."""

    def handle_error(self, req, client, addr, exc):
        if not isinstance(exc, LimitRequestLine):
            return super().handle_error(req, client, addr, exc)
        self.log.warning("Invalid request from ip=%s: %s", (addr or ("",))[0], exc)
        body = ('<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Lỗi 414</title></head>'
                f"<body><h1>Lỗi 414</h1><p>{html.escape(TOO_LONG)}</p></body></html>").encode("utf-8")
        head = (f"HTTP/1.1 414 URI Too Long\r\nConnection: close\r\nContent-Type: text/html; charset=utf-8\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode("ascii")
        try:
            util.write_nonblock(client, head + body)  # as gunicorn's own error pages: never wait on the client
        except OSError:
            self.log.debug("Failed to send error message.")


def warm_up(app=None) -> None:
    """Load, before forking, what every worker needs, so workers share it (copy-on-write) and no
    request pays for it: pyvi's model, and what the backend prepares itself (the index vocabulary
    behind autocomplete and "did you mean": seconds on a large index, built per process otherwise)."""
    from indexer.analysis import load_segmenter

    load_segmenter()
    if app is None:
        return
    app.extensions["tracuu.search"].warm_up()


def serve(index_dir: str, host: str, port: int, workers: int = 2, threads: int = 4,
          default_site: str | None = None, config_file: str | None = None) -> None:
    config = {"INDEX_DIR": index_dir}
    if default_site:
        config["DEFAULT_SITE"] = default_site
    if config_file:
        config["CONFIG_FILE"] = config_file
    app = create_app(config)
    warm_up(app)
    # gunicorn caps limit_request_line at this module constant (its documented maximum); raised
    # so the Python parser enforces LIMIT_REQUEST_LINE instead.
    message.MAX_REQUEST_LINE = max(message.MAX_REQUEST_LINE, LIMIT_REQUEST_LINE)
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "worker_class": "webapp.server.VietnameseThreadWorker",  # gthread
        "limit_request_line": LIMIT_REQUEST_LINE,
        "preload_app": True,
        "timeout": 30,
        "graceful_timeout": 10,
        "accesslog": "-",
        "errorlog": "-",
        "loglevel": "info",
    }
    TracuuServer(app, options).run()
