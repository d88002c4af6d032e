"""The OpenSearch index: settings, mapping, and documents analyzed in Python.

The Vietnamese analysis stays in Python (``indexer.analysis``): OpenSearch receives
pre-analyzed text and only splits it on whitespace, lower-cases it and (for the
syllable fields) folds accents while keeping the original token. Field names are
the Whoosh engine's, so the same plans (``indexer.search.plan``) apply:

* ``title``/``content``: pyvi words joined by ``_`` (``trẻ_em``), lower case;
* ``title_x``/``content_x`` and ``title_f``/``content_f``: the unit terms of
  ``indexer.analysis.unit_terms`` (syllables, protected tokens and adjacent-syllable pairs),
  as written and accent-folded, frequencies only (pairs do the work of phrases);
* keyword fields for ids, facets and document numbers; ``year`` for the year facet;
* ``v_*``: each document's distinct words and folded syllables (doc values only), from
  which the autocomplete / did-you-mean vocabulary is counted (``indexer.search.suggest``);
* ``doc``: the stored fields shown in results (not indexed).

The analyzed text is left out of ``_source``: ``doc`` holds what is needed to rebuild.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime

from whoosh.analysis import LowercaseFilter

from ...analysis import SyllableTokenizer, fold, unit_terms, word_analyzer
from ...document import Document

_WORDS = word_analyzer()
_SYLLABLES = SyllableTokenizer() | LowercaseFilter()
_LETTERS = re.compile(r"^[^\W\d_]+$")
MAX_ID_BYTES = 512  # OpenSearch's limit on _id
STORED = ("id", "title", "summary", "body", "url", "site", "kind", "category", "doc_number", "doc_type",
          "issuer", "published", "effective", "indexed_at", "parent_id", "parent_title", "article")
ANALYZED = ("title", "content", "title_x", "content_x", "title_f", "content_f")
MAPPING_VERSION = 2  # 1: folded syllables with positions, no unit fields (still served, see plan.for_syllable_index)
VOCABULARY_FIELDS = ("v_title_words", "v_content_words", "v_title_syl", "v_content_syl", "v_title_pairs",
                     "v_content_pairs")


def index_body(shards: int = 1, replicas: int = 0, previous: str | None = None) -> dict:
    """Settings and mappings of a new index."""
    keyword = {"type": "keyword"}
    vocab = {"type": "keyword", "index": False, "doc_values": True, "ignore_above": 200}
    return {
        "settings": {
            "index": {"number_of_shards": shards, "number_of_replicas": replicas},
            "analysis": {
                "analyzer": {
                    "tracuu_words": {"type": "custom", "tokenizer": "whitespace", "filter": ["lowercase"]},
                    "tracuu_units": {"type": "custom", "tokenizer": "whitespace"},
                },
            },
        },
        "mappings": {
            "_meta": {"tracuu": MAPPING_VERSION, "previous": previous},
            "_source": {"excludes": list(ANALYZED) + list(VOCABULARY_FIELDS)},
            "dynamic": "strict",
            "properties": {
                "id": keyword, "kind": keyword, "site": keyword, "category": keyword, "doc_type": keyword,
                "doc_number_key": keyword, "parent_id": keyword,
                "title": {"type": "text", "analyzer": "tracuu_words", "index_options": "freqs"},
                "content": {"type": "text", "analyzer": "tracuu_words", "index_options": "freqs"},
                **{name: {"type": "text", "analyzer": "tracuu_units", "index_options": "freqs"}
                   for name in ("title_x", "content_x", "title_f", "content_f")},
                "published": {"type": "date"},
                "year": {"type": "integer"},
                "indexed_at": {"type": "date"},
                **{name: vocab for name in VOCABULARY_FIELDS},
                "doc": {"type": "object", "enabled": False},
            },
        },
    }


def doc_key(doc_id: str) -> str:
    """The OpenSearch _id of a document id (long ids, e.g. URLs, are hashed)."""
    if len(doc_id.encode("utf-8")) <= MAX_ID_BYTES:
        return doc_id
    return "sha256:" + hashlib.sha256(doc_id.encode("utf-8")).hexdigest()


def _iso(value):
    return value.isoformat() if isinstance(value, datetime) else None


def to_source(doc: Document, version: int = MAPPING_VERSION) -> dict:
    """The document as OpenSearch receives it: analyzed in Python, stored fields under ``doc``.
    ``version`` 1: for an index of the older mapping (syllables with positions, no unit fields),
    which keeps taking writes until it is rebuilt."""
    fields = doc.index_fields()
    words = {name: [t.text for t in _WORDS(fields.get(name, ""))] for name in ("title", "content")}
    syllables = {name: [t.text for t in _SYLLABLES(fields.get(name, ""))] for name in ("title_f", "content_f")}
    units = {name: unit_terms(fields.get(name, ""), folded=False) for name in ("title_x", "content_x")}
    source = {
        "id": doc.id,
        "kind": doc.kind or None,
        "site": doc.site or None,
        "category": doc.category or None,
        "doc_type": doc.doc_type or None,
        "doc_number_key": fields.get("doc_number_key") or None,
        "parent_id": doc.parent_id or None,
        "title": " ".join(words["title"]),
        "content": " ".join(words["content"]),
        "title_x": " ".join(units["title_x"]),
        "content_x": " ".join(units["content_x"]),
        "title_f": " ".join(unit_terms(fields.get("title_f", ""), folded=True)),
        "content_f": " ".join(unit_terms(fields.get("content_f", ""), folded=True)),
        "published": _iso(doc.published),
        "year": doc.published.year if isinstance(doc.published, datetime) else None,
        "indexed_at": _iso(fields["indexed_at"]),
        "v_title_words": _vocabulary(words["title"]),
        "v_content_words": _vocabulary(words["content"]),
        "v_title_syl": _vocabulary(fold(t) for t in syllables["title_f"]),
        "v_content_syl": _vocabulary(fold(t) for t in syllables["content_f"]),
        "v_title_pairs": _vocabulary(t for t in units["title_x"] if "_" in t),
        "v_content_pairs": _vocabulary(t for t in units["content_x"] if "_" in t),
        "doc": {name: _iso(getattr(doc, name)) if name in ("published", "effective")
                else getattr(doc, name) for name in STORED if name != "indexed_at" and getattr(doc, name, None)},
    }
    source["doc"]["indexed_at"] = source["indexed_at"]
    if version < MAPPING_VERSION:
        for name in VERSION_2_FIELDS:
            source.pop(name, None)
        source["title_f"] = " ".join(syllables["title_f"])
        source["content_f"] = " ".join(syllables["content_f"])
    return {k: v for k, v in source.items() if v not in (None, "", [])}


VERSION_2_FIELDS = ("title_x", "content_x", "v_title_pairs", "v_content_pairs", "parent_id")


def _vocabulary(tokens) -> list[str]:
    """Distinct tokens the vocabulary keeps (letters only; ``_`` joins the syllables of a word)."""
    return sorted({t for t in tokens if _LETTERS.match(t.replace("_", ""))})


def stored_fields(source: dict) -> dict:
    """The ``doc`` part of a hit's _source, as Whoosh's stored fields (dates as datetimes)."""
    fields = dict(source.get("doc") or {})
    for name in ("published", "effective", "indexed_at"):
        value = fields.get(name)
        if isinstance(value, str):
            try:
                fields[name] = datetime.fromisoformat(value)
            except ValueError:
                fields[name] = None
    return fields


def to_document(source: dict) -> Document:
    """A stored document back as a Document (full rebuilds copy and re-analyze them)."""
    f = stored_fields(source)
    return Document.from_stored(f)
