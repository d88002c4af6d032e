"""The one Whoosh schema for articles and legal notices.

Text is indexed three times (``indexer.analysis``): ``*_x`` fields hold syllables and
adjacent-syllable pairs as written (lower case), ``*_f`` fields the same units accent-folded,
and the word fields pyvi words. Stored fields are what a result line and its highlighted
snippet need; the index fields themselves are not stored.

``SCHEMA_VERSION`` 1 indexes (folded syllables with positions, no units) still serve: the
plan is rewritten for them (``indexer.search.plan.for_syllable_index``) and ``tracuu check``
advises a reindex.
"""

from __future__ import annotations

from whoosh import columns, fields

from ...analysis import unit_analyzer, word_analyzer

SCHEMA_VERSION = 2

def build_schema() -> fields.Schema:
    word = word_analyzer()
    exact = unit_analyzer(folded=False)
    folded = unit_analyzer(folded=True)
    return fields.Schema(
        id=fields.ID(stored=True, unique=True),
        # Facet fields are columns too (sortable), so facet counts read them fast.
        kind=fields.ID(stored=True, sortable=True),
        site=fields.ID(stored=True, sortable=True),
        url=fields.STORED(),
        # Searchable text
        title=fields.TEXT(analyzer=word, phrase=False, stored=True),
        title_x=fields.TEXT(analyzer=exact, phrase=False),
        title_f=fields.TEXT(analyzer=folded, phrase=False),
        content=fields.TEXT(analyzer=word, phrase=False),
        content_x=fields.TEXT(analyzer=exact, phrase=False),
        content_f=fields.TEXT(analyzer=folded, phrase=False),
        # Shown in results
        summary=fields.STORED(),
        body=fields.STORED(),
        published=fields.DATETIME(stored=True, sortable=True),
        category=fields.ID(stored=True, sortable=True),
        # Legal notices
        doc_number=fields.STORED(),
        doc_number_key=fields.ID(),
        doc_type=fields.ID(stored=True, sortable=True),
        issuer=fields.STORED(),
        effective=fields.DATETIME(stored=True),
        # One article of a long legal text (indexer.document.Document.parent_id)
        parent_id=fields.ID(stored=True),
        parent_title=fields.STORED(),
        article=fields.STORED(),
        indexed_at=fields.DATETIME(stored=True),
        # What the rerank features read (indexer.search.rerank.rerank_head), apart from the stored
        # fields: a large document's body is not decompressed for each query it is a candidate of.
        head=fields.COLUMN(columns.CompressedBytesColumn()),
    )


def schema_version(schema) -> int:
    """2 for an index with unit fields, 1 for the older syllable-only schema."""
    return SCHEMA_VERSION if "content_x" in schema else 1
