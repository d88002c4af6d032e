"""The boundary every engine implements: ``Backend``, what the web app and the CLI may call.

Searching is shared: ``Backend.search`` runs ``indexer.search.pipeline`` and
``Backend.suggest`` the shared autocomplete, both over the few methods an engine
provides (``term_stats``, ``retrieve``, ``index_version``, ``build_vocabulary``,
``doc_count``). Writing and administration are each engine's own.

Expected failures raise ``indexer.errors.StoreError`` subclasses: IndexMissing (nothing
indexed yet), IndexLocked (another writer), BackendUnavailable (the engine cannot be
reached).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from ..errors import QueryError, StoreError
from ..search import browse, pipeline
from ..search.cache import SearchCache
from ..search.plan import Node, TermStats
from ..search.request import SearchRequest, SearchResult, suggest_site
from ..search.rerank import Candidate
from ..search.suggest import MIN_PREFIX, Vocabulary, VocabularyCache, complete
from ..synonyms import Synonyms

DEFAULT_OPENSEARCH_INDEX = "tracuu"
MAX_SITES_LISTED = 30  # sites an "unknown site" message names
MAX_SITE_SHOWN = 60  # characters of the unknown slug it repeats


@dataclass
class BackendSettings:
    """What selects and configures a backend (CLI options, the app's config, the environment)."""

    backend: str = "whoosh"
    index_dir: str | Path = "index_data"  # Whoosh's index home; for OpenSearch: crawl states and the query log
    opensearch_url: str | None = None  # one URL or several, comma-separated (nodes of one cluster)
    opensearch_index: str = DEFAULT_OPENSEARCH_INDEX  # the alias searched; full rebuilds switch it
    opensearch_shards: int = 1  # of indexes this backend creates
    opensearch_replicas: int | None = None  # None: 0 on one node, 1 when there are more (auto_expand_replicas)
    default_site: str | None = None
    time_limit: float = 3.0
    web_sites: list[str] = field(default_factory=list)
    cache_size: int = 1024
    synonyms: object = None  # a list of synonyms files, or a ready indexer.synonyms.Synonyms

    @classmethod
    def from_config(cls, config: Mapping) -> "BackendSettings":
        """From the web app's config keys (BACKEND, OPENSEARCH_URL, OPENSEARCH_INDEX, INDEX_DIR ...)."""
        synonyms = config.get("SYNONYMS_FILES") or []
        return cls(
            backend=str(config.get("BACKEND") or "whoosh").strip().lower(),
            index_dir=config.get("INDEX_DIR") or "index_data",
            opensearch_url=config.get("OPENSEARCH_URL") or None,
            opensearch_index=config.get("OPENSEARCH_INDEX") or DEFAULT_OPENSEARCH_INDEX,
            opensearch_shards=int(config.get("OPENSEARCH_SHARDS") or 1),
            opensearch_replicas=(None if config.get("OPENSEARCH_REPLICAS") in (None, "", "auto")
                                 else int(config.get("OPENSEARCH_REPLICAS"))),
            default_site=config.get("DEFAULT_SITE"),
            time_limit=float(config.get("SEARCH_TIME_LIMIT", 3.0)),
            web_sites=list(config.get("WEB_SITES") or []),
            cache_size=int(config.get("SEARCH_CACHE_SIZE", 1024)),
            synonyms=[synonyms] if isinstance(synonyms, str) else list(synonyms),
        )


@dataclass
class Retrieved:
    """What an engine's first stage found for one plan."""

    candidates: list[Candidate] = field(default_factory=list)  # by relevance: the best window; newest: the page
    total: int = 0  # every matching document
    partial: bool = False  # the time limit (or a failed shard) cut the search short
    facets: dict = field(default_factory=dict)  # see indexer.search.facets


class Backend(Protocol):
    """One search engine behind tracuu. Both engines subclass it and get ``search``, ``suggest``
    and ``vocabulary`` from it; the methods without a body are theirs to implement."""

    name: str
    synonyms: Synonyms
    default_site: str | None
    web_sites: list[str]  # the sites the Web scope covers (empty: all)
    time_limit: float  # seconds a search may take before it answers with what it has
    cache: SearchCache
    _vocabulary: VocabularyCache

    # -- reading, shared ----------------------------------------------------------------
    def search(self, request: SearchRequest) -> SearchResult:
        """The result of ``request``, from this process's cache when the same request was answered
        at this index version."""
        self.check_site(request.site)
        return pipeline.search(self, request)

    def overview(self, scope: str = "site", site: str | None = None, limit: int = browse.OVERVIEW_SIZE) -> SearchResult:
        """The home page's listing: the scope's newest ``limit`` documents and the kind and type
        counts of all of them (``indexer.search.browse.overview``), cached like a search."""
        return browse.overview(self, scope, site, limit)

    def suggest(self, q: str, scope: str = "site", site: str | None = None, limit: int = 8) -> list[dict]:
        """Autocomplete for the search box (``indexer.search.suggest.complete``)."""
        site = suggest_site(q, scope, site, self.default_site)
        self.check_site(site)
        if len((q or "").strip()) < MIN_PREFIX:
            return []
        voc = self.vocabulary()
        return complete(voc, q, limit=limit, site=site) if voc is not None else []

    def default_scope(self) -> str:
        """The scope of a search that names none, the same for the page, the API and the CLI:
        the department's own site ("site") when a default site is configured, else every site ("web")."""
        return "site" if self.default_site else "web"

    def known_sites(self) -> frozenset[str]:
        """The sites a search may name: those the live index holds (asked once per index version)
        and the configured ones (the default site, the Web scope's). Empty when nothing is indexed."""
        version = self.index_version()
        if version in pipeline.NO_VERSION:
            return frozenset()
        cached = getattr(self, "_known_sites", None)
        if cached is None or cached[0] != version:
            cached = self._known_sites = (version, frozenset(self.indexed_sites()))
        configured = {self.default_site, *self.web_sites} - {None, ""}
        return cached[1] | configured

    def check_site(self, site: str | None) -> None:
        """QueryError naming the known sites when ``site`` is none of them (nothing indexed: no
        check; the search itself says so)."""
        if not site:
            return
        known = self.known_sites()
        if known and site not in known:
            shown = site if len(site) <= MAX_SITE_SHOWN else site[:MAX_SITE_SHOWN] + "…"
            names = sorted(known)
            listed = ", ".join(names[:MAX_SITES_LISTED])
            if len(names) > MAX_SITES_LISTED:
                listed += f" và {len(names) - MAX_SITES_LISTED} trang khác"
            raise QueryError(f"Không có trang “{shown}” trong dữ liệu tìm kiếm. Các trang có thể chọn: {listed}.")

    def vocabulary(self, wait: bool | None = None, version: str | None = None) -> Vocabulary | None:
        """The live index's vocabulary (did-you-mean, autocomplete); while a large index's is built
        in the background, the previous version's (None before the first). No index: the engine's own error (IndexMissing ...).
        ``version``: the ``index_version()`` the caller has just read, not asked again."""
        version = version or self.index_version()
        if version in pipeline.NO_VERSION:
            self.doc_count()  # raises the clear error
            return None
        return self._vocabulary.get(version, self.build_vocabulary, self.doc_count, wait=wait)

    def warm_up(self) -> None:
        """Before a server forks: the vocabulary is built once and shared by its workers."""
        try:
            self.vocabulary(wait=True)
        except StoreError:
            pass  # no index yet, or the engine is down: workers build it when they can

    # -- reading, each engine's ------------------------------------------------------------
    def term_stats(self, parsed) -> TermStats:
        """Document count, document frequencies and keyword values for planning ``parsed``."""
        ...

    def retrieve(self, query: Node, allow: Node | None, request: SearchRequest) -> Retrieved:
        """The first stage: documents matching ``query`` and the filter ``allow``; by relevance
        the best ``max(page end, RERANK_WINDOW)`` candidates, sorted by date the page itself;
        the total and the facet counts (when ``request.facets``) of every match."""
        ...

    def related(self, doc_id: str, limit: int = 5) -> list[dict]:
        """Documents like ``doc_id`` (``indexer.search.related.related_item`` each); DocumentNotFound
        when it is not indexed."""
        ...

    def index_version(self) -> str:
        """Changes whenever the index does (caches, ETags); "none" when nothing is indexed,
        "unavailable" when the engine cannot be reached."""
        ...

    def doc_count(self) -> int:
        """Documents in the live index."""
        ...

    def indexed_sites(self) -> set[str]:
        """The site slugs of the live index's documents (``known_sites`` caches them per version)."""
        ...

    def stored(self, doc_id: str) -> dict | None:
        """The stored fields of one document (``Document.STORED_NAMES``, dates as datetimes, and
        ``indexed_at``); None when it is not in the live index."""
        ...

    def build_vocabulary(self) -> Vocabulary:
        """The live index's vocabulary, read from the engine (``suggest.vocabulary_from``)."""
        ...

    # -- writing ----------------------------------------------------------------------------
    def index_documents(self, items, on_document=None, on_problem=None, purpose: str = "index"):
        """Add or replace (same id) the Documents of ``items`` (SourceProblems are reported through
        ``on_problem``); returns an ``indexer.writing.IndexReport``."""
        ...

    def delete(self, ids) -> list[str]:
        """Delete documents by id; returns the ids that were not in the index."""
        ...

    def reindex(self, sources=(), sites=(), **callbacks):
        """A full rebuild into a new index, switched in atomically; ``indexer.writing.ReindexReport``."""
        ...

    def crawl(self, site, **options):
        """Crawl ``site`` (a SiteConfig) into the live index; an ``indexer.crawl`` CrawlReport."""
        ...

    # -- admin --------------------------------------------------------------------------------
    def stats(self) -> dict:
        """What is in the index: documents per site and kind, dates, crawls, size."""
        ...

    def check(self) -> dict:
        """A health check: ``{"ok": bool, "problems": [...], "notes": [...]}``."""
        ...
