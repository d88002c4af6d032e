"""Facet counts (``indexer.search.facets``) over a Whoosh index.

Counts cover every matching document, not only the page shown: ``count_docs``
counts the set of matching documents (``docsets``) against each
document's facet value. The values come from Whoosh's own categorizers (the
same keys its ``groupedby`` would give), read once per segment and kept per
process (``keys``): a segment never changes, so every thread's searcher and every
later search share them. Fields stored as columns (indexes built since facets
existed) are read from the column; older indexes fall back to Whoosh's
posting-list categorizer (read per searcher). The year comes from the
``published`` column, so it works on old indexes too.
"""

from __future__ import annotations

import threading
from collections import Counter
from datetime import datetime

from cachetools import LRUCache
from whoosh import sorting
from whoosh.util.times import long_to_datetime

from ...search.facets import FACET_FIELDS, MAX_VALUES


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
    available = set(results.facet_names()) if hasattr(results, "facet_names") else set()
    return _format({name: results.groups(name) for name in FACET_FIELDS if name in available})


# Per segment and facet: (distinct keys, key index of each document). Segments are immutable,
# so the entry of a segment id stays right for as long as the segment lives.
_SEGMENT_KEYS: LRUCache = LRUCache(maxsize=512)
_LOCK = threading.Lock()


def keys(searcher, name: str, facet=None, raw: bool = False) -> list:
    """The facet key of every document of ``searcher`` (by global document number).

    ``facet`` defaults to the one ``groupedby`` uses for ``name``; the keys are what Whoosh's
    grouping would file each document under (``key_to_name(key_for(...))``), or with ``raw`` the
    sort keys its SortingCollector orders by (``key_for``).
    """
    cached = getattr(searcher, "_tracuu_facet_keys", None)
    if cached is None:
        cached = searcher._tracuu_facet_keys = {}
    if name in cached:
        return cached[name]
    if facet is None:
        facet = groupedby(searcher).items()
        facet = dict(facet)[name]
    categorizer = facet.categorizer(searcher)
    out: list = []
    for sub, offset in searcher.leaf_searchers():
        reader = sub.reader()
        segment = getattr(reader, "segment", None)
        field = getattr(facet, "fieldname", None) or FACET_FIELDS.get(name)
        # Only column-backed keys are per segment (the posting categorizer is global).
        cache_key = None
        if segment is not None and field and reader.has_column(field):
            try:
                cache_key = (segment().segment_id(), name)
            except Exception:
                cache_key = None
        entry = _SEGMENT_KEYS.get(cache_key) if cache_key else None
        if entry is None:
            categorizer.set_searcher(sub, offset)
            distinct: dict = {}
            key_for = categorizer.key_for
            name_of = (lambda key: key) if raw else categorizer.key_to_name
            codes = [distinct.setdefault(name_of(key_for(None, d)), len(distinct))
                     for d in range(reader.doc_count_all())]
            entry = (list(distinct), codes)
            if cache_key:
                with _LOCK:
                    _SEGMENT_KEYS[cache_key] = entry
        values, codes = entry
        out.extend(values[c] for c in codes)
    cached[name] = out
    return out


def sort_keys(searcher, field: str) -> list:
    """Whoosh's sort key of ``field`` (a column) for every document, by global document number."""
    return keys(searcher, "sort:" + field, sorting.FieldFacet(field), raw=True)


def count_docs(searcher, docs) -> dict[str, list[dict]]:
    """The facet counts (as ``counts``) of the documents ``docs`` (global document numbers)."""
    groups = {}
    for name, facet in groupedby(searcher).items():
        per_doc = keys(searcher, name, facet)
        groups[name] = Counter(map(per_doc.__getitem__, docs))
    return _format(groups)


def _format(groups: dict) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for name in FACET_FIELDS:
        if name not in groups:
            continue
        values = [(_clean(key), count) for key, count in groups[name].items()]
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
