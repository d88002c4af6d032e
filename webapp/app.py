"""The Flask application factory: configuration in, app out, no globals."""

from __future__ import annotations

import logging
import tomllib

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from indexer import IndexStore, SearchService

DEFAULTS = {
    "INDEX_DIR": "index_data",
    "DEFAULT_SITE": None,  # slug searched by the Site scope
    "SITE_NAME": "Cổng thông tin điện tử",  # shown in the page header
    "SITE_NAMES": {},  # slug -> display name, for result lines
    "SEARCH_TIME_LIMIT": 3.0,
    "JSON_AS_ASCII": False,
}

log = logging.getLogger(__name__)


def create_app(config: dict | None = None) -> Flask:
    """Build the app: defaults, a TOML file (TRACUU_CONFIG_FILE or ``config["CONFIG_FILE"]``),
    then TRACUU_* environment variables, then ``config``."""
    app = Flask(__name__)
    app.config.from_mapping(DEFAULTS)
    app.config.from_prefixed_env("TRACUU")
    config_file = (config or {}).get("CONFIG_FILE") or app.config.get("CONFIG_FILE")
    if config_file:
        app.config.from_file(config_file, load=tomllib.load, text=False)
        app.config.from_prefixed_env("TRACUU")  # the environment wins over the file
    if config:
        app.config.from_mapping(config)
    app.json.ensure_ascii = False

    store = IndexStore(app.config["INDEX_DIR"])
    app.extensions["tracuu.search"] = SearchService(
        store, default_site=app.config["DEFAULT_SITE"], time_limit=float(app.config["SEARCH_TIME_LIMIT"]))

    from .api import api
    from .pages import pages

    app.register_blueprint(pages)
    app.register_blueprint(api, url_prefix="/api")

    @app.errorhandler(HTTPException)
    def http_error(exc):
        if request.path.startswith("/api/"):
            return jsonify(error=exc.description), exc.code
        return render_template("error.html", code=exc.code, message=exc.description), exc.code

    @app.errorhandler(Exception)
    def unexpected_error(exc):
        log.exception("unhandled error on %s", request.path)
        message = "Đã có lỗi xảy ra; xin vui lòng thử lại sau."
        if request.path.startswith("/api/"):
            return jsonify(error=message), 500
        return render_template("error.html", code=500, message=message), 500

    return app
