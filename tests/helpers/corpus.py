"""The shared sample corpus (tests/fixtures/documents.jsonl and the other source files): where the
files are, what is in them, and how to index them.

documents.jsonl holds 12 documents of two department sites; the fixtures built on it are
``corpus_*`` in tests/conftest.py.
"""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
DOCUMENTS_JSONL = FIXTURES / "documents.jsonl"
NOTICES_CSV = FIXTURES / "notices.csv"
MIXED_JSONL = FIXTURES / "mixed.jsonl"
HTML_DIR = FIXTURES / "html"

# The department site and the second site of documents.jsonl.
DEPT_SITE = "sldtbxh"
OTHER_SITE = "stttt"
# Articles about child protection ("bảo vệ trẻ em") in documents.jsonl, per site.
CHILD_PROTECTION_DEPT = {"tin-001", "tin-002"}
CHILD_PROTECTION_OTHER = {"tin-006"}


def index_source(index_dir, *sources, site=None, kind=None):
    """Index sources into ``index_dir`` (Whoosh) through the public indexer API; returns the report."""
    from indexer import IndexStore, index_documents, read_source

    def items():
        for source in sources:
            yield from read_source(source, site=site, kind=kind)

    return index_documents(IndexStore(index_dir), items())
