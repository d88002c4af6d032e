"""One writer at a time on an OpenSearch index, as with Whoosh's write.lock.

The lock is a document (``writer``) in a small index beside the alias (``<alias>-lock``), created
with ``op_type=create`` so only one writer gets it, naming who holds it. A process that dies
cannot release it, so it is a lease: it expires ``LEASE`` seconds after its last renewal (every
bulk batch renews it), and a writer finding an expired lease takes it over with optimistic
concurrency (``if_seq_no``/``if_primary_term``), so two of them never both win.
"""

from __future__ import annotations

import json
import os
import socket
import time
from contextlib import contextmanager
from datetime import datetime

from ..store import IndexLocked

LEASE = 600.0  # seconds a writer holds the lock without renewing it
LOCK_ID = "writer"


def lock_index(backend) -> str:
    return f"{backend.alias}-lock"


def _holder(purpose: str) -> dict:
    return {"pid": os.getpid(), "host": socket.gethostname(), "purpose": purpose,
            "since": datetime.now().isoformat(timespec="seconds"), "expires": time.time() + LEASE}


def _describe(doc: dict) -> str:
    try:
        return (f"`tracuu {doc['purpose']}` (pid {doc['pid']} on {doc['host']}, since {doc['since']}; "
                f"its lease ends {datetime.fromtimestamp(doc['expires']).isoformat(timespec='seconds')} "
                "unless it goes on writing)")
    except (KeyError, TypeError, ValueError, OverflowError):
        return "another process"


class WriterLock:
    def __init__(self, backend, purpose: str):
        self.backend = backend
        self.index = lock_index(backend)
        self.body = _holder(purpose)
        self.seq = None

    def acquire(self) -> None:
        from opensearchpy import exceptions as oe

        with self.backend.conn.guarded("taking the writer lock") as client:
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
                pass
            current = client.get(index=self.index, id=LOCK_ID)
            held = current["_source"]
            if float(held.get("expires", 0)) > time.time():
                raise IndexLocked(f"the OpenSearch index {self.backend.alias} is being written by {_describe(held)}")
            try:  # an expired lease (a writer that died): take it over, unless someone else just did
                self._write(client, if_seq_no=current["_seq_no"], if_primary_term=current["_primary_term"])
            except oe.ConflictError:
                raise IndexLocked(f"the OpenSearch index {self.backend.alias} is being written by another "
                                  "process (it took over an expired lock just now)") from None

    def _write(self, client, **kwargs) -> None:
        response = client.index(index=self.index, id=LOCK_ID, body=self.body, refresh="true", **kwargs)
        self.seq = (response["_seq_no"], response["_primary_term"])

    def renew(self) -> None:
        """Push the lease forward (called at every bulk batch); lost leases are not taken back."""
        from opensearchpy import exceptions as oe

        if self.seq is None or time.time() + LEASE - self.body["expires"] < LEASE / 10:
            return
        self.body["expires"] = time.time() + LEASE
        with self.backend.conn.guarded("renewing the writer lock") as client:
            try:
                self._write(client, if_seq_no=self.seq[0], if_primary_term=self.seq[1])
            except oe.ConflictError:
                raise IndexLocked("the writer lock was taken over by another process after its lease "
                                  f"ran out ({json.dumps(self.body['purpose'])} stopped)") from None

    def release(self) -> None:
        from opensearchpy import exceptions as oe

        if self.seq is None:
            return
        try:
            with self.backend.conn.guarded("releasing the writer lock") as client:
                client.delete(index=self.index, id=LOCK_ID, if_seq_no=self.seq[0], if_primary_term=self.seq[1],
                              refresh="true")
        except oe.NotFoundError:
            pass
        except Exception:  # noqa: BLE001 - never hide the error that ended the run; the lease expires
            pass
        self.seq = None


@contextmanager
def writer_lock(backend, purpose: str):
    """Hold the writer lock of ``backend``'s index for the block; fail at once with who holds it."""
    lock = WriterLock(backend, purpose)
    lock.acquire()
    backend.writer_lock = lock
    try:
        yield lock
    finally:
        backend.writer_lock = None
        lock.release()
