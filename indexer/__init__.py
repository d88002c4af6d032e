"""tracuu's index room: Vietnamese analysis, sources, crawling, the search pipeline and its engines.

This package never imports Flask; the web app and the CLI both call it, through
``open_backend`` (``indexer.engines``).
"""

from .engines import BackendSettings, open_backend
from .engines.whoosh import IndexStore, WhooshBackend
from .engines.whoosh.writing import delete_documents, index_documents
from .errors import BackendUnavailable, DocumentNotFound, IndexLocked, IndexMissing, QueryError, StoreError
from .search import Hit, SearchRequest, SearchResult
from .sources import SourceProblem, UnsupportedSource, read_source
from .writing import IndexReport

__all__ = [
    "BackendSettings", "BackendUnavailable", "DocumentNotFound", "Hit", "IndexLocked", "IndexMissing", "IndexReport",
    "IndexStore", "QueryError", "SearchRequest", "SearchResult", "SourceProblem", "StoreError", "UnsupportedSource",
    "WhooshBackend", "delete_documents", "index_documents", "open_backend", "read_source",
]
