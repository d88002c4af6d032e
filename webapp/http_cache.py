"""ETag and Cache-Control on every successful GET, and compression.

Search results change only when the index does, so the ETag of a search (page
or API) is a hash of the index version and the request URL: a browser, the
embed widget or a proxy revalidating gets its 304 *before* any search runs.
Other responses get an ETag of their body. ``API_MAX_AGE`` (default 60 s)
allows a short shared cache. Static files are served with a content hash in
their URL (``static_url``) and cached for a year.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

from flask import Flask, current_app, g, request, url_for
from flask_compress import Compress

from indexer import StoreError

# Responses that depend only on the URL and the index: their ETag is known before the search.
INDEX_ENDPOINTS = {"pages.index", "pages.results", "api.search", "api.suggest", "embed.embed_page"}
_ENCODING_SUFFIXES = (":gzip", ":br", ":deflate", ":zstd")  # added by flask-compress

_versions: dict[str, str] = {}


def static_url(filename: str) -> str:
    """URL of a static file with a content hash, so it can be cached "forever"."""
    version = _versions.get(filename)
    if version is None or current_app.debug:
        path = Path(current_app.static_folder) / filename
        try:
            version = hashlib.sha256(path.read_bytes()).hexdigest()[:10]
        except OSError:
            version = "0"
        _versions[filename] = version
    return url_for("static", filename=filename, v=version)


def index_version() -> str:
    """Changes whenever the live index does (asked of the backend, whichever engine it is)."""
    try:
        return current_app.extensions["tracuu.search"].index_version()
    except StoreError:
        return "none"


def _index_etag() -> str | None:
    if request.method not in ("GET", "HEAD") or request.endpoint not in INDEX_ENDPOINTS:
        return None
    salt = current_app.config["ETAG_SALT"]
    key = f"{salt}|{index_version()}|{request.full_path}|{request.accept_mimetypes}"
    return hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()[:32]


def _check_not_modified():
    """Answer 304 at once when the visitor already has this search's current response."""
    etag = _index_etag()
    g.index_etag = etag
    if etag is None or not request.if_none_match:
        return None
    for tag in request.if_none_match.as_set():
        for suffix in _ENCODING_SUFFIXES:
            tag = tag.removesuffix(suffix)
        if tag == etag:
            response = current_app.response_class(status=304)
            response.set_etag(etag)
            _set_cache_control(response)
            return response
    return None


def _set_cache_control(response) -> None:
    if "Cache-Control" in response.headers:
        return
    is_api = request.path.startswith("/api/")
    response.cache_control.public = True
    response.cache_control.max_age = int(current_app.config["API_MAX_AGE" if is_api else "PAGE_MAX_AGE"])


def _cache_headers(response):
    if request.method not in ("GET", "HEAD") or response.status_code not in (200, 304):
        return response
    if request.endpoint == "static":  # Flask already sent an ETag and answers conditionals
        if request.args.get("v"):
            response.cache_control.no_cache = None
            response.cache_control.public = True
            response.cache_control.max_age = int(current_app.config["STATIC_MAX_AGE"])
            response.cache_control.immutable = True
        return response
    if response.status_code != 200 or response.direct_passthrough:
        return response
    _set_cache_control(response)
    etag = g.get("index_etag")
    if etag:
        response.set_etag(etag)
    elif not response.get_etag()[0]:
        response.add_etag()
    return response.make_conditional(request)


def init_app(app: Flask) -> None:
    app.config.setdefault("ETAG_SALT", str(time.time()))  # a new process may render differently
    app.before_request(_check_not_modified)
    Compress(app)
    # Registered after Compress so it runs before it: the ETag is of the plain body and
    # flask-compress then marks it per encoding ("...:gzip").
    app.after_request(_cache_headers)
    app.jinja_env.globals["static_url"] = static_url
