"""The facets that narrow a search: kind, loại văn bản, năm, site, chuyên mục.

Each engine counts them over every matching document (not only the page shown) and
gives them in one shape: ``{facet: [{"value": ..., "count": n}, ...]}``, the most
frequent values first (years: newest first), empty values left out.
"""

from __future__ import annotations

# Facet name (also the request parameter that filters on it) -> indexed field.
FACET_FIELDS = {
    "kind": "kind",
    "doc_type": "doc_type",
    "year": "published",
    "site": "site",
    "category": "category",
}
MAX_VALUES = 20  # values shown per facet, the most frequent first
