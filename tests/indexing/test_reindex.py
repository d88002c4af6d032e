"""Full rebuilds: a new generation beside the live one, an atomic switch, and nothing lost when killed."""

from __future__ import annotations

import json
import threading

import pytest
from click.testing import CliRunner

from indexer import IndexLocked, IndexStore, SearchRequest, WhooshBackend, index_documents
from indexer.crawl import CrawlState, Fetcher, state_path
from indexer.document import Document
from indexer.sources.sites import load_sites
from indexer.engines.whoosh.stats import check_index
from indexer.engines.whoosh.writing import crawl, reindex
from site_server import SiteServer, copy_site, sites_toml

WAIT = 60


def doc(doc_id, title, body, site="sldtbxh"):
    return Document(id=doc_id, title=title, body=body, site=site)


@pytest.fixture()
def store(tmp_path):
    store = IndexStore(tmp_path / "home")
    index_documents(store, [
        doc("a", "Chi trả trợ cấp thất nghiệp tháng 3", "Người lao động nhận trợ cấp thất nghiệp tại bưu điện."),
        doc("b", "Tuyển sinh giáo dục nghề nghiệp", "Các trường nghề tuyển sinh năm học mới."),
        doc("c", "Hỗ trợ doanh nghiệp chuyển đổi số", "Sở Thông tin và Truyền thông hỗ trợ doanh nghiệp.", site="stttt"),
    ])
    return store


def titles(store, q, searcher_service=None):
    service = searcher_service or WhooshBackend(store)
    return sorted(h.title for h in service.search(SearchRequest(q=q, scope="web")).results)


def write_jsonl(path, records):
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n", encoding="utf-8")
    return path


def test_reindex_from_a_source_replaces_its_site_and_keeps_the_others(store, tmp_path):
    old = store.generation()
    source = write_jsonl(tmp_path / "sldtbxh.jsonl", [
        {"id": "a2", "site": "sldtbxh", "title": "Chi trả trợ cấp thất nghiệp tháng 4", "text": "Bản mới của thông báo."},
    ])
    report = reindex(store, [source])
    assert report.from_sources == 1 and report.copied == 1 and report.documents == 2
    assert store.generation() != old and store.generation() == report.generation
    assert store.previous() == old and (store.root / old).is_dir()  # kept for searchers still open on it
    assert titles(store, "trợ cấp thất nghiệp") == ["Chi trả trợ cấp thất nghiệp tháng 4"]
    assert titles(store, "chuyển đổi số") == ["Hỗ trợ doanh nghiệp chuyển đổi số"]  # other site copied
    assert titles(store, "tuyển sinh nghề") == []  # its site was rebuilt from the source only


def test_reindex_without_targets_reanalyzes_everything(store):
    before = titles(store, "trợ cấp thất nghiệp")
    report = reindex(store)
    assert report.copied == 3 and report.documents == 3
    assert titles(store, "trợ cấp thất nghiệp") == before
    assert titles(store, "tro cap that nghiep") == before


def test_a_searcher_open_on_the_old_generation_keeps_working(store):
    ix = store.open()
    searcher = ix.searcher()
    try:
        reindex(store)
        reindex(store)  # the generation the searcher reads is now neither live nor previous
        stored = [f["id"] for f in searcher.all_stored_fields()]
        assert sorted(stored) == ["a", "b", "c"]
    finally:
        searcher.close()
        ix.close()
    assert len(list(store.root.glob("gen-*"))) == 2  # live and previous only


def test_failed_rebuild_leaves_the_live_index_and_no_leftovers(store):
    live = store.generation()

    def explode(document):
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        reindex(store, on_document=explode)
    assert store.generation() == live
    assert titles(store, "trợ cấp thất nghiệp") == ["Chi trả trợ cấp thất nghiệp tháng 3"]
    assert store.orphans() == []


def test_leftovers_of_a_killed_rebuild_are_reported_and_cleaned_by_the_next(store):
    leftover = store.root / "gen-20000101-000000-99999"
    leftover.mkdir()
    (leftover / "_tracuu_1.toc").write_bytes(b"half written")
    result = check_index(store)
    assert not result["ok"] and "gen-20000101-000000-99999" in result["problems"][0]
    report = reindex(store)
    assert report.removed_orphans == [leftover.name] and not leftover.exists()
    assert check_index(store)["ok"]


def test_reindex_while_locked_names_the_holder(store):
    held, release = threading.Event(), threading.Event()

    def holder():
        with store.write_lock("crawl sldtbxh"):
            held.set()
            release.wait(WAIT)

    thread = threading.Thread(target=holder, daemon=True)
    thread.start()
    try:
        assert held.wait(WAIT)
        with pytest.raises(IndexLocked, match=r"`tracuu crawl sldtbxh` \(pid \d+ trên máy .+, từ "):
            reindex(store)
        assert store.orphans() == []
    finally:
        release.set()
        thread.join(WAIT)


def test_reindex_a_crawled_site_replaces_its_crawl_state(tmp_path):
    store = IndexStore(tmp_path / "home")
    with SiteServer(copy_site(tmp_path)) as server:
        path = tmp_path / "sites.toml"
        path.write_text(sites_toml(server.base, extra='articles = ["/tin-tuc/*.html"]\nnotices = ["/van-ban/chi-tiet-*"]\n'),
                        encoding="utf-8")
        site = load_sites(path)["sldtbxh"]
        crawl(store, site, fetcher=Fetcher(rate=50, retries=1, backoff=0.01))
        index_documents(store, [doc("x", "Tin của một sở khác", "Nội dung khác.", site="stttt")])
        server.delete("van-ban/chi-tiet-38-2019.html")
        report = reindex(store, sites=[site])
    assert report.from_crawls == 7 and report.copied == 1
    state = CrawlState(state_path(store.root, "sldtbxh"))
    try:
        assert state.summary()["documents"] == 7
    finally:
        state.close()
    assert not list((store.root / "crawl").glob("*.rebuild*"))
    assert check_index(store)["ok"]


def test_cli_reindex_json(store, tmp_path):
    from cli import main

    result = CliRunner().invoke(main, ["--index-dir", str(store.root), "reindex", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["documents"] == 3 and summary["generation"] == store.generation()
    result = CliRunner().invoke(main, ["--index-dir", str(store.root), "reindex", "nothing-like-this"])
    assert result.exit_code == 1 and "không phải mã trang đã cấu hình" in result.stderr


def test_a_site_that_is_down_does_not_replace_its_documents(tmp_path):
    from indexer import StoreError

    store = IndexStore(tmp_path / "home")
    with SiteServer(copy_site(tmp_path)) as server:
        path = tmp_path / "sites.toml"
        path.write_text(sites_toml(server.base), encoding="utf-8")
        site = load_sites(path)["sldtbxh"]
        crawl(store, site, fetcher=Fetcher(rate=50, retries=1, backoff=0.01))
        live, before = store.generation(), titles(store, "bảo hiểm xã hội")
        assert before
        server.forced["/robots.txt"] = (503, "")
        with pytest.raises(StoreError, match="không xong.*robots.txt.*chỉ mục đang dùng không thay đổi"):
            reindex(store, sites=[site])
        site.max_pages = 3
        server.forced.clear()
        with pytest.raises(StoreError, match="max_pages=3"):
            reindex(store, sites=[site])
    assert store.generation() == live and titles(store, "bảo hiểm xã hội") == before
    assert store.orphans() == [] and not list((store.root / "crawl").glob("*.rebuild*"))
