"""What only the OpenSearch backend does.

Search behaviour itself is tested once for both engines (tests/search/, tests/web/:
``backend_name``), choosing a backend in tests/search/test_open_backend.py. Here: the Python side
of the OpenSearch backend (documents analyzed for the mapping, queries translated to DSL) without
a server, an unreachable cluster (503, one CLI line), and on a real node (``opensearch_url``):
full rebuilds that switch the alias while searches go on, deep pages with search_after,
deletes, crawling through the same sink interface, the CLI end to end.
"""

from __future__ import annotations

import threading
import uuid
from datetime import datetime

import pytest
from click.testing import CliRunner

from cli import main
from helpers.corpus import DOCUMENTS_JSONL, NOTICES_CSV
from helpers.engines import app_config
from indexer import BackendSettings, SearchRequest, open_backend, read_source
from indexer.document import Document
from indexer.search.plan import build
from indexer.search.understand import parse

DOWN = "http://127.0.0.1:9"  # nothing listens there: connection refused


# -- the Python side of the OpenSearch backend (no server) ---------------------------------------

def test_documents_are_sent_analyzed():
    from indexer.engines.opensearch.mapping import doc_key, to_source

    source = to_source(Document(id="vb-1", title="Hoà giải ở cơ sở", doc_number="24/2015/TT-BTTTT", kind="legal",
                                site="s", body="Bảo vệ trẻ em theo Thông tư 24/2015/TT-BTTTT."))
    assert "hòa_giải" in source["title"].split()  # pyvi words, one tone placement, lower case
    assert "24/2015/tt-btttt" in source["content_f"].split()  # protected token kept whole
    assert {"trẻ", "em", "trẻ_em"} <= set(source["content_x"].split())  # units as written, pairs too
    assert {"tre", "tre_em"} <= set(source["content_f"].split())  # and folded
    assert "bảo_vệ" in source["v_content_pairs"]  # the autocomplete's pairs
    assert source["doc_number_key"] == "24/2015/tt-btttt"
    assert "tre" in source["v_content_syl"] and "trẻ_em" in source["v_content_words"]
    assert source["doc"]["title"] == "Hoà giải ở cơ sở"  # shown as written
    assert doc_key("x" * 600).startswith("sha256:") and doc_key("vb-1") == "vb-1"


def test_queries_are_the_same_queries_translated():
    from indexer.engines.opensearch.translate import to_dsl

    dsl = to_dsl(build(parse('"bảo vệ" trẻ em -"ma túy" loai:tin nam:2019')))
    text = repr(dsl)
    assert "'title_f': {'value': 'bao_ve'" in text  # a quoted phrase is its pair terms, not a phrase query
    assert "'trẻ_em'" in text  # a word typed with diacritics: its exact pair
    assert "'must_not'" in text and "'ma_tuy'" in text
    assert "'filter'" in text and "'kind': {'value': 'article'}" in text
    assert "'range': {'published': {'gte': '2019-01-01T00:00:00'" in text


# -- an unreachable cluster ---------------------------------------------------------------------

def test_unreachable_cluster_is_a_503_never_a_500(tmp_path):
    from webapp import create_app

    app = create_app({"INDEX_DIR": str(tmp_path), "BACKEND": "opensearch", "OPENSEARCH_URL": DOWN,
                      "TESTING": True, "RATE_LIMIT": ""})
    client = app.test_client()
    for path in ("/api/search?q=kết hôn", "/api/suggest?q=ket", "/api/related/x"):
        response = client.get(path)
        assert response.status_code == 503 and "thử lại" in response.get_json()["error"]
    page = client.get("/?q=kết hôn")
    assert page.status_code == 503 and "thử lại" in page.get_data(as_text=True)
    assert "Traceback" not in page.get_data(as_text=True)


def test_unreachable_cluster_is_one_cli_line(tmp_path, monkeypatch):
    import os

    for name in ("TRACUU_BACKEND", "TRACUU_OPENSEARCH_URL"):
        monkeypatch.delenv(name, raising=False)
    result = CliRunner().invoke(main, ["--index-dir", str(tmp_path), "--backend", "opensearch",
                                       "--opensearch-url", DOWN, "search", "kết hôn"])
    assert result.exit_code == 1
    assert "không kết nối được" in result.output and "Traceback" not in result.output
    # Only `serve` hands the options to the web app through the environment; nothing else leaks.
    assert "TRACUU_BACKEND" not in os.environ and "TRACUU_OPENSEARCH_URL" not in os.environ


# -- on a real node ---------------------------------------------------------------------------------

@pytest.fixture()
def os_backend(opensearch_url, tmp_path):
    backend = open_backend(BackendSettings(backend="opensearch", opensearch_url=opensearch_url, index_dir=tmp_path,
                                           opensearch_index=f"tracuu-test-{uuid.uuid4().hex[:10]}", cache_size=0))
    yield backend
    backend.conn.client.indices.delete(index=f"{backend.alias}-*", ignore_unavailable=True, allow_no_indices=True)


def test_full_rebuild_switches_the_alias_while_searches_go_on(os_backend):
    from indexer.engines.opensearch import writing

    os_backend.index_documents(read_source(str(DOCUMENTS_JSONL)))
    first = writing.live_index(os_backend)
    answers, stop = [], threading.Event()

    def keep_searching():
        while not stop.is_set():
            answers.append(os_backend.search(SearchRequest(q="bảo vệ trẻ em", scope="web")).total)

    searcher = threading.Thread(target=keep_searching)
    searcher.start()
    try:
        report = os_backend.reindex([str(NOTICES_CSV)])
        second = writing.live_index(os_backend)
        report2 = os_backend.reindex()
    finally:
        stop.set()
        searcher.join()
    assert second != first and report.from_sources and report.documents == report.from_sources + report.copied
    assert answers and all(total > 0 for total in answers)  # never an empty or missing index
    third = writing.live_index(os_backend)
    assert third == report2.generation and writing.previous_index(os_backend, third) == second
    assert writing.generations(os_backend) == sorted([second, third])  # the first one is gone
    assert os_backend.check()["ok"]


def test_deep_pages_walk_with_search_after(os_backend, monkeypatch):
    from indexer.engines.opensearch import retrieve as os_retrieve

    os_backend.index_documents([Document(id=f"d{i:02d}", site="s", title=f"Thông báo tuyển dụng đợt {i}",
                                         published=datetime(2000 + i, 1, 1)) for i in range(23)])

    def pages(sort):
        return [[h.id for h in os_backend.search(SearchRequest(q="tuyển dụng", scope="web", sort=sort, per_page=4,
                                                               page=p)).results] for p in range(1, 7)]

    plain = {sort: pages(sort) for sort in ("newest", "relevance")}
    monkeypatch.setattr(os_retrieve, "PAGE_CHUNK", 5)  # every page beyond the 5th hit walks with search_after
    walked = {sort: pages(sort) for sort in ("newest", "relevance")}
    assert walked == plain
    assert plain["newest"][0] == ["d22", "d21", "d20", "d19"] and plain["newest"][5] == ["d02", "d01", "d00"]


def test_delete_and_replace(os_backend):
    os_backend.index_documents([Document(id="a", site="s", title="Tuyển sinh giáo dục nghề nghiệp")])
    assert os_backend.delete(["a", "khong-co"]) == ["khong-co"]
    assert os_backend.search(SearchRequest(q="tuyển sinh", scope="web")).total == 0


def test_crawl_writes_through_the_same_sink_interface(os_backend, tmp_path):
    from indexer.crawl import Fetcher
    from indexer.sources.sites import load_sites
    from site_server import SiteServer, copy_site, sites_toml

    with SiteServer(copy_site(tmp_path)) as server:
        path = tmp_path / "sites.toml"
        path.write_text(sites_toml(server.base, extra='articles = ["/tin-tuc/*.html"]\nnotices = ["/van-ban/chi-tiet-*"]\n'),
                        encoding="utf-8")
        site = load_sites(path)["sldtbxh"]
        report = os_backend.crawl(site, fetcher=Fetcher(rate=50, retries=2, backoff=0.01))
        again = os_backend.crawl(site, fetcher=Fetcher(rate=50, retries=2, backoff=0.01))
    assert report.added >= 6 and again.added == 0 and again.unchanged >= 6
    assert os_backend.search(SearchRequest(q="1437/QĐ-UBND", scope="web")).total >= 1
    assert os_backend.stats()["sites"]["sldtbxh"]["article"] >= 5


def test_one_writer_at_a_time_and_a_dead_writers_lease_runs_out(os_backend, monkeypatch):
    from indexer import IndexLocked
    from indexer.engines.opensearch import lock as os_lock

    with os_lock.writer_lock(os_backend, "reindex"):
        with pytest.raises(IndexLocked, match="tracuu reindex"):
            os_backend.index_documents([Document(id="a", site="s", title="Tin mới")])
    os_backend.index_documents([Document(id="a", site="s", title="Tin mới")])  # released
    with os_lock.writer_lock(os_backend, "index", shared=True):  # another `tracuu index` running
        os_backend.index_documents([Document(id="b", site="s", title="Lịch công tác")])  # index runs go together
        with pytest.raises(IndexLocked, match="tracuu index"):
            os_backend.reindex()  # a rebuild waits for them
    monkeypatch.setattr(os_lock, "LEASE", -1.0)  # leases taken from now on have already run out
    dead = os_lock.WriterLock(os_backend, "crawl s")
    dead.acquire()  # and never released: its process "died"
    assert os_backend.delete(["a"]) == []
    assert os_backend.search(SearchRequest(q="tin mới", scope="web")).total == 0


def test_large_index_counts_its_vocabulary_in_the_background(os_backend, monkeypatch):
    import time

    from indexer.search import suggest

    os_backend.index_documents(read_source(str(DOCUMENTS_JSONL)))
    monkeypatch.setattr(suggest, "SYNC_BUILD_DOCS", 0)  # every index is "large"
    first = os_backend.search(SearchRequest(q="bao ve tre em", scope="web"))
    assert first.total > 0 and first.suggestion is None  # no request waits for the vocabulary
    deadline = time.monotonic() + 60
    while os_backend._vocabulary.voc is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert os_backend.search(SearchRequest(q="bao ve tre em", scope="web")).suggestion == "bảo vệ trẻ em"


def test_cli_end_to_end(opensearch_url, tmp_path):
    alias = f"tracuu-test-{uuid.uuid4().hex[:10]}"
    base = ["--index-dir", str(tmp_path), "--backend", "opensearch", "--opensearch-url", opensearch_url,
            "--opensearch-index", alias]
    runner = CliRunner()
    try:
        assert runner.invoke(main, base + ["index", "-q", str(DOCUMENTS_JSONL)]).exit_code == 0
        found = runner.invoke(main, base + ["search", "87/2015/NĐ-CP", "--json"])
        assert found.exit_code == 0 and '"vb-87-2015"' in found.output
        assert runner.invoke(main, base + ["delete", "vb-87-2015"]).exit_code == 0
        assert runner.invoke(main, base + ["reindex", "-q"]).exit_code == 0
        stats = runner.invoke(main, base + ["stats", "--json"])
        assert stats.exit_code == 0 and '"documents": 11' in stats.output
        assert runner.invoke(main, base + ["check"]).exit_code == 0
    finally:
        from opensearchpy import OpenSearch

        OpenSearch(hosts=[opensearch_url]).indices.delete(index=f"{alias}-*", ignore_unavailable=True,
                                                          allow_no_indices=True)


def test_web_app_on_opensearch_serves_the_page(opensearch_url, tmp_path, os_backend):
    from webapp import create_app

    os_backend.index_documents(read_source(str(DOCUMENTS_JSONL)))
    client = create_app(app_config(os_backend, TESTING=True, RATE_LIMIT="")).test_client()
    page = client.get("/?q=bao ve tre em&scope=web")
    assert page.status_code == 200 and "<mark>" in page.get_data(as_text=True)
    first = client.get("/api/search?q=kết hôn")
    assert client.get("/api/search?q=kết hôn", headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
