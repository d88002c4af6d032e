"""The per-process search result cache: repeated requests are answered from it, never stale.

Real Whoosh indexes in tmp folders; freshness is checked after an incremental commit, a
delete and a full rebuild (new generation), and the cache stays within its bound.
"""

from __future__ import annotations

import json
import threading
import time

import pytest

from helpers.corpus import DEPT_SITE, DOCUMENTS_JSONL, index_source
from indexer import IndexStore, SearchRequest, WhooshBackend
from indexer.search.cache import SearchCache, request_key


def _write_jsonl(path, records):
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n", encoding="utf-8")
    return path


NEW_ARTICLE = {"id": "moi-001", "site": DEPT_SITE, "title": "Khai trương bến phà Cẩm Kim mới",
               "text": "Bến phà Cẩm Kim được khai trương phục vụ người dân đi lại an toàn."}


@pytest.fixture()
def home(tmp_path):
    root = tmp_path / "index"
    index_source(root, DOCUMENTS_JSONL)
    return root


@pytest.fixture()
def service(home):
    return WhooshBackend(IndexStore(home), default_site=DEPT_SITE)


def _ids(result):
    return [hit.id for hit in result.results]


def test_repeated_request_is_answered_from_the_cache(service):
    req = SearchRequest(q="bảo vệ trẻ em")
    first = service.search(req)
    assert first.total > 0 and service.cache.stats()["misses"] == 1
    second = service.search(SearchRequest(q="bảo vệ trẻ em"))
    assert service.cache.stats()["hits"] == 1
    assert _ids(second) == _ids(first) and second.facets == first.facets
    assert second.results[0].snippet == first.results[0].snippet


def test_every_request_field_is_part_of_the_key(service):
    service.search(SearchRequest(q="trẻ em"))
    other = [SearchRequest(q="trẻ em", page=2, per_page=1), SearchRequest(q="trẻ em", scope="web"),
             SearchRequest(q="trẻ em", sort="newest"), SearchRequest(q="trẻ em", kind="legal"),
             SearchRequest(q="tre em")]
    for req in other:
        service.search(req)
    assert service.cache.stats()["hits"] == 0
    assert len({request_key(r) for r in other}) == len(other)


def test_a_caller_changing_a_result_does_not_change_the_cache(service):
    first = service.search(SearchRequest(q="bảo vệ trẻ em"))
    expected = _ids(first)
    first.results.clear()
    first.total = -1
    again = service.search(SearchRequest(q="bảo vệ trẻ em"))
    assert _ids(again) == expected and again.total > 0


def test_fresh_after_an_incremental_commit(service, home, tmp_path):
    assert service.search(SearchRequest(q="bến phà Cẩm Kim")).total == 0
    assert service.search(SearchRequest(q="bến phà Cẩm Kim")).total == 0  # now cached
    index_source(home, _write_jsonl(tmp_path / "new.jsonl", [NEW_ARTICLE]))
    result = service.search(SearchRequest(q="bến phà Cẩm Kim"))
    assert _ids(result) == ["moi-001"]


def test_fresh_after_a_delete(service, home):
    from indexer import delete_documents

    before = service.search(SearchRequest(q="bảo vệ trẻ em"))
    gone = before.results[0].id
    service.search(SearchRequest(q="bảo vệ trẻ em"))
    assert delete_documents(IndexStore(home), [gone]) == []
    after = service.search(SearchRequest(q="bảo vệ trẻ em"))
    assert gone not in _ids(after) and after.total == before.total - 1


def test_fresh_after_a_full_rebuild(service, home, tmp_path):
    from indexer.engines.whoosh.writing import reindex

    store = IndexStore(home)
    old_generation = store.generation()
    assert service.search(SearchRequest(q="bến phà Cẩm Kim")).total == 0
    # Generation names carry the second and the pid: a rebuild in the same second as the
    # first index would reuse the name (indexer.engines.whoosh.store), so let the clock move on.
    time.sleep(1.1)
    reindex(store, sources=[_write_jsonl(tmp_path / "only.jsonl", [NEW_ARTICLE])])
    assert store.generation() != old_generation
    assert _ids(service.search(SearchRequest(q="bến phà Cẩm Kim"))) == ["moi-001"]


def test_cache_is_bounded(home):
    service = WhooshBackend(IndexStore(home), default_site=DEPT_SITE, cache_size=3)
    for q in ("trẻ em", "việc làm", "bảo hiểm", "giới", "Tam Kỳ", "lao động"):
        service.search(SearchRequest(q=q))
    assert len(service.cache) == 3
    service.search(SearchRequest(q="lao động"))  # the most recent stays
    assert service.cache.stats()["hits"] == 1


def test_size_zero_turns_the_cache_off(home):
    service = WhooshBackend(IndexStore(home), default_site=DEPT_SITE, cache_size=0)
    a = service.search(SearchRequest(q="trẻ em"))
    b = service.search(SearchRequest(q="trẻ em"))
    assert _ids(a) == _ids(b) and len(service.cache) == 0 and service.cache.stats()["hits"] == 0


def test_incomplete_results_are_not_kept():
    cache = SearchCache(4)
    calls = []

    def compute():
        calls.append(1)
        return {"partial": True}

    for _ in range(2):
        cache.get_or_compute("v1", "k", compute, keep=lambda r: not r["partial"])
    assert len(calls) == 2 and len(cache) == 0


def test_a_new_version_drops_older_entries():
    cache = SearchCache(8)
    cache.get_or_compute("v1", "a", lambda: [1])
    cache.get_or_compute("v1", "b", lambda: [2])
    assert len(cache) == 2
    assert cache.get_or_compute("v2", "a", lambda: [3]) == [3]
    assert len(cache) == 1


def test_safe_between_threads(service):
    queries = ["trẻ em", "việc làm", "bảo hiểm xã hội", "bình đẳng giới"]
    expected = {q: _ids(WhooshBackend(service.store, default_site=DEPT_SITE, cache_size=0)
                        .search(SearchRequest(q=q))) for q in queries}
    errors = []

    def worker():
        try:
            for _ in range(5):
                for q in queries:
                    assert _ids(service.search(SearchRequest(q=q))) == expected[q]
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and service.cache.stats()["hits"] > 0


def test_the_web_app_sizes_the_cache_from_its_config(home):
    from webapp import create_app

    app = create_app({"INDEX_DIR": str(home), "DEFAULT_SITE": DEPT_SITE, "TESTING": True, "RATE_LIMIT": "",
                      "SEARCH_CACHE_SIZE": 5})
    assert app.extensions["tracuu.search"].cache.maxsize == 5
    client = app.test_client()
    for _ in range(2):
        assert client.get("/api/search?q=tr%E1%BA%BB+em").status_code == 200
    assert app.extensions["tracuu.search"].cache.stats()["hits"] == 1


def test_serve_warms_up_before_forking(home, tmp_path):
    """`tracuu serve` builds the vocabulary in the master, so forked workers find it ready."""
    from webapp import create_app
    from webapp.server import warm_up

    app = create_app({"INDEX_DIR": str(home), "RATE_LIMIT": ""})
    backend = app.extensions["tracuu.search"]
    assert backend._vocabulary.voc is None
    warm_up(app)
    # What a forked worker finds: the vocabulary of the live index version, ready.
    assert backend._vocabulary.version == backend.index_version() and backend._vocabulary.voc is not None
    warm_up(create_app({"INDEX_DIR": str(tmp_path / "empty"), "RATE_LIMIT": ""}))  # no index yet: no error
