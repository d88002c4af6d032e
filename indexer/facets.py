"""Facet counts that narrow a search: kind, loại văn bản, năm, site, chuyên mục.

Counts are collected by Whoosh in the same pass as the search (``groupedby``),
over every matching document, not only the page shown. Fields stored as
columns (indexes built since facets existed) are read from the column; older
indexes fall back to Whoosh's posting-list categorizer, which gives the same
counts more slowly. The year comes from the ``published`` column, so it works
on old indexes too.
"""

from __future__ import annotations

from datetime import datetime

from whoosh import query as Q
from whoosh import sorting
from whoosh.util.times import long_to_datetime

# Facet name (also the request parameter that filters on it) -> indexed field.
FACET_FIELDS = {
    "kind": "kind",
    "doc_type": "doc_type",
    "year": "published",
    "site": "site",
    "category": "category",
}
MAX_VALUES = 20  # values shown per facet, the most frequent first


def _year(value):
    """The year of a ``published`` column value (a Whoosh datetime long); None when unset."""
    if value is None or isinstance(value, (bytes, str)):
        return None
    try:
        when = value if isinstance(value, datetime) else long_to_datetime(int(value))
    except (OverflowError, ValueError, TypeError):
        return None
    return when.year if 1900 <= when.year <= 2200 else None


def groupedby(searcher) -> sorting.Facets:
    """The ``groupedby`` argument for a search: every facet the index's schema has, counting."""
    names = searcher.schema.names()
    facets = sorting.Facets()
    for name, field in FACET_FIELDS.items():
        if field not in names:
            continue
        facet = sorting.FieldFacet(field, maptype=sorting.Count)
        if name == "year":
            facet = sorting.TranslateFacet(_year, facet)
            facet.maptype = sorting.Count
        facets.add_facet(name, facet)
    return facets


def counts(results) -> dict[str, list[dict]]:
    """``{facet: [{"value": ..., "count": n}, ...]}`` from results searched with ``groupedby``.

    Values are the most frequent first (years: newest first); empty values are left out.
    """
    out: dict[str, list[dict]] = {}
    available = set(results.facet_names()) if hasattr(results, "facet_names") else set()
    for name in FACET_FIELDS:
        if name not in available:
            continue
        groups = results.groups(name)
        values = [(_clean(key), count) for key, count in groups.items()]
        values = [(key, count) for key, count in values if key not in (None, "")]
        if name == "year":
            values.sort(key=lambda kv: -int(kv[0]))
        else:
            values.sort(key=lambda kv: (-kv[1], str(kv[0])))
        out[name] = [{"value": key, "count": count} for key, count in values[:MAX_VALUES]]
    return out


def _clean(key):
    if isinstance(key, bytes):
        key = key.decode("utf-8", "replace")
    if isinstance(key, int):
        return str(key)
    return key


def filter_query(kind=None, doc_type=None, year=None, site=None, category=None) -> list[Q.Query]:
    """Whoosh filter queries for the facet values a visitor picked."""
    filters: list[Q.Query] = []
    for field, value in (("kind", kind), ("doc_type", doc_type), ("site", site), ("category", category)):
        if value:
            filters.append(Q.Term(field, value))
    if year:
        filters.append(Q.DateRange("published", datetime(year, 1, 1), datetime(year, 12, 31, 23, 59, 59, 999999)))
    return filters
