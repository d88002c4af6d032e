"""SQLite files in the index home (query log, keys, tasks, admin sessions): one connection per
thread and process, WAL so readers never wait for the writer."""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path


class HomeDatabase:
    """Calling it gives this thread's connection to ``path``, made on first use with ``schema``.

    A connection is never reused across a fork (a gunicorn worker gets its own). ``durable``:
    every commit is synced to disk before it returns (``synchronous=FULL``), for what must
    survive a crash once acknowledged.
    """

    def __init__(self, path, schema: str, timeout: float = 5.0, durable: bool = False):
        self.path = Path(path)
        self.schema = schema
        self.timeout = timeout
        self.durable = durable
        self._local = threading.local()

    def __call__(self) -> sqlite3.Connection:
        local = self._local
        db = getattr(local, "db", None)
        if db is None or local.pid != os.getpid():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, isolation_level=None, timeout=self.timeout)
            db.execute("PRAGMA journal_mode=WAL")
            if self.durable:
                db.execute("PRAGMA synchronous=FULL")
            db.executescript(self.schema)
            local.db, local.pid = db, os.getpid()
        return db
