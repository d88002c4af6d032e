"""Adding, replacing and deleting documents under the single-writer lock.

Whoosh commits by writing new segment files and then its table of contents, so
an interrupted run leaves the previous commit serving; we cancel the writer on
any error so nothing half-written is ever committed.
"""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from .document import Document
from .sources import SourceProblem
from .store import IndexStore

# Below this many documents, starting worker processes (each loads pyvi) costs more than it saves.
PARALLEL_THRESHOLD = 400


def default_procs() -> int:
    return max(1, min(os.cpu_count() or 1, 4))


def _open_writer(ix, procs: int, expected_docs: int):
    """A single-process writer for small batches; Whoosh's multiprocess writer for big ones,
    keeping its per-process segments (merging them would be single-core work)."""
    if procs > 1 and expected_docs >= PARALLEL_THRESHOLD:
        return ix.writer(procs=procs, limitmb=128, multisegment=True)
    return ix.writer(limitmb=256)


@dataclass
class IndexReport:
    indexed: int = 0
    problems: list[SourceProblem] = field(default_factory=list)
    seconds: float = 0.0
    chars: int = 0

    @property
    def skipped(self) -> int:
        return sum(1 for p in self.problems if p.skipped)

    @property
    def repaired(self) -> int:
        return sum(1 for p in self.problems if not p.skipped)

    @property
    def docs_per_second(self) -> float:
        return self.indexed / self.seconds if self.seconds else 0.0


def index_documents(
    store: IndexStore,
    items: Iterable[Document | SourceProblem],
    on_document: Callable[[Document], None] | None = None,
    on_problem: Callable[[SourceProblem], None] | None = None,
    purpose: str = "index",
    procs: int | None = None,
) -> IndexReport:
    """Add or replace (same id) every Document; collect problems; commit once at the end.

    Analysis (pyvi) dominates indexing time, so large batches are analyzed by
    ``procs`` worker processes (default: one per core, at most 4).
    """
    report = IndexReport()
    started = time.perf_counter()
    items = iter(items)
    head = list(itertools.islice(items, PARALLEL_THRESHOLD))
    with store.write_lock(purpose):
        ix = store.open_for_writing()
        writer = _open_writer(ix, procs or default_procs(), len(head))
        try:
            for item in itertools.chain(head, items):
                if isinstance(item, SourceProblem):
                    report.problems.append(item)
                    if on_problem:
                        on_problem(item)
                    continue
                writer.update_document(**item.index_fields())
                report.indexed += 1
                report.chars += len(item.body) + len(item.title) + len(item.summary)
                if on_document:
                    on_document(item)
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        ix.close()
    report.seconds = time.perf_counter() - started
    return report


def delete_documents(store: IndexStore, ids: Iterable[str]) -> list[str]:
    """Delete documents by id; returns the ids that were not in the index."""
    missing = []
    with store.write_lock("delete"):
        ix = store.open()
        writer = ix.writer()
        try:
            for doc_id in ids:
                if not writer.delete_by_term("id", doc_id):
                    missing.append(doc_id)
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        ix.close()
    return missing

