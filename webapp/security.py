"""What keeps the public search box safe: response headers, per-client rate limits,
request size limits and the admin token.

* Headers on every response: a strict Content-Security-Policy (only our own
  /static scripts and styles; the one inline ``<style>`` with the theme colour is
  allowed by its hash, never by ``'unsafe-inline'``), ``X-Content-Type-Options``,
  ``Referrer-Policy``, and framing refused everywhere except ``/embed``, which
  the sites in ``EMBED_FRAME_ANCESTORS`` may put in an iframe.
* Rate limits per client address with Flask-Limiter (``RATE_LIMIT``; in-memory by
  default, so per worker process; set ``RATE_LIMIT_STORAGE_URI`` to e.g.
  ``redis://host:6379`` to share the counts). A client over the limit gets 429
  with ``Retry-After`` (JSON on /api).
* Request size: bodies over ``MAX_CONTENT_LENGTH`` get 413 and query strings over
  ``MAX_QUERY_STRING`` get 400, before any search work (under ``tracuu serve`` gunicorn refuses
  request lines over ``webapp.server.LIMIT_REQUEST_LINE`` before the app; this guards any server).
* Write and admin routes are guarded: :func:`admin_required`, or the API keys of
  ``webapp.write_api.authenticate`` (views marked with :func:`mark_guarded`). Without
  ``ADMIN_TOKEN`` and without any API key they do not exist (404); otherwise only
  ``Authorization: Bearer <ADMIN_TOKEN or key>`` passes, compared in constant time
  (:func:`bearer_key`). Requests with a valid key are not rate-limited.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import re
import time
from datetime import datetime
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, g, jsonify, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from indexer.keys import ApiKey

from . import errors

DEFAULTS = {
    "RATE_LIMIT": "120 per minute; 2000 per hour",  # per client address; "" turns limiting off
    "RATE_LIMIT_STORAGE_URI": "memory://",  # Flask-Limiter storage (memory://, redis://, memcached://)
    "MAX_CONTENT_LENGTH": 64 * 1024,  # bytes of request body (Flask answers 413 above)
    "MAX_QUERY_STRING": 32 * 1024,  # bytes of query string (400 above)
    "EMBED_FRAME_ANCESTORS": "*",  # who may frame /embed: "*", "'none'" or a list of origins
    "ADMIN_TOKEN": None,  # the bootstrap admin key; without it and without API keys, write/admin routes answer 404
}
ADMIN_TOKEN_KEY_ID = "admin-token"  # the ApiKey id ADMIN_TOKEN stands for

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
EMBED_ENDPOINTS = frozenset({"embed.embed_page"})
UNLIMITED_ENDPOINTS = frozenset({"static", "embed.embed_script"})  # cached files, no search work
DEFAULT_THEME = "#0b5394"
_HEX_COLOR = re.compile(r"#[0-9a-fA-F]{3,8}")
_ORIGIN = re.compile(r"https?://[A-Za-z0-9.-]+(:\d+)?|\*|'none'|'self'|https?://\*\.[A-Za-z0-9.-]+")
_ADMIN_ATTR = "tracuu_admin_only"
_STARTED = datetime.now().replace(microsecond=0)


def init_app(app: Flask) -> None:
    for key, value in DEFAULTS.items():
        if app.config.get(key) is None:  # Flask itself defaults MAX_CONTENT_LENGTH to None
            app.config[key] = value
    app.extensions["tracuu.limiter"] = _limiter(app)
    csp = _policies(app)
    app.before_request(_check_request_size)
    app.after_request(lambda response: _add_headers(response, csp))
    app.register_error_handler(429, _too_many_requests)


# -- headers ----------------------------------------------------------------------------
def inline_style_hash(text: str) -> str:
    """The CSP source that allows exactly one inline ``<style>`` text."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def theme_style(color: str | None) -> str:
    """The inline style base.html writes (keep the two in step; tests compare them)."""
    color = str(color or "")
    return f":root {{ --accent: {color if _HEX_COLOR.fullmatch(color) else DEFAULT_THEME}; }}"


def _frame_ancestors(value) -> str:
    items = value.split() if isinstance(value, str) else list(value or [])
    items = [str(i) for i in items if _ORIGIN.fullmatch(str(i))]
    return " ".join(items) or "'none'"


def _policies(app: Flask) -> dict[str, str]:
    images = ["'self'", "data:"]
    logo = urlsplit(str(app.config.get("SITE_LOGO") or ""))
    if logo.scheme in ("http", "https") and logo.netloc:
        images.append(f"{logo.scheme}://{logo.netloc}")
    page = "; ".join([
        "default-src 'none'",
        "script-src 'self'",
        f"style-src 'self' {inline_style_hash(theme_style(app.config.get('THEME_COLOR')))}",
        f"img-src {' '.join(images)}",
        "font-src 'self'",
        "connect-src 'self'",
        "manifest-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "object-src 'none'",
    ])
    return {
        "page": f"{page}; frame-ancestors 'none'",
        "embed": f"{page}; frame-ancestors {_frame_ancestors(app.config['EMBED_FRAME_ANCESTORS'])}",
        "data": "default-src 'none'; frame-ancestors 'none'",  # JSON, XML, files
    }


def _add_headers(response, csp: dict[str, str]):
    headers = response.headers
    is_embed = request.endpoint in EMBED_ENDPOINTS
    if response.mimetype == "text/html":
        headers["Content-Security-Policy"] = csp["embed" if is_embed else "page"]
    else:
        headers.setdefault("Content-Security-Policy", csp["data"])
    if not is_embed:
        headers["X-Frame-Options"] = "DENY"  # for browsers without frame-ancestors
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "strict-origin-when-cross-origin"  # result sites see our origin, not the query
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    return response


# -- limits -----------------------------------------------------------------------------
def _limiter(app: Flask) -> Limiter:
    limits = [part.strip() for part in str(app.config["RATE_LIMIT"] or "").split(";") if part.strip()]
    return Limiter(
        get_remote_address,
        app=app,
        application_limits=limits,  # one budget per client across every route
        application_limits_exempt_when=lambda: (request.endpoint in UNLIMITED_ENDPOINTS or request.method == "OPTIONS"
                                                or _trusted_client()),
        storage_uri=app.config["RATE_LIMIT_STORAGE_URI"],
        headers_enabled=False,  # Retry-After is set on the 429 itself, not on every answer
        enabled=bool(limits),
        swallow_errors=True,  # a storage outage must not take search down
    )


def _check_request_size():
    limit = int(current_app.config["MAX_QUERY_STRING"])
    if len(request.query_string) > limit:
        abort(400, description=f"Yêu cầu quá dài (tối đa {limit // 1024} KB tham số).")


def _too_many_requests(exc):
    # Flask-Limiter's description is the limit in English ("120 per 1 minute"): ours instead.
    return errors.respond(429, errors.MESSAGES[429], [("Retry-After", str(_retry_after(exc)))])


def _retry_after(exc) -> int:
    limiter: Limiter = current_app.extensions["tracuu.limiter"]
    try:
        window = limiter.current_limit
        if window is not None:
            return max(1, int(window.reset_at - time.time()) + 1)
    except Exception:  # noqa: BLE001 - a header hint; never fail the 429 itself
        pass
    return 60


# -- admin and keys ---------------------------------------------------------------------
def keys_configured() -> bool:
    """Whether write and admin routes exist: ADMIN_TOKEN is set or an API key was created."""
    keys = current_app.extensions.get("tracuu.keys")
    return bool(current_app.config.get("ADMIN_TOKEN")) or (keys is not None and keys.exists())


def bearer_key() -> ApiKey | None:
    """The key of this request's ``Authorization: Bearer`` header: ADMIN_TOKEN (an admin key with
    id ``admin-token``) or an API key that is not revoked; None otherwise. Both compared in
    constant time; verified once per request."""
    if "tracuu_key" in g:
        return g.tracuu_key
    key = None
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    given = given.strip()
    if scheme.lower() == "bearer" and given:
        token = current_app.config.get("ADMIN_TOKEN")
        if token and hmac.compare_digest(given.encode(), str(token).encode()):
            key = ApiKey(id=ADMIN_TOKEN_KEY_ID, name="ADMIN_TOKEN", sites=(), can="admin", created=_STARTED)
        elif current_app.extensions.get("tracuu.keys") is not None:
            key = current_app.extensions["tracuu.keys"].verify(given)
    g.tracuu_key = key
    return key


def unauthorized(message: str = "Cần khóa API hợp lệ (Authorization: Bearer <khóa>)."):
    response = jsonify(error=message)
    response.status_code = 401
    response.headers["WWW-Authenticate"] = 'Bearer realm="tracuu"'
    return response


def _trusted_client() -> bool:
    """Requests bearing a valid key (a CMS pushing, an administrator) skip the per-address limits."""
    return "Authorization" in request.headers and keys_configured() and bearer_key() is not None


def admin_required(view):
    """Guard a write or admin route: 404 unless ADMIN_TOKEN or an API key exists, then 401 without
    ``Authorization: Bearer <ADMIN_TOKEN or an admin key>`` (compared with hmac.compare_digest)."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if not keys_configured():
            abort(404)
        key = bearer_key()
        if key is None or not key.allows("admin"):
            return unauthorized("Cần mã quản trị hợp lệ.")
        return view(*args, **kwargs)

    return mark_guarded(wrapper)


def mark_guarded(view):
    """Mark a view that checks its caller's key itself (``webapp.write_api``)."""
    setattr(view, _ADMIN_ATTR, True)
    return view


def is_admin_only(view) -> bool:
    return bool(getattr(view, _ADMIN_ATTR, False))


def unguarded_write_routes(app: Flask) -> list[str]:
    """Routes that accept a method other than GET/HEAD/OPTIONS without admin_required (or a key
    check, ``mark_guarded``): must be empty (tests assert it)."""
    bad = []
    for rule in app.url_map.iter_rules():
        if set(rule.methods or ()) - SAFE_METHODS and not is_admin_only(app.view_functions[rule.endpoint]):
            bad.append(f"{rule.rule} {sorted(set(rule.methods) - SAFE_METHODS)}")
    return bad
