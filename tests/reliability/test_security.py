"""Security headers, rate limits, request size limits, the admin token and path traversal
(webapp/security.py), through the Flask test client and the real server."""

from __future__ import annotations

import hashlib
import base64
import http.client
import re

import pytest

from helpers.corpus import DEPT_SITE
from helpers.reliability import record, served

pytestmark = pytest.mark.reliability


@pytest.fixture()
def make_app(corpus_dir):
    from webapp import create_app

    def make(**config):
        return create_app({"INDEX_DIR": str(corpus_dir), "DEFAULT_SITE": DEPT_SITE, "TESTING": True, **config})

    return make


def _directives(csp: str) -> dict[str, list[str]]:
    out = {}
    for part in csp.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


# -- headers --------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/", "/?q=trẻ em", "/api/search?q=tre+em", "/api/suggest?q=tre",
                                  "/static/style.css", "/embed.js", "/opensearch.xml", "/nope", "/api/nope"])
def test_every_response_has_the_security_headers(corpus_client, path):
    response = corpus_client.get(path)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    csp = _directives(response.headers["Content-Security-Policy"])
    assert csp["frame-ancestors"] == ["'none'"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response.headers["Content-Security-Policy"]


def test_page_policy_allows_only_own_scripts_and_styles(corpus_client):
    csp = _directives(corpus_client.get("/?q=tre em").headers["Content-Security-Policy"])
    assert csp["default-src"] == ["'none'"]
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"][0] == "'self'" and all(s.startswith("'sha256-") for s in csp["style-src"][1:])
    assert csp["object-src"] == ["'none'"] and csp["base-uri"] == ["'none'"]
    assert csp["form-action"] == ["'self'"]


@pytest.mark.parametrize("path", ["/", "/?q=bảo vệ trẻ em", "/embed?q=tre em", "/nope"])
def test_pages_have_no_inline_script_and_every_inline_style_is_hashed(corpus_client, path):
    """The policy holds only if the templates keep scripts and styles in /static: a page with
    an inline script, an event attribute or a style attribute would break under it."""
    response = corpus_client.get(path)
    html = response.get_data(as_text=True)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline <script>"
    assert not re.search(r"\son[a-z]+\s*=", html), "inline event handler"
    assert not re.search(r"\sstyle\s*=", html), "style attribute"
    allowed = _directives(response.headers["Content-Security-Policy"])["style-src"]
    for text in re.findall(r"<style[^>]*>(.*?)</style>", html, re.S):
        digest = base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in allowed, f"inline style not allowed by the policy: {text!r}"


def test_a_hostile_theme_colour_never_reaches_the_style(make_app):
    client = make_app(THEME_COLOR="red;} body{background:url(//evil)").test_client()
    html = client.get("/").get_data(as_text=True)
    assert "evil" not in html


def test_embed_can_be_framed_by_default_and_pages_cannot(corpus_client):
    embed = corpus_client.get("/embed?q=tre em&site=" + DEPT_SITE)
    assert embed.status_code == 200
    assert _directives(embed.headers["Content-Security-Policy"])["frame-ancestors"] == ["*"]
    assert "X-Frame-Options" not in embed.headers
    assert corpus_client.get("/").headers["X-Frame-Options"] == "DENY"


def test_embed_framing_follows_the_configuration(make_app):
    client = make_app(EMBED_FRAME_ANCESTORS=["https://sldtbxh.quangnam.gov.vn", "https://*.gov.vn",
                                             "javascript:alert(1)", "'unsafe-inline'"]).test_client()
    csp = _directives(client.get("/embed").headers["Content-Security-Policy"])
    assert csp["frame-ancestors"] == ["https://sldtbxh.quangnam.gov.vn", "https://*.gov.vn"]
    closed = make_app(EMBED_FRAME_ANCESTORS="'none'").test_client()
    assert _directives(closed.get("/embed").headers["Content-Security-Policy"])["frame-ancestors"] == ["'none'"]


def test_logo_origin_is_allowed_for_images_only(make_app):
    client = make_app(SITE_LOGO="https://cdn.quangnam.gov.vn/logo.png").test_client()
    csp = _directives(client.get("/").headers["Content-Security-Policy"])
    assert "https://cdn.quangnam.gov.vn" in csp["img-src"]
    assert csp["script-src"] == ["'self'"]


# -- rate limits ----------------------------------------------------------------------------
def test_a_client_over_the_limit_gets_429_json_with_retry_after(make_app):
    client = make_app(RATE_LIMIT="5 per minute").test_client()
    statuses = [client.get("/api/search?q=tre em").status_code for _ in range(5)]
    assert statuses == [200] * 5
    over = client.get("/api/search?q=tre em")
    assert over.status_code == 429
    assert over.is_json and over.get_json()["error"]
    assert int(over.headers["Retry-After"]) >= 1
    page = client.get("/?q=tre em")  # one budget across routes
    assert page.status_code == 429 and page.mimetype == "text/html" and page.headers["Retry-After"]
    assert "Traceback" not in page.get_data(as_text=True)
    record("rate_limit_requests", 7)


def test_limits_are_per_client_and_spare_static_files(make_app):
    client = make_app(RATE_LIMIT="2 per minute").test_client()
    one = {"REMOTE_ADDR": "203.0.113.1"}
    two = {"REMOTE_ADDR": "203.0.113.2"}
    assert [client.get("/api/suggest?q=tre", environ_base=one).status_code for _ in range(3)] == [200, 200, 429]
    assert client.get("/api/suggest?q=tre", environ_base=two).status_code == 200
    assert client.get("/static/style.css", environ_base=one).status_code == 200
    assert client.options("/api/search", environ_base=one).status_code != 429


def test_rate_limit_storage_is_configurable(make_app):
    app = make_app(RATE_LIMIT="1 per minute", RATE_LIMIT_STORAGE_URI="memory://")
    assert app.extensions["tracuu.limiter"]._storage_uri == "memory://"
    assert make_app(RATE_LIMIT="").test_client().get("/api/search?q=tre").status_code == 200


# -- request size ---------------------------------------------------------------------------
def test_an_oversized_query_string_is_a_400_json(corpus_client):
    response = corpus_client.get("/api/search?q=" + "a" * 40_000)
    assert response.status_code == 400 and response.get_json()["error"]
    page = corpus_client.get("/?q=" + "%E1%BA%A1" * 12_000)
    assert page.status_code == 400 and "Traceback" not in page.get_data(as_text=True)


def test_request_bodies_are_bounded(corpus_client, corpus_app):
    assert corpus_app.config["MAX_CONTENT_LENGTH"] <= 1024 * 1024
    response = corpus_client.post("/api/search", data=b"x" * (2 * 1024 * 1024))
    assert response.status_code in (405, 413)


# -- admin ----------------------------------------------------------------------------------
def test_no_write_or_admin_route_without_the_token(corpus_app):
    from webapp.security import unguarded_write_routes

    assert unguarded_write_routes(corpus_app) == []


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_write_methods_are_refused_everywhere(corpus_client, corpus_app, method):
    for rule in corpus_app.url_map.iter_rules():
        path = re.sub(r"<[^>]+>", "x", rule.rule)
        response = corpus_client.open(path, method=method)
        assert response.status_code in (404, 405), (method, path, response.status_code)


def _admin_app(make_app, **config):
    from webapp.security import admin_required

    app = make_app(**config)
    calls = []

    @admin_required
    def reindex():
        calls.append(1)
        return {"ok": True}

    app.add_url_rule("/admin/reindex", "admin_reindex", reindex, methods=["POST"])
    return app, calls


def test_admin_route_does_not_exist_without_a_configured_token(make_app):
    app, calls = _admin_app(make_app)
    client = app.test_client()
    assert client.post("/admin/reindex").status_code == 404
    assert client.post("/admin/reindex", headers={"Authorization": "Bearer "}).status_code == 404
    assert calls == []


def test_admin_route_needs_the_exact_token(make_app, monkeypatch):
    import hmac

    app, calls = _admin_app(make_app, ADMIN_TOKEN="s3cret-token")
    client = app.test_client()
    compared = []
    real = hmac.compare_digest
    monkeypatch.setattr(hmac, "compare_digest", lambda a, b: compared.append(1) or real(a, b))
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic s3cret-token"},
                    {"Authorization": "Bearer s3cret-toke"}, {"Authorization": "Bearer s3cret-token-x"}):
        response = client.post("/admin/reindex", headers=headers)
        assert response.status_code == 401 and response.is_json, headers
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert calls == []
    assert client.post("/admin/reindex", headers={"Authorization": "Bearer s3cret-token"}).status_code == 200
    assert calls == [1] and compared  # compared in constant time
    from webapp.security import unguarded_write_routes

    assert unguarded_write_routes(app) == []


# -- path traversal -------------------------------------------------------------------------
TRAVERSALS = [
    "/static/../app.py", "/static/../../setup.cfg", "/static/..%2fapp.py", "/static/..%2f..%2fsetup.cfg",
    "/static/%2e%2e/%2e%2e/setup.cfg", "/static/....//....//setup.cfg", "/static/..\\..\\setup.cfg",
    "/static/%252e%252e/setup.cfg", "/static//etc/passwd", "/static/%2fetc%2fpasswd", "/static/..%00/setup.cfg",
    "/embed.js/../../setup.cfg", "/embed/../setup.cfg", "/embed?site=../../../etc/passwd",
    "/static/templates/base.html", "/static/../templates/base.html", "/..%2f..%2fetc/passwd",
    "/api/../../setup.cfg", "/static/%c0%ae%c0%ae/setup.cfg", "/api/related/..%2f..%2fsetup.cfg",
    "/api/related/../../../etc/passwd", "/api/related/%2e%2e%2f%2e%2e%2fsetup.cfg",
]
SECRETS = ("[metadata]", "root:x:0:0", "create_app", "{% block")


@pytest.mark.parametrize("path", TRAVERSALS)
def test_no_path_traversal_through_the_test_client(corpus_client, path):
    response = corpus_client.get(path)
    body = response.get_data(as_text=True)
    assert response.status_code in (200, 308, 400, 404), response.status_code
    assert not any(secret in body for secret in SECRETS), path
    record("traversal_paths_tried")


def test_no_path_traversal_through_the_real_server(corpus_dir, tmp_path):
    """Raw request lines (no client-side path normalization) against gunicorn."""
    with served(corpus_dir, tmp_path / "server.log", workers=1, TRACUU_DEFAULT_SITE=DEPT_SITE) as base:
        host, port = base.removeprefix("http://").split(":")
        for path in TRAVERSALS:
            conn = http.client.HTTPConnection(host, int(port), timeout=30)
            conn.putrequest("GET", path, skip_accept_encoding=True)
            conn.endheaders()
            response = conn.getresponse()
            body = response.read().decode("utf-8", "replace")
            conn.close()
            assert response.status < 500, (path, response.status)
            assert not any(secret in body for secret in SECRETS), path
            record("traversal_paths_tried")
