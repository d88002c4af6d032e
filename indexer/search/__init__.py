"""Searching, engine-neutral: the pipeline a query goes through and what it shares.

``pipeline.search`` runs the stages in order: ``understand`` -> ``plan`` -> the engine's
retrieve -> ``rerank`` -> ``present``. ``request`` holds the request and result types,
``suggest`` the vocabulary behind autocomplete and did-you-mean, ``cache`` the
per-process result cache, ``facets`` and ``related`` what both engines give in one shape.
"""

from .request import Hit, SearchRequest, SearchResult

__all__ = ["Hit", "SearchRequest", "SearchResult"]
