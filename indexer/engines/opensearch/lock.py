"""Writers of an OpenSearch index take turns, as with Whoosh's write.lock.

Rebuilds and crawls are exclusive; adding and deleting documents (``tracuu index``/``delete``)
may run in several processes at once (bulk requests are safe together, and a big load is
spread that way) but never during an exclusive writer. The locks are documents in a small index
beside the alias (``<alias>-lock``): ``writer`` for the exclusive one, created with
``op_type=create`` so only one process gets it, and one ``shared-<id>`` per shared writer. Each
takes its own document and then checks for the other kind, so of two that start together at
least one sees the other and gives way. A process that dies cannot release its document, so each
is a lease: it expires ``LEASE`` seconds after its last renewal (every bulk batch renews it), and
an expired ``writer`` is taken over with optimistic concurrency (``if_seq_no``), never by two.
"""

from __future__ import annotations

import json
import os
import socket
import time
import uuid
from contextlib import contextmanager
from datetime import datetime

from ...errors import IndexLocked

LEASE = 600.0  # seconds a writer holds the lock without renewing it
LOCK_ID = "writer"


def lock_index(backend) -> str:
    return f"{backend.alias}-lock"


def _holder(purpose: str) -> dict:
    return {"pid": os.getpid(), "host": socket.gethostname(), "purpose": purpose,
            "since": datetime.now().isoformat(timespec="seconds"), "expires": time.time() + LEASE}


def _describe(doc: dict) -> str:
    try:
        return (f"`tracuu {doc['purpose']}` (pid {doc['pid']} trên máy {doc['host']}, từ {doc['since']}; "
                f"quyền ghi hết hạn lúc {datetime.fromtimestamp(doc['expires']).isoformat(timespec='seconds')} "
                "nếu nó không ghi tiếp)")
    except (KeyError, TypeError, ValueError, OverflowError):
        return "một tiến trình khác"


class WriterLock:
    def __init__(self, backend, purpose: str, shared: bool = False):
        self.backend = backend
        self.index = lock_index(backend)
        self.body = _holder(purpose)
        self.shared = shared
        self.doc_id = f"shared-{uuid.uuid4().hex}" if shared else LOCK_ID
        self.seq = None

    def _held(self, client, exclusive: bool) -> list[dict]:
        """Unexpired lock documents of the other kind (the exclusive one, or the shared ones)."""
        from opensearchpy import exceptions as oe

        if exclusive:
            try:
                docs = [client.get(index=self.index, id=LOCK_ID)["_source"]]
            except oe.NotFoundError:
                return []
        else:
            hits = client.search(index=self.index, body={"size": 100, "query": {"match_all": {}}})["hits"]["hits"]
            docs = [h["_source"] for h in hits if h["_id"].startswith("shared-") and h["_id"] != self.doc_id]
        return [d for d in docs if float(d.get("expires", 0)) > time.time()]

    def acquire(self) -> None:
        self._acquire()
        with self.backend.conn.guarded("lấy khóa ghi") as client:
            others = self._held(client, exclusive=self.shared)
        if others:
            self.release()
            raise IndexLocked(f"chỉ mục OpenSearch {self.backend.alias} đang được ghi bởi {_describe(others[0])}")

    def _acquire(self) -> None:
        from opensearchpy import exceptions as oe

        with self.backend.conn.guarded("lấy khóa ghi") as client:
            if not client.indices.exists(index=self.index):
                try:
                    client.indices.create(index=self.index, body={"settings": {
                        "index": {"number_of_shards": 1, "auto_expand_replicas": "0-all"}},
                        "mappings": {"dynamic": False, "properties": {}}})
                except oe.RequestError:
                    pass  # created meanwhile by another writer
            try:
                self._write(client, op_type="create")
                return
            except oe.ConflictError:
                if self.shared:  # a shared id clashing: not a lock held by anyone
                    raise IndexLocked("không lấy được khóa ghi; hãy thử lại") from None
            current = client.get(index=self.index, id=LOCK_ID)
            held = current["_source"]
            if float(held.get("expires", 0)) > time.time():
                raise IndexLocked(f"chỉ mục OpenSearch {self.backend.alias} đang được ghi bởi {_describe(held)}")
            try:  # an expired lease (a writer that died): take it over, unless someone else just did
                self._write(client, if_seq_no=current["_seq_no"], if_primary_term=current["_primary_term"])
            except oe.ConflictError:
                raise IndexLocked(f"chỉ mục OpenSearch {self.backend.alias} đang được ghi bởi một tiến trình "
                                  "khác (nó vừa nhận lại một khóa ghi đã hết hạn)") from None

    def _write(self, client, **kwargs) -> None:
        response = client.index(index=self.index, id=self.doc_id, body=self.body, refresh="true", **kwargs)
        self.seq = (response["_seq_no"], response["_primary_term"])

    def renew(self) -> None:
        """Push the lease forward (called at every bulk batch); lost leases are not taken back."""
        from opensearchpy import exceptions as oe

        if self.seq is None or time.time() + LEASE - self.body["expires"] < LEASE / 10:
            return
        self.body["expires"] = time.time() + LEASE
        with self.backend.conn.guarded("gia hạn khóa ghi") as client:
            try:
                self._write(client, if_seq_no=self.seq[0], if_primary_term=self.seq[1])
            except oe.ConflictError:
                raise IndexLocked("khóa ghi đã bị một tiến trình khác nhận lại sau khi hết hạn "
                                  f"({json.dumps(self.body['purpose'], ensure_ascii=False)} đã dừng)") from None

    def release(self) -> None:
        from opensearchpy import exceptions as oe

        if self.seq is None:
            return
        try:
            with self.backend.conn.guarded("trả khóa ghi") as client:
                client.delete(index=self.index, id=self.doc_id, if_seq_no=self.seq[0], if_primary_term=self.seq[1],
                              refresh="true")
        except oe.NotFoundError:
            pass
        except Exception:  # noqa: BLE001 - never hide the error that ended the run; the lease expires
            pass
        self.seq = None


@contextmanager
def writer_lock(backend, purpose: str, shared: bool = False):
    """Hold a writer lock of ``backend``'s index for the block (exclusive, or ``shared`` with other
    shared writers); fail at once with who holds the lock in the way."""
    lock = WriterLock(backend, purpose, shared)
    lock.acquire()
    backend.writer_lock = lock
    try:
        yield lock
    finally:
        backend.writer_lock = None
        lock.release()
