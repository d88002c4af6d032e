"""Index and search through the backend (indexer.open_backend) and SearchRequest, on real indexes:
every test runs on Whoosh and on OpenSearch (``corpus_backend`` and ``make_backend``)."""

from __future__ import annotations

import re

import pytest

from helpers.corpus import CHILD_PROTECTION_DEPT, CHILD_PROTECTION_OTHER, DEPT_SITE, OTHER_SITE
from indexer import QueryError, SearchRequest, SearchResult
from indexer.document import Document

CHILD_PROTECTION = CHILD_PROTECTION_DEPT | CHILD_PROTECTION_OTHER


@pytest.fixture(scope="module")
def search(corpus_backend):
    """search(q, **request_fields) -> SearchResult on the sample corpus in this run's engine."""
    def run(q, **kwargs):
        return corpus_backend.search(SearchRequest(q=q, **kwargs))

    return run


def ids(result):
    return [h.id for h in result.results]


def marked(html):
    """The words inside <mark> ... </mark>."""
    return re.findall(r"<mark>(.*?)</mark>", html)


# -- Diacritics and folding ----------------------------------------------------------

@pytest.mark.parametrize("q", ["bảo vệ trẻ em", "bao ve tre em", "BẢO VỆ TRẺ EM", "Bao Ve Tre Em"])
def test_child_protection_articles_found_with_or_without_diacritics(search, q):
    result = search(q, scope="web")
    assert isinstance(result, SearchResult)
    assert set(ids(result)[:len(CHILD_PROTECTION)]) == CHILD_PROTECTION
    assert result.total == len(result.results) == len(CHILD_PROTECTION)


@pytest.mark.parametrize("q", ["bảo vệ trẻ em", "bao ve tre em"])
def test_snippets_mark_the_words_in_the_original_text(search, q):
    result = search(q, scope="web")
    for hit in result.results:
        words = {w.lower() for w in marked(hit.snippet)}
        # The marks carry the document's own diacritics, whatever the visitor typed, and cover
        # whole words: never "trẻ" or "bảo" alone.
        assert "trẻ em" in words, hit.snippet
        assert words <= {"bảo vệ", "trẻ em"}, hit.snippet
    hit = next(h for h in result.results if h.id == "tin-006")
    assert "<mark>bảo vệ</mark> <mark>trẻ em</mark>" in hit.snippet
    assert hit.title_html.startswith("<mark>Bảo vệ</mark> <mark>trẻ em</mark>")
    assert hit.title == "Bảo vệ trẻ em trên môi trường mạng"


def test_hit_fields(search):
    hit = next(h for h in search("bảo vệ trẻ em", scope="web").results if h.id == "tin-001")
    assert hit.url == "https://sldtbxh.quangnam.gov.vn/tin-tuc/tin-001"
    assert hit.site == DEPT_SITE
    assert hit.kind == "article"
    assert hit.published == "2019-01-28"
    assert hit.category == "Trẻ em"
    assert hit.doc_number is None
    assert hit.score > 0


@pytest.mark.parametrize("q", ["hoà nhập", "hòa nhập", "hoa nhap"])
def test_old_and_new_tone_placement_find_the_same_text(search, q):
    result = search(q, scope="web")
    assert ids(result)[:1] == ["tin-001"]
    hit = result.results[0]
    # The document writes "hoà" (old style): that is what gets marked.
    assert "<mark>hoà nhập</mark>" in hit.snippet


@pytest.fixture(scope="module")
def duong_service(make_backend, tmp_path_factory):
    """Two documents that differ only in đường / dương: the same syllable once folded."""
    return make_backend(tmp_path_factory.mktemp("duong"), [
        Document(id="duong-tree", title="Dự án trồng dương ven biển", body="Trồng rừng dương ven biển Tam Thanh.", site="s"),
        Document(id="duong-road", title="Dự án làm đường ven biển", body="Làm đường ven biển Tam Thanh.", site="s"),
    ])


@pytest.mark.parametrize("q, first", [
    ("đường", "duong-road"), ("dương", "duong-tree"),
    ("đường ven biển", "duong-road"), ("dương ven biển", "duong-tree"),
])
def test_diacritics_typed_match_exactly(duong_service, q, first):
    result = duong_service.search(SearchRequest(q=q, scope="web"))
    # Typed with diacritics, the other word (the same letters once folded) is not a match.
    assert ids(result) == [first]
    assert not result.relaxed
    assert q.split()[0] in marked(result.results[0].snippet)


def test_lookalikes_only_when_nothing_matches_exactly(duong_service):
    result = duong_service.search(SearchRequest(q="đướng ven biển", scope="web"))
    assert set(ids(result)) == {"duong-tree", "duong-road"}
    assert result.relaxed  # said on the page: these are not what was typed


def test_unaccented_query_matches_and_marks_every_accented_form(duong_service):
    result = duong_service.search(SearchRequest(q="duong", scope="web"))
    assert set(ids(result)) == {"duong-tree", "duong-road"}
    assert {w for h in result.results for w in marked(h.snippet)} == {"dương", "đường"}


# -- Document numbers ----------------------------------------------------------------

@pytest.mark.parametrize("q", ["87/2015/NĐ-CP", "87/2015/nd-cp", "87/2015/nđ-cp", "87/2015/ND-CP"])
def test_document_number_returns_that_notice_first(search, q):
    result = search(q, scope="web")
    assert ids(result)[0] == "vb-87-2015"
    assert result.results[0].doc_number == "87/2015/NĐ-CP"
    assert result.results[0].kind == "legal"
    # The article that cites the number is found too, below the notice itself.
    assert "tin-008" in ids(result)


@pytest.mark.parametrize("q, doc_id", [
    ("24/2015/TT-BTTTT", "vb-24-2015"), ("24/2015/tt-btttt", "vb-24-2015"),
    ("1437/QĐ-UBND", "vb-1437"), ("1437/qd-ubnd", "vb-1437"),
    ("38/2019/nd-cp", "vb-38-2019"), ("Nghị định 38/2019/NĐ-CP", "vb-38-2019"),
])
def test_other_document_numbers(search, q, doc_id):
    assert ids(search(q, scope="web"))[0] == doc_id


def test_document_number_in_text_is_highlighted_whole(search):
    hit = next(h for h in search("87/2015/NĐ-CP", scope="web").results if h.id == "tin-008")
    assert "<mark>87/2015/NĐ-CP</mark>" in hit.snippet


# -- Scope ---------------------------------------------------------------------------

def test_scope_web_returns_both_sites(search):
    result = search("bảo vệ trẻ em", scope="web")
    assert {h.site for h in result.results} == {DEPT_SITE, OTHER_SITE}
    assert result.site is None


@pytest.mark.parametrize("q", ["bảo vệ trẻ em", "bao ve tre em"])
def test_scope_site_returns_only_the_default_site(search, q):
    result = search(q)  # scope="site" is the default, site = the service's default site
    assert result.site == DEPT_SITE
    assert {h.site for h in result.results} == {DEPT_SITE}
    assert set(ids(result)) == CHILD_PROTECTION_DEPT
    assert result.total == len(result.results)


def test_scope_site_with_explicit_site(search):
    result = search("bảo vệ trẻ em", scope="site", site=OTHER_SITE)
    assert ids(result) == ["tin-006"]
    assert result.total == 1


def test_an_unknown_site_is_refused_naming_the_known_ones(search):
    from indexer import QueryError

    with pytest.raises(QueryError, match="Không có trang “khong-co-site-nay”.*sldtbxh"):
        search("bảo vệ trẻ em", scope="site", site="khong-co-site-nay")


def test_kind_filter(search):
    result = search("nghị định", scope="web", kind="legal")
    assert result.results
    assert {h.kind for h in result.results} == {"legal"}
    assert result.total == len(result.results)


# -- Paging and bounds -----------------------------------------------------------------

def test_paging(search):
    everything = search("trẻ em", scope="web", per_page=10)
    assert everything.total >= 3
    pages = [search("trẻ em", scope="web", per_page=1, page=n) for n in range(1, everything.total + 1)]
    assert {p.total for p in pages} == {everything.total}
    assert [len(p.results) for p in pages] == [1] * everything.total
    assert [ids(p)[0] for p in pages] == ids(everything)
    assert ids(pages[0]) != ids(pages[1])
    assert pages[0].pages == everything.total
    assert pages[1].page == 2
    beyond = search("trẻ em", scope="web", per_page=1, page=everything.total + 1)
    assert beyond.results == [] and beyond.total == everything.total


def test_page_two_differs_from_page_one(search):
    first = search("trẻ em", scope="web", per_page=2, page=1)
    second = search("trẻ em", scope="web", per_page=2, page=2)
    assert first.total == second.total
    assert ids(second) and not set(ids(first)) & set(ids(second))


@pytest.mark.parametrize("per_page", [1, 100])
def test_per_page_bounds_accepted(search, per_page):
    result = search("trẻ em", scope="web", per_page=per_page)
    assert result.per_page == per_page
    assert len(result.results) <= per_page


@pytest.mark.parametrize("fields", [
    {"per_page": 0}, {"per_page": 101}, {"per_page": -5}, {"page": 0}, {"page": -1},
    {"scope": "x"}, {"sort": "x"}, {"kind": "podcast"},
])
def test_out_of_range_parameters_raise_query_error(search, fields):
    with pytest.raises(QueryError):
        search("trẻ em", **fields)


def test_sort_newest(search):
    result = search("trẻ em", scope="web", sort="newest")
    dates = [h.published for h in result.results]
    assert dates == sorted(dates, reverse=True)


# -- Robustness ------------------------------------------------------------------------

@pytest.mark.parametrize("q", [
    'AND OR NOT ((( * ? ~ ^ field: "',
    "title:trẻ em", 'content_f:"bao ve', "*", "?", "~", "^", "(((", ")))", '"', "trẻ*", "tr?", "a~2",
    "NOT trẻ em", "trẻ AND em OR", "site:stttt", "[a TO z]", "{}", "\\", "bảo vệ trẻ em^5", "id:tin-001",
    "1/", "/2015/", "87/2015", "---", "./.",
])
def test_query_syntax_never_raises(search, q):
    result = search(q, scope="web")
    assert isinstance(result, SearchResult)
    assert result.total >= 0


def test_query_of_punctuation_only_returns_nothing(search):
    result = search(".,;:!?", scope="web")
    assert result.total == 0
    assert result.results == []


@pytest.mark.parametrize("q", ["", "   ", "\n"])
def test_blank_query_lists_the_newest_documents(search, q):
    """No words: a listing (the home page, a facet link followed without words), newest first."""
    result = search(q, scope="web")
    assert result.total > 0 and result.results
    dates = [hit.published for hit in result.results if hit.published]
    assert dates == sorted(dates, reverse=True)


def test_number_and_year_finds_the_notices_of_that_number(search):
    assert ids(search("87/2015", scope="web"))[0] == "vb-87-2015"


# -- Adding, replacing, deleting -------------------------------------------------------

@pytest.fixture()
def small_store(make_backend, tmp_path):
    """A backend (of either engine) with three documents, written and searched in the tests."""
    return make_backend(tmp_path / "ix", [
        Document(id="a", title="Hỗ trợ người lao động mất việc làm", body="Người lao động mất việc làm được hỗ trợ.", site="s"),
        Document(id="b", title="Tuyển sinh giáo dục nghề nghiệp", body="Các trường nghề tuyển sinh năm học mới.", site="s"),
        Document(id="x", title="Cảnh báo <script>alert(1)</script> trang giả mạo",
                 body='Trang giả mạo chèn <script>alert("xss")</script> vào thông báo về bảo hiểm xã hội & lương hưu.',
                 site="s"),
    ])


def doc_count(backend):
    return backend.stats()["documents"]


def test_adding_the_same_id_replaces_the_document(small_store):
    before = doc_count(small_store)
    small_store.index_documents([Document(id="a", title="Hỗ trợ người lao động tạm hoãn hợp đồng",
                                           body="Người lao động tạm hoãn hợp đồng được hỗ trợ.", site="s")])
    assert doc_count(small_store) == before
    service = small_store
    result = service.search(SearchRequest(q="tạm hoãn hợp đồng", scope="web"))
    assert ids(result) == ["a"]
    assert result.results[0].title == "Hỗ trợ người lao động tạm hoãn hợp đồng"
    assert service.search(SearchRequest(q="mất việc làm", scope="web")).total == 0


def test_delete_by_id(small_store):
    missing = small_store.delete(["b", "khong-co"])
    assert missing == ["khong-co"]
    assert doc_count(small_store) == 2
    service = small_store
    assert service.search(SearchRequest(q="tuyển sinh", scope="web")).total == 0
    assert service.search(SearchRequest(q="mất việc làm", scope="web")).total == 1


def test_running_service_sees_new_documents(small_store):
    service = small_store
    assert service.search(SearchRequest(q="cao tuổi", scope="web")).total == 0  # opens a searcher
    small_store.index_documents([Document(id="c", title="Chăm sóc người cao tuổi", site="s")])
    assert ids(service.search(SearchRequest(q="cao tuổi", scope="web"))) == ["c"]



def test_running_service_sees_replacements(small_store):
    service = small_store
    assert ids(service.search(SearchRequest(q="mất việc làm", scope="web"))) == ["a"]  # opens a searcher
    small_store.index_documents([Document(id="a", title="Hỗ trợ người lao động tạm hoãn hợp đồng",
                                           body="Người lao động tạm hoãn hợp đồng được hỗ trợ.", site="s")])
    assert ids(service.search(SearchRequest(q="tạm hoãn hợp đồng", scope="web"))) == ["a"]
    assert service.search(SearchRequest(q="mất việc làm", scope="web")).total == 0


def test_running_service_sees_deletions(small_store):
    service = small_store
    assert service.search(SearchRequest(q="tuyển sinh", scope="web")).total == 1  # opens a searcher
    small_store.delete(["b"])
    assert service.search(SearchRequest(q="tuyển sinh", scope="web")).total == 0


@pytest.mark.parametrize("q", ["script", "alert", "bảo hiểm", "trang giả mạo"])
def test_snippet_and_title_escape_document_html(small_store, q):
    result = small_store.search(SearchRequest(q=q, scope="web"))
    (hit,) = result.results
    for html in (hit.snippet, hit.title_html):
        assert "<script" not in html.lower()
        assert "</script" not in html.lower()
        assert re.sub(r"</?mark>", "", html).count("<") == 0
    assert "&lt;" in hit.title_html
    assert hit.title == "Cảnh báo <script>alert(1)</script> trang giả mạo"  # the plain title stays plain
