"""The write queue: what clients pushed through the API, durable before it is answered.

A task is stored (``INDEX_DIR/tasks.sqlite``, WAL, ``synchronous=FULL``: fsynced at every
commit) before the client hears its id, so a queued task survives a crash of every process and is
applied after the restart. One applier at a time (``applier_lock``, an flock the kernel releases
when its process dies) takes queued tasks in the order they came, applies them through the
engine (``indexer.apply``), and only then marks them ``succeeded``: a task that says
``succeeded`` is in the committed index. A task found ``processing`` by a new applier was
interrupted and is applied again from the start (adding by id and deleting are idempotent).
"""

from __future__ import annotations

import fcntl
import json
import threading
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from .homedb import HomeDatabase

FILE = "tasks.sqlite"
LOCK = "tasks.lock"
KINDS = ("documents", "delete", "crawl")
STATUSES = ("queued", "processing", "succeeded", "failed")
KEEP_DAYS = 30  # finished tasks are forgotten after this many days
SCHEMA = """
CREATE TABLE IF NOT EXISTS tasks (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT UNIQUE NOT NULL, kind TEXT NOT NULL, site TEXT,
    sites TEXT NOT NULL, status TEXT NOT NULL, submitted TEXT NOT NULL, finished TEXT,
    counts TEXT NOT NULL, problems TEXT NOT NULL, key_id TEXT, error TEXT, size INTEGER NOT NULL,
    payload TEXT
);
CREATE INDEX IF NOT EXISTS tasks_status ON tasks(status, seq);
"""
_COLUMNS = "id, kind, site, sites, status, submitted, finished, counts, problems, key_id, error"


@dataclass
class Task:
    id: str
    kind: str  # one of KINDS
    site: str | None  # the one site the task writes; None when several (or every site)
    status: str  # one of STATUSES
    submitted: datetime
    finished: datetime | None = None
    counts: dict = field(default_factory=dict)  # received, indexed, deleted, problems
    problems: list[dict] = field(default_factory=list)  # {"line", "id", "message"} each
    key_id: str | None = None
    sites: tuple[str, ...] = ()  # every site the task writes
    error: str | None = None  # why a failed task failed (Vietnamese)

    def to_dict(self) -> dict:
        return {
            "id": self.id, "kind": self.kind, "site": self.site, "sites": list(self.sites), "status": self.status,
            "submitted": self.submitted.isoformat(timespec="milliseconds"),
            "finished": self.finished.isoformat(timespec="milliseconds") if self.finished else None,
            "counts": dict(self.counts), "problems": list(self.problems), "key_id": self.key_id,
            "error": self.error,
        }


def _task(row) -> Task:
    task_id, kind, site, sites, status, submitted, finished, counts, problems, key_id, error = row
    return Task(id=task_id, kind=kind, site=site, status=status, submitted=datetime.fromisoformat(submitted),
                finished=datetime.fromisoformat(finished) if finished else None, counts=json.loads(counts),
                problems=json.loads(problems), key_id=key_id, sites=tuple(json.loads(sites)), error=error)


class TaskQueue:
    """The tasks of one index home; safe to share between threads and processes."""

    def __init__(self, index_root):
        self.root = Path(index_root)
        self.path = self.root / FILE
        self._db = HomeDatabase(self.path, SCHEMA, timeout=30.0, durable=True)
        self.submitted = threading.Event()  # set by submit: wakes this process's applier at once


    @contextmanager
    def _transaction(self):
        db = self._db()
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def exists(self) -> bool:
        return self.path.exists()

    # -- clients ---------------------------------------------------------------------------------
    def submit(self, kind: str, site: str | None, payload: dict, key_id: str | None = None, *,
               sites=(), problems=(), received: int = 0, size: int = 0) -> Task:
        """Store a task (durably) and return it, ``queued``. ``size``: the documents or ids it
        writes (batches are cut by it); ``problems``: what was refused when it was read."""
        if kind not in KINDS:
            raise ValueError(f"unknown task kind {kind!r}")
        sites = tuple(sorted(set(sites) | ({site} if site else set())))
        problems = list(problems)
        task = Task(id=uuid.uuid4().hex, kind=kind, site=site, status="queued", submitted=datetime.now(),
                    counts={"received": received, "indexed": 0, "deleted": 0, "problems": len(problems)},
                    problems=problems, key_id=key_id, sites=sites)
        with self._transaction() as db:
            db.execute(
                "INSERT INTO tasks (id, kind, site, sites, status, submitted, counts, problems, key_id, size, payload)"
                " VALUES (?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?)",
                (task.id, kind, site, json.dumps(list(sites)), task.submitted.isoformat(),
                 json.dumps(task.counts), json.dumps(problems, ensure_ascii=False), key_id, int(size),
                 json.dumps(payload, ensure_ascii=False)))
        self.submitted.set()
        return task

    def get(self, task_id: str) -> Task | None:
        if not self.path.exists():
            return None
        row = self._db().execute(f"SELECT {_COLUMNS} FROM tasks WHERE id = ?", (str(task_id),)).fetchone()
        return _task(row) if row else None

    def recent(self, site: str | None = None, limit: int = 20) -> list[Task]:
        """The newest tasks first; with ``site``, those writing that site."""
        if not self.path.exists():
            return []
        if site is None:
            rows = self._db().execute(f"SELECT {_COLUMNS} FROM tasks ORDER BY seq DESC LIMIT ?", (int(limit),))
        else:
            rows = self._db().execute(
                f"SELECT {_COLUMNS} FROM tasks WHERE site = ? OR EXISTS (SELECT 1 FROM json_each(tasks.sites) "
                "WHERE value = ?) ORDER BY seq DESC LIMIT ?", (site, site, int(limit)))
        return [_task(row) for row in rows]

    def status_counts(self) -> dict[str, int]:
        """How many tasks are in each status (for the console and health checks)."""
        counts = dict.fromkeys(STATUSES, 0)
        if self.path.exists():
            counts.update(self._db().execute("SELECT status, COUNT(*) FROM tasks GROUP BY status").fetchall())
        return counts

    # -- the applier -----------------------------------------------------------------------------
    @contextmanager
    def applier_lock(self):
        """Yield True when this caller is now the one applier (until the block ends), else False."""
        self.root.mkdir(parents=True, exist_ok=True)
        handle = open(self.root / LOCK, "a+", encoding="utf-8")
        try:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            yield True
        finally:
            handle.close()

    def pending(self, max_size: int = 5000) -> list[tuple[Task, dict]]:
        """The next batch, oldest first, marked ``processing``: tasks up to ``max_size`` documents
        in all (at least one); a crawl only on its own. Hold ``applier_lock``."""
        if not self.path.exists() or self._db().execute(
                "SELECT 1 FROM tasks WHERE status IN ('queued', 'processing') LIMIT 1").fetchone() is None:
            return []
        batch, total = [], 0
        with self._transaction() as db:
            rows = db.execute(f"SELECT {_COLUMNS}, size, payload FROM tasks WHERE status IN ('queued', 'processing') "
                              "ORDER BY seq LIMIT 1000").fetchall()
            for row in rows:
                task, size, payload = _task(row[:-2]), row[-2], row[-1]
                if batch and (total + size > max_size or task.kind == "crawl" or batch[0][0].kind == "crawl"):
                    break
                batch.append((task, json.loads(payload or "{}")))
                total += size
            for task, _ in batch:
                task.status = "processing"
            db.executemany("UPDATE tasks SET status = 'processing' WHERE id = ?", [(t.id,) for t, _ in batch])
        return batch

    def finish(self, tasks: list[Task]) -> None:
        """Record the outcome of applied tasks (their status, counts, problems, error) in one
        durable transaction; their payload is dropped. Old finished tasks are forgotten."""
        now = datetime.now()
        for task in tasks:
            task.finished = now
        with self._transaction() as db:
            db.executemany(
                "UPDATE tasks SET status = ?, finished = ?, counts = ?, problems = ?, error = ?, payload = NULL "
                "WHERE id = ?",
                [(t.status, now.isoformat(), json.dumps(t.counts), json.dumps(t.problems, ensure_ascii=False),
                  t.error, t.id) for t in tasks])
            db.execute("DELETE FROM tasks WHERE finished IS NOT NULL AND finished < ?",
                       ((now - timedelta(days=KEEP_DAYS)).isoformat(),))

    def requeue(self, tasks: list[Task]) -> None:
        """Put tasks back (the index was busy): they are taken again, in the same order."""
        with self._transaction() as db:
            db.executemany("UPDATE tasks SET status = 'queued' WHERE id = ? AND status = 'processing'",
                           [(t.id,) for t in tasks])
