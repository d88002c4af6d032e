"""What the search page no longer says twice or oddly: a category that only names the kind (on a
result line and as a "Chuyên mục" facet value), and the time a search took (decimal comma, never
"0,00 giây")."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from helpers.engines import app_config
from indexer.document import Document

SITE = "stttt"
CATEGORIES = {"n1": "Tin tức", "n2": "Tin tức - Sự kiện", "n3": "An toàn thông tin", "n4": "An ninh mạng"}


def _documents() -> list[Document]:
    docs = [Document(id=doc_id, title=f"Diễn tập an ninh mạng đợt {n}", body="Diễn tập ứng cứu sự cố an ninh mạng.",
                     url=f"https://stttt.example.gov.vn/tin/{doc_id}", site=SITE, kind="article", category=category,
                     published=datetime(2023, 3, n))
            for n, (doc_id, category) in enumerate(CATEGORIES.items(), start=1)]
    docs.append(Document(id="vb1", title="Quy chế ứng cứu sự cố an ninh mạng", body="Quy chế diễn tập an ninh mạng.",
                         url="https://stttt.example.gov.vn/van-ban/vb1", site=SITE, kind="legal",
                         category="Văn bản pháp luật", doc_number="15/QĐ-STTTT", doc_type="Quyết định",
                         issuer="Sở Thông tin và Truyền thông", published=datetime(2023, 2, 1)))
    return docs


@pytest.fixture(scope="module")
def tidy_app(make_backend, tmp_path_factory):
    from webapp import create_app

    backend = make_backend(tmp_path_factory.mktemp("tidy"), _documents(), default_site=SITE)
    return create_app(app_config(backend, DEFAULT_SITE=SITE, TESTING=True, RATE_LIMIT=""))


def page(app, **args) -> str:
    response = app.test_client().get("/", query_string={"q": "diễn tập an ninh mạng", **args})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def category_facet(text: str) -> list[str]:
    group = re.search(r'<section class="facet" aria-labelledby="facet-category">.*?</section>', text, re.S)
    return re.findall(r'<span class="facet-value">([^<]+)</span>', group.group(0)) if group else []


def test_a_category_naming_the_kind_is_not_repeated_on_the_line(tidy_app):
    text = page(tidy_app)
    lines = {m.group(1): m.group(0) for m in re.finditer(
        r'<li class="result[^"]*">\s*(?:<p class="legal-number">[^<]*</p>\s*)?<h2 class="result-title"><a href="[^"]+/(\w+)".*?</li>',
        text, re.S)}
    assert set(lines) == {"n1", "n2", "n3", "n4", "vb1"}
    categories = {doc: re.findall(r'<span class="category">([^<]+)</span>', line) for doc, line in lines.items()}
    assert categories == {"n1": [], "n2": [], "n3": ["An toàn thông tin"], "n4": ["An ninh mạng"], "vb1": []}
    assert lines["n1"].count("Tin tức") == 1


def test_the_category_facet_drops_values_that_are_kinds(tidy_app):
    text = page(tidy_app)
    assert re.search(r'<span class="facet-value">Tin tức</span> <span class="count">4</span>', text)  # the kind facet
    assert sorted(category_facet(text)) == ["An ninh mạng", "An toàn thông tin"]
    # Only kinds' names left (the legal text's "Văn bản pháp luật"): no group at all.
    assert category_facet(page(tidy_app, kind="legal")) == []


def test_a_selected_category_naming_the_kind_can_still_be_removed(tidy_app):
    text = page(tidy_app, category="Tin tức")
    assert category_facet(text) == ["Tin tức"]
    assert re.search(r'<ul class="active-filters".*?Chuyên mục: Tin tức', text, re.S)


def test_the_summary_time_uses_the_decimal_comma_and_is_never_zero(tidy_app):
    page(tidy_app)  # the second one is answered from the cache
    text = page(tidy_app)
    took = re.search(r"kết quả\s*\(([^)]*giây)\)", text).group(1)
    assert re.fullmatch(r"dưới 0,01 giây|\d+,\d\d giây", took), took
    assert took not in ("0,00 giây", "0.00 giây")


@pytest.mark.parametrize("took_ms, shown", [
    (0.0, "dưới 0,01 giây"), (0.4, "dưới 0,01 giây"), (9.99, "dưới 0,01 giây"),
    (10.0, "0,01 giây"), (123.4, "0,12 giây"), (2500, "2,50 giây"),
])
def test_seconds(took_ms, shown):
    from webapp.pages import seconds

    assert seconds(took_ms) == shown


@pytest.mark.parametrize("category, kind, redundant", [
    ("Tin tức", "article", True), ("tin tức", "article", True), ("Tin tức – Sự kiện", "article", True),
    ("Văn bản pháp luật", "legal", True), ("Văn bản", "legal", True),
    ("Tin tức", "legal", False), ("Văn bản pháp luật", "article", False),
    ("An toàn thông tin", "article", False), ("Tin tức địa phương", "article", False),
    ("Tin tức", None, True), ("Hộ tịch", None, False),
])
def test_redundant_category(category, kind, redundant):
    from webapp.pages import redundant_category

    assert redundant_category(category, kind) is redundant
