"""The search page without JavaScript: facets, sorting, paging, did-you-mean, empty state,
configuration, OpenSearch and the /embed iframe page (Flask test client, real index of the web
corpus). ``web_client`` runs on both engines; apps with other settings use ``web_index`` (Whoosh)."""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from urllib.parse import parse_qs, urlsplit

import pytest

from helpers.webcorpus import DEPT, DEPT_MATCHES, OTHER, build_web_index, web_config


def text_of(response) -> str:
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True)


def links(text: str, css_class: str) -> list[str]:
    block = re.search(rf'<(nav|aside|ul)[^>]*class="{css_class}".*?</\1>', text, re.S)
    assert block, f"no .{css_class} on the page"
    return [html.unescape(h) for h in re.findall(r'href="([^"]+)"', block.group(0))]


def params(url: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def result_ids(text: str) -> list[str]:
    return re.findall(r'<h2 class="result-title"><a href="https://[^"]+/((?:tin|vb)-\d+)"', text)


def test_facets_show_counts_for_every_facet(web_client):
    text = text_of(web_client.get("/", query_string={"q": "đăng ký kết hôn", "scope": "web"}))
    for label in ("Loại nội dung", "Loại văn bản", "Năm", "Trang", "Chuyên mục"):
        assert f">{label}</h3>" in text
    assert re.search(r'<span class="facet-value">Văn bản</span> <span class="count">4</span>', text)
    assert re.search(r'<span class="facet-value">Sở Tư pháp</span> <span class="count">14</span>', text)
    assert re.search(r'<span class="facet-value">Hộ tịch</span> <span class="count">\d+</span>', text)


def test_site_facet_only_in_web_scope(web_client):
    text = text_of(web_client.get("/", query_string={"q": "đăng ký kết hôn"}))
    assert ">Trang</h3>" not in text
    assert ">Năm</h3>" in text


@pytest.mark.parametrize("facet, value, expected", [
    ("kind", "legal", 4),
    ("doc_type", "Quyết định", 2),
    ("year", "2023", 3),
    ("category", "Hộ tịch", 7),
])
def test_facet_link_narrows_results_and_keeps_scope(web_client, facet, value, expected):
    page = text_of(web_client.get("/", query_string={"q": "đăng ký kết hôn", "scope": "site"}))
    link = next(u for u in links(page, "facets") if params(u).get(facet) == value)
    assert params(link)["scope"] == "site" and params(link)["q"] == "đăng ký kết hôn"
    narrowed = text_of(web_client.get(link))
    assert re.search(rf"Tìm thấy <strong>{expected}</strong> kết quả", narrowed)
    # The chosen value is marked, and a chip removes it again.
    assert 'aria-current="true" class="selected"' in narrowed
    remove = links(narrowed, "active-filters")
    assert len(remove) == 1 and facet not in params(remove[0])


def test_site_facet_narrows_web_scope_to_one_site(web_client):
    text = text_of(web_client.get("/", query_string={"q": "kết hôn", "scope": "web", "site": OTHER}))
    assert re.search(r"Tìm thấy <strong>2</strong> kết quả", text)
    assert "sldtbxh.example.gov.vn" in text and "stp.example.gov.vn/tin-tuc" not in text


def test_filters_survive_paging(web_client):
    text = text_of(web_client.get("/", query_string={"q": "kết hôn", "scope": "web", "kind": "article", "per_page": "3"}))
    pager = links(text, "pager")
    assert pager
    for link in pager:
        assert params(link)["kind"] == "article" and params(link)["scope"] == "web"


def test_the_form_keeps_the_filters_for_the_next_words(web_client):
    """Without scripts, as with them (search.js): new words keep the filters picked, not the page."""
    text = text_of(web_client.get("/", query_string={"q": "kết hôn", "scope": "web", "kind": "article",
                                                     "from": "2015-01-01", "page": "2", "per_page": "3"}))
    form = re.search(r'<form class="search-box".*?</form>', text, re.S).group(0)
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))
    assert hidden == {"kind": "article", "from": "2015-01-01", "per_page": "3"}


def test_second_page_of_site_results(web_client):
    first = text_of(web_client.get("/", query_string={"q": "đăng ký kết hôn"}))
    assert re.search(rf"Tìm thấy <strong>{DEPT_MATCHES}</strong> kết quả", first)
    assert len(result_ids(first)) == 10
    next_link = next(u for u in links(first, "pager") if params(u).get("page") == "2")
    second = text_of(web_client.get(next_link))
    assert 'aria-current="page">2<' in second
    assert len(result_ids(second)) == DEPT_MATCHES - 10
    assert not set(result_ids(first)) & set(result_ids(second))


def test_sort_newest_orders_by_date(web_client):
    page = text_of(web_client.get("/", query_string={"q": "đăng ký kết hôn"}))
    newest = next(u for u in links(page, "sort") if params(u).get("sort") == "newest")
    text = text_of(web_client.get(newest))
    dates = re.findall(r'<time datetime="([\d-]+)"', text)
    assert dates == sorted(dates, reverse=True) and len(dates) == 10
    assert '<span aria-current="true" class="current">Mới nhất</span>' in text
    # The search box keeps the sort for the next query.
    assert '<input type="hidden" name="sort" value="newest">' in text


def test_results_show_notice_details(web_client):
    text = text_of(web_client.get("/", query_string={"q": "123/2015/NĐ-CP", "scope": "web"}))
    assert '<p class="legal-number">Nghị định số <mark>123/2015/NĐ-CP</mark></p>' in text  # type and number, the number searched marked
    assert re.search(r"<dt>Cơ quan ban hành:</dt>\s*<dd>Chính phủ</dd>", text)
    assert re.search(r'<dt>Ngày ký:</dt>\s*<dd><time datetime="2015-11-15">15/11/2015</time></dd>', text)
    assert 'class="kind kind-legal">Văn bản<' in text


def test_did_you_mean_restores_diacritics_and_its_link_searches_it(web_client):
    text = text_of(web_client.get("/", query_string={"q": "thu tuc dang ky ket hon", "scope": "web"}))
    match = re.search(r'Có phải bạn muốn tìm: <a href="([^"]+)">([^<]+)</a>', text)
    assert match and match.group(2) == "thủ tục đăng ký kết hôn"
    target = html.unescape(match.group(1))
    assert params(target) == {"q": "thủ tục đăng ký kết hôn", "scope": "web"}
    followed = text_of(web_client.get(target))
    assert "Có phải bạn muốn tìm" not in followed
    assert "<mark>thủ tục</mark>" in followed


def test_a_one_letter_typo_is_searched_as_its_correction_and_said(web_client):
    text = text_of(web_client.get("/", query_string={"q": "đăng ký kết hpn", "scope": "web"}))
    assert "đang hiển thị kết quả cho “đăng ký kết hôn”" in text
    assert "Có phải bạn muốn tìm" not in text  # already searched: not proposed again


def test_no_suggestion_when_the_query_is_right(web_client):
    assert "Có phải bạn muốn tìm" not in text_of(web_client.get("/", query_string={"q": "đăng ký kết hôn"}))


def test_empty_state_helps(web_client):
    text = text_of(web_client.get("/", query_string={"q": "xyzqwv khongco", "scope": "site"}))
    assert "Không tìm thấy kết quả phù hợp" in text
    assert "Kiểm tra lại chính tả" in text and "ít từ hơn" in text
    assert "Tìm trên toàn cổng (Web)" in text


def test_empty_state_with_filters_offers_to_drop_them(web_client):
    text = text_of(web_client.get("/", query_string={"q": "chứng thực", "scope": "site", "year": "2015"}))
    assert "Bỏ tất cả bộ lọc" in text


@pytest.mark.parametrize("query", [{"q": "kết hôn", "year": "abc"}, {"q": "kết hôn", "year": "99999999999"},
                                   {"q": "kết hôn", "year": "1200"}, {"q": "kết hôn", "kind": "video"}])
def test_bad_filters_are_400_pages(web_client, query):
    response = web_client.get("/", query_string=query)
    assert response.status_code == 400
    assert 'lang="vi"' in text_of(response)


def test_unknown_filter_values_find_nothing_without_error(web_client):
    response = web_client.get("/", query_string={"q": "kết hôn", "category": "<b>không có</b>", "doc_type": "x" * 300})
    assert response.status_code == 200
    assert "<b>không có</b>" not in response.get_data(as_text=True)


def test_page_landmarks_and_labels(web_client):
    text = text_of(web_client.get("/", query_string={"q": "kết hôn", "scope": "web"}))
    assert '<main id="main"' in text and 'role="search"' in text and "<header" in text and "<footer" in text
    assert '<label class="visually-hidden" for="q">' in text
    assert 'class="skip-link" href="#main"' in text
    assert '<aside class="facets" id="facets" tabindex="-1" aria-label="Lọc kết quả">' in text
    assert '<a class="to-facets" href="#facets">' in text  # phones: the facets are below the results
    assert '<nav class="sort" aria-label="Sắp xếp kết quả">' in text


def test_config_name_logo_colour(web_index):
    from webapp import create_app

    app = create_app(web_config(web_index, SITE_NAME="Sở Tư pháp Hà Giang", SITE_LOGO="/static/logo.png",
                                THEME_COLOR="#7a1f1f"))
    text = text_of(app.test_client().get("/"))
    assert "Sở Tư pháp Hà Giang" in text
    assert '<img class="logo" src="/static/logo.png"' in text
    assert "--accent: #7a1f1f;" in text


def test_bad_theme_colour_is_ignored(web_index):
    from webapp import create_app

    app = create_app(web_config(web_index, THEME_COLOR="red;}</style><script>alert(1)</script>"))
    text = text_of(app.test_client().get("/"))
    assert "<script>alert(1)" not in text
    assert "--accent: #0b5394;" in text


def test_web_sites_setting_limits_the_web_scope(web_index):
    from webapp import create_app

    app = create_app(web_config(web_index, WEB_SITES=[OTHER]))
    data = app.test_client().get("/api/search", query_string={"q": "kết hôn", "scope": "web"}).get_json()
    assert data["total"] == 2 and {h["site"] for h in data["results"]} == {OTHER}


def test_default_site_setting_is_the_site_scope(web_index):
    from webapp import create_app

    app = create_app(web_config(web_index, DEFAULT_SITE=OTHER))
    data = app.test_client().get("/api/search", query_string={"q": "kết hôn"}).get_json()
    assert data["site"] == OTHER and data["total"] == 2


def test_opensearch_description_and_link(web_client):
    page = text_of(web_client.get("/"))
    assert re.search(r'<link rel="search" type="application/opensearchdescription\+xml" title="[^"]+" '
                     r'href="/opensearch.xml">', page)
    response = web_client.get("/opensearch.xml")
    assert response.status_code == 200
    assert response.mimetype == "application/opensearchdescription+xml"
    root = ET.fromstring(response.data)
    ns = {"os": "http://a9.com/-/spec/opensearch/1.1/"}
    assert root.find("os:ShortName", ns).text == "Tra cứu"  # at most 16 characters; the name is longer
    urls = {u.get("type"): u.get("template") for u in root.findall("os:Url", ns)}
    assert urls["text/html"] == "http://localhost/?q={searchTerms}"
    suggest = urls["application/x-suggestions+json"]
    assert suggest.startswith("http://localhost/api/suggest?") and "{searchTerms}" in suggest
    answer = web_client.get(suggest.replace("http://localhost", "").replace("{searchTerms}", "ket hon"))
    assert answer.mimetype == "application/x-suggestions+json"
    q, completions = answer.get_json()[:2]
    assert q == "ket hon" and "kết hôn" in [c.lower() for c in completions]


def test_embed_iframe_page_searches_its_site_without_javascript(web_client):
    response = web_client.get("/embed", query_string={"site": OTHER, "q": "kết hôn"})
    text = text_of(response)
    assert response.status_code == 200
    assert re.search(r"Tìm thấy <strong>2</strong> kết quả", text)
    assert 'target="_top"' in text
    assert '<input type="hidden" name="site" value="sldtbxh">' in text
    assert 'action="/embed"' in text
    assert "site-header" not in text  # no page chrome inside the frame


def test_embed_page_without_query_is_just_a_box(web_client):
    text = text_of(web_client.get("/embed", query_string={"site": DEPT}))
    assert 'name="q"' in text and "Tìm thấy" not in text


def test_static_files_are_versioned_and_cached(web_client):
    page = text_of(web_client.get("/"))
    css = re.search(r'href="(/static/style.css\?v=[0-9a-f]+)"', page).group(1)
    response = web_client.get(css)
    assert response.status_code == 200
    assert "immutable" in response.headers["Cache-Control"] and "max-age=31536000" in response.headers["Cache-Control"]
    compressed = web_client.get(css, headers={"Accept-Encoding": "gzip, deflate, br, zstd"})  # what Chromium sends
    assert compressed.headers.get("Content-Encoding") in {"br", "zstd", "deflate", "gzip"}


def test_page_revalidates_with_etag(web_client):
    first = web_client.get("/", query_string={"q": "kết hôn"})
    etag = first.headers["ETag"]
    again = web_client.get("/", query_string={"q": "kết hôn"}, headers={"If-None-Match": etag})
    assert again.status_code == 304 and not again.data
    other = web_client.get("/", query_string={"q": "kết hôn", "page": "2"}, headers={"If-None-Match": etag})
    assert other.status_code == 200


def test_etag_changes_when_the_index_changes(tmp_path):
    from indexer import IndexStore, index_documents
    from indexer.document import Document
    from webapp import create_app

    build_web_index(tmp_path)
    client = create_app(web_config(tmp_path)).test_client()
    first = client.get("/api/search", query_string={"q": "kết hôn"})
    index_documents(IndexStore(tmp_path), [Document(id="new", site=DEPT, title="Đăng ký kết hôn lưu động")])
    again = client.get("/api/search", query_string={"q": "kết hôn"}, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 200
    assert again.get_json()["total"] == first.get_json()["total"] + 1
