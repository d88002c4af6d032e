"""A commit between two stages of one search must not close the searcher the first stage is
still reading (the write API commits while visitors search)."""

from __future__ import annotations

from indexer import IndexStore, SearchRequest, WhooshBackend, index_documents
from indexer.document import Document


def test_a_commit_mid_search_leaves_the_earlier_searcher_readable(tmp_path):
    store = IndexStore(tmp_path)
    index_documents(store, [Document(id="a", title="Bảo vệ trẻ em", body="Bảo vệ trẻ em.", site="s")])
    backend = WhooshBackend(store, cache_size=0)
    stats = backend.term_stats(None)  # the statistics a search reads first
    index_documents(store, [Document(id="b", title="Bảo vệ trẻ em trên mạng", body="Trên mạng.", site="s")])
    assert backend.searcher() is not stats  # the commit is seen by the next stage ...
    assert stats.doc_count() == 1  # ... and the first stage's searcher still reads
    assert backend.search(SearchRequest(q="bảo vệ trẻ em", scope="web")).total == 2
