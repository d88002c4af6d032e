"""Crawling a fixture department site from a real HTTP server on 127.0.0.1, then changing it.

The site (tests/fixtures/sites/sldtbxh) has articles in two CMS styles, legal
notices, a declared and an undeclared windows-1258 page, an NFD page, a broken
page, listing pages, robots.txt and sitemap.xml.
"""

from __future__ import annotations

import json
import threading
import unicodedata

import pytest
from click.testing import CliRunner

from helpers.pages import encode_cp1258
from indexer import IndexLocked, IndexStore, SearchRequest, WhooshBackend
from indexer.crawl import CrawlState, Fetcher, state_path
from indexer.sources.sites import load_sites
from indexer.engines.whoosh.writing import crawl
from site_server import SiteServer, copy_site, sites_toml

WAIT = 60
PATTERNS = 'articles = ["/tin-tuc/*.html"]\nnotices = ["/van-ban/chi-tiet-*"]\n'
ARTICLES = ["tin-tuc/hoi-nghi-bao-ve-tre-em.html", "tin-tuc/tap-huan-phong-chong-duoi-nuoc.html",
            "tin-tuc/chi-trong-sitemap.html", "tin-tuc/bhxh-tu-nguyen.html", "tin-tuc/viec-lam-nong-thon.html",
            "tin-tuc/quyet-dinh-ho-tro-viec-lam.html"]
NOTICES = ["van-ban/chi-tiet-1437.html", "van-ban/chi-tiet-38-2019.html"]


@pytest.fixture()
def server(tmp_path):
    with SiteServer(copy_site(tmp_path)) as srv:
        yield srv


@pytest.fixture()
def site(server, tmp_path):
    path = tmp_path / "sites.toml"
    path.write_text(sites_toml(server.base, extra=PATTERNS), encoding="utf-8")
    return load_sites(path)["sldtbxh"]


@pytest.fixture()
def store(tmp_path):
    return IndexStore(tmp_path / "index")


def fast_fetcher():
    """Retries and backoff kept, but short, so failing pages do not slow the suite."""
    return Fetcher(rate=50, retries=2, backoff=0.01)


def run(store, site, **kwargs):
    return crawl(store, site, fetcher=fast_fetcher(), **kwargs)


def indexed(store) -> dict:
    ix = store.open()
    with ix.searcher() as searcher:
        docs = {f["url"]: f for f in searcher.all_stored_fields()}
    ix.close()
    return docs


def urls(server, paths):
    return {f"{server.base}/{p}" for p in paths}


def hits(store, q):
    result = WhooshBackend(store).search(SearchRequest(q=q, scope="web"))
    return [h.url for h in result.results]


def test_first_crawl_indexes_articles_and_notices(server, site, store):
    report = run(store, site)
    assert report.complete and report.added == 8
    docs = indexed(store)
    assert set(docs) == urls(server, ARTICLES + NOTICES)
    notice = docs[f"{server.base}/van-ban/chi-tiet-1437.html"]
    assert notice["kind"] == "legal" and notice["doc_number"] == "1437/QĐ-UBND"
    assert docs[f"{server.base}/tin-tuc/bhxh-tu-nguyen.html"]["title"] == (
        "Tuyên truyền chính sách bảo hiểm xã hội tự nguyện năm 2019")
    # The broken page is reported, not indexed, and did not stop the crawl.
    assert [e for e in report.errors if "trang-loi.html" in e]
    # Searchable at once, with or without diacritics, by document number too.
    assert f"{server.base}/tin-tuc/viec-lam-nong-thon.html" in hits(store, "dao tao nghe nong thon")
    assert hits(store, "1437/qđ-ubnd")[0] == f"{server.base}/van-ban/chi-tiet-1437.html"


def test_crawl_is_polite_and_stays_in_the_site(server, site, store):
    run(store, site)
    asked = server.requests
    assert asked[0] == "/robots.txt"
    assert "/sitemap.xml" in asked
    assert not [p for p in asked if p.startswith("/admin/")]  # Disallow: /admin/
    assert not [p for p in asked if p.endswith(".pdf")]  # attachments are not pages
    assert len(asked) == len(set(asked))  # each page once (fragments stripped)
    assert "/tin-tuc/chi-trong-sitemap.html" in asked  # only listed in sitemap.xml


def test_second_crawl_skips_unchanged_pages(server, site, store):
    run(store, site)
    server.requests.clear()
    report = run(store, site)
    assert report.fetched == 0 and report.added == report.updated == report.removed == 0
    assert report.unchanged == 12  # every page answered 304 to its ETag / Last-Modified
    assert set(indexed(store)) == urls(server, ARTICLES + NOTICES)


def test_changes_additions_and_deletions_are_reflected(server, site, store):
    run(store, site)
    # Changed text.
    page = server.root / "tin-tuc/hoi-nghi-bao-ve-tre-em.html"
    server.write("tin-tuc/hoi-nghi-bao-ve-tre-em.html", page.read_text(encoding="utf-8").replace(
        "đáng khích lệ", "đáng khích lệ, trong đó có mô hình thí điểm nhà văn hóa thiếu nhi"))
    # Only the view counter changed: same document, not re-indexed.
    bhxh = (server.root / "tin-tuc/bhxh-tu-nguyen.html").read_bytes()
    server.write("tin-tuc/bhxh-tu-nguyen.html", bhxh.replace(b"52 l", b"99 l"))
    # A new article, linked from the listing, in windows-1258.
    new = unicodedata.normalize("NFC", (server.root / "tin-tuc/viec-lam-nong-thon.html").read_bytes().decode("cp1258"))
    new = new.replace("Đào tạo nghề cho lao động nông thôn huyện Nông Sơn", "Giải quyết việc làm cho bộ đội xuất ngũ")
    new = new.replace("may công nghiệp", "sửa chữa ô tô")
    server.write("tin-tuc/viec-lam-bo-doi.html", encode_cp1258(new))
    listing = (server.root / "tin-tuc/index.html").read_text(encoding="utf-8")
    listing = listing.replace('<li><a href="trang-loi.html">',
                              '<li><a href="viec-lam-bo-doi.html">Giải quyết việc làm cho bộ đội xuất ngũ</a></li>\n'
                              '  <li><a href="trang-loi.html">')
    # Pages that went away: a deleted file (404), a page answering 410, and one no longer listed anywhere.
    server.delete("van-ban/chi-tiet-38-2019.html")
    server.forced["/tin-tuc/tap-huan-phong-chong-duoi-nuoc.html"] = (410, "")
    sitemap = (server.root / "sitemap.xml").read_text(encoding="utf-8")
    server.write("sitemap.xml", "\n".join(l for l in sitemap.splitlines() if "chi-trong-sitemap" not in l))
    server.write("tin-tuc/index.html", listing)

    report = run(store, site)
    assert report.added == 1 and report.updated == 1 and report.removed == 3, report
    docs = indexed(store)
    expected = set(ARTICLES + NOTICES) - {"van-ban/chi-tiet-38-2019.html", "tin-tuc/tap-huan-phong-chong-duoi-nuoc.html",
                                          "tin-tuc/chi-trong-sitemap.html"} | {"tin-tuc/viec-lam-bo-doi.html"}
    assert set(docs) == urls(server, expected)
    assert hits(store, "nhà văn hóa thiếu nhi")[0] == f"{server.base}/tin-tuc/hoi-nghi-bao-ve-tre-em.html"
    assert hits(store, "bộ đội xuất ngũ")[0] == f"{server.base}/tin-tuc/viec-lam-bo-doi.html"
    assert f"{server.base}/van-ban/chi-tiet-38-2019.html" not in hits(store, "mức lương cơ sở")
    # The state forgot the pages that left; a third crawl finds nothing to do.
    third = run(store, site)
    assert (third.added, third.updated, third.removed) == (0, 0, 0)


def test_server_errors_keep_the_old_document(server, site, store):
    run(store, site)
    server.forced["/tin-tuc/viec-lam-nong-thon.html"] = (503, "")
    report = run(store, site)
    assert [e for e in report.errors if "viec-lam-nong-thon.html" in e and "503" in e]
    assert report.removed == 0
    assert f"{server.base}/tin-tuc/viec-lam-nong-thon.html" in indexed(store)


def test_unreachable_robots_txt_fetches_and_removes_nothing(server, site, store):
    run(store, site)
    server.forced["/robots.txt"] = (500, "")
    server.requests.clear()
    report = run(store, site)
    assert report.errors and "robots.txt" in report.errors[0]
    assert server.requests == ["/robots.txt"] * len(server.requests)
    assert set(indexed(store)) == urls(server, ARTICLES + NOTICES)


def test_redirects_are_followed_without_duplicates(server, site, store):
    listing = (server.root / "index.html").read_text(encoding="utf-8")
    server.write("index.html", listing.replace("</ul>\n</div>\n<div class=\"footer\">",
                                               '<li><a href="/tin-tuc/bai-cu.html">Bài cũ</a></li></ul>\n</div>\n<div class="footer">'))
    server.forced["/tin-tuc/bai-cu.html"] = (301, "/tin-tuc/hoi-nghi-bao-ve-tre-em.html")
    report = run(store, site)
    assert "/tin-tuc/bai-cu.html" in server.requests
    # One document, under the address the redirect leads to (its canonical URL).
    assert set(indexed(store)) == urls(server, ARTICLES + NOTICES)
    assert not report.errors[1:]


class Stop(Exception):
    pass


def test_an_interrupted_crawl_resumes(server, site, store):
    seen = []

    def stop_after_some(url, what):
        seen.append(url)
        if len(seen) == 5:
            raise Stop

    with pytest.raises(Stop):
        run(store, site, on_page=stop_after_some, commit_every=2)
    state = CrawlState(state_path(store.root, "sldtbxh"))
    assert state.last_run()["status"] == "running"
    state.close()
    server.requests.clear()
    report = run(store, site)
    assert report.resumed and report.complete
    assert "/robots.txt" in server.requests and "/sitemap.xml" not in server.requests  # frontier kept
    assert set(indexed(store)) == urls(server, ARTICLES + NOTICES)


def test_a_second_writer_is_refused_while_crawling(server, site, store):
    held, release = threading.Event(), threading.Event()

    def holder():
        with store.write_lock("reindex"):
            held.set()
            release.wait(WAIT)

    thread = threading.Thread(target=holder, daemon=True)
    thread.start()
    try:
        assert held.wait(WAIT)
        with pytest.raises(IndexLocked, match="tracuu reindex"):
            run(store, site)
    finally:
        release.set()
        thread.join(WAIT)


def test_cli_crawl_by_slug_json_and_stats(server, site, tmp_path):
    from cli import main

    index_dir = tmp_path / "cli-index"
    index_dir.mkdir()
    (index_dir / "sites.toml").write_text(sites_toml(server.base, extra=PATTERNS), encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(main, ["--index-dir", str(index_dir), "crawl", "sldtbxh", "--json"])
    assert result.exit_code == 0, result.output
    (summary,) = json.loads(result.stdout)
    assert summary["site"] == "sldtbxh" and summary["added"] == 8 and summary["errors"] == 1
    result = runner.invoke(main, ["--index-dir", str(index_dir), "stats", "--json"])
    stats = json.loads(result.stdout)
    assert stats["sites"]["sldtbxh"] == {"article": 6, "legal": 2}
    stats = stats["site_details"]["sldtbxh"]
    assert stats["documents"] == 8
    assert (stats["oldest"], stats["newest"]) == ("2019-01-28", "2019-06-20")
    assert stats["last_crawl"] and stats["errors"] == 1
    result = runner.invoke(main, ["--index-dir", str(index_dir), "stats"])
    assert "sldtbxh: 2019-01-28 .. 2019-06-20; thu thập lần cuối 20" in result.stdout
    assert "1 trang bị lỗi" in result.stdout and "trang-loi.html" in result.stdout
    result = runner.invoke(main, ["--index-dir", str(index_dir), "check"])
    assert result.exit_code == 0 and "không có sự cố" in result.stdout
    result = runner.invoke(main, ["--index-dir", str(index_dir), "crawl", "no-such-site"])
    assert result.exit_code == 1 and "không phải mã trang đã cấu hình" in result.stderr
    result = runner.invoke(main, ["--index-dir", str(index_dir), "index", f"{server.base}/van-ban/chi-tiet-38-2019.html",
                                  "--json"])
    assert result.exit_code == 0 and json.loads(result.stdout)["indexed"] == 1


def test_a_page_budget_pauses_the_crawl_and_the_next_one_resumes(server, site, store):
    site.max_pages = 5
    reports = []
    for _ in range(5):  # 12 pages, 5 a run: the third run completes; bounded loop
        reports.append(run(store, site))
        if reports[-1].complete:
            break
    assert [r.complete for r in reports] == [False, False, True]
    assert [r.resumed for r in reports] == [False, True, True]
    assert set(indexed(store)) == urls(server, ARTICLES + NOTICES)
    # The next crawl starts afresh, and a page that left the site is removed once a crawl completes.
    server.delete("tin-tuc/chi-trong-sitemap.html")
    reports = []
    for _ in range(5):
        reports.append(run(store, site))
        if reports[-1].complete:
            break
    assert not reports[0].resumed and sum(r.removed for r in reports) == 1
    assert set(indexed(store)) == urls(server, set(ARTICLES + NOTICES) - {"tin-tuc/chi-trong-sitemap.html"})
