"""The embedding contract beyond /api/search's basics: autocomplete, did-you-mean, facets and
filters in the JSON, CORS, ETag and Cache-Control (Flask test client, real index). The ``web``
client runs on both engines (Whoosh and OpenSearch, tests/backends.py)."""

from __future__ import annotations

import pytest

from backends import app_config, backend_name, make_backend, web_app, web_backend  # noqa: F401
from webcorpus import DEPT, OTHER, WEB_CORPUS, web_config, web_index, web  # noqa: F401


def suggest(client, **params):
    response = client.get("/api/suggest", query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    return [s["text"] for s in response.get_json()["suggestions"]], response.get_json()["suggestions"]


@pytest.mark.parametrize("typed", ["đăng k", "dang k", "DANG K", "dăng k"])
def test_autocomplete_is_accent_insensitive(web, typed):
    texts, _ = suggest(web, q=typed)
    assert texts[0] == "đăng ký kết hôn" or "đăng ký" in texts[:2]
    assert any(t.startswith("Đăng ký kết hôn trực tuyến") for t in texts)


def test_autocomplete_completes_the_last_word_with_diacritics(web):
    texts, items = suggest(web, q="thu tuc dang ky ket h")
    assert texts[0] == "thủ tục đăng ký kết hôn"
    assert items[0]["type"] == "query"


def test_autocomplete_offers_titles_with_their_urls(web):
    _, items = suggest(web, q="trích lục", scope="web")
    titles = [i for i in items if i["type"] == "title"]
    assert titles[0]["text"] == "Cấp bản sao trích lục kết hôn bị mất"
    assert titles[0]["url"].startswith("https://stp.example.gov.vn/")


def test_autocomplete_titles_follow_the_scope(web):
    _, site_items = suggest(web, q="bảo hiểm xã hội")  # Site scope: the department has none
    assert not [i for i in site_items if i["type"] == "title"]
    _, web_items = suggest(web, q="bảo hiểm xã hội", scope="web")
    assert any(i["type"] == "title" and i["site"] == OTHER for i in web_items)


@pytest.mark.parametrize("q", ["", "a", " ", "đ"])
def test_autocomplete_needs_two_characters(web, q):
    assert suggest(web, q=q)[0] == []


@pytest.mark.parametrize("q", ["*", "?(", "\x00\x01", "87/2015/", "a" * 999, "site:x OR -y", "💥💥"])
def test_autocomplete_odd_input_is_never_an_error(web, q):
    suggest(web, q=q)


@pytest.mark.parametrize("params", [{"q": "ke", "limit": "0"}, {"q": "ke", "limit": "x"}, {"q": "ke", "limit": "99"},
                                    {"q": "ke", "format": "xml"}, {"q": "ke", "scope": "all"}, {"q": "a" * 1001}])
def test_autocomplete_bad_parameters_are_400_json(web, params):
    response = web.get("/api/suggest", query_string=params)
    assert response.status_code == 400
    assert response.get_json()["error"]


def test_autocomplete_limit(web):
    assert len(suggest(web, q="kết", limit="3", scope="web")[0]) == 3


def test_api_did_you_mean(web):
    data = web.get("/api/search", query_string={"q": "thu tuc dang ky ket hon", "scope": "web"}).get_json()
    assert data["suggestion"] == "thủ tục đăng ký kết hôn"
    data = web.get("/api/search", query_string={"q": "đăng ký kết hôn", "scope": "web"}).get_json()
    assert data["suggestion"] is None


@pytest.mark.parametrize("typo, fixed", [("ket hpn", "kết hôn"), ("chung thục", "chứng thực"),
                                         ("bảo hiễm xã hội", "bảo hiểm xã hội")])
def test_api_did_you_mean_fixes_typos(web, typo, fixed):
    data = web.get("/api/search", query_string={"q": typo, "scope": "web"}).get_json()
    assert data["suggestion"] == fixed


def test_api_facets_and_filters(web):
    data = web.get("/api/search", query_string={"q": "kết hôn", "scope": "web"}).get_json()
    facets = data["facets"]
    assert set(facets) == {"kind", "doc_type", "year", "site", "category"}
    assert {"value": "legal", "count": 4} in facets["kind"]
    assert [f["value"] for f in facets["year"]] == sorted((f["value"] for f in facets["year"]), reverse=True)
    assert sum(f["count"] for f in facets["site"]) == data["total"]
    legal = web.get("/api/search", query_string={"q": "kết hôn", "scope": "web", "kind": "legal",
                                                 "doc_type": "Thông tư"}).get_json()
    assert legal["total"] == 1 and legal["results"][0]["doc_number"] == "04/2020/TT-BTP"
    year = web.get("/api/search", query_string={"q": "kết hôn", "scope": "web", "year": "2022"}).get_json()
    assert year["total"] and all(h["published"].startswith("2022") for h in year["results"])
    category = web.get("/api/search", query_string={"q": "kết hôn", "category": "Phổ biến pháp luật"}).get_json()
    assert category["total"] == 3 and all(h["category"] == "Phổ biến pháp luật" for h in category["results"])


def test_api_keeps_its_keys(web):
    data = web.get("/api/search", query_string={"q": "kết hôn"}).get_json()
    assert {"query", "total", "page", "per_page", "scope", "site", "results", "took_ms", "partial",
            "relaxed", "facets", "suggestion"} <= set(data)
    assert "title_html" not in data["results"][0]


def test_cors_allows_any_origin_by_default(web):
    response = web.get("/api/search", query_string={"q": "kết hôn"}, headers={"Origin": "https://xa.example.vn"})
    assert response.headers["Access-Control-Allow-Origin"] in ("*", "https://xa.example.vn")
    preflight = web.options("/api/suggest", headers={"Origin": "https://xa.example.vn",
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
def test_api_etag_and_cache_control(web, path, params):
    first = web.get(path, query_string=params)
    assert "max-age=60" in first.headers["Cache-Control"] and "public" in first.headers["Cache-Control"]
    etag = first.headers["ETag"]
    cached = web.get(path, query_string=params, headers={"If-None-Match": etag})
    assert cached.status_code == 304 and cached.headers["ETag"] == etag
    gz = web.get(path, query_string=params, headers={"Accept-Encoding": "gzip"})
    if gz.headers.get("Content-Encoding") == "gzip":  # big enough to be compressed
        assert web.get(path, query_string=params, headers={
            "Accept-Encoding": "gzip", "If-None-Match": gz.headers["ETag"]}).status_code == 304


def test_errors_are_not_cached(web):
    response = web.get("/api/search", query_string={"q": "kết hôn", "page": "0"})
    assert response.status_code == 400 and "ETag" not in response.headers


def test_suggest_without_index_is_503(tmp_path):
    from webapp import create_app

    client = create_app(web_config(tmp_path / "none")).test_client()
    response = client.get("/api/suggest", query_string={"q": "kết hôn"})
    assert response.status_code == 503 and response.get_json()["error"]


def test_embed_script_is_served_for_other_sites(web):
    response = web.get("/embed.js")
    assert response.status_code == 200
    assert response.mimetype in ("text/javascript", "application/javascript")
    assert "attachShadow" in response.get_data(as_text=True)


def test_suggestions_follow_index_changes(make_backend, tmp_path):
    from indexer import read_source
    from indexer.document import Document
    from webapp import create_app

    backend = make_backend(tmp_path, read_source(str(WEB_CORPUS)))
    app = create_app(web_config(tmp_path, **app_config(backend)))
    client = app.test_client()
    assert not suggest(client, q="quốc tịch")[0]
    # Written through the app's own backend: OpenSearch's version of the index is otherwise
    # trusted for up to a second (its near-real-time refresh is a second too).
    app.extensions["tracuu.search"].index_documents([Document(id="qt", site=DEPT, title="Thủ tục nhập quốc tịch Việt Nam")])
    assert "Thủ tục nhập quốc tịch Việt Nam" in suggest(client, q="quoc tich")[0]


def test_facets_can_be_left_out(web):
    data = web.get("/api/search", query_string={"q": "kết hôn", "scope": "web", "facets": "false"}).get_json()
    assert data["facets"] == {} and data["total"] == 16
