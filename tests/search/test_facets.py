"""Facet counts and filters through the backend: counts over every match (not just the page),
filters that combine and follow paging and relaxed queries, documents without a date, indexes
written before facet columns existed, and searches that leave the facets out. Tests through the
backend run on both engines (``web_backend``); those about Whoosh's own index stay Whoosh-only."""

from __future__ import annotations

from whoosh import fields

from helpers.webcorpus import DEPT, OTHER, WEB_CORPUS


def run(service, q, **kwargs):
    from indexer import SearchRequest

    return service.search(SearchRequest(q=q, **kwargs))


def counts(result, facet):
    return {item["value"]: item["count"] for item in result.facets[facet]}


def test_counts_cover_every_match_not_only_the_page(web_backend):
    result = run(web_backend, "đăng ký kết hôn", per_page=1)
    assert len(result.results) == 1
    assert sum(counts(result, "kind").values()) == result.total == 14


def test_filters_combine_and_counts_follow_them(web_backend):
    result = run(web_backend, "kết hôn", scope="web", kind="legal", year=2022)
    assert result.total == 1 and result.results[0].doc_number == "1025/QĐ-UBND"
    assert counts(result, "kind") == {"legal": 1}
    assert counts(result, "year") == {"2022": 1}


def test_filters_apply_on_a_later_page_and_when_relaxed(web_backend):
    page2 = run(web_backend, "kết hôn", scope="web", kind="article", per_page=5, page=2)
    assert page2.results and {h.kind for h in page2.results} == {"article"}
    relaxed = run(web_backend, "kết hôn xyzzyq", scope="web", site=OTHER)
    assert relaxed.relaxed and {h.site for h in relaxed.results} == {OTHER}


def test_year_without_a_date_is_not_a_facet_value(make_backend, tmp_path):
    from indexer import SearchRequest
    from indexer.document import Document

    backend = make_backend(tmp_path, [Document(id="a", site="s", title="Lịch tiếp công dân"),
                                      Document(id="b", site="s", title="Lịch tiếp công dân tháng 5")])
    result = backend.search(SearchRequest(q="lịch tiếp", scope="web"))
    assert result.total == 2 and result.facets["year"] == []
    assert result.facets["kind"] == [{"value": "article", "count": 2}]


def test_index_written_before_facet_columns_still_counts(tmp_path, monkeypatch):
    """Indexes built with the first schema (ID fields without columns) keep working."""
    from indexer import IndexStore, SearchRequest, WhooshBackend, index_documents, read_source
    from indexer.engines.whoosh import schema
    from indexer.engines.whoosh import store

    def old_schema():
        new = schema.build_schema()
        for name in ("kind", "site", "category", "doc_type"):
            new.remove(name)
            new.add(name, fields.ID(stored=True))
        return new

    monkeypatch.setattr(store, "build_schema", old_schema)
    index_documents(IndexStore(tmp_path), read_source(str(WEB_CORPUS)))
    monkeypatch.undo()
    ix = IndexStore(tmp_path).open()
    assert ix.schema["kind"].column_type is None  # really the old layout
    result = WhooshBackend(IndexStore(tmp_path), default_site=DEPT).search(
        SearchRequest(q="đăng ký kết hôn", scope="web", kind="legal"))
    assert result.total == 4
    assert counts(result, "doc_type") == {"Quyết định": 2, "Nghị định": 1, "Thông tư": 1}
    assert counts(result, "year")["2022"] == 1


def test_filtered_search_without_facets_keeps_only_the_top_hits_safely(tmp_path):
    """Without facets Whoosh collects only the top hits; with a filter that once tripped an
    assertion inside Whoosh's RequireMatcher (block-quality skipping)."""
    from indexer import IndexStore, SearchRequest, WhooshBackend, index_documents
    from indexer.document import Document

    docs = [Document(id=f"d{i}", site="a" if i % 2 else "b", kind="legal" if i % 3 else "article",
                     title=f"Thông báo số {i} về đăng ký kết hôn" + (" lưu động" if i % 5 == 0 else ""),
                     body="Hồ sơ đăng ký kết hôn nộp tại Ủy ban nhân dân cấp xã. " * (1 + i % 4))
            for i in range(130)]
    index_documents(IndexStore(tmp_path), docs)
    service = WhooshBackend(IndexStore(tmp_path), default_site="a", cache_size=0)
    for kwargs in ({"scope": "site"}, {"scope": "web", "kind": "article"}, {"scope": "web"}):
        with_facets = service.search(SearchRequest(q="đăng ký kết hôn", per_page=5, **kwargs))
        without = service.search(SearchRequest(q="đăng ký kết hôn", per_page=5, facets=False, **kwargs))
        assert without.facets == {} and with_facets.facets
        assert without.total == with_facets.total > 5
        assert [h.id for h in without.results] == [h.id for h in with_facets.results]
