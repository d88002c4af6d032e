"""The date-range filter (``from``/``to``): inclusive bounds on ``published``, on each engine, through
the pipeline, the cache, the API, the page (a GET form beside the year facet) and the CLI."""

from __future__ import annotations

import html
import json
import re
from datetime import datetime

import pytest
from click.testing import CliRunner

from helpers.engines import app_config
from indexer import QueryError, SearchRequest
from indexer.document import Document

SITE = "sotuphap"
# Every document says "hộ tịch"; their dates straddle the bounds the tests pick.
DATES = {
    "ht-1": datetime(2020, 12, 31, 23, 30),
    "ht-2": datetime(2021, 1, 1, 0, 0),
    "ht-3": datetime(2021, 6, 15, 9, 0),
    "ht-4": datetime(2021, 12, 31, 23, 59, 59),
    "ht-5": datetime(2022, 1, 1, 8, 0),
}


def _documents() -> list[Document]:
    docs = [Document(id=doc_id, title=f"Thông báo về hộ tịch số {n}", body="Hướng dẫn đăng ký hộ tịch cho người dân.",
                     url=f"https://stp.example.gov.vn/tin/{doc_id}", site=SITE, kind="article", published=when)
            for n, (doc_id, when) in enumerate(DATES.items(), start=1)]
    docs.append(Document(id="ht-undated", title="Hỏi đáp về hộ tịch", body="Hộ tịch không ghi ngày.",
                         url="https://stp.example.gov.vn/tin/ht-undated", site=SITE, kind="article"))
    return docs


@pytest.fixture(scope="module")
def dated(make_backend, tmp_path_factory):
    return make_backend(tmp_path_factory.mktemp("dated"), _documents(), default_site=SITE)


@pytest.fixture(scope="module")
def dated_app(dated):
    from webapp import create_app

    return create_app(app_config(dated, DEFAULT_SITE=SITE, TESTING=True, RATE_LIMIT=""))


def ids(backend, **dates) -> set[str]:
    result = backend.search(SearchRequest(q="hộ tịch", per_page=50, **dates))
    assert result.total == len(result.results)
    return {hit.id for hit in result.results}


# -- the filter, on each engine -------------------------------------------------------------------

def test_without_a_range_every_document_matches(dated):
    assert ids(dated) == set(DATES) | {"ht-undated"}


def test_both_bounds_are_inclusive_days(dated):
    # 2021-01-01 00:00 and 2021-12-31 23:59:59 are in; a minute before and the next morning are out.
    assert ids(dated, date_from="2021-01-01", date_to="2021-12-31") == {"ht-2", "ht-3", "ht-4"}
    assert ids(dated, date_from="2021-06-15", date_to="2021-06-15") == {"ht-3"}
    assert ids(dated, date_from="2021-06-16", date_to="2021-12-30") == set()


def test_only_from(dated):
    assert ids(dated, date_from="2021-12-31") == {"ht-4", "ht-5"}


def test_only_to(dated):
    assert ids(dated, date_to="2021-01-01") == {"ht-1", "ht-2"}


def test_the_range_combines_with_the_year_facet(dated):
    result = dated.search(SearchRequest(q="hộ tịch", year=2021, date_from="2021-06-01"))
    assert {h.id for h in result.results} == {"ht-3", "ht-4"}


def test_sorted_by_date_within_the_range(dated):
    result = dated.search(SearchRequest(q="hộ tịch", sort="newest", date_from="2020-12-31", date_to="2021-12-31"))
    assert [h.id for h in result.results] == ["ht-4", "ht-3", "ht-2", "ht-1"]


@pytest.mark.parametrize("dates, message", [
    ({"date_from": "2021-13-01"}, "Từ ngày"),
    ({"date_from": "2021-02-30"}, "Từ ngày"),
    ({"date_to": "01/02/2021"}, "Đến ngày"),
    ({"date_to": "20210201"}, "Đến ngày"),  # date.fromisoformat alone would take it
    ({"date_from": "2021-06-02", "date_to": "2021-06-01"}, "trước hoặc trùng"),
])
def test_malformed_dates_and_a_reversed_range_are_query_errors(dated, dates, message):
    with pytest.raises(QueryError, match=message):
        dated.search(SearchRequest(q="hộ tịch", **dates))


def test_the_cache_keeps_ranges_apart(dated):
    dated.cache.clear()
    first = dated.search(SearchRequest(q="hộ tịch", date_from="2022-01-01"))
    misses = dated.cache.misses
    other = dated.search(SearchRequest(q="hộ tịch", date_to="2020-12-31"))
    assert dated.cache.misses == misses + 1  # not answered from the first range's entry
    assert [h.id for h in first.results] == ["ht-5"] and [h.id for h in other.results] == ["ht-1"]
    again = dated.search(SearchRequest(q="hộ tịch", date_from="2022-01-01"))
    assert dated.cache.misses == misses + 1 and [h.id for h in again.results] == ["ht-5"]


# -- the API ---------------------------------------------------------------------------------------

def test_api_from_and_to(dated_app):
    response = dated_app.test_client().get("/api/search", query_string={"q": "hộ tịch", "from": "2021-01-01",
                                                                         "to": "2021-06-15"})
    assert response.status_code == 200
    assert {h["id"] for h in response.get_json()["results"]} == {"ht-2", "ht-3"}


@pytest.mark.parametrize("dates", [{"from": "2021-1-1"}, {"to": "hôm qua"}, {"from": "2021-06-02", "to": "2021-06-01"}])
def test_api_bad_range_is_a_vietnamese_400(dated_app, dates):
    response = dated_app.test_client().get("/api/search", query_string={"q": "hộ tịch", **dates})
    assert response.status_code == 400
    assert re.search(r"ngày", response.get_json()["error"])


def test_openapi_documents_from_and_to(dated_app):
    doc = dated_app.test_client().get("/api/openapi.json").get_json()
    params = {p["name"]: p for p in doc["paths"]["/api/search"]["get"]["parameters"]}
    assert params["from"]["schema"]["format"] == "date" and params["to"]["schema"]["format"] == "date"


# -- the page --------------------------------------------------------------------------------------

def _page(app, **args) -> str:
    response = app.test_client().get("/", query_string={"q": "hộ tịch", **args})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_page_has_a_date_form_keeping_the_other_parameters(dated_app):
    text = _page(dated_app, scope="site", sort="newest", year="2021", page="2", per_page="2")
    aside = re.search(r'<aside class="facets".*?</aside>', text, re.S).group(0)
    form = re.search(r'<form method="get" action="/" class="date-range-form">.*?</form>', aside, re.S).group(0)
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form))
    assert hidden == {"q": "hộ tịch", "scope": "site", "sort": "newest", "year": "2021", "per_page": "2"}
    assert re.search(r'<label for="date-from">Từ ngày</label>\s*<input type="date" id="date-from" name="from"', form)
    assert re.search(r'<label for="date-to">Đến ngày</label>\s*<input type="date" id="date-to" name="to"', form)
    # Beside the year facet: right after its group.
    assert aside.index('id="facet-year"') < aside.index("date-range-form")


def test_submitting_the_form_filters_and_shows_the_range_with_a_remove_link(dated_app):
    text = _page(dated_app, **{"from": "2021-01-01", "to": "2021-12-31"})
    assert len(re.findall(r'<li class="result', text)) == 3
    assert 'value="2021-01-01"' in text and 'value="2021-12-31"' in text  # the form shows the range
    active = re.search(r'<ul class="active-filters".*?</ul>', text, re.S).group(0)
    link = re.search(r'<a href="([^"]+)"[^>]*>Ngày ban hành/đăng: 01/01/2021 – 31/12/2021', active)
    assert link, active
    removed = html.unescape(link.group(1))
    assert "from=" not in removed and "to=" not in removed and "q=" in removed
    only_from = _page(dated_app, **{"from": "2021-06-01"})
    assert "Ngày ban hành/đăng: từ 01/06/2021" in only_from


def test_an_empty_range_keeps_the_form_to_change_it(dated_app):
    text = _page(dated_app, **{"from": "2030-01-01"})
    assert "Không tìm thấy kết quả" in text and "date-range-form" in text and "Ngày ban hành/đăng: từ 01/01/2030" in text


def test_the_page_says_what_is_wrong_with_a_bad_date(dated_app):
    response = dated_app.test_client().get("/", query_string={"q": "hộ tịch", "from": "2021-02-30"})
    assert response.status_code == 400
    assert "phải là một ngày có thật" in response.get_data(as_text=True)


# -- the CLI ---------------------------------------------------------------------------------------

def test_cli_search_from_to(dated):
    if dated.name != "whoosh":
        pytest.skip("the CLI's engine options are tested elsewhere; the filter is the pipeline's")
    from cli import main

    home = ["--index-dir", str(dated.settings.index_dir)]
    result = CliRunner().invoke(main, [*home, "search", "hộ tịch", "--from", "2021-06-01", "--to", "2022-01-01",
                                       "--json"])
    assert result.exit_code == 0, result.output
    assert {h["id"] for h in json.loads(result.stdout)["results"]} == {"ht-3", "ht-4", "ht-5"}
    bad = CliRunner().invoke(main, [*home, "search", "hộ tịch", "--from", "2022-01-02", "--to", "2022-01-01"])
    assert bad.exit_code == 1 and "trước hoặc trùng" in bad.output
