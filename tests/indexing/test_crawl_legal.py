"""Crawled legal texts are indexed article by article, and their articles come and go with the page.

The fixture site (tests/fixtures/sites/quychinh) serves one decision of seven articles in three
chapters, a news article that mentions it, a home page listing both, robots.txt and sitemap.xml, from a real HTTP
server on 127.0.0.1. Each test runs on both engines (``make_backend``).
"""

from __future__ import annotations

import sqlite3

import pytest

from indexer import SearchRequest
from indexer.crawl import CrawlState, Fetcher, fetch_documents, state_path
from indexer.sources.sites import load_sites
from site_server import SiteServer, copy_site, sites_toml

LAW_PAGE = "van-ban/quy-dinh-ho-tro-hoc-nghe.html"
NEWS_PAGE = "tin-tuc/khai-giang-lop-nghe.html"
ARTICLES = 7


@pytest.fixture()
def server(tmp_path):
    with SiteServer(copy_site(tmp_path, "quychinh")) as srv:
        yield srv


@pytest.fixture()
def site(server, tmp_path):
    path = tmp_path / "sites.toml"
    path.write_text(sites_toml(server.base, slug="quychinh"), encoding="utf-8")
    return load_sites(path)["quychinh"]


@pytest.fixture()
def backend(make_backend, tmp_path):
    made = make_backend(tmp_path / "index")
    made.home = tmp_path / "index"  # where either engine keeps the crawl state
    return made


def crawl(backend, site):
    return backend.crawl(site, fetcher=Fetcher(rate=50, retries=2, backoff=0.01))


def law_id(server) -> str:
    return f"{server.base}/{LAW_PAGE}"


def article_ids(server, numbers) -> list[str]:
    return [f"{law_id(server)}#dieu-{n}" for n in numbers]


def search(backend, q):
    return backend.search(SearchRequest(q=q, scope="web", per_page=50)).results


def held(backend, ids) -> set[str]:
    return {doc_id for doc_id in ids if backend.stored(doc_id) is not None}


def crawl_the_law(backend, site, server) -> None:
    """The first crawl, which puts the law in as its parent and seven articles."""
    crawl(backend, site)
    everything = [law_id(server), *article_ids(server, range(1, ARTICLES + 1))]
    assert held(backend, everything) == set(everything)


def remove_article_4(server) -> None:
    page = (server.root / LAW_PAGE).read_text(encoding="utf-8")
    start = page.index("    <p>Điều 4.")
    end = page.index("    <p>Điều 5.")
    server.write(LAW_PAGE, page[:start] + page[end:])


def test_a_crawled_law_is_searched_article_by_article(server, site, backend):
    report = crawl(backend, site)
    assert report.complete and report.added == 2 and not report.errors, report
    everything = [law_id(server), *article_ids(server, range(1, ARTICLES + 1)), f"{server.base}/{NEWS_PAGE}"]
    assert held(backend, everything) == set(everything)
    assert backend.doc_count() == len(everything)
    article = backend.stored(f"{law_id(server)}#dieu-5")
    assert article["parent_id"] == law_id(server) and article["article"] == "Điều 5"
    assert article["doc_number"] == "12/2024/QĐ-UBND" and article["kind"] == "legal"
    # An article's words find that article, linked to its place in the page.
    first = search(backend, "hỗ trợ tiền đi lại vé xe khách")[0]
    assert first.id == f"{law_id(server)}#dieu-5" and first.url == f"{server.base}/{LAW_PAGE}#dieu-5"
    assert first.parent_id == law_id(server)
    # The number finds the text itself, not one of its articles.
    assert search(backend, "12/2024/QĐ-UBND")[0].id == law_id(server)
    # The state keeps the articles with their page; the summary counts them as crawled documents.
    with CrawlState(state_path(backend.home, "quychinh")) as st:
        row = st.page(law_id(server))
        assert row.doc_id == law_id(server) and row.article_ids == article_ids(server, range(1, ARTICLES + 1))
        assert st.summary()["documents"] == len(everything)
    check = backend.check()  # the state's documents and the index's agree
    assert check["ok"] and not [note for note in check["notes"] if "lập chỉ mục từ tệp" in note], check


def test_an_unchanged_law_is_not_written_again(server, site, backend):
    crawl_the_law(backend, site, server)
    again = crawl(backend, site)
    assert (again.added, again.updated, again.removed) == (0, 0, 0)
    assert backend.stored(f"{law_id(server)}#dieu-7") is not None


def test_an_article_taken_out_of_the_law_leaves_the_index(server, site, backend):
    crawl_the_law(backend, site, server)
    assert search(backend, "khẩu phần bếp ăn tập thể")[0].id == f"{law_id(server)}#dieu-4"
    remove_article_4(server)
    report = crawl(backend, site)
    assert report.updated == 1 and report.added == report.removed == 0, report
    kept = [1, 2, 3, 5, 6, 7]
    assert held(backend, [law_id(server), *article_ids(server, range(1, ARTICLES + 1))]) == {
        law_id(server), *article_ids(server, kept)}
    assert f"{law_id(server)}#dieu-4" not in {h.id for h in search(backend, "khẩu phần bếp ăn tập thể")}
    assert "Điều 4" not in backend.stored(law_id(server))["body"]  # the outline follows the text
    assert backend.doc_count() == 1 + len(kept) + 1


def test_a_deleted_law_page_takes_its_articles(server, site, backend):
    crawl_the_law(backend, site, server)
    server.delete(LAW_PAGE)  # 404
    report = crawl(backend, site)
    assert report.removed == 1, report
    assert held(backend, [law_id(server), *article_ids(server, range(1, ARTICLES + 1))]) == set()
    assert backend.doc_count() == 1  # the news article
    assert not search(backend, "vé xe khách công cộng")


def test_a_law_no_longer_linked_anywhere_takes_its_articles(server, site, backend):
    crawl_the_law(backend, site, server)
    for path in ("sitemap.xml", "index.html"):
        text = (server.root / path).read_text(encoding="utf-8")
        server.write(path, "\n".join(line for line in text.splitlines() if "quy-dinh-ho-tro-hoc-nghe" not in line))
    report = crawl(backend, site)
    assert report.complete and report.removed == 1, report
    assert held(backend, [law_id(server), *article_ids(server, range(1, ARTICLES + 1))]) == set()
    assert backend.doc_count() == 1


def test_a_page_that_stops_being_a_legal_text_drops_its_articles(server, site, backend):
    crawl_the_law(backend, site, server)
    news = (server.root / NEWS_PAGE).read_text(encoding="utf-8")
    server.write(LAW_PAGE, news.replace("Khai giảng lớp nghề may", "Tổng kết lớp nghề may"))
    report = crawl(backend, site)
    assert report.updated == 1, report
    assert held(backend, article_ids(server, range(1, ARTICLES + 1))) == set()
    replaced = backend.stored(law_id(server))
    assert replaced["kind"] == "article" and replaced["title"].startswith("Tổng kết lớp nghề may")
    assert backend.doc_count() == 2


def test_a_state_file_from_before_articles_cuts_the_law_on_the_next_crawl(server, site, backend):
    """A crawl state written before ``article_ids`` existed: the column is added, each page is
    fetched once without validators, and only the long legal text is written again."""
    crawl(backend, site)
    with sqlite3.connect(state_path(backend.home, "quychinh")) as db:
        db.execute("ALTER TABLE pages DROP COLUMN article_ids")
    db.close()
    backend.delete(article_ids(server, range(1, ARTICLES + 1)))  # the index as the old crawler left it
    assert backend.doc_count() == 2
    server.requests.clear()
    report = crawl(backend, site)
    assert report.updated == 1 and report.added == report.removed == 0, report
    assert f"/{LAW_PAGE}" in server.requests and f"/{NEWS_PAGE}" in server.requests
    assert held(backend, article_ids(server, range(1, ARTICLES + 1))) == set(article_ids(server, range(1, ARTICLES + 1)))
    # From now on the page is checked with its validators again.
    server.requests.clear()
    third = crawl(backend, site)
    assert (third.added, third.updated, third.removed) == (0, 0, 0) and third.fetched == 0


def test_a_single_law_page_given_to_tracuu_index_is_cut_too(server, site):
    docs = list(fetch_documents([law_id(server)], {"quychinh": site}, fetcher=Fetcher(rate=50, retries=2, backoff=0.01)))
    assert [d.id for d in docs] == [law_id(server), *article_ids(server, range(1, ARTICLES + 1))]
    assert {d.parent_id for d in docs[1:]} == {law_id(server)}
