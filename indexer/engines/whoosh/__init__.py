"""The Whoosh engine: the embedded index under an index home (``store``).

Searching runs the shared pipeline (``indexer.search``) over this engine's first stage
(``retrieve``, with plans translated by ``translate``); writing is ``writing``,
administration ``stats``. Each thread keeps its own Whoosh searcher (opening one costs
~15 ms; sharing one between threads is unsafe) and refreshes it when the index changes
or a rebuild switches generations.
"""

from __future__ import annotations

import os
import re
import threading

from ...errors import StoreError
from ...search.cache import DEFAULT_SIZE as DEFAULT_CACHE_SIZE
from ...search.cache import SearchCache
from ...search.plan import for_syllable_index
from ...search.request import DEFAULT_TIME_LIMIT
from ...search.suggest import VocabularyCache
from ...synonyms import Synonyms
from ...synonyms import load as load_synonyms
from ..base import Backend, BackendSettings, Retrieved
from . import retrieve as first_stage
from . import segment_files
from .related import related as related_documents
from .schema import SCHEMA_VERSION, schema_version
from .store import IndexStore
from .translate import to_whoosh
from .vocabulary import build_vocabulary

_TOC_NAME = re.compile(r"_.+_(\d+)\.toc")

__all__ = ["IndexStore", "WhooshBackend"]


class WhooshBackend(Backend):
    """Searches and writes one index home; safe to share between threads."""

    name = "whoosh"

    def __init__(self, store: IndexStore, default_site: str | None = None,
                 time_limit: float = DEFAULT_TIME_LIMIT, web_sites: list[str] | None = None,
                 cache_size: int = DEFAULT_CACHE_SIZE, synonyms: Synonyms | list | None = None):
        self.store = store
        # The shipped abbreviations plus an admin's files (a list of paths) or a ready table.
        self.synonyms = synonyms if isinstance(synonyms, Synonyms) else load_synonyms(synonyms or ())
        self.cache = SearchCache(cache_size)  # repeated requests, per process and index version
        self.default_site = default_site
        self.web_sites = list(web_sites or [])
        self.time_limit = time_limit
        self._vocabulary = VocabularyCache()
        self._local = threading.local()
        self.settings = BackendSettings(backend="whoosh", index_dir=store.root, default_site=default_site,
                                        time_limit=time_limit, web_sites=self.web_sites, cache_size=cache_size,
                                        synonyms=self.synonyms)

    @classmethod
    def from_settings(cls, settings: BackendSettings) -> "WhooshBackend":
        backend = cls(IndexStore(settings.index_dir), default_site=settings.default_site,
                      time_limit=settings.time_limit, web_sites=settings.web_sites,
                      cache_size=settings.cache_size, synonyms=settings.synonyms)
        backend.settings = settings
        return backend

    def searcher(self):
        """This thread's searcher, reopened when a commit or a rebuild changed the index.

        Not ``Searcher.refresh()``: it reuses segment readers together with their old
        deletion sets, so deleted and replaced documents would keep showing. The searcher it
        replaces is closed one replacement later, not at once: the search that asked for the
        term statistics a moment before the commit may still be reading them.
        """
        generation = self.store.generation()
        local = self._local
        searcher = getattr(local, "searcher", None)
        if searcher is not None and local.generation == generation and searcher.up_to_date():
            return searcher
        retired = getattr(local, "retired", None)
        if retired is not None:
            retired.close()
        local.retired = searcher
        local.searcher = self.store.open().searcher()
        local.generation = generation
        return local.searcher

    # -- reading ------------------------------------------------------------------------------
    def term_stats(self, parsed):
        return self.searcher()  # a Whoosh searcher has doc_count, doc_frequency and lexicon

    def retrieve(self, query, allow, request) -> Retrieved:
        searcher = self.searcher()
        if schema_version(searcher.schema) < SCHEMA_VERSION:
            query = for_syllable_index(query)
        return first_stage.retrieve(searcher, to_whoosh(query),
                                    to_whoosh(allow) if allow is not None else None, request, self.time_limit)

    def related(self, doc_id: str, limit: int = 5) -> list[dict]:
        return related_documents(self.searcher(), doc_id, limit=limit)

    def index_version(self) -> str:
        """The live generation and its newest table of contents.

        Every commit writes a TOC with the next number (``_<name>_<N>.toc``) and removes older
        ones, so the highest number read from the names is enough: no stat of a file a commit
        may be deleting at that very moment.
        """
        try:
            path = self.store.live_path()
            names = os.listdir(path)
        except (StoreError, OSError):
            return "none"
        numbers = [int(m.group(1)) for m in map(_TOC_NAME.fullmatch, names) if m]
        return f"{path.name}:{max(numbers, default=0)}"

    def doc_count(self) -> int:
        return self.searcher().doc_count()

    def stored(self, doc_id: str) -> dict | None:
        return self.searcher().document(id=doc_id)

    def indexed_sites(self) -> set[str]:
        """The ``site`` field's lexicon; a term left by deleted documents only until their segment
        is merged, so each term is checked for a live document when the index has deletions."""
        searcher = self.searcher()
        reader = searcher.reader()
        sites = {raw.decode("utf-8") for raw in reader.lexicon("site")}
        if reader.has_deletions():
            sites = {site for site in sites if reader.postings("site", site).is_active()}
        return sites - {""}

    def warm_up(self) -> None:
        """Before a server forks: each thread's searcher will read the segments from the shared
        mapping instead of a private copy (``segment_files``; ~230 MB per searcher on a
        30,000-document index), and the vocabulary is built once for every worker."""
        segment_files.install()
        super().warm_up()

    def build_vocabulary(self):
        """Read with a searcher of its own: it may run in a background thread."""
        ix = self.store.open()
        try:
            with ix.searcher() as searcher:
                return build_vocabulary(searcher)
        finally:
            ix.close()

    # -- writing ------------------------------------------------------------------------------
    def index_documents(self, items, on_document=None, on_problem=None, purpose: str = "index"):
        from .writing import index_documents

        # Inside a server (the write API's applier) never fork analysis processes from a threaded worker.
        procs = 1 if purpose == "api" else None
        return index_documents(self.store, items, on_document=on_document, on_problem=on_problem, purpose=purpose,
                               procs=procs)

    def delete(self, ids) -> list[str]:
        from .writing import delete_documents

        return delete_documents(self.store, ids)

    def reindex(self, sources=(), sites=(), **callbacks):
        from .writing import reindex

        return reindex(self.store, sources, sites, **callbacks)

    def crawl(self, site, **options):
        from .writing import crawl

        return crawl(self.store, site, **options)

    # -- admin --------------------------------------------------------------------------------
    def stats(self) -> dict:
        from .stats import index_stats

        return index_stats(self.store)

    def check(self) -> dict:
        from .stats import check_index

        return check_index(self.store)
