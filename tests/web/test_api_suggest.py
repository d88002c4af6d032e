"""Suggestions in the JSON API (Flask test client, real index): autocomplete at /api/suggest
(accent-insensitive, completions with diacritics, titles with their URLs, scope, limits, odd and
bad input) and did-you-mean in /api/search. ``web_client`` runs on both engines."""

from __future__ import annotations

import pytest

from helpers.engines import app_config
from helpers.webcorpus import DEPT, OTHER, WEB_CORPUS, web_config


def suggest(client, **params):
    response = client.get("/api/suggest", query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    return [s["text"] for s in response.get_json()["suggestions"]], response.get_json()["suggestions"]


@pytest.mark.parametrize("typed", ["đăng k", "dang k", "DANG K", "dăng k"])
def test_autocomplete_is_accent_insensitive(web_client, typed):
    texts, _ = suggest(web_client, q=typed)
    assert texts[0] == "đăng ký kết hôn" or "đăng ký" in texts[:2]
    assert any(t.startswith("Đăng ký kết hôn trực tuyến") for t in texts)


def test_autocomplete_completes_the_last_word_with_diacritics(web_client):
    texts, items = suggest(web_client, q="thu tuc dang ky ket h")
    assert texts[0] == "thủ tục đăng ký kết hôn"
    assert items[0]["type"] == "query"


def test_autocomplete_offers_titles_with_their_urls(web_client):
    _, items = suggest(web_client, q="trích lục", scope="web")
    titles = [i for i in items if i["type"] == "title"]
    assert titles[0]["text"] == "Cấp bản sao trích lục kết hôn bị mất"
    assert titles[0]["url"].startswith("https://stp.example.gov.vn/")


def test_autocomplete_titles_follow_the_scope(web_client):
    _, site_items = suggest(web_client, q="bảo hiểm xã hội")  # Site scope: the department has none
    assert not [i for i in site_items if i["type"] == "title"]
    _, web_items = suggest(web_client, q="bảo hiểm xã hội", scope="web")
    assert any(i["type"] == "title" and i["site"] == OTHER for i in web_items)


@pytest.mark.parametrize("q", ["", "a", " ", "đ"])
def test_autocomplete_needs_two_characters(web_client, q):
    assert suggest(web_client, q=q)[0] == []


@pytest.mark.parametrize("q", ["*", "?(", "\x00\x01", "87/2015/", "a" * 999, "site:x OR -y", "💥💥"])
def test_autocomplete_odd_input_is_never_an_error(web_client, q):
    suggest(web_client, q=q)


@pytest.mark.parametrize("params", [{"q": "ke", "limit": "0"}, {"q": "ke", "limit": "x"}, {"q": "ke", "limit": "99"},
                                    {"q": "ke", "format": "xml"}, {"q": "ke", "scope": "all"}, {"q": "a" * 1001}])
def test_autocomplete_bad_parameters_are_400_json(web_client, params):
    response = web_client.get("/api/suggest", query_string=params)
    assert response.status_code == 400
    assert response.get_json()["error"]


def test_autocomplete_limit(web_client):
    assert len(suggest(web_client, q="kết", limit="3", scope="web")[0]) == 3


def test_api_did_you_mean(web_client):
    data = web_client.get("/api/search", query_string={"q": "thu tuc dang ky ket hon", "scope": "web"}).get_json()
    assert data["suggestion"] == "thủ tục đăng ký kết hôn"
    data = web_client.get("/api/search", query_string={"q": "đăng ký kết hôn", "scope": "web"}).get_json()
    assert data["suggestion"] is None


@pytest.mark.parametrize("typo, fixed", [("ket hpn", "kết hôn"), ("chung thục", "chứng thực"),
                                         ("bảo hiễm xã hội", "bảo hiểm xã hội")])
def test_api_did_you_mean_fixes_typos(web_client, typo, fixed):
    data = web_client.get("/api/search", query_string={"q": typo, "scope": "web"}).get_json()
    assert data["suggestion"] == fixed


def test_suggest_without_index_is_503(tmp_path):
    from webapp import create_app

    client = create_app(web_config(tmp_path / "none")).test_client()
    response = client.get("/api/suggest", query_string={"q": "kết hôn"})
    assert response.status_code == 503 and response.get_json()["error"]


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
