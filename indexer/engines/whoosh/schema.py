"""The one Whoosh schema for articles and legal notices.

Text is indexed twice: word fields (pyvi words, diacritics kept) and ``*_f`` fields
(accent-folded syllables with positions). Stored fields are what a result line
and its highlighted snippet need; the index fields themselves are not stored.
"""

from __future__ import annotations

from whoosh import fields

from ...analysis import folded_analyzer, word_analyzer

# Fields searched for free text, with their boosts. Folded matches weigh less
# than word matches so that agreeing diacritics rank first.
WORD_FIELDS = {"title": 3.0, "content": 1.0}
FOLDED_FIELDS = {"title_f": 1.5, "content_f": 0.5}

def build_schema() -> fields.Schema:
    word = word_analyzer()
    folded = folded_analyzer()
    return fields.Schema(
        id=fields.ID(stored=True, unique=True),
        # Facet fields are columns too (sortable), so facet counts read them fast.
        kind=fields.ID(stored=True, sortable=True),
        site=fields.ID(stored=True, sortable=True),
        url=fields.STORED(),
        # Searchable text
        title=fields.TEXT(analyzer=word, phrase=False, stored=True),
        title_f=fields.TEXT(analyzer=folded, phrase=True),
        content=fields.TEXT(analyzer=word, phrase=False),
        content_f=fields.TEXT(analyzer=folded, phrase=True),
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
    )
