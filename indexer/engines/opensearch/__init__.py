"""The OpenSearch engine: tracuu on a search cluster, for portals that outgrow one machine.

Same Vietnamese analysis and search pipeline as the Whoosh engine (``indexer.search``);
OpenSearch stores, matches and scores. See ``mapping`` (the index), ``translate``
(plans to DSL), ``retrieve`` (the first stage), ``vocabulary``, ``related``,
``writing`` (bulk, alias switch), ``lock`` and ``admin`` (stats, check).
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from ...errors import IndexMissing, StoreError
from ...search.cache import SearchCache
from ...search.plan import for_syllable_index
from ...search.suggest import VocabularyCache
from ...synonyms import Synonyms
from ...synonyms import load as load_synonyms
from ..base import Backend, Retrieved
from . import admin, writing
from . import retrieve as first_stage
from .client import Connection
from .mapping import MAPPING_VERSION
from .related import related as related_documents
from .vocabulary import build_vocabulary

VERSION_TTL = 1.0  # seconds an index version is trusted before asking the cluster again
WRITE_MARK = "opensearch-written"  # touched in the index home after every write
SHARD_RETRIES = 2
MAX_SITES = 10_000  # sites indexed_sites asks for

__all__ = ["OpenSearchBackend"]


class OpenSearchBackend(Backend):
    """The ``Backend`` methods over an OpenSearch alias; safe to share between threads."""

    name = "opensearch"

    def __init__(self, settings):
        self.settings = settings
        self.conn = Connection(settings.opensearch_url)
        self.alias = (settings.opensearch_index or "tracuu").lower()
        self.root = Path(settings.index_dir)  # crawl states (and the web app's query log) stay local
        self.shards = int(getattr(settings, "opensearch_shards", None) or 1)
        replicas = getattr(settings, "opensearch_replicas", None)
        self.replicas = None if replicas in (None, "", "auto") else int(replicas)
        synonyms = settings.synonyms
        self.synonyms = synonyms if isinstance(synonyms, Synonyms) else load_synonyms(synonyms or ())
        self.cache = SearchCache(settings.cache_size)
        self.default_site = settings.default_site
        self.web_sites = list(settings.web_sites or [])
        self.time_limit = settings.time_limit
        self._version = (0.0, None)
        self._version_lock = threading.Lock()
        self._vocabulary = VocabularyCache()
        self._mapping_version = (None, MAPPING_VERSION)
        self._mark = None

    # -- reading -----------------------------------------------------------------------------
    def raw_search(self, body: dict, **params) -> dict:
        """One search request on the alias (errors as StoreErrors, see ``client``).

        Asked again (up to SHARD_RETRIES times) when shards failed: OpenSearch answers 200 with
        hits missing when a node dies between the query and the fetch phase, and the replica
        answers the next request. What still misses shards is flagged partial by the search."""
        with self.conn.guarded("tìm kiếm") as client:
            for _ in range(SHARD_RETRIES + 1):
                response = client.search(index=self.alias, body=body, request_timeout=max(5.0, self.time_limit * 3),
                                         **params)
                if not (response.get("_shards") or {}).get("failed"):
                    break
        return response

    def index_version(self) -> str:
        """Changes whenever the index does: the live index, its document count and newest write.
        Asked of the cluster at most once a second, and at once after a write from this host
        (``WRITE_MARK``: another worker's write is seen by the next request, not a second later);
        "unavailable" when it cannot be reached."""
        checked, version = self._version
        mark = self._write_mark()
        if version is not None and mark == self._mark and time.monotonic() - checked < VERSION_TTL:
            return version
        self._mark = mark
        with self._version_lock:
            try:
                response = self.raw_search({"size": 0, "track_total_hits": True,
                                            "aggs": {"last": {"max": {"field": "indexed_at"}},
                                                     "index": {"terms": {"field": "_index", "size": 5}}}})
                aggs = response["aggregations"]
                names = ",".join(b["key"] for b in aggs["index"]["buckets"])
                version = f"{names}:{response['hits']['total']['value']}:{aggs['last'].get('value')}"
            except IndexMissing:
                version = "none"
            except StoreError:
                return "unavailable"
            self._version = (time.monotonic(), version)
        return version

    def forget_version(self) -> None:
        """After a write: this process and the others sharing the index home ask the cluster again."""
        self._version = (0.0, None)
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            (self.root / WRITE_MARK).touch()
        except OSError:  # a read-only home: other processes notice within VERSION_TTL
            pass

    def _write_mark(self):
        try:
            return (self.root / WRITE_MARK).stat().st_mtime_ns
        except OSError:
            return None

    def term_stats(self, parsed) -> first_stage.TermStats:
        return first_stage.TermStats(self, parsed)

    def retrieve(self, query, allow, request) -> Retrieved:
        if self.mapping_version() < MAPPING_VERSION:
            query = for_syllable_index(query)
        return first_stage.retrieve(self, query, allow, request)

    def mapping_version(self) -> int:
        """The live index's mapping version (``_meta.tracuu``), read again when the index changes."""
        version = self.index_version()
        known = self._mapping_version
        if known[0] != version:
            try:
                with self.conn.guarded("đọc mapping") as client:
                    mappings = client.indices.get_mapping(index=self.alias)
                metas = [(m.get("mappings") or {}).get("_meta") or {} for m in mappings.values()]
                number = min((int(m.get("tracuu") or 1) for m in metas), default=MAPPING_VERSION)
            except StoreError:
                return known[1]
            known = self._mapping_version = (version, number)
        return known[1]

    def related(self, doc_id: str, limit: int = 5) -> list[dict]:
        return related_documents(self, doc_id, limit=limit)

    def doc_count(self) -> int:
        return self.raw_search({"size": 0, "track_total_hits": True})["hits"]["total"]["value"]

    def indexed_sites(self) -> set[str]:
        """A terms aggregation of the ``site`` field (every site: far fewer than MAX_SITES)."""
        body = {"size": 0, "aggs": {"sites": {"terms": {"field": "site", "size": MAX_SITES}}}}
        buckets = self.raw_search(body)["aggregations"]["sites"]["buckets"]
        return {str(b["key"]) for b in buckets} - {""}

    def build_vocabulary(self):
        return build_vocabulary(self)

    def stored(self, doc_id: str) -> dict | None:
        from .mapping import stored_fields

        hits = self.raw_search({"size": 1, "query": {"term": {"id": doc_id}}, "_source": ["doc"]})["hits"]["hits"]
        return stored_fields(hits[0]["_source"]) if hits else None

    # -- writing -------------------------------------------------------------------------------
    def index_documents(self, items, on_document=None, on_problem=None, purpose: str = "index"):
        try:
            # Inside a server (the write API's applier) never fork analysis processes from a threaded worker.
            return writing.index_documents(self, items, on_document=on_document, on_problem=on_problem,
                                           procs=1 if purpose == "api" else None)
        finally:
            self.forget_version()

    def delete(self, ids) -> list[str]:
        try:
            return writing.delete_documents(self, ids)
        finally:
            self.forget_version()

    def reindex(self, sources=(), sites=(), **callbacks):
        try:
            return writing.reindex(self, sources, sites, **callbacks)
        finally:
            self.forget_version()

    def crawl(self, site, **options):
        try:
            return writing.crawl(self, site, **options)
        finally:
            self.forget_version()

    # -- admin ---------------------------------------------------------------------------------
    def stats(self) -> dict:
        return admin.index_stats(self)

    def check(self) -> dict:
        return admin.check_index(self)
