"""The OpenSearch backend: tracuu on a search cluster, for portals that outgrow one machine.

Same Vietnamese analysis, query understanding, re-ranking, snippets, facets and
suggestions as the Whoosh backend (all Python, in ``indexer``); OpenSearch stores,
matches and scores. See ``mapping`` (the index), ``translate`` (queries),
``search`` (searching), ``writing`` (bulk, alias switch) and ``admin`` (stats, check).
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from ..cache import SearchCache, request_key
from ..search import SearchRequest, SearchResult, suggest_site
from ..store import IndexMissing, StoreError
from ..synonyms import Synonyms
from ..synonyms import load as load_synonyms
from . import admin, search as os_search, writing
from .client import Connection

VERSION_TTL = 1.0  # seconds an index version is trusted before asking the cluster again
SHARD_RETRIES = 2

__all__ = ["OpenSearchBackend"]


class OpenSearchBackend:
    """The ``indexer.backends.Backend`` methods over an OpenSearch alias; safe to share between threads."""

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
        self._vocabulary = os_search.VocabularyCache()

    # -- reading -----------------------------------------------------------------------------
    def raw_search(self, body: dict, **params) -> dict:
        """One search request on the alias (errors as StoreErrors, see ``client``).

        Asked again (up to SHARD_RETRIES times) when shards failed: OpenSearch answers 200 with
        hits missing when a node dies between the query and the fetch phase, and the replica
        answers the next request. What still misses shards is flagged partial by the search."""
        with self.conn.guarded("the search") as client:
            for _ in range(SHARD_RETRIES + 1):
                response = client.search(index=self.alias, body=body, request_timeout=max(5.0, self.time_limit * 3),
                                         **params)
                if not (response.get("_shards") or {}).get("failed"):
                    break
        return response

    def index_version(self) -> str:
        """Changes whenever the index does: the live index, its document count and newest write.
        Asked of the cluster at most once a second; "unavailable" when it cannot be reached."""
        checked, version = self._version
        if version is not None and time.monotonic() - checked < VERSION_TTL:
            return version
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
        self._version = (0.0, None)

    def search(self, request: SearchRequest) -> SearchResult:
        """The result, from this process's cache when the same request was answered at this index version."""
        request.validate()
        started = time.perf_counter()
        version = self.index_version()
        if version in ("none", "unavailable"):
            result = os_search.search(self, request)  # raises the clear error
        else:
            result = self.cache.get_or_compute(version, request_key(request), lambda: os_search.search(self, request))
        voc = self._vocabulary.get(self)
        result.suggestion = os_search.suggest.did_you_mean(voc, request.q) if voc is not None else None
        result.took_ms = round((time.perf_counter() - started) * 1000, 2)
        return result

    def suggest(self, q: str, scope: str = "site", site: str | None = None, limit: int = 8) -> list[dict]:
        """Autocomplete for the search box: see indexer.suggest.complete."""
        site = suggest_site(q, scope, site, self.default_site)
        if len((q or "").strip()) < os_search.suggest.MIN_PREFIX:
            return []
        voc = self._vocabulary.get(self)
        return os_search.suggest.complete(voc, q, limit=limit, site=site) if voc is not None else []

    def related(self, doc_id: str, limit: int = 5) -> list[dict]:
        return os_search.related(self, doc_id, limit=limit)

    def warm_up(self) -> None:
        """The index vocabulary, counted before a server forks so its workers share it (the client
        itself is made again in each worker)."""
        try:
            self._vocabulary.get(self, wait=True)
        except StoreError:
            pass

    # -- writing -------------------------------------------------------------------------------
    def index_documents(self, items, on_document=None, on_problem=None, purpose: str = "index"):
        try:
            return writing.index_documents(self, items, on_document=on_document, on_problem=on_problem)
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
