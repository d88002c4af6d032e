"""Adding, replacing and deleting documents under the single-writer lock.

Whoosh commits by writing new segment files and then its table of contents, so
an interrupted run leaves the previous commit serving; we cancel the writer on
any error so nothing half-written is ever committed.
"""

from __future__ import annotations

import itertools
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import partial

from whoosh import index as whoosh_index

from ...document import Document
from ...search.rerank import rerank_head
from ...errors import IndexMissing
from ...sources import SourceProblem
from ...writing import (PARALLEL_THRESHOLD, IndexReport, ReindexReport, Sink, default_procs, documents_only,
                        full_rebuild, indexed_chars)
from .schema import build_schema
from .store import INDEX_NAME, IndexStore


def _open_writer(ix, procs: int, expected_docs: int):
    """A single-process writer for small batches; Whoosh's multiprocess writer for big ones,
    keeping its per-process segments (merging them would be single-core work)."""
    if procs > 1 and expected_docs >= PARALLEL_THRESHOLD:
        # The sub-writers are forked from this process.
        from ...analysis import load_segmenter

        load_segmenter()
        return ix.writer(procs=procs, limitmb=128, multisegment=True)
    return ix.writer(limitmb=256)


def fields_for(schema, doc: Document) -> dict:
    """The document's index fields that ``schema`` has: an index of an older schema keeps taking
    writes (without the newer fields) until it is rebuilt."""
    fields = {name: value for name, value in doc.index_fields().items() if name in schema}
    if "head" in schema:
        fields["head"] = rerank_head(fields).encode("utf-8")
    return fields


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
    seen: set[str] = set()
    # An id seen earlier in this run: Whoosh's update_document deletes only committed copies, so a
    # second copy in the same writer would be indexed beside the first; the last one is written
    # after the main commit instead.
    repeated: dict[str, Document] = {}
    with store.write_lock(purpose):
        ix = store.open_for_writing()
        writer = _open_writer(ix, procs or default_procs(), len(head))
        try:
            for item in documents_only(itertools.chain(head, items), report, on_problem):
                if item.id in seen:
                    repeated[item.id] = item
                else:
                    seen.add(item.id)
                    writer.update_document(**fields_for(ix.schema, item))
                report.indexed += 1
                report.chars += indexed_chars(item)
                if on_document:
                    on_document(item)
            writer.commit()
        except BaseException:
            _cancel_and_clean(writer, ix)
            raise
        if repeated:
            writer = ix.writer()
            try:
                for item in repeated.values():
                    writer.update_document(**fields_for(ix.schema, item))
                writer.commit()
            except BaseException:
                _cancel_and_clean(writer, ix)
                raise
        ix.close()
    report.seconds = time.perf_counter() - started
    return report


def _cancel_and_clean(writer, ix) -> None:
    """Cancel a writer and remove the segment files it left behind, so a full disk does not stay
    full of uncommitted data (Whoosh only cleans them on the next successful commit). Never raises:
    the error that got us here is the one to report."""
    try:
        writer.cancel()
    except Exception:  # noqa: BLE001
        pass
    try:
        from whoosh.index import TOC, clean_files

        toc = TOC.read(ix.storage, INDEX_NAME)
        clean_files(ix.storage, INDEX_NAME, toc.generation, toc.segments)
    except Exception:  # noqa: BLE001
        pass


def delete_documents(store: IndexStore, ids: Iterable[str]) -> list[str]:
    """Delete documents by id, a legal text with its articles (the documents whose ``parent_id``
    is its id); returns the ids of which nothing was in the index."""
    missing = []
    with store.write_lock("delete"):
        ix = store.open()
        writer = ix.writer()
        articles = "parent_id" in ix.schema  # an index written before articles has none
        try:
            for doc_id in ids:
                found = writer.delete_by_term("id", doc_id)
                if articles:
                    found += writer.delete_by_term("parent_id", doc_id)
                if not found:
                    missing.append(doc_id)
            writer.commit()
        except BaseException:
            _cancel_and_clean(writer, ix)
            raise
        finally:
            ix.close()
    return missing



# -- crawling and rebuilding --------------------------------------------------------------------

class IndexSink(Sink):
    """Where a crawl or a rebuild puts documents: one Whoosh writer, committed in steps.

    Each ``commit`` makes everything so far durable and opens a fresh writer, so a
    killed run keeps what it committed (the crawl state records the same steps).
    """

    def __init__(self, ix, on_document: Callable[[Document], None] | None = None):
        super().__init__(on_document)
        self.ix = ix
        self.writer = None
        self.pending_ids: set[str] = set()

    def _writer(self):
        if self.writer is None:
            self.writer = self.ix.writer(limitmb=256)
        return self.writer

    def update(self, doc: Document) -> None:
        if doc.id in self.pending_ids:  # update_document replaces committed copies only
            self.commit()
        self._writer().update_document(**fields_for(self.ix.schema, doc))
        self.pending_ids.add(doc.id)
        self.counted(doc)

    def delete(self, doc_id: str) -> None:
        if doc_id in self.pending_ids:  # delete_by_term, too, sees committed documents only
            self.commit()
        self.deleted += self._writer().delete_by_term("id", doc_id)

    def commit(self) -> None:
        if self.writer is not None:
            self.writer.commit()
            self.writer = None
        self.pending_ids = set()

    def cancel(self) -> None:
        """Drop what is not committed; never raises (on a full disk, the first error is the one to tell)."""
        if self.writer is not None:
            _cancel_and_clean(self.writer, self.ix)
            self.writer = None


@contextmanager
def live_sink(store: IndexStore, purpose: str, on_document=None):
    """A sink on the live index (incremental updates), holding the writer lock."""
    with store.write_lock(purpose):
        ix = store.open_for_writing()
        sink = IndexSink(ix, on_document)
        try:
            yield sink
            sink.commit()
        except BaseException:
            sink.cancel()
            raise
        finally:
            ix.close()


@contextmanager
def rebuild(store: IndexStore, purpose: str = "reindex", on_document=None, after_switch=None):
    """A sink on a new generation beside the live one; switched in atomically when the block ends
    without error. A killed or failed rebuild leaves the live index serving; its leftover
    generation is removed here, at the start of the next writer's run."""
    with store.write_lock(purpose):
        store.remove_orphans()
        path = store.new_generation()
        ix = whoosh_index.create_in(str(path), build_schema(), indexname=INDEX_NAME)
        sink = IndexSink(ix, on_document)
        try:
            yield sink
            sink.commit()
        except BaseException:
            sink.cancel()
            ix.close()
            shutil.rmtree(path, ignore_errors=True)
            raise
        ix.close()
        store.switch_to(path.name)
        if after_switch:
            after_switch()  # still holding the lock


def stored_documents(store: IndexStore, skip_sites=(), skip_ids=()) -> Iterator[Document]:
    """Documents rebuilt from the live index's stored fields (for re-analysis or copying)."""
    try:
        ix = store.open()
    except IndexMissing:
        return
    skip_sites, skip_ids = set(skip_sites), set(skip_ids)
    with ix.searcher() as searcher:
        for fields in searcher.all_stored_fields():
            if fields.get("site") in skip_sites or fields.get("id") in skip_ids:
                continue
            yield Document.from_stored(fields)
    ix.close()


def reindex(store: IndexStore, sources=(), sites=(), *, on_document=None, **options) -> ReindexReport:
    """A full rebuild into a new generation, then an atomic switch: ``indexer.writing.full_rebuild``
    (``options``: on_problem, on_total, commit_every).

    Without sources or sites this re-analyzes the whole index, e.g. after an analyzer change.
    """
    return full_rebuild(store.root, partial(_new_generation, store, on_document), sources, sites, **options)


@contextmanager
def _new_generation(store: IndexStore, on_document, report: ReindexReport, after_switch):
    """Whoosh's part of a full rebuild: ``rebuild`` (lock, new generation, switch) and the live
    generation's stored documents to copy; reports the leftover generations it removed."""
    orphans = [p.name for p in store.orphans()] if store.root.exists() else []
    with rebuild(store, "reindex", on_document, after_switch=after_switch) as sink:
        report.removed_orphans = [n for n in orphans if not (store.root / n).exists()]
        yield sink, partial(stored_documents, store)
    report.generation = store.generation() or ""


def crawl(store: IndexStore, site, *, on_document=None, **options):
    """Crawl ``site`` (a SiteConfig) into the live index; ``options`` as for ``crawl_site``
    (incremental unless ``full``)."""
    from ...crawl import CrawlState, crawl_site, state_path

    with live_sink(store, f"crawl {site.slug}", on_document) as sink, \
            CrawlState(state_path(store.root, site.slug)) as state:
        return crawl_site(site, sink, state, **options)
