"""The embedding contract of the JSON API beyond /api/search's basics (Flask test client, real
index): the keys it keeps, CORS, ETag and Cache-Control, errors never cached, and embed.js served
to other sites. ``web_client`` runs on both engines."""

from __future__ import annotations

import pytest

from helpers.webcorpus import web_config


def test_api_keeps_its_keys(web_client):
    data = web_client.get("/api/search", query_string={"q": "kết hôn"}).get_json()
    assert {"query", "total", "page", "per_page", "scope", "site", "results", "took_ms", "partial",
            "relaxed", "facets", "suggestion"} <= set(data)
    assert "title_html" not in data["results"][0]


def test_cors_allows_any_origin_by_default(web_client):
    response = web_client.get("/api/search", query_string={"q": "kết hôn"}, headers={"Origin": "https://xa.example.vn"})
    assert response.headers["Access-Control-Allow-Origin"] in ("*", "https://xa.example.vn")
    preflight = web_client.options("/api/suggest", headers={"Origin": "https://xa.example.vn",
                                                            "Access-Control-Request-Method": "GET"})
    assert preflight.status_code == 200
    assert preflight.headers.get("Access-Control-Allow-Origin")


def test_cors_allowed_origins_are_configurable(web_index):
    from webapp import create_app

    client = create_app(web_config(web_index, CORS_ORIGINS=["https://huyen.example.gov.vn"])).test_client()
    allowed = client.get("/api/search", query_string={"q": "kết hôn"}, headers={"Origin": "https://huyen.example.gov.vn"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://huyen.example.gov.vn"
    other = client.get("/api/search", query_string={"q": "kết hôn"}, headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
    page = client.get("/", headers={"Origin": "https://huyen.example.gov.vn"})
    assert "Access-Control-Allow-Origin" not in page.headers  # only the API is cross-origin


@pytest.mark.parametrize("path, params", [("/api/search", {"q": "kết hôn"}), ("/api/suggest", {"q": "kết"})])
def test_api_etag_and_cache_control(web_client, path, params):
    first = web_client.get(path, query_string=params)
    assert "max-age=60" in first.headers["Cache-Control"] and "public" in first.headers["Cache-Control"]
    etag = first.headers["ETag"]
    cached = web_client.get(path, query_string=params, headers={"If-None-Match": etag})
    assert cached.status_code == 304 and cached.headers["ETag"] == etag
    gz = web_client.get(path, query_string=params, headers={"Accept-Encoding": "gzip"})
    if gz.headers.get("Content-Encoding") == "gzip":  # big enough to be compressed
        assert web_client.get(path, query_string=params, headers={
            "Accept-Encoding": "gzip", "If-None-Match": gz.headers["ETag"]}).status_code == 304


def test_errors_are_not_cached(web_client):
    response = web_client.get("/api/search", query_string={"q": "kết hôn", "page": "0"})
    assert response.status_code == 400 and "ETag" not in response.headers


def test_embed_script_is_served_for_other_sites(web_client):
    response = web_client.get("/embed.js")
    assert response.status_code == 200
    assert response.mimetype in ("text/javascript", "application/javascript")
    assert "attachShadow" in response.get_data(as_text=True)
