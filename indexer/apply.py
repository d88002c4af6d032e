"""The one applier: queued write tasks into the index, in order, in batches.

Each process that serves the write API runs an ``Applier`` thread; the one holding the queue's
``applier_lock`` applies, the others wait for it to die. A batch is the queued tasks in order up to
``MAX_BATCH`` documents; consecutive tasks of one kind are applied together through the engine's
own writing methods (``Backend.index_documents``, ``Backend.delete``, ``Backend.crawl``, which
take the index's write lock and commit), and each run is marked ``succeeded`` only after its
commit. When the index is locked by another writer (``tracuu reindex``, ``tracuu index`` ...) the
tasks wait and are applied after it, so writes that arrive during a full rebuild land in the new
generation.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from itertools import groupby

from .errors import BackendUnavailable, IndexLocked, IndexMissing, StoreError
from .sources.pushed import document_from_json
from .tasks import Task, TaskQueue

log = logging.getLogger(__name__)

MAX_BATCH = 5000  # documents (or ids) applied in one batch
POLL = 0.1  # seconds between looks at the queue when it is empty (another process may have queued)
BUSY_WAIT = 1.0  # seconds to wait when another writer holds the index


class Applier:
    """Applies ``queue``'s tasks to ``backend``. ``sites()`` gives the configured sites by slug
    (for crawl tasks)."""

    def __init__(self, backend, queue: TaskQueue, sites: Callable[[], dict] | None = None,
                 max_batch: int = MAX_BATCH):
        self.backend = backend
        self.queue = queue
        self.sites = sites or dict
        self.max_batch = max_batch
        self.thread: threading.Thread | None = None
        self.stop = threading.Event()

    # -- one batch ------------------------------------------------------------------------------
    def apply_pending(self) -> int:
        """Apply the next batch (hold the queue's applier lock); the number of tasks finished.
        IndexLocked or BackendUnavailable: the batch is put back and the error raised."""
        batch = self.queue.pending(self.max_batch)
        finished = 0
        runs = [list(run) for _, run in groupby(batch, key=lambda item: item[0].kind)]
        for number, run in enumerate(runs):
            tasks = [task for task, _ in run]
            try:
                self._apply_run(run)
            except (IndexLocked, BackendUnavailable):
                self.queue.requeue([task for later in runs[number:] for task, _ in later])
                raise
            except Exception as exc:  # noqa: BLE001 - the tasks fail with a message; the applier goes on
                log.exception("write tasks failed: %s", ", ".join(t.id for t in tasks))
                for task in tasks:
                    task.status = "failed"
                    task.error = _failure(exc)
            self.queue.finish(tasks)
            finished += len(tasks)
        return finished

    def _apply_run(self, run: list[tuple[Task, dict]]) -> None:
        kind = run[0][0].kind
        if kind == "documents":
            self._documents(run)
        elif kind == "delete":
            self._delete(run)
        else:
            for task, payload in run:
                self._crawl(task, payload)
        for task, _ in run:
            task.status = "succeeded"

    def _documents(self, run) -> None:
        docs = [document_from_json(d) for _, payload in run for d in payload.get("documents", [])]
        self.backend.index_documents(iter(docs), purpose="api")  # one commit (Whoosh) before returning
        for task, payload in run:
            task.counts["indexed"] = len(payload.get("documents", []))

    def _delete(self, run) -> None:
        allowed_ids, refused = [], {}
        for task, payload in run:
            sites = set(payload.get("sites") or ())
            for doc_id in payload.get("ids", []):
                if sites and not self._in_sites(doc_id, sites):
                    refused[(task.id, doc_id)] = True
                else:
                    allowed_ids.append(doc_id)
        try:
            missing = set(self.backend.delete(allowed_ids)) if allowed_ids else set()
        except IndexMissing:
            missing = set(allowed_ids)
        for task, payload in run:
            for doc_id in payload.get("ids", []):
                if (task.id, doc_id) in refused:
                    _problem(task, doc_id, "văn bản thuộc trang mà khóa này không được ghi; không xóa")
                elif doc_id in missing:
                    _problem(task, doc_id, "không có trong chỉ mục")
                else:
                    task.counts["deleted"] += 1

    def _in_sites(self, doc_id: str, sites: set) -> bool:
        try:
            fields = self.backend.stored(doc_id)
        except IndexMissing:
            return True  # nothing to delete: reported as missing
        return fields is None or fields.get("site") in sites

    def _crawl(self, task: Task, payload: dict) -> None:
        slug = payload.get("site") or task.site
        site = self.sites().get(slug)
        if site is None:
            raise StoreError(f"trang {slug!r} không có trong tệp cấu hình các trang (sites.toml)")
        report = self.backend.crawl(site)
        task.counts.update(indexed=report.added + report.updated, deleted=report.removed,
                           fetched=report.fetched, unchanged=report.unchanged)
        for error in report.errors[:100]:
            _problem(task, None, str(error))

    # -- the thread -----------------------------------------------------------------------------
    def start(self) -> threading.Thread:
        """Start the applier thread of this process (a daemon; it stops with the process)."""
        if self.thread is None or not self.thread.is_alive():
            self.stop.clear()
            self.thread = threading.Thread(target=self.run, name="tracuu-applier", daemon=True)
            self.thread.start()
        return self.thread

    def run(self) -> None:
        """Wait to be the one applier, then apply until ``stop`` is set."""
        while not self.stop.is_set():
            with self.queue.applier_lock() as mine:
                if mine:
                    self._apply_while_held()
                    return
            self.stop.wait(BUSY_WAIT)

    def _apply_while_held(self) -> None:
        while not self.stop.is_set():
            try:
                done = self.apply_pending()
            except (IndexLocked, BackendUnavailable) as exc:
                log.info("write tasks wait: %s", exc)
                self.stop.wait(BUSY_WAIT)
                continue
            except Exception:  # noqa: BLE001 - e.g. the queue's database busy; try again
                log.exception("the write applier failed; retrying")
                self.stop.wait(BUSY_WAIT)
                continue
            if not done:
                self.queue.submitted.wait(POLL)
                self.queue.submitted.clear()


def _problem(task: Task, doc_id: str | None, message: str) -> None:
    task.problems.append({"line": None, "position": None, "id": doc_id, "message": message, "skipped": True})
    task.counts["problems"] = len(task.problems)


def _failure(exc: Exception) -> str:
    if isinstance(exc, OSError) and exc.errno in (28, 122):  # ENOSPC, EDQUOT
        return "Máy chủ hết dung lượng đĩa; chưa ghi gì. Hãy gửi lại sau."
    if isinstance(exc, StoreError):
        return f"Không ghi được vào chỉ mục: {exc}"
    return "Đã có lỗi khi ghi vào chỉ mục; chưa ghi gì. Hãy gửi lại."
