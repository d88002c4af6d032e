"""The query log's HTTP side: log first-page searches of the page and the API, and clicks.

``init_app`` wraps the app's backend so both the page and the API log what they
search, without either knowing; ``GET /api/click?q=&id=`` (204, for ``navigator.sendBeacon``
or an embedder's own code) records a click on a result. What is kept, and what is not
(no IP, no cookie), is said in ``indexer.querylog``. ``QUERY_LOG = false`` turns it off.
"""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, request

from indexer.querylog import QueryLog

clicks = Blueprint("querylog", __name__)


class LoggedSearch:
    """The WhooshBackend, plus one log line per first-page search."""

    def __init__(self, service, querylog: QueryLog):
        self._service = service
        self._log = querylog

    def search(self, req):
        result = self._service.search(req)
        if getattr(req, "page", 1) == 1:
            self._log.record_search(req.q, result.total, getattr(req, "scope", ""), getattr(req, "site", None))
        return result

    def __getattr__(self, name):
        return getattr(self._service, name)


@clicks.get("/click")
def click():
    querylog = current_app.extensions.get("tracuu.querylog")
    q, doc = request.args.get("q", ""), request.args.get("id", "")
    if querylog is not None and q.strip() and doc.strip():
        querylog.record_click(q[:1000], doc)
    response = current_app.response_class(status=204)
    response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    # The click endpoint stays with the log off (it then records nothing): pages link to it.
    app.register_blueprint(clicks, url_prefix="/api")
    if not app.config.get("QUERY_LOG", True):
        return
    querylog = QueryLog(app.config["INDEX_DIR"])
    app.extensions["tracuu.querylog"] = querylog
    app.extensions["tracuu.search"] = LoggedSearch(app.extensions["tracuu.search"], querylog)
