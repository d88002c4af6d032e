"""The home page (``/`` with nothing typed): the scope's recent documents, its types with counts and
their listings, the most searched queries (only those several visitors searched), and a
placeholder whose examples the index finds. ``web_*`` fixtures run on both engines; the query
log tests use a Whoosh index of their own, since they write the log into its home."""

from __future__ import annotations

import html
import json
import re
import sqlite3
from datetime import date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from helpers.webcorpus import DEPT, OTHER, WEB_CORPUS, build_web_index, web_config


def corpus() -> list[dict]:
    """The web corpus as its records, with their dates as dates."""
    records = [json.loads(line) for line in WEB_CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]
    for record in records:
        record["day"] = datetime.strptime(record["date"], "%d/%m/%Y").date()
    return records


def newest_first(records) -> list[str]:
    return [r["id"] for r in sorted(records, key=lambda r: r["day"], reverse=True)]


def page(client, **args) -> str:
    response = client.get("/", query_string=args)
    assert response.status_code == 200 and response.mimetype == "text/html"
    return response.get_data(as_text=True)


def home_block(text: str, css_class: str) -> str:
    block = re.search(rf'<section class="{css_class}".*?</section>', text, re.S)
    assert block, f"no .{css_class} on the page"
    return block.group(0)


def recent_ids(text: str) -> list[str]:
    return re.findall(r'<h3 class="home-doc"><a href="[^"]+" data-doc-id="([^"]+)"', home_block(text, "home-recent"))


def chips(text: str, css_class: str) -> list[tuple[str, str, int | None]]:
    """(link, label, count) of each link of a home section."""
    found = re.findall(r'<li><a href="([^"]+)">([^<]+?)\s*(?:<span class="count">(\d+)</span>)?</a></li>',
                       home_block(text, css_class))
    return [(html.unescape(h), html.unescape(label), int(n) if n else None) for h, label, n in found]


def params(url: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def placeholder(text: str) -> str:
    return html.unescape(re.search(r'<input id="q"[^>]*placeholder="([^"]*)"', text).group(1))


# -- both engines: the listing behind the home ------------------------------------------------

def test_overview_lists_the_sites_newest_documents_with_counts(web_backend):
    records = corpus()
    dept = [r for r in records if r["site"] == DEPT]
    listing = web_backend.overview(limit=6)  # the Site scope: the default site
    assert [h.id for h in listing.results] == newest_first(dept)[:6]
    assert listing.total == len(dept)
    kinds = {f["value"]: f["count"] for f in listing.facets["kind"]}
    assert kinds == {k: sum(r["kind"] == k for r in dept) for k in {r["kind"] for r in dept}}
    types = {f["value"]: f["count"] for f in listing.facets["doc_type"]}
    assert types == {t: sum(r.get("doc_type") == t for r in dept) for t in {r.get("doc_type") for r in dept} if t}

    other = web_backend.overview(scope="site", site=OTHER, limit=6)
    assert [h.id for h in other.results] == newest_first([r for r in records if r["site"] == OTHER])[:6]
    every = web_backend.overview(scope="web", limit=8)
    assert every.total == len(records) and [h.id for h in every.results] == newest_first(records)[:8]


def test_overview_leaves_out_the_articles_of_long_texts(make_backend, tmp_path):
    from indexer import SearchRequest
    from indexer.document import Document

    day = datetime(2024, 5, 2)
    law = Document(id="luat-1", title="Luật Trẻ em", site="s", kind="legal", doc_type="Luật",
                   doc_number="102/2016/QH13", published=day, body="Luật này quy định quyền trẻ em.")
    articles = [Document(id=f"luat-1#dieu-{n}", title=f"Điều {n}. Quyền của trẻ em", site="s", kind="legal",
                         doc_type="Luật", published=day, parent_id="luat-1", parent_title="Luật Trẻ em",
                         article=f"Điều {n}", body="Trẻ em có quyền được bảo vệ.") for n in range(1, 6)]
    news = Document(id="tin-1", title="Tin về trẻ em", site="s", published=datetime(2024, 1, 3), body="Trẻ em.")
    backend = make_backend(tmp_path / "home", [law, *articles, news], default_site="s")
    listing = backend.overview()
    assert [h.id for h in listing.results] == ["luat-1", "tin-1"]
    assert {f["value"]: f["count"] for f in listing.facets["doc_type"]} == {"Luật": 1}
    assert backend.search(SearchRequest(q="quyền trẻ em")).total >= 5  # searches still find them


def test_filter_without_words_lists_newest_first_on_the_api(web_client):
    records = [r for r in corpus() if r["site"] == DEPT]
    data = web_client.get("/api/search", query_string={"kind": "legal"}).get_json()
    legal = [r for r in records if r["kind"] == "legal"]
    assert data["total"] == len(legal)
    assert [h["id"] for h in data["results"]] == newest_first(legal)
    data = web_client.get("/api/search", query_string={"doc_type": "Quyết định", "scope": "web"}).get_json()
    assert [h["id"] for h in data["results"]] == newest_first([r for r in corpus() if r.get("doc_type") == "Quyết định"])
    assert web_client.get("/api/search").status_code == 400  # neither words nor a filter: nothing to list


def test_home_shows_recent_documents_of_the_scope(web_client):
    records = corpus()
    text = page(web_client)
    assert recent_ids(text) == newest_first([r for r in records if r["site"] == DEPT])[:8]
    assert recent_ids(page(web_client, scope="web")) == newest_first(records)[:8]
    assert recent_ids(page(web_client, scope="web", site=OTHER)) == newest_first(
        [r for r in records if r["site"] == OTHER])[:8]
    legal = next(r for r in records if r["site"] == DEPT and r["kind"] == "legal"
                 and r["id"] in recent_ids(text))
    assert f"{legal['doc_type']} số {legal['doc_number']}" in text


def test_type_links_list_exactly_their_documents(web_client):
    dept = [r for r in corpus() if r["site"] == DEPT]
    links = chips(page(web_client), "home-types")
    by_label = {label: (url, count) for url, label, count in links}
    assert by_label["Văn bản"][1] == sum(r["kind"] == "legal" for r in dept)
    assert by_label["Tin tức"][1] == sum(r["kind"] == "article" for r in dept)
    doc_types = {r.get("doc_type") for r in dept} - {None}
    assert doc_types <= set(by_label)
    for url, label, count in links:
        filters = params(url)
        assert set(filters) <= {"kind", "doc_type"} and "q" not in filters
        expected = [r for r in dept if all(r.get(k) == v for k, v in filters.items())]
        assert count == len(expected), label
        listed = web_client.get(url).get_data(as_text=True)
        ids = re.findall(r'<h2 class="result-title"><a href="[^"]+" data-doc-id="([^"]+)"', listed)
        assert ids == newest_first(expected)[:10], label
        assert re.search(rf"Tìm thấy <strong>{len(expected)}</strong> kết quả", listed)
        assert 'class="home"' not in listed


def test_placeholder_examples_are_found(web_client):
    for scope in ("site", "web"):
        text = page(web_client, scope=scope)
        shown = placeholder(text)
        assert shown.startswith("Ví dụ: ") and len(shown) <= 35, shown
        examples = shown.removeprefix("Ví dụ: ").split(", ")
        assert examples and "87/2015/NĐ-CP" not in examples
        for example in examples:
            data = web_client.get("/api/search", query_string={"q": example, "scope": scope}).get_json()
            assert data["total"] > 0, example
    numbers = {r.get("doc_number") for r in corpus() if r["site"] == DEPT}
    assert any(e in numbers for e in placeholder(page(web_client)).removeprefix("Ví dụ: ").split(", "))


def test_no_popular_block_without_a_log_that_qualifies(web_client):
    assert 'class="home-popular"' not in page(web_client)


# -- the query log (Whoosh, an index home of its own) ------------------------------------------

@pytest.fixture(scope="module")
def log_home(tmp_path_factory):
    return build_web_index(tmp_path_factory.mktemp("home_log"))


@pytest.fixture()
def log_app(log_home):
    """An app whose query log starts empty each test (a new app: no home data kept)."""
    from webapp import create_app

    (log_home / "querylog.sqlite").unlink(missing_ok=True)
    return create_app(web_config(log_home, RATE_LIMIT=""))


def searched(home, q: str, times: int, days_ago: int = 0, total: int = 3) -> None:
    with sqlite3.connect(home / "querylog.sqlite") as db:
        db.execute("CREATE TABLE IF NOT EXISTS searches (day TEXT, q TEXT, scope TEXT, site TEXT, total INTEGER)")
        day = (date.today() - timedelta(days=days_ago)).isoformat()
        db.executemany("INSERT INTO searches VALUES (?, ?, '', '', ?)", [(day, q, total)] * times)


def test_popular_queries_need_several_searches_in_the_window(log_app, log_home):
    client = log_app.test_client()
    for _ in range(4):
        client.get("/api/search", query_string={"q": "trợ giúp pháp lý"})  # logged as visitors search
    searched(log_home, "đăng ký kết hôn", 3)
    searched(log_home, "nguyễn văn an 0912", 1)  # one visitor's words: never shown
    searched(log_home, "chứng thực", 2)  # fewer than min_searches
    searched(log_home, "hộ tịch", 5, days_ago=60)  # popular, but long ago
    searched(log_home, "xyzzy", 4, total=0)  # finds nothing: no link to an empty page
    text = page(client)
    popular = chips(text, "home-popular")
    assert [label for _, label, _ in popular] == ["trợ giúp pháp lý", "đăng ký kết hôn"]
    for url, label, _ in popular:
        assert params(url)["q"] == label
        assert re.search(r"Tìm thấy <strong>[1-9]\d*</strong> kết quả", page(client, **params(url)))
    assert placeholder(text).startswith("Ví dụ: trợ giúp pháp lý")


def test_popular_queries_follow_the_admin_report_threshold(log_home):
    from webapp import create_app

    (log_home / "querylog.sqlite").unlink(missing_ok=True)
    searched(log_home, "đăng ký kết hôn", 3)
    searched(log_home, "trợ giúp pháp lý", 5)
    app = create_app(web_config(log_home, RATE_LIMIT="", ADMIN_REPORT_MIN_SEARCHES=5))
    assert [label for _, label, _ in chips(page(app.test_client()), "home-popular")] == ["trợ giúp pháp lý"]


def test_popular_queries_function(tmp_path):
    from indexer.querylog import QueryLog

    log = QueryLog(tmp_path)
    assert log.popular(date.today() - timedelta(days=28)) == []  # no log yet
    for q, n in (("bảo hiểm xã hội", 3), ("việc làm", 4), ("a@b.vn", 3), ("lẻ loi", 1)):
        for _ in range(n):
            log.record_search(q, 2)
    top = log.popular(date.today() - timedelta(days=28))
    assert top == [{"q": "việc làm", "searches": 4}, {"q": "bảo hiểm xã hội", "searches": 3}]  # masked text left out
    assert log.popular(date.today() - timedelta(days=28), min_searches=1)[-1]["q"] == "lẻ loi"
    assert log.popular(date.today() + timedelta(days=1)) == []
