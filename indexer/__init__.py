"""tracuu's index room: Vietnamese analysis, schema, sources, writing and searching.

This package never imports Flask; the web app and the CLI both call it.
"""

from .backends import BackendSettings, BackendUnavailable, open_backend
from .search import Hit, QueryError, SearchRequest, SearchResult, SearchService
from .sources import SourceProblem, UnsupportedSource, read_source
from .store import IndexLocked, IndexMissing, IndexStore, StoreError
from .writing import IndexReport, delete_documents, index_documents

__all__ = [
    "BackendSettings", "BackendUnavailable", "Hit", "IndexLocked", "IndexMissing", "IndexReport", "IndexStore", "QueryError", "SearchRequest",
    "SearchResult", "SearchService", "SourceProblem", "StoreError", "UnsupportedSource",
    "delete_documents", "index_documents", "open_backend", "read_source",
]
