"""robots.txt as search engines read it, and sitemaps, sitemap indexes, gzip and feeds, served by a
real HTTP server on 127.0.0.1 (tests/fixtures/sites/rules).

The rules site's robots.txt has a group for every robot that forbids everything and a group for
ours with wildcards, ``$``, Allow beside Disallow and a crawl delay; its sitemap index lists a
sitemap, a gzipped sitemap (written at test time, it needs the server's address), an RSS feed, an
Atom feed and a sitemap robots.txt forbids.
"""

from __future__ import annotations

import gzip
from urllib.robotparser import RobotFileParser

import pytest

from indexer import IndexStore
from indexer.crawl import Fetcher
from indexer.crawl import discover
from indexer.crawl.discover import Robots, sitemap_urls
from indexer.engines.whoosh.writing import crawl
from indexer.sources.sites import load_sites
from site_server import SiteServer, copy_site, sites_toml

PATTERNS = 'articles = ["/tin-tuc/*.html", "/lich/*.html"]\n'
GZIP_SITEMAP = """<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc>{base}/tin-tuc/bai-trong-gzip.html</loc></url>
</urlset>
"""
LISTED = ["tin-tuc/bai-trong-sitemap.html", "tin-tuc/bai-trong-gzip.html", "tin-tuc/bai-trong-rss.html",
          "tin-tuc/bai-trong-atom.html"]
INDEXED = LISTED + ["tin-tuc/bai-lien-ket.html", "lich/tuan.html"]
FORBIDDEN = ["/tin-tuc/bai-noi-bo-hop.html", "/tin-tuc/bai-noi-bo-ke-hoach.html", "/tin-tuc/danh-sach.html",
             "/van-ban/quyet-dinh.pdf", "/sitemap-an.xml", "/tin-tuc/bai-trong-sitemap-an.html"]


def fetcher():
    return Fetcher(rate=50, retries=1, backoff=0.01)


@pytest.fixture()
def server(tmp_path):
    with SiteServer(copy_site(tmp_path, "rules")) as srv:
        srv.write("sitemap-nen.xml.gz", gzip.compress(GZIP_SITEMAP.format(base=srv.base).encode()))
        yield srv


@pytest.fixture()
def robots(server):
    return Robots(fetcher(), server.base + "/")


def allowed(robots, server, path) -> bool:
    return robots.allowed(server.base + path)


# -- robots.txt -------------------------------------------------------------------------------------

def test_our_group_applies_not_the_one_for_every_robot(robots, server):
    assert allowed(robots, server, "/") and allowed(robots, server, "/tin-tuc/bai-lien-ket.html")
    other = RobotFileParser()
    other.parse((server.root / "robots.txt").read_text(encoding="utf-8").splitlines())
    assert not other.can_fetch("some-other-bot", server.base + "/")


def test_the_longest_matching_rule_wins(robots, server):
    assert not allowed(robots, server, "/tin-tuc/danh-sach.html")  # Disallow: /tin-tuc/
    assert allowed(robots, server, "/tin-tuc/bai-trong-rss.html")  # Allow: /tin-tuc/bai- is longer
    assert not allowed(robots, server, "/tin-tuc/bai-noi-bo-hop.html")  # Disallow: /tin-tuc/bai-noi-bo is longer still
    # The standard library takes the first rule in file order and gets this wrong.
    stdlib = RobotFileParser()
    stdlib.parse((server.root / "robots.txt").read_text(encoding="utf-8").splitlines())
    assert not stdlib.can_fetch("tracuu-crawler", server.base + "/tin-tuc/bai-trong-rss.html")


def test_allow_wins_a_tie(robots, server):
    assert allowed(robots, server, "/lich/tuan.html")  # Allow: /lich/ and Disallow: /lich/


def test_wildcards_and_the_end_anchor(robots, server):
    assert not allowed(robots, server, "/tin-tuc/bai-lien-ket.html?in=1")  # Disallow: /tin-tuc/*?in= (longer than Allow: /tin-tuc/bai-)
    assert allowed(robots, server, "/tin-tuc/bai-lien-ket.html?trang=2")
    assert not allowed(robots, server, "/van-ban/quyet-dinh.pdf")  # Disallow: /van-ban/*.pdf$
    assert allowed(robots, server, "/van-ban/quyet-dinh.pdf?tai=1")  # "$": the address ends there
    assert allowed(robots, server, "/van-ban/quyet-dinh-pdf.html")


def test_crawl_delay_and_request_rate(robots, server):
    assert robots.crawl_delay == pytest.approx(0.05)
    assert robots.sitemaps == [server.base + "/sitemap-index.xml"]
    server.write("robots.txt", "User-agent: tracuu-crawler\nRequest-rate: 1/4s\nCrawl-delay: 1\n")
    assert Robots(fetcher(), server.base + "/").crawl_delay == pytest.approx(4.0)


def test_a_missing_robots_txt_allows_everything_and_a_broken_one_nothing(server):
    server.delete("robots.txt")
    missing = Robots(fetcher(), server.base + "/")
    assert missing.allowed(server.base + "/tin-tuc/danh-sach.html") and not missing.error and not missing.sitemaps
    server.forced["/robots.txt"] = (503, "")
    broken = Robots(fetcher(), server.base + "/")
    assert not broken.allowed(server.base + "/") and "robots.txt" in broken.error


# -- sitemaps and feeds -----------------------------------------------------------------------------

def test_an_index_of_sitemaps_gzip_and_feeds(robots, server):
    urls, problems = sitemap_urls(fetcher(), robots.sitemaps, robots)
    assert set(urls) == {f"{server.base}/{p}" for p in LISTED + ["tin-tuc/bai-noi-bo-ke-hoach.html"]}
    assert not problems
    assert "/sitemap-an.xml" not in server.requests  # robots.txt forbids that sitemap


def test_a_gzipped_sitemap_under_any_name(robots, server):
    server.write("sitemap-nen.xml", gzip.compress(GZIP_SITEMAP.format(base=server.base).encode()))
    urls, problems = sitemap_urls(fetcher(), [server.base + "/sitemap-nen.xml"], robots)
    assert urls == [f"{server.base}/tin-tuc/bai-trong-gzip.html"] and not problems


def test_broken_and_missing_sitemaps_are_reported_and_the_rest_read(robots, server):
    server.write("sitemap-tin.xml", "<urlset><url><loc>khong phai xml")
    server.forced["/rss.xml"] = (500, "")
    urls, problems = sitemap_urls(fetcher(), robots.sitemaps, robots)
    assert f"{server.base}/tin-tuc/bai-trong-atom.html" in urls
    assert f"{server.base}/tin-tuc/bai-trong-gzip.html" in urls
    assert [p for p in problems if p.startswith(f"{server.base}/rss.xml:") and "500" in p]
    # No sitemap where none was announced is not a problem.
    assert sitemap_urls(fetcher(), [server.base + "/sitemap.xml"], robots) == ([], [])


def test_the_number_of_sitemaps_read_is_bounded(robots, server, monkeypatch):
    monkeypatch.setattr(discover, "MAX_SITEMAPS", 2)
    urls, problems = sitemap_urls(fetcher(), robots.sitemaps, robots)
    read = [p for p in server.requests if p.endswith((".xml", ".gz"))]
    assert read == ["/sitemap-index.xml", "/sitemap-tin.xml"]
    assert [p for p in problems if "quá 2 sitemap" in p]


# -- a crawl of the rules site ----------------------------------------------------------------------

def test_a_crawl_follows_the_rules(server, tmp_path):
    path = tmp_path / "sites.toml"
    path.write_text(sites_toml(server.base, slug="rules", extra=PATTERNS), encoding="utf-8")
    site = load_sites(path)["rules"]
    store = IndexStore(tmp_path / "index")
    polite = fetcher()
    report = crawl(store, site, fetcher=polite)
    assert report.complete and report.added == len(INDEXED), report
    assert polite.throttle.interval == pytest.approx(0.05)  # Crawl-delay slowed the pace asked for
    asked = server.requests
    assert asked[0] == "/robots.txt"
    assert not [p for p in asked if p in FORBIDDEN]
    assert asked.count("/tin-tuc/bai-lien-ket.html") == 1  # the ?in= copy is forbidden
    ix = store.open()
    with ix.searcher() as searcher:
        indexed = {f["url"] for f in searcher.all_stored_fields()}
    ix.close()
    assert indexed == {f"{server.base}/{p}" for p in INDEXED}
    # A page announced later in the feed arrives with the next crawl; nothing else is read again.
    server.write("tin-tuc/bai-moi.html", (server.root / "tin-tuc/bai-trong-rss.html").read_text(encoding="utf-8")
                 .replace("Chuyển đổi số trong trường học", "Ra mắt ứng dụng công dân số"))
    rss = (server.root / "rss.xml").read_text(encoding="utf-8")
    server.write("rss.xml", rss.replace("</channel>", f"<item><title>Ra mắt ứng dụng công dân số</title>"
                                        f"<link>{server.base}/tin-tuc/bai-moi.html</link></item></channel>"))
    again = crawl(store, site, fetcher=fetcher())
    assert (again.added, again.updated, again.removed) == (1, 0, 0), again
