"""The Flask application factory: configuration in, app out, no globals."""

from __future__ import annotations

import logging
import tomllib

from flask import Config, Flask

from indexer import BackendSettings, open_backend

DEFAULTS = {
    "INDEX_DIR": "index_data",
    # The search engine (see docs/administrators.md, "Running on OpenSearch"): "whoosh" (the index in INDEX_DIR) or
    # "opensearch" (a cluster at OPENSEARCH_URL, one URL or several comma-separated, searching the
    # alias OPENSEARCH_INDEX). INDEX_DIR still holds the query log and crawl states.
    "BACKEND": "whoosh",
    "OPENSEARCH_URL": None,
    "OPENSEARCH_INDEX": "tracuu",
    "DEFAULT_SITE": None,  # slug searched by the Site scope
    "SITE_NAME": "Cổng thông tin điện tử",  # shown in the page header
    "SITE_NAMES": {},  # slug -> display name, for result lines
    "SEARCH_TIME_LIMIT": 3.0,
    "SEARCH_CACHE_SIZE": 1024,  # results kept per worker for repeated searches (0: off), see indexer.search.cache
    # The search page and the embedding contract (see docs/visitors-and-embedders.md)
    "SITE_LOGO": None,  # URL of the logo shown in the header
    "THEME_COLOR": "#0b5394",  # header, buttons, links
    "WEB_SITES": [],  # slugs the Web scope covers; empty: every indexed site
    "CORS_ORIGINS": "*",  # origins allowed to call /api/* from a browser ("*" or a list)
    "API_MAX_AGE": 60,  # Cache-Control max-age of API responses, seconds
    "PAGE_MAX_AGE": 0,  # ... of HTML pages (0: always revalidate with the ETag)
    "STATIC_MAX_AGE": 31536000,  # ... of versioned static files
    "JSON_AS_ASCII": False,
    "SYNONYMS_FILES": [],  # admins' abbreviation/synonym files added to indexer/data/synonyms.txt
    "QUERY_LOG": True,  # log searches and clicks (no IP, no cookie) for `tracuu report`, see indexer.querylog
}

log = logging.getLogger(__name__)


def _as_list(value) -> list:
    """A setting that may be one path or a list of them."""
    if not value:
        return []
    return [value] if isinstance(value, str) else list(value)


def load_config(config: dict | None = None, into: Config | None = None) -> Config:
    """The settings: defaults, a TOML file (TRACUU_CONFIG_FILE or ``config["CONFIG_FILE"]``),
    then TRACUU_* environment variables, then ``config``. ``tracuu search`` reads them too, so
    it searches with the server's DEFAULT_SITE and WEB_SITES."""
    settings = into if into is not None else Config(".")
    settings.from_mapping(DEFAULTS)
    settings.from_prefixed_env("TRACUU")
    config_file = (config or {}).get("CONFIG_FILE") or settings.get("CONFIG_FILE")
    if config_file:
        settings.from_file(config_file, load=tomllib.load, text=False)
        settings.from_prefixed_env("TRACUU")  # the environment wins over the file
    if config:
        settings.from_mapping(config)
    return settings


def create_app(config: dict | None = None) -> Flask:
    """Build the app from ``load_config(config)``."""
    app = Flask(__name__)
    load_config(config, into=app.config)
    app.json.ensure_ascii = False

    settings = BackendSettings.from_config(app.config)
    settings.synonyms = _as_list(app.config["SYNONYMS_FILES"])
    app.extensions["tracuu.search"] = open_backend(settings)
    app.extensions["tracuu.backend"] = app.extensions["tracuu.search"]  # never wrapped: admin counts go unlogged

    from flask_cors import CORS

    from . import admin, errors, http_cache, querylog, security, write_api
    from .api import api
    from .embed import embed
    from .pages import pages

    app.register_blueprint(pages)
    app.register_blueprint(embed)
    app.register_blueprint(api, url_prefix="/api")
    write_api.init_app(app)  # API keys, the write queue and its applier: /api/documents, /api/tasks ...
    CORS(app, resources={r"/api/*": {"origins": app.config["CORS_ORIGINS"]}}, methods=["GET", "HEAD", "OPTIONS"],
         expose_headers=["ETag"], max_age=86400)
    http_cache.init_app(app)
    security.init_app(app)  # headers, rate limits, size limits, admin token
    querylog.init_app(app)  # what visitors search, without personal data (QUERY_LOG)
    admin.init_app(app)  # /admin, after security (its sign-in limit uses the limiter)
    errors.init_app(app)  # every error in Vietnamese: HTML pages, JSON under /api/
    return app
