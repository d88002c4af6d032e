"""The write queue and its applier on a real Whoosh index: order, batches, the one applier,
interrupted tasks applied again, writes during a full rebuild landing in the new generation."""

from __future__ import annotations

import pytest

from helpers.corpus import DEPT_SITE, DOCUMENTS_JSONL, OTHER_SITE


def _doc(doc_id, title, site=DEPT_SITE, **fields):
    from indexer.document import Document
    from indexer.sources.pushed import document_to_json

    return document_to_json(Document(id=doc_id, title=title, site=site, **fields))


def _push(queue, *docs, key_id=None):
    return queue.submit("documents", docs[0]["site"], {"documents": list(docs)}, key_id,
                        sites={d["site"] for d in docs}, received=len(docs), size=len(docs))


@pytest.fixture()
def home(tmp_path):
    from helpers.corpus import index_source

    assert index_source(tmp_path, DOCUMENTS_JSONL).indexed == 12
    return tmp_path


@pytest.fixture()
def backend(home):
    from indexer import IndexStore, WhooshBackend

    return WhooshBackend(IndexStore(home), default_site=DEPT_SITE)


def _ids(backend, q) -> set[str]:
    from indexer import SearchRequest

    result = backend.search(SearchRequest(q=q, scope="web"))
    return set() if result.relaxed else {hit.id for hit in result.results}


def test_tasks_are_stored_before_they_are_answered(home):
    from indexer.tasks import TaskQueue

    task = _push(TaskQueue(home), _doc("q-1", "Thông báo tuyển dụng viên chức"))
    again = TaskQueue(home).get(task.id)  # another process would read the same
    assert again.status == "queued" and again.counts["received"] == 1 and again.site == DEPT_SITE
    assert again.to_dict()["submitted"] == task.to_dict()["submitted"]
    assert TaskQueue(home).recent(site=DEPT_SITE)[0].id == task.id
    assert TaskQueue(home).recent(site=OTHER_SITE) == []
    assert TaskQueue(home).status_counts()["queued"] == 1


def test_batches_keep_the_order_and_take_crawls_alone(home):
    from indexer.tasks import TaskQueue

    queue = TaskQueue(home)
    first = _push(queue, _doc("b-1", "Một"), _doc("b-2", "Hai"))
    second = queue.submit("delete", DEPT_SITE, {"ids": ["b-1"]}, size=1)
    crawl = queue.submit("crawl", DEPT_SITE, {"site": DEPT_SITE})
    last = _push(queue, _doc("b-3", "Ba"))
    assert [t.id for t, _ in queue.pending(max_size=5000)] == [first.id, second.id]
    assert [t.id for t, _ in queue.pending()] == [first.id, second.id]  # taken again until finished
    batch = queue.pending(max_size=2)
    assert [t.id for t, _ in batch] == [first.id]  # the size limit (at least one task)
    assert queue.get(first.id).status == "processing"
    queue.requeue([t for t, _ in batch])
    assert queue.get(first.id).status == "queued"
    for task, _ in queue.pending():
        task.status = "succeeded"
        queue.finish([task])
    assert [t.id for t, _ in queue.pending()] == [crawl.id]
    crawl_task = queue.pending()[0][0]
    crawl_task.status = "failed"
    queue.finish([crawl_task])
    assert [t.id for t, _ in queue.pending()] == [last.id]


def test_the_applier_applies_in_order(home, backend):
    from indexer.apply import Applier
    from indexer.tasks import TaskQueue

    queue = TaskQueue(home)
    tasks = [
        _push(queue, _doc("o-1", "Kế hoạch phòng chống thiên tai năm nay")),
        queue.submit("delete", DEPT_SITE, {"ids": ["o-1", "khong-co"]}, size=2),
        _push(queue, _doc("o-1", "Kế hoạch phòng chống lụt bão mùa mưa"), _doc("o-2", "Kế hoạch phòng chống lụt bão")),
    ]
    assert Applier(backend, queue).apply_pending() == 3
    done = [queue.get(t.id) for t in tasks]
    assert [t.status for t in done] == ["succeeded"] * 3
    assert done[0].counts["indexed"] == 1 and done[2].counts["indexed"] == 2
    assert done[1].counts["deleted"] == 1
    assert done[1].problems == [{"line": None, "position": None, "id": "khong-co", "message": "không có trong chỉ mục",
                                 "skipped": True}]
    assert _ids(backend, "phòng chống lụt bão") == {"o-1", "o-2"}
    assert _ids(backend, "phòng chống thiên tai") == set()
    assert queue.pending() == []


def test_an_interrupted_task_is_applied_again_by_the_next_applier(home, backend):
    from indexer.apply import Applier
    from indexer.tasks import TaskQueue

    queue = TaskQueue(home)
    task = _push(queue, _doc("i-1", "Hướng dẫn quyết toán thuế thu nhập cá nhân"))
    assert queue.pending()[0][0].id == task.id  # taken, then the process dies before the commit
    assert TaskQueue(home).get(task.id).status == "processing"
    assert Applier(backend, TaskQueue(home)).apply_pending() == 1  # a new process
    assert TaskQueue(home).get(task.id).status == "succeeded"
    assert _ids(backend, "quyết toán thuế thu nhập cá nhân") == {"i-1"}


def test_one_applier_at_a_time(home):
    from indexer.tasks import TaskQueue

    with TaskQueue(home).applier_lock() as first:
        with TaskQueue(home).applier_lock() as second:
            assert first and not second
    with TaskQueue(home).applier_lock() as again:
        assert again  # released with its holder


def test_writes_during_a_full_rebuild_land_in_the_new_generation(home, backend):
    from indexer import IndexLocked
    from indexer.apply import Applier
    from indexer.tasks import TaskQueue

    queue = TaskQueue(home)
    applier = Applier(backend, queue)
    before = backend.store.generation()
    submitted = []

    def during_rebuild(doc):
        if not submitted:  # the rebuild holds the write lock: the task waits
            submitted.append(_push(queue, _doc("r-1", "Thông báo mời thầu gói xây lắp trường học")))
            with pytest.raises(IndexLocked):
                applier.apply_pending()
            assert queue.get(submitted[0].id).status == "queued"

    report = backend.reindex(on_document=during_rebuild)
    assert report.documents == 12 and backend.store.generation() != before
    assert applier.apply_pending() == 1
    assert queue.get(submitted[0].id).status == "succeeded"
    assert _ids(backend, "mời thầu gói xây lắp trường học") == {"r-1"}
    assert backend.store.generation() == report.generation


def test_a_site_key_delete_is_checked_again_when_applied(home, backend):
    from indexer.apply import Applier
    from indexer.tasks import TaskQueue

    queue = TaskQueue(home)
    task = queue.submit("delete", DEPT_SITE, {"ids": ["tin-006"], "sites": [DEPT_SITE]}, size=1)  # tin-006: stttt
    Applier(backend, queue).apply_pending()
    done = queue.get(task.id)
    assert done.status == "succeeded" and done.counts["deleted"] == 0
    assert "không được ghi" in done.problems[0]["message"]
    assert backend.stored("tin-006")["site"] == OTHER_SITE


def test_a_crawl_of_an_unknown_site_fails_with_a_reason(home, backend):
    from indexer.apply import Applier
    from indexer.tasks import TaskQueue

    queue = TaskQueue(home)
    task = queue.submit("crawl", "khong-co", {"site": "khong-co"})
    Applier(backend, queue, sites=dict).apply_pending()
    done = queue.get(task.id)
    assert done.status == "failed" and "khong-co" in done.error and done.finished is not None


def test_pushed_bodies_read_like_jsonl_exports():
    from indexer.sources.pushed import BodyError, read_pushed

    body = b'{"id": "a", "title": "Mot"}\n\n{"id": "a", "title": "Hai"}\n[1]\n'
    pushed = read_pushed(body, "so-a")
    assert [d.title for d in pushed.documents] == ["Mot", "Hai"] and pushed.received == 3
    assert [(p["line"], p["skipped"]) for p in pushed.problems] == [(3, False), (4, True)]
    assert pushed.problems[0]["message"] == "id 'a' bị trùng (lần đầu ở dòng 1); bản ghi này thay bản trước"
    assert pushed.problems[1]["message"] == "cần một đối tượng JSON, nhận được list"
    single = read_pushed('{"id": "b", "text": "Dòng đầu\\nthân bài"}'.encode(), "so-a")
    assert single.documents[0].title == "Dòng đầu" and single.problems[0]["line"] is None
    assert read_pushed(b'[{"id": "c", "title": "x"}]', None).problems[0]["message"].startswith("thiếu site")
    for bad in (b"", b"\xff\xfe", b"{", b'"text"'):
        with pytest.raises(BodyError):
            read_pushed(bad, "so-a")
