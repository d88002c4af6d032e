"""The index vocabulary (``indexer.search.suggest``) read from a Whoosh index."""

from __future__ import annotations

from ...search.suggest import PAIR_FIELDS, SYLLABLE_FIELDS, WORD_FIELDS, Vocabulary, min_pair_df, vocabulary_from


def _terms(reader, fieldname: str):
    """(text, doc frequency) of a field, segment by segment: Whoosh's merged iteration over
    many segments is ~15x slower. A term in several segments comes once per segment."""
    leaves = reader.leaf_readers() if hasattr(reader, "leaf_readers") else [(reader, 0)]
    for leaf, _ in leaves:
        if fieldname not in leaf.indexed_field_names():
            continue
        for text, info in leaf.iter_field(fieldname):
            if isinstance(text, bytes):
                text = text.decode("utf-8", "replace")
            yield text, info.doc_frequency()


def build_vocabulary(searcher) -> Vocabulary:
    reader = searcher.reader()
    return vocabulary_from(
        (term for fieldname in WORD_FIELDS for term in _terms(reader, fieldname)),
        (term for fieldname in SYLLABLE_FIELDS for term in _terms(reader, fieldname)),
        ((s.get("title") or "", s.get("site", ""), s.get("url", "")) for s in reader.all_stored_fields()),
        (term for fieldname in PAIR_FIELDS for term in _terms(reader, fieldname) if "_" in term[0]),
        min_pair_df(reader.doc_count()))
