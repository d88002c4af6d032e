"""Writing to OpenSearch: bulk batches, deletes, incremental crawls, full rebuilds with an alias switch.

Documents go in bounded bulk batches (``BATCH_DOCS`` documents or ``BATCH_BYTES``),
and documents the cluster refuses with 429 (too busy) are retried with exponential
backoff by opensearch-py's ``streaming_bulk``. Searches use an alias (``tracuu``)
that points at one concrete index (``tracuu-gen-<time>-<pid>``). A full rebuild fills
a new index beside the live one and moves the alias in one atomic ``_aliases`` call,
so searches never see a half-built index (zero downtime, like Whoosh's generations);
the index it replaced is kept until the next rebuild (``previous`` in its mapping's
``_meta``), older ones and leftovers of a failed rebuild are deleted.

Unlike Whoosh's one commit, a failed incremental run keeps the batches it already sent. Every
writing operation holds a writer lock (``lock``): rebuilds and crawls alone, ``index`` and
``delete`` runs together with each other (a big load may be spread over processes or machines).
"""

from __future__ import annotations

import itertools
import os
import time
import uuid
from contextlib import contextmanager
from functools import partial

from ...document import Document
from ...errors import IndexMissing, StoreError
from ...writing import PARALLEL_THRESHOLD, IndexReport, ReindexReport, Sink, default_procs, documents_only, full_rebuild
from .lock import writer_lock
from .mapping import MAPPING_VERSION, doc_key, index_body, to_document, to_source

BATCH_DOCS = 500
BATCH_BYTES = 8 * 1024 * 1024
MAX_RETRIES = 6  # of a 429-refused document, waiting 0.5, 1, 2 ... 30 s


class OpenSearchSink(Sink):
    """Where documents go: the same update/delete/commit/cancel interface as Whoosh's IndexSink.

    Actions are buffered and sent in bounded bulk batches; ``commit`` sends what is buffered.
    """

    def __init__(self, backend, index: str, on_document=None, lock=None):
        super().__init__(on_document)
        self.backend = backend
        self.index = index
        self.lock = lock  # the writer lock (lock), renewed at every batch
        self.actions: list[dict] = []
        self.missing: list[str] = []
        self.version = index_mapping_version(backend, index)

    def update(self, doc: Document, source: dict | None = None) -> None:
        if source is None or self.version < MAPPING_VERSION:
            source = to_source(doc, self.version)
        self.actions.append({"_op_type": "index", "_index": self.index, "_id": doc_key(doc.id), "_source": source})
        self.counted(doc)
        if len(self.actions) >= BATCH_DOCS:
            self.commit()

    def delete(self, doc_id: str) -> None:
        self.actions.append({"_op_type": "delete", "_index": self.index, "_id": doc_key(doc_id), "_doc_id": doc_id})
        if len(self.actions) >= BATCH_DOCS:
            self.commit()

    def commit(self) -> None:
        actions, self.actions = self.actions, []
        if actions:
            if self.lock is not None:
                self.lock.renew()
            removed, missing = bulk(self.backend.conn, actions)
            self.deleted += removed
            self.missing += missing

    def cancel(self) -> None:
        self.actions = []


def bulk(conn, actions: list[dict]) -> tuple[int, list[str]]:
    """Send ``actions`` in bounded batches, retrying 429s with backoff; (deleted, ids not found)."""
    from opensearchpy import helpers

    ids = {a["_id"]: a.pop("_doc_id") for a in actions if "_doc_id" in a}
    failures, missing, deleted = [], [], 0
    with conn.guarded("ghi tài liệu hàng loạt") as client:
        for ok, item in helpers.streaming_bulk(client, actions, chunk_size=BATCH_DOCS, max_chunk_bytes=BATCH_BYTES,
                                               max_retries=MAX_RETRIES, initial_backoff=0.5, max_backoff=30,
                                               raise_on_error=False, raise_on_exception=True):
            op, info = next(iter(item.items()))
            if op == "delete":
                if info.get("status") == 404:
                    missing.append(ids.get(info.get("_id"), info.get("_id")))
                    continue
                deleted += ok
            if not ok:
                failures.append(info)
    if failures:
        error = failures[0].get("error")
        raise StoreError(f"OpenSearch từ chối {len(failures)} tài liệu, ví dụ {failures[0].get('_id')}: {error}")
    return deleted, missing


# -- the live index and its alias ------------------------------------------------------

def live_index(backend) -> str | None:
    """The concrete index the alias points at, or None when nothing was indexed yet."""
    from opensearchpy import exceptions as oe

    with backend.conn.guarded("đọc bí danh") as client:
        try:
            found = client.indices.get_alias(name=backend.alias)
        except oe.NotFoundError:
            return None
    names = sorted(found)
    return names[-1] if names else None


def new_index(backend, previous: str | None = None, building: bool = False) -> str:
    """Create a new concrete index; while ``building``, no refreshes (and no replicas to copy to)."""
    # Time first (names sort by age), then enough to tell apart two rebuilds in one second.
    name = f"{backend.alias}-gen-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{uuid.uuid4().hex[:6]}".lower()
    body = index_body(shards=backend.shards, replicas=0 if building else backend.replicas, previous=previous)
    settings = body["settings"]["index"]
    if backend.replicas is None and not building:
        settings.pop("number_of_replicas")
        settings["auto_expand_replicas"] = "0-1"
    if building:
        settings["refresh_interval"] = "-1"
    with backend.conn.guarded("tạo chỉ mục") as client:
        client.indices.create(index=name, body=body)
    return name


def _finish_build(backend, name: str) -> None:
    settings = {"refresh_interval": None}
    if backend.replicas is None:
        settings["auto_expand_replicas"] = "0-1"
    else:
        settings["number_of_replicas"] = backend.replicas
    with backend.conn.guarded("hoàn tất chỉ mục") as client:
        client.indices.put_settings(index=name, body={"index": settings})
        client.indices.refresh(index=name)
        # Replicas copied before the switch, so the new index serves as safely as the old one.
        client.cluster.health(index=name, wait_for_status="yellow", params={"timeout": "60s"}, request_timeout=70)


def index_for_writing(backend) -> str:
    """The live index, created (with the alias) when there is none yet."""
    name = live_index(backend)
    if name is not None:
        return name
    name = new_index(backend)
    with backend.conn.guarded("tạo bí danh") as client:
        client.indices.update_aliases(body={"actions": [{"add": {"index": name, "alias": backend.alias}}]})
    return name


def switch_alias(backend, new: str, old: str | None) -> None:
    """Point the alias at ``new`` in one atomic call; keep ``old``, delete older generations."""
    actions = [{"add": {"index": new, "alias": backend.alias}}]
    if old:
        actions.insert(0, {"remove": {"index": old, "alias": backend.alias}})
    with backend.conn.guarded("chuyển bí danh") as client:
        client.indices.update_aliases(body={"actions": actions})
    remove_orphans(backend)


def generations(backend) -> list[str]:
    with backend.conn.guarded("liệt kê các chỉ mục") as client:
        found = client.indices.get(index=f"{backend.alias}-gen-*", allow_no_indices=True, expand_wildcards="open")
    return sorted(found)


def previous_index(backend, live: str | None) -> str | None:
    if live is None:
        return None
    with backend.conn.guarded("đọc mapping") as client:
        mapping = client.indices.get_mapping(index=live)
    return ((mapping.get(live) or {}).get("mappings") or {}).get("_meta", {}).get("previous")


def orphans(backend) -> list[str]:
    """Generations neither live nor kept as the previous one: leftovers of failed rebuilds."""
    live = live_index(backend)
    keep = {live, previous_index(backend, live)}
    return [name for name in generations(backend) if name not in keep]


def remove_orphans(backend) -> list[str]:
    removed = orphans(backend)
    if removed:
        with backend.conn.guarded("xóa các chỉ mục cũ") as client:
            client.indices.delete(index=",".join(removed), ignore_unavailable=True)
    return removed


def refresh(backend) -> None:
    with backend.conn.guarded("làm mới chỉ mục") as client:
        client.indices.refresh(index=backend.alias)


# -- the operations ------------------------------------------------------------------

def index_mapping_version(backend, index: str) -> int:
    """The mapping version (``_meta.tracuu``) of one index; the current one when it cannot be read."""
    try:
        with backend.conn.guarded("đọc mapping") as client:
            mappings = client.indices.get_mapping(index=index)
        return min(int(((m.get("mappings") or {}).get("_meta") or {}).get("tracuu") or 1)
                   for m in mappings.values())
    except (StoreError, ValueError):
        return MAPPING_VERSION


def _sources(docs, procs: int):
    """(doc, analyzed source) pairs; large runs analyze (pyvi) in ``procs`` forked processes."""
    docs = iter(docs)
    head = list(itertools.islice(docs, PARALLEL_THRESHOLD))
    if procs <= 1 or len(head) < PARALLEL_THRESHOLD:
        for doc in itertools.chain(head, docs):
            yield doc, to_source(doc)
        return
    import multiprocessing

    from ...analysis import load_segmenter

    load_segmenter()
    with multiprocessing.get_context("fork").Pool(procs) as pool:
        batch = []
        for doc in itertools.chain(head, docs):
            batch.append(doc)
            if len(batch) >= 64 * procs:
                yield from zip(batch, pool.map(to_source, batch, chunksize=16))
                batch = []
        if batch:
            yield from zip(batch, pool.map(to_source, batch, chunksize=16))


def index_documents(backend, items, on_document=None, on_problem=None, procs: int | None = None) -> IndexReport:
    """Add or replace (same id) every Document in the live index; collect problems."""
    report = IndexReport()
    started = time.perf_counter()
    with writer_lock(backend, "index", shared=True) as lock:
        _index_documents(backend, items, report, on_document, on_problem, lock, procs)
    report.seconds = time.perf_counter() - started
    return report


def _index_documents(backend, items, report, on_document, on_problem, lock, procs) -> None:
    sink = OpenSearchSink(backend, index_for_writing(backend), on_document, lock)
    for doc, source in _sources(documents_only(items, report, on_problem), procs or default_procs()):
        sink.update(doc, source)
        report.indexed += 1
    sink.commit()
    refresh(backend)
    report.chars = sink.chars


def delete_documents(backend, ids) -> list[str]:
    """Delete documents by id, a legal text with its articles (the documents whose ``parent_id``
    is its id); returns the ids of which nothing was in the index."""
    if live_index(backend) is None:
        raise IndexMissing(f"chưa có chỉ mục trên cụm OpenSearch tại {backend.conn.where}")
    asked = list(dict.fromkeys(ids))
    wanted = set(asked)
    with writer_lock(backend, "delete", shared=True) as lock:
        sink = OpenSearchSink(backend, backend.alias, lock=lock)
        with_articles = set()
        for start in range(0, len(asked), BATCH_DOCS):  # the articles, found by their parent's id
            chunk, after = asked[start:start + BATCH_DOCS], None
            while True:
                body = {"size": 1000, "sort": [{"id": "asc"}], "_source": ["id", "parent_id"],
                        "query": {"terms": {"parent_id": chunk}}}
                if after is not None:
                    body["search_after"] = after
                with backend.conn.guarded("tìm các điều cần xóa") as client:
                    hits = client.search(index=backend.alias, body=body)["hits"]["hits"]
                if not hits:
                    break
                for hit in hits:
                    with_articles.add(hit["_source"]["parent_id"])
                    if hit["_source"]["id"] not in wanted:  # asked for itself: deleted below
                        sink.delete(hit["_source"]["id"])
                after = hits[-1]["sort"]
        for doc_id in asked:
            sink.delete(doc_id)
        sink.commit()
        refresh(backend)
    return [doc_id for doc_id in sink.missing if doc_id not in with_articles]


def stored_documents(backend, index: str | None, skip_sites=(), skip_ids=()):
    """Every document of ``index`` rebuilt from its stored fields (search_after over the id);
    none without an index."""
    if index is None:
        return
    skip_sites, skip_ids = set(skip_sites), set(skip_ids)
    after = None
    while True:
        body = {"size": 500, "sort": [{"id": "asc"}], "_source": ["doc"], "query": {"match_all": {}}}
        if after is not None:
            body["search_after"] = after
        with backend.conn.guarded("đọc tài liệu") as client:
            hits = client.search(index=index, body=body)["hits"]["hits"]
        if not hits:
            return
        for hit in hits:
            doc = to_document(hit["_source"])
            if doc.site not in skip_sites and doc.id not in skip_ids:
                yield doc
        after = hits[-1]["sort"]


def crawl(backend, site, *, on_document=None, **options):
    """Crawl ``site`` into the live index; ``options`` as for ``crawl_site`` (incremental unless
    ``full``). The crawl state stays local."""
    from ...crawl import CrawlState, crawl_site, state_path

    with writer_lock(backend, f"crawl {site.slug}") as lock:
        sink = OpenSearchSink(backend, index_for_writing(backend), on_document, lock)
        with CrawlState(state_path(backend.root, site.slug)) as state:
            report = crawl_site(site, sink, state, **options)
            sink.commit()
        refresh(backend)
    return report


def reindex(backend, sources=(), sites=(), *, on_document=None, **options) -> ReindexReport:
    """A full rebuild into a new index, then an atomic alias switch: ``indexer.writing.full_rebuild``
    (``options``: on_problem, on_total, commit_every), holding the writer lock. The sink sends its
    own bulk batches, so the sources and copy loops do not commit in steps."""
    with writer_lock(backend, "reindex") as lock:
        return full_rebuild(backend.root, partial(_new_index, backend, lock, on_document), sources, sites,
                            commit_in_steps=False, **options)


@contextmanager
def _new_index(backend, lock, on_document, report: ReindexReport, after_switch):
    """OpenSearch's part of a full rebuild: a new index (no refreshes while it fills), the live
    index's documents to copy, then the finished index behind the alias. A failed build's index is
    deleted, or left for the next rebuild to remove as an orphan."""
    live = live_index(backend)
    report.removed_orphans = remove_orphans(backend)
    name = new_index(backend, previous=live, building=True)
    sink = OpenSearchSink(backend, name, on_document, lock)
    try:
        yield sink, partial(stored_documents, backend, live)
        sink.commit()
        _finish_build(backend, name)
        switch_alias(backend, name, live)
    except BaseException:
        sink.cancel()
        try:
            with backend.conn.guarded("xóa chỉ mục bị bỏ dở") as client:
                client.indices.delete(index=name, ignore_unavailable=True)
        except StoreError:
            pass  # the next rebuild removes it (an orphan)
        raise
    after_switch()  # still holding the lock
    backend.forget_version()
    report.generation = name
