"""Facets and suggestions under the API: counts over every match (not just the page),
filters that combine, indexes written before facet columns existed, and the vocabulary
that did-you-mean and autocomplete read. Tests through the backend run on both engines
(Whoosh and OpenSearch, tests/backends.py); those about Whoosh's own index stay Whoosh-only."""

from __future__ import annotations

import pytest
from whoosh import fields

from backends import backend_name, make_backend  # noqa: F401
from webcorpus import DEPT, OTHER, WEB_CORPUS, build_web_index, web_index  # noqa: F401


@pytest.fixture(scope="module")
def service(make_backend, tmp_path_factory):
    from indexer import read_source

    return make_backend(tmp_path_factory.mktemp("web"), read_source(str(WEB_CORPUS)), default_site=DEPT)


def did_you_mean(service, q):
    return run(service, q, scope="web").suggestion


def run(service, q, **kwargs):
    from indexer import SearchRequest

    return service.search(SearchRequest(q=q, **kwargs))


def counts(result, facet):
    return {item["value"]: item["count"] for item in result.facets[facet]}


def test_counts_cover_every_match_not_only_the_page(service):
    result = run(service, "đăng ký kết hôn", per_page=1)
    assert len(result.results) == 1
    assert sum(counts(result, "kind").values()) == result.total == 14


def test_filters_combine_and_counts_follow_them(service):
    result = run(service, "kết hôn", scope="web", kind="legal", year=2022)
    assert result.total == 1 and result.results[0].doc_number == "1025/QĐ-UBND"
    assert counts(result, "kind") == {"legal": 1}
    assert counts(result, "year") == {"2022": 1}


def test_filters_apply_on_a_later_page_and_when_relaxed(service):
    page2 = run(service, "kết hôn", scope="web", kind="article", per_page=5, page=2)
    assert page2.results and {h.kind for h in page2.results} == {"article"}
    relaxed = run(service, "kết hôn xyzzyq", scope="web", site=OTHER)
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
    from webcorpus import WEB_CORPUS

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


def test_vocabulary_restores_diacritics_word_by_word(service):
    assert did_you_mean(service, "thu tuc dang ky ket hon") == "thủ tục đăng ký kết hôn"
    assert did_you_mean(service, "Thủ tục đăng ký kết hôn") is None  # case is not a mistake
    assert did_you_mean(service, "87/2015/NĐ-CP") is None
    assert did_you_mean(service, "") is None


def test_typed_diacritics_the_index_knows_are_kept(service):
    # "hồ sơ" is typed right; only the unaccented words get their marks back.
    assert did_you_mean(service, "hồ sơ dang ky") == "hồ sơ đăng ký"


def test_completion_of_a_partial_word(service):
    texts = [s["text"] for s in service.suggest("chung th", scope="web")]
    assert texts[0] == "chứng thực"


def test_typo_fixed_by_the_word_it_belongs_to(service):
    # "hôn" is one edit from "hpn", and so are other syllables; the neighbour "kết" decides.
    assert did_you_mean(service, "ket hpn") == "kết hôn"


def test_large_index_builds_its_vocabulary_in_the_background(tmp_path, monkeypatch):
    """No request waits for a large index's vocabulary: no suggestions until it is ready."""
    import time

    from indexer import IndexStore, SearchRequest, WhooshBackend
    from indexer.search import suggest

    build_web_index(tmp_path)
    monkeypatch.setattr(suggest, "SYNC_BUILD_DOCS", 0)
    service = WhooshBackend(IndexStore(tmp_path), default_site=DEPT)
    first = service.search(SearchRequest(q="thu tuc dang ky ket hon", scope="web"))
    assert first.total > 0 and first.suggestion is None
    deadline = time.monotonic() + 60
    while service.vocabulary() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    later = service.search(SearchRequest(q="thu tuc dang ky ket hon", scope="web"))
    assert later.suggestion == "thủ tục đăng ký kết hôn"
    assert service.suggest("dang k")[0]["text"] == "đăng ký kết hôn"


@pytest.mark.parametrize("typed, suggestion", [
    ('"thu tuc" dang ky -ket', '"thủ tục" đăng ký -kết'),
    ("(dang ky)", "(đăng ký)"),
    ("ket hpn?", "kết hôn?"),
])
def test_query_syntax_around_words_survives_did_you_mean(service, typed, suggestion):
    assert did_you_mean(service, typed) == suggestion


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
