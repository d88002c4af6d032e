"""The Flask app through its test client on the sample corpus: the search page and the JSON API,
on both engines (``corpus_engine_client``), and the app before any index is built."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from helpers.corpus import CHILD_PROTECTION_DEPT, CHILD_PROTECTION_OTHER, DEPT_SITE, OTHER_SITE
from webapp import create_app

RESULT_KEYS = {"id", "title", "url", "site", "kind", "snippet", "published", "doc_number", "score"}
TOP_KEYS = {"query", "total", "page", "per_page", "results"}


def page_text(response):
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True)


# -- The search page -------------------------------------------------------------------

def test_home_page_is_vietnamese_with_scope_radios(corpus_engine_client):
    response = corpus_engine_client.get("/")
    assert response.status_code == 200
    text = page_text(response)
    assert 'lang="vi"' in text
    assert "Tìm kiếm" in text
    assert re.search(r'<input[^>]*type="radio"[^>]*name="scope"[^>]*value="site"[^>]*checked', text)
    assert re.search(r'<input[^>]*type="radio"[^>]*name="scope"[^>]*value="web"', text)
    assert "Site" in text and "Web" in text
    assert 'name="q"' in text


def test_query_is_echoed_escaped(corpus_engine_client):
    q = '<script>alert("x")</script> "trẻ em" & <b>'
    text = page_text(corpus_engine_client.get("/", query_string={"q": q}))
    assert "<script>alert" not in text
    assert "<b>" not in text
    assert "&lt;script&gt;alert(" in text
    # The search box holds the visitor's text.
    value = re.search(r'<input id="q"[^>]*value="([^"]*)"', text)
    assert value and html.unescape(value.group(1)) == q


@pytest.mark.parametrize("q", ["bao ve tre em", "bảo vệ trẻ em"])
def test_results_page_shows_highlighted_results(corpus_engine_client, q):
    response = corpus_engine_client.get("/", query_string={"q": q})
    assert response.status_code == 200
    text = page_text(response)
    assert "<mark>trẻ em</mark>" in text
    assert "Hội nghị triển khai Chương trình" in text
    assert 'href="https://sldtbxh.quangnam.gov.vn/tin-tuc/tin-001"' in text
    assert "Tìm thấy" in text


def test_scope_web_radio_is_kept_on_results(corpus_engine_client):
    text = page_text(corpus_engine_client.get("/", query_string={"q": "trẻ em", "scope": "web"}))
    assert re.search(r'value="web"[^>]*checked', text)
    assert not re.search(r'value="site"[^>]*checked', text)


def test_page_scope_site_and_web(corpus_engine_client):
    other_url = 'href="https://stttt.quangnam.gov.vn/tin-tuc/tin-006"'
    dept_url = 'href="https://sldtbxh.quangnam.gov.vn/tin-tuc/tin-001"'
    site_page = page_text(corpus_engine_client.get("/", query_string={"q": "bảo vệ trẻ em", "scope": "site"}))
    assert dept_url in site_page and other_url not in site_page
    web_page = page_text(corpus_engine_client.get("/", query_string={"q": "bảo vệ trẻ em", "scope": "web"}))
    assert dept_url in web_page and other_url in web_page


def test_results_page_escapes_document_text(tmp_path):
    from indexer import IndexStore, index_documents
    from indexer.document import Document

    index_documents(IndexStore(tmp_path), [Document(
        id="x", site="s", title="Cảnh báo <script>alert(1)</script> trang giả mạo",
        body='Trang giả mạo chèn <img src=x onerror="alert(2)"> vào thông báo bảo hiểm xã hội.')])
    client = create_app({"INDEX_DIR": str(tmp_path), "DEFAULT_SITE": "s", "TESTING": True}).test_client()
    text = page_text(client.get("/", query_string={"q": "giả mạo"}))
    assert "<mark>giả mạo</mark>" in text
    assert "<script>alert(1)" not in text
    assert "<img src=x" not in text
    assert "&lt;script&gt;" in text


def _pager_links(text):
    nav = re.search(r'<nav class="pager".*?</nav>', text, re.S)
    assert nav, "no pager on the page"
    return [html.unescape(h) for h in re.findall(r'href="([^"]+)"', nav.group(0))]


@pytest.mark.parametrize("scope", ["web", "site"])
def test_pagination_links_keep_scope(corpus_engine_client, scope):
    text = page_text(corpus_engine_client.get("/", query_string={"q": "trẻ em", "scope": scope, "per_page": "1"}))
    links = _pager_links(text)
    assert links
    for link in links:
        params = parse_qs(urlsplit(link).query)
        assert params["scope"] == [scope]
        assert params["q"] == ["trẻ em"]
        assert params["per_page"] == ["1"]
    assert any(parse_qs(urlsplit(link).query)["page"] == ["2"] for link in links)


def test_second_page_follows_its_link(corpus_engine_client):
    first = page_text(corpus_engine_client.get("/", query_string={"q": "trẻ em", "scope": "web", "per_page": "1"}))
    next_link = next(link for link in _pager_links(first) if parse_qs(urlsplit(link).query)["page"] == ["2"])
    second = corpus_engine_client.get(next_link)
    assert second.status_code == 200
    assert 'aria-current="page">2<' in page_text(second)


@pytest.mark.parametrize("query", [
    {"q": "trẻ em", "page": "-1"}, {"q": "trẻ em", "page": "abc"}, {"q": "trẻ em", "per_page": "0"},
    {"q": "trẻ em", "per_page": "101"}, {"q": "trẻ em", "scope": "x"}, {"q": "trẻ em", "sort": "x"},
])
def test_bad_parameters_on_the_page_are_400_not_500(corpus_engine_client, query):
    response = corpus_engine_client.get("/", query_string=query)
    assert response.status_code == 400
    assert 'lang="vi"' in page_text(response)


def test_unknown_page_is_a_friendly_404(corpus_engine_client):
    response = corpus_engine_client.get("/khong-co-trang-nay")
    assert response.status_code == 404
    assert "Lỗi 404" in page_text(response)


# -- The JSON API ------------------------------------------------------------------------

def api(client, **params):
    response = client.get("/api/search", query_string=params)
    assert response.mimetype == "application/json"
    return response, response.get_json()


@pytest.mark.parametrize("q", ["bảo vệ trẻ em", "bao ve tre em"])
def test_api_search_shape(corpus_engine_client, q):
    response, data = api(corpus_engine_client, q=q, scope="web")
    assert response.status_code == 200
    assert TOP_KEYS <= set(data)
    assert data["query"] == q
    assert data["page"] == 1 and data["per_page"] == 10
    assert data["total"] == len(data["results"]) == 3
    for result in data["results"]:
        assert RESULT_KEYS <= set(result), set(result)
        assert isinstance(result["score"], (int, float))
    first = {r["id"]: r for r in data["results"]}["tin-006"]
    assert "<mark>bảo vệ</mark> <mark>trẻ em</mark>" in first["snippet"]
    assert first["title"] == "Bảo vệ trẻ em trên môi trường mạng"
    assert first["url"] == "https://stttt.quangnam.gov.vn/tin-tuc/tin-006"
    assert first["site"] == OTHER_SITE and first["kind"] == "article"
    assert first["published"] == "2020-06-01"
    assert first["doc_number"] is None


def test_api_returns_utf8_json_not_ascii_escapes(corpus_engine_client):
    response, _ = api(corpus_engine_client, q="trẻ em", scope="web")
    assert "trẻ em".encode() in response.data


def test_api_doc_number_first(corpus_engine_client):
    _, data = api(corpus_engine_client, q="87/2015/nd-cp", scope="web")
    assert data["results"][0]["id"] == "vb-87-2015"
    assert data["results"][0]["doc_number"] == "87/2015/NĐ-CP"
    assert data["results"][0]["kind"] == "legal"


def test_api_scope_web_returns_both_sites(corpus_engine_client):
    _, data = api(corpus_engine_client, q="bảo vệ trẻ em", scope="web")
    assert {r["site"] for r in data["results"]} == {DEPT_SITE, OTHER_SITE}


def test_api_scope_site_returns_only_the_default_site(corpus_engine_client):
    _, data = api(corpus_engine_client, q="bảo vệ trẻ em", scope="site")
    assert {r["id"] for r in data["results"]} == CHILD_PROTECTION_DEPT
    assert data["total"] == len(CHILD_PROTECTION_DEPT)


def test_api_scope_site_with_site_parameter(corpus_engine_client):
    _, data = api(corpus_engine_client, q="bảo vệ trẻ em", scope="site", site=OTHER_SITE)
    assert {r["id"] for r in data["results"]} == CHILD_PROTECTION_OTHER
    assert data["total"] == len(CHILD_PROTECTION_OTHER)


def test_api_paging(corpus_engine_client):
    _, first = api(corpus_engine_client, q="trẻ em", scope="web", per_page=1, page=1)
    _, second = api(corpus_engine_client, q="trẻ em", scope="web", per_page=1, page=2)
    assert first["total"] == second["total"] >= 2
    assert second["page"] == 2 and second["per_page"] == 1
    assert first["results"][0]["id"] != second["results"][0]["id"]


@pytest.mark.parametrize("params", [
    {"q": "trẻ em", "page": "-1"},
    {"q": "trẻ em", "page": "0"},
    {"q": "trẻ em", "page": "abc"},
    {"q": "trẻ em", "per_page": "0"},
    {"q": "trẻ em", "per_page": "101"},
    {"q": "trẻ em", "per_page": "1.5"},
    {"q": "trẻ em", "scope": "x"},
    {"q": "trẻ em", "sort": "x"},
    {"q": "trẻ em", "kind": "podcast"},
    {},
    {"q": ""},
    {"q": "   "},
    {"q": "x" * 1001},
])
def test_api_bad_parameters_are_400_json(corpus_engine_client, params):
    response, data = api(corpus_engine_client, **params)
    assert response.status_code == 400
    assert isinstance(data, dict) and set(data) == {"error"}
    assert isinstance(data["error"], str) and data["error"]


@pytest.mark.parametrize("q", ['AND OR NOT ((( * ? ~ ^ field: "', "title:*", '"', "*?~^"])
def test_api_query_syntax_never_500(corpus_engine_client, q):
    response, data = api(corpus_engine_client, q=q, scope="web")
    assert response.status_code == 200
    assert TOP_KEYS <= set(data)


def test_api_unknown_route_is_json_404(corpus_engine_client):
    response = corpus_engine_client.get("/api/khong-co")
    assert response.status_code == 404
    assert set(response.get_json()) == {"error"}


# -- No index built yet ------------------------------------------------------------------

@pytest.fixture()
def empty_client(tmp_path):
    return create_app({"INDEX_DIR": str(tmp_path / "chua-co"), "DEFAULT_SITE": DEPT_SITE}).test_client()


def test_api_without_index_is_503_json(empty_client):
    response, data = api(empty_client, q="trẻ em")
    assert response.status_code == 503
    assert set(data) == {"error"} and data["error"]


def test_page_without_index_is_friendly(empty_client):
    response = empty_client.get("/", query_string={"q": "trẻ em"})
    assert response.status_code != 500
    assert response.status_code in (200, 503)
    text = page_text(response)
    assert 'lang="vi"' in text
    assert "Chưa có dữ liệu" in text
    assert "Traceback" not in text


def test_home_without_index_still_renders(empty_client):
    response = empty_client.get("/")
    assert response.status_code == 200
    assert 'name="scope"' in page_text(response)
