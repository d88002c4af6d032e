"""The index home: one writer at a time, and a failed batch never half-written."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading

import pytest

from indexer import (
    IndexLocked, IndexMissing, IndexStore, SearchRequest, WhooshBackend, StoreError, delete_documents,
    index_documents,
)
from indexer.document import Document

WAIT = 60  # seconds; a bound for waits on helper threads and processes, never a timing assertion


def doc(doc_id, title, body="", site="s"):
    return Document(id=doc_id, title=title, body=body, site=site)


@pytest.fixture()
def store(tmp_path):
    store = IndexStore(tmp_path / "home")
    report = index_documents(store, [
        doc("a", "Hỗ trợ người lao động mất việc làm", "Người lao động mất việc làm được hỗ trợ."),
        doc("b", "Tuyển sinh giáo dục nghề nghiệp", "Các trường nghề tuyển sinh năm học mới."),
    ])
    assert report.indexed == 2
    return store


def total(store, q):
    return WhooshBackend(store).search(SearchRequest(q=q, scope="web")).total


def test_missing_index_is_reported(tmp_path):
    store = IndexStore(tmp_path / "nothing")
    assert store.generation() is None
    with pytest.raises(IndexMissing):
        store.open()
    with pytest.raises(IndexMissing):
        WhooshBackend(store).search(SearchRequest(q="trẻ em", scope="web"))
    assert issubclass(IndexLocked, StoreError) and issubclass(IndexMissing, StoreError)


def test_second_writer_in_another_thread_gets_index_locked(store):
    held, release = threading.Event(), threading.Event()
    errors = []

    def holder():
        try:
            with store.write_lock("index"):
                held.set()
                release.wait(WAIT)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
            held.set()

    thread = threading.Thread(target=holder, daemon=True)
    thread.start()
    try:
        assert held.wait(WAIT) and not errors
        with pytest.raises(IndexLocked) as info:
            index_documents(store, [doc("c", "Chăm sóc người cao tuổi")])
        message = str(info.value)
        assert "tracuu index" in message
        assert f"pid {os.getpid()}" in message
        assert str(store.root) in message
        with pytest.raises(IndexLocked):
            delete_documents(store, ["a"])
    finally:
        release.set()
        thread.join(WAIT)
    assert not errors
    # Nothing was written while locked; once released, writing works again.
    assert total(store, "cao tuổi") == 0
    assert total(store, "mất việc làm") == 1
    index_documents(store, [doc("c", "Chăm sóc người cao tuổi")])
    assert total(store, "cao tuổi") == 1


HOLD_LOCK = textwrap.dedent("""
    import sys
    from indexer import IndexStore
    with IndexStore(sys.argv[1]).write_lock("rebuild"):
        print("locked", flush=True)
        sys.stdin.read()  # hold until the test closes our stdin
""")


def test_second_writer_while_another_process_holds_the_lock(store):
    proc = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(store.root)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line.strip() == "locked", proc.stderr.read() if proc.poll() is not None else line
        with pytest.raises(IndexLocked) as info:
            index_documents(store, [doc("c", "Chăm sóc người cao tuổi")])
        message = str(info.value)
        assert "tracuu rebuild" in message
        assert f"pid {proc.pid}" in message
    finally:
        proc.stdin.close()
        try:
            proc.wait(WAIT)
        except subprocess.TimeoutExpired:  # pragma: no cover
            proc.kill()
            proc.wait()
    # The lock died with its holder: writing works again.
    assert index_documents(store, [doc("c", "Chăm sóc người cao tuổi")]).indexed == 1


class Boom(RuntimeError):
    pass


def test_exception_in_the_middle_of_a_batch_commits_nothing(store):
    def items():
        yield doc("c", "Chăm sóc người cao tuổi", "Chăm sóc sức khỏe người cao tuổi tại cộng đồng.")
        yield doc("a", "Tiêu đề mới thay thế", "Nội dung mới thay thế bản cũ.")  # would replace "a"
        raise Boom("source broke half-way")

    with pytest.raises(Boom):
        index_documents(store, items())
    # The previous commit still serves, untouched.
    assert total(store, "mất việc làm") == 1
    assert total(store, "tuyển sinh") == 1
    # Nothing of the failed batch is visible.
    assert total(store, "cao tuổi") == 0
    assert total(store, "thay thế") == 0
    ix = store.open()
    try:
        assert ix.doc_count() == 2
    finally:
        ix.close()
    # And the lock was released.
    assert index_documents(store, [doc("d", "Phiên giao dịch việc làm")]).indexed == 1


def test_exception_in_the_first_batch_leaves_no_documents(tmp_path):
    store = IndexStore(tmp_path / "fresh")

    def items():
        yield doc("c", "Chăm sóc người cao tuổi")
        raise Boom("broken")

    with pytest.raises(Boom):
        index_documents(store, items())
    try:
        assert total(store, "cao tuổi") == 0
    except IndexMissing:
        pass  # no index at all is fine too
