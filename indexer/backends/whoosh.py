"""The Whoosh backend: the embedded index, exactly as ``SearchService`` and ``indexer.writing`` run it.

A thin wrapper: searching is inherited from ``SearchService`` unchanged, writing and
admin calls go to ``indexer.writing`` and ``indexer.stats`` with this backend's store.
"""

from __future__ import annotations

import os
import re

from ..search import SearchService
from ..store import IndexStore, StoreError


_TOC_NAME = re.compile(r"_.+_(\d+)\.toc")


class WhooshBackend(SearchService):
    name = "whoosh"

    def __init__(self, settings):
        super().__init__(IndexStore(settings.index_dir), default_site=settings.default_site,
                         time_limit=settings.time_limit, web_sites=settings.web_sites,
                         cache_size=settings.cache_size, synonyms=settings.synonyms)
        self.settings = settings

    # -- writing ----------------------------------------------------------------------------
    def index_documents(self, items, on_document=None, on_problem=None, purpose: str = "index"):
        from ..writing import index_documents

        return index_documents(self.store, items, on_document=on_document, on_problem=on_problem, purpose=purpose)

    def delete(self, ids) -> list[str]:
        from ..writing import delete_documents

        return delete_documents(self.store, ids)

    def reindex(self, sources=(), sites=(), **callbacks):
        from ..writing import reindex

        return reindex(self.store, sources, sites, **callbacks)

    def crawl(self, site, **options):
        from ..writing import crawl

        return crawl(self.store, site, **options)

    # -- admin ------------------------------------------------------------------------------
    def stats(self) -> dict:
        from ..stats import index_stats

        return index_stats(self.store)

    def check(self) -> dict:
        from ..stats import check_index

        return check_index(self.store)

    def index_version(self) -> str:
        """Changes whenever the live index does: its generation and its newest table of contents.

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

    def warm_up(self) -> None:
        """The index vocabulary behind autocomplete and "did you mean", built before workers fork.
        The searcher used is closed again: workers open their own."""
        from .. import suggest

        try:
            ix = self.store.open()
        except StoreError:
            return  # no index yet: workers build it when there is one
        try:
            with ix.searcher() as searcher:
                suggest.vocabulary(searcher, wait=True)
        finally:
            ix.close()
