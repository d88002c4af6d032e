"""Ranking behaviours pinned on a small index written for these tests, on both engines (Whoosh
and OpenSearch: ``make_backend``) wherever they search."""

from __future__ import annotations

from datetime import datetime

import pytest

from helpers.engines import app_config
from indexer import IndexStore, SearchRequest, index_documents
from indexer.document import Document

DOCS = [
    # Document numbers: one number and year, three kinds of document.
    Document(id="nd-87", title="Nghị định về giám sát đầu tư vốn nhà nước vào doanh nghiệp", doc_number="87/2015/NĐ-CP",
             doc_type="Nghị định", kind="legal", site="congbao", published=datetime(2015, 10, 6),
             body="Nghị định này quy định giám sát đầu tư vốn nhà nước vào doanh nghiệp."),
    Document(id="luat-87", title="Luật hoạt động giám sát của Quốc hội và Hội đồng nhân dân", doc_number="87/2015/QH13",
             doc_type="Luật", kind="legal", site="congbao", published=datetime(2015, 11, 20),
             body="Luật này quy định về hoạt động giám sát của Quốc hội, Hội đồng nhân dân."),
    Document(id="tt-87", title="Thông tư ban hành quy chuẩn kỹ thuật quốc gia về chất lượng xe", doc_number="87/2015/TT-BGTVT",
             doc_type="Thông tư", kind="legal", site="congbao", published=datetime(2015, 12, 31),
             body="Thông tư ban hành quy chuẩn kỹ thuật quốc gia."),
    Document(id="tin-cite", title="Hướng dẫn giám sát đầu tư năm 2016", site="dept", published=datetime(2016, 3, 1),
             body="Sở hướng dẫn thực hiện giám sát theo Nghị định 87/2015/NĐ-CP và Luật 87/2015/QH13."),
    # Abbreviations: the same body written two ways.
    Document(id="ubnd-long", title="Ủy ban nhân dân tỉnh ban hành kế hoạch cải cách hành chính", site="dept",
             body="Ủy ban nhân dân tỉnh ban hành kế hoạch cải cách thủ tục hành chính năm 2019."),
    Document(id="ubnd-short", title="UBND huyện họp về giải phóng mặt bằng", site="dept",
             body="UBND huyện Núi Thành họp bàn về giải phóng mặt bằng dự án."),
    Document(id="bhxh", title="Tuyên truyền chính sách BHXH tự nguyện", site="dept", published=datetime(2019, 4, 2),
             body="BHXH tỉnh phối hợp tuyên truyền chính sách bảo hiểm xã hội tự nguyện cho người lao động tự do."),
    # Tone placement: old style in one, new style in the other.
    Document(id="hoa-old", title="Hoà giải ở cơ sở", site="dept", body="Tổ hoà giải ở cơ sở giúp người dân giải quyết mâu thuẫn."),
    Document(id="thuy-new", title="Phòng chống thiên tai và thủy lợi", site="dept", body="Công trình thủy lợi được gia cố trước mùa mưa bão."),
    # Field weighting and all-words-first.
    Document(id="title-hit", title="Chính sách tiền lương mới", site="dept", body="Thông tin chung về cải cách hành chính năm nay."),
    Document(id="body-hit", title="Thông tin chung năm nay", site="dept", body="Chính sách tiền lương mới được áp dụng cho cán bộ."),
    Document(id="one-word", title="Tiền thưởng tiền thưởng tiền thưởng", site="dept", body="Tiền thưởng cuối năm cho người lao động."),
    Document(id="both-words", title="Quy định mới", site="dept", body="Quy định tiền thưởng cho người lao động xuất sắc."),
    # Recency as a tie-breaker: the same text, two dates.
    Document(id="old-news", title="Phiên giao dịch việc làm định kỳ", site="dept", published=datetime(2016, 1, 5),
             body="Trung tâm dịch vụ việc làm tổ chức phiên giao dịch việc làm."),
    Document(id="new-news", title="Phiên giao dịch việc làm định kỳ", site="dept", published=datetime(2024, 1, 5),
             body="Trung tâm dịch vụ việc làm tổ chức phiên giao dịch việc làm."),
    # A long question's answer: no document has every word of the question.
    Document(id="ket-hon", title="Luật Hôn nhân và gia đình - Điều 8. Điều kiện kết hôn", site="law", kind="legal",
             body="Nam từ đủ 20 tuổi trở lên, nữ từ đủ 18 tuổi trở lên; việc kết hôn do nam và nữ tự nguyện quyết định."),
    Document(id="ly-hon", title="Luật Hôn nhân và gia đình - Điều 51. Quyền yêu cầu giải quyết ly hôn", site="law", kind="legal",
             body="Vợ, chồng hoặc cả hai người có quyền yêu cầu Tòa án giải quyết ly hôn."),
    # Phrases with a stop word inside.
    Document(id="phrase-in", title="Bảo vệ và chăm sóc trẻ em", site="other", body="Công tác bảo vệ và chăm sóc trẻ em năm 2019."),
    Document(id="phrase-out", title="Chăm sóc sức khỏe và bảo vệ môi trường cho trẻ em", site="other",
             body="Chăm sóc sức khỏe, bảo vệ môi trường sống của trẻ em."),
]


@pytest.fixture(scope="module")
def service(make_backend, tmp_path_factory):
    return make_backend(tmp_path_factory.mktemp("relevance"), DOCS, cache_size=0)


def ids(service, q, **kwargs):
    return [h.id for h in service.search(SearchRequest(q=q, scope="web", **kwargs)).results]


@pytest.mark.parametrize("q", ["87/2015/NĐ-CP", "87/2015/nd-cp", "87/2015/ND-CP", "nghị định 87/2015", "nd 87/2015",
                               "NĐ 87/2015", "nghi dinh 87/2015", "Nghị định số 87/2015/NĐ-CP"])
def test_document_number_first_however_typed(service, q):
    assert ids(service, q)[0] == "nd-87"


@pytest.mark.parametrize("q, first", [("luật 87/2015", "luat-87"), ("thông tư 87/2015", "tt-87"),
                                      ("87/2015/QH13", "luat-87"), ("tt 87/2015", "tt-87")])
def test_document_type_picks_the_number_of_that_type(service, q, first):
    assert ids(service, q)[0] == first


def test_number_and_year_alone_finds_every_document_of_that_number(service):
    assert {"nd-87", "luat-87", "tt-87"} <= set(ids(service, "87/2015")[:4])


@pytest.mark.parametrize("q", ["UBND", "ubnd", "ủy ban nhân dân", "uy ban nhan dan", "Uỷ ban nhân dân"])
def test_abbreviation_and_expansion_find_each_other(service, q):
    assert {"ubnd-long", "ubnd-short"} <= set(ids(service, q))


def test_expansions_are_in_the_result(service):
    result = service.search(SearchRequest(q="chính sách BHXH", scope="web"))
    assert result.expansions == [{"term": "BHXH", "expansions": ["bảo hiểm xã hội"]}]
    assert result.to_dict()["expansions"] == result.expansions
    assert result.results[0].id == "bhxh"


@pytest.mark.parametrize("q", ["hoà giải", "hòa giải", "hoa giai", "HOÀ GIẢI"])
def test_tone_placement_case_and_diacritics_give_the_same_first_result(service, q):
    assert ids(service, q)[0] == "hoa-old"


@pytest.mark.parametrize("q", ["thuỷ lợi", "thủy lợi", "thuy loi"])
def test_old_tone_placement_query_finds_new_style_text(service, q):
    assert ids(service, q)[0] == "thuy-new"


def test_nfd_and_spacing_do_not_change_results(service):
    import unicodedata

    base = ids(service, "chính sách tiền lương")
    assert ids(service, unicodedata.normalize("NFD", "chính sách tiền lương")) == base
    assert ids(service, "  chính   sách\ttiền  lương ") == base


def test_title_match_ranks_above_body_match(service):
    assert ids(service, "chính sách tiền lương")[:2] == ["title-hit", "body-hit"]


def test_all_words_first(service):
    result = ids(service, "tiền thưởng quy định")
    assert result[0] == "both-words"
    assert "one-word" not in result  # a document with every word exists: only those are shown


def test_fallback_when_no_document_has_all_words(service):
    result = service.search(SearchRequest(q="tiền thưởng quy định xe máy", scope="web"))
    assert result.relaxed and result.total > 0
    assert result.results[0].id == "both-words"


def test_recency_breaks_ties(service):
    assert ids(service, "phiên giao dịch việc làm")[:2] == ["new-news", "old-news"]


@pytest.mark.parametrize("q", [
    "Nam nữ phải đủ bao nhiêu tuổi mới được đăng ký kết hôn theo quy định của pháp luật hiện hành, đúng hay sai?",
    "Nam nu phai du bao nhieu tuoi moi duoc dang ky ket hon theo quy dinh cua phap luat hien hanh, dung hay sai?",
])
def test_long_question_finds_its_article_first(service, q):
    result = service.search(SearchRequest(q=q, scope="web"))
    assert result.results[0].id == "ket-hon"
    assert result.relaxed


def test_quoted_phrase_keeps_its_stop_word(service):
    assert ids(service, '"bảo vệ và chăm sóc"') == ["phrase-in"]
    assert set(ids(service, "bảo vệ chăm sóc trẻ em")) >= {"phrase-in", "phrase-out"}
    assert ids(service, "bảo vệ và chăm sóc trẻ em")[0] == "phrase-in"


def test_exclusion(service):
    assert set(ids(service, "chăm sóc trẻ em -môi")) == {"phrase-in"}
    assert set(ids(service, 'chăm sóc trẻ em -"bảo vệ môi trường"')) == {"phrase-in"}


def test_or(service):
    assert {"ubnd-short", "thuy-new"} <= set(ids(service, "huyện OR thiên"))


@pytest.mark.parametrize("q, expected", [
    ("giám sát loai:luat", {"luat-87"}),
    ('giám sát loai:"nghị định"', {"nd-87"}),
    ("giám sát loai:nd", {"nd-87"}),
    ("giám sát nam:2016", {"tin-cite"}),
    ("giám sát nam:2015-2016", {"nd-87", "luat-87", "tin-cite"}),
    ("giám sát so:87/2015/QH13", {"luat-87"}),
    ("so:87/2015", {"nd-87", "luat-87", "tt-87"}),
    ("chăm sóc site:other", {"phrase-in", "phrase-out"}),
    ("giám sát -site:congbao", {"tin-cite"}),
    ("loai:tin giám sát", {"tin-cite"}),
])
def test_field_filters(service, q, expected):
    assert set(ids(service, q)) == expected


@pytest.mark.parametrize("q", ['giám sát "chưa đóng', "nam:abcd giám sát", "loai:khongco giám sát", "giám sát OR",
                               "-giám", "so:", 'loai:"', "site:"])
def test_malformed_syntax_is_a_plain_search(service, q):
    result = service.search(SearchRequest(q=q, scope="web"))
    assert result.total >= 0


def test_one_letter_typo_still_finds_the_document(service):
    # "thưỏng" is a typo of "thưởng": the other words still find the document.
    assert ids(service, "tiền thưỏng quy định")[0] == "both-words"


def test_related_documents(service):
    related = service.related("nd-87", limit=3)
    assert related and all(r["id"] != "nd-87" for r in related)
    assert "tin-cite" in [r["id"] for r in related]
    from indexer.errors import DocumentNotFound

    with pytest.raises(DocumentNotFound):
        service.related("khong-co")


def test_related_api(service):
    from webapp import create_app

    client = create_app(app_config(service, TESTING=True, RATE_LIMIT="")).test_client()
    response = client.get("/api/related/nd-87?limit=2")
    assert response.status_code == 200
    body = response.get_json()
    assert body["id"] == "nd-87" and 1 <= len(body["related"]) <= 2
    assert client.get("/api/related/khong-co").status_code == 404
    assert client.get("/api/related/nd-87?limit=0").status_code == 400
    search = client.get("/api/search?q=UBND&scope=web").get_json()
    assert search["expansions"] == [{"term": "UBND", "expansions": ["ủy ban nhân dân"]}]


def test_related_documents_never_give_a_script_link(make_backend, tmp_path):
    from webapp import create_app

    docs = [Document(id="a", site="s", title="Hội nghị bảo vệ trẻ em", url="https://s.gov.vn/a",
                     body="Tập huấn phòng chống đuối nước cho trẻ em vùng lũ."),
            Document(id="b", site="s", title="Bảo vệ trẻ em mùa lũ", url="javascript:alert(1)",
                     body="Phòng chống đuối nước cho trẻ em."),
            Document(id="c", site="s", title="Quyết định phê duyệt quy hoạch giao thông", body="Đường tỉnh 609."),
            Document(id="d", site="s", title="Thông báo tuyển dụng viên chức", body="Hồ sơ dự tuyển.")]
    backend = make_backend(tmp_path, docs, cache_size=0)
    related = backend.related("a")
    assert [r["id"] for r in related] == ["b"] and related[0]["url"] == ""
    client = create_app(app_config(backend, TESTING=True, RATE_LIMIT="")).test_client()
    assert client.get("/api/related/a").get_json()["related"][0]["url"] == ""


def test_admins_synonyms_file_in_the_app_config(service, tmp_path):
    from webapp import create_app

    extra = tmp_path / "synonyms.txt"
    extra.write_text("KHCC = kế hoạch cải cách\n", encoding="utf-8")
    client = create_app(app_config(service, TESTING=True, RATE_LIMIT="", SYNONYMS_FILES=[str(extra)])).test_client()
    body = client.get("/api/search?q=KHCC&scope=web").get_json()
    assert body["expansions"] == [{"term": "KHCC", "expansions": ["kế hoạch cải cách"]}]
    assert body["results"][0]["id"] == "ubnd-long"


def test_cli_synonyms_option(tmp_path, monkeypatch):
    from click.testing import CliRunner

    monkeypatch.setenv("TRACUU_SYNONYMS_FILES", "[]")  # the option sets it for `serve`; restored after the test

    from cli import main

    extra = tmp_path / "synonyms.txt"
    extra.write_text("KHCC = kế hoạch cải cách\n", encoding="utf-8")
    store = IndexStore(tmp_path / "ix")
    index_documents(store, DOCS)
    result = CliRunner().invoke(main, ["--index-dir", str(store.root), "--synonyms", str(extra), "search", "KHCC", "--json"])
    assert result.exit_code == 0, result.output
    assert '"ubnd-long"' in result.output
    missing = CliRunner().invoke(main, ["--index-dir", str(store.root), "--synonyms", str(tmp_path / "no.txt"), "search", "x"])
    assert missing.exit_code != 0


# -- Ranking features on the engine-neutral core (indexer.search.rerank) --------

def _rerank(q, docs, **weights):
    """Order of ``docs`` ({id: (title, body)}, given worst-first so the engine order never
    decides) after the ranking stage, every first-stage score equal and every syllable as rare."""
    from indexer.search import rerank as ranking
    from indexer.search.understand import parse

    saved = {name: getattr(ranking, name) for name in weights}
    try:
        for name, value in weights.items():
            setattr(ranking, name, value)
        candidates = [ranking.Candidate(doc_id, 1.0, {"id": doc_id, "title": title, "body": body})
                      for doc_id, (title, body) in docs.items()]
        idf = ranking.Idf(1000, lambda token: 1)
        return [c.item for c in ranking.rerank(candidates, parse(q), idf)]
    finally:
        for name, value in saved.items():
            setattr(ranking, name, value)


def test_short_query_prefers_the_title_it_is_all_of():
    docs = {
        "long-title": ("Bộ luật tố tụng - Điều 396. Đơn yêu cầu công nhận thuận tình ly hôn, thỏa thuận nuôi con",
                       "Vợ, chồng yêu cầu Tòa án công nhận thuận tình ly hôn."),
        "heading": ("Luật Hôn nhân và gia đình - Điều 55. Thuận tình ly hôn",
                    "Trong trường hợp vợ chồng cùng yêu cầu ly hôn, Tòa án công nhận thuận tình ly hôn."),
    }
    assert _rerank("thế nào là thuận tình ly hôn", docs)[0] == "heading"
    assert _rerank("thế nào là thuận tình ly hôn", docs, W_TITLE_FOCUS_SHORT=0.0)[0] == "long-title"


LONG_QUESTION = ("người lao động đơn phương chấm dứt hợp đồng lao động phải báo trước cho người sử dụng "
                 "lao động bao nhiêu ngày")


def test_long_question_prefers_the_article_that_says_it_in_a_row():
    docs = {
        "scattered": ("Luật - Điều 5. Quyền của người lao động",
                      "Người sử dụng lao động báo cáo; hợp đồng chấm dứt; người lao động đơn phương; phải trước ngày."),
        "in-a-row": ("Luật - Điều 35. Quyền đơn phương chấm dứt",
                     "Người lao động có quyền đơn phương chấm dứt hợp đồng lao động nhưng phải báo trước cho "
                     "người sử dụng lao động."),
    }
    assert _rerank(LONG_QUESTION, docs)[0] == "in-a-row"
    assert _rerank(LONG_QUESTION, docs, W_BIGRAM=0.0)[0] == "in-a-row"  # runs of three alone


def test_undiacritized_long_question_prefers_the_common_reading():
    """Folded, "bao ve" is "bảo vệ" (protect) in the best candidates, "báo về" (report back) elsewhere."""
    body = "Cơ quan {} môi trường phải công bố thông tin quan trắc và kế hoạch {} môi trường hằng năm."
    docs = {"bao-ve-report": ("Luật - Điều 9. Môi trường", body.format("báo về", "báo về"))}
    docs.update({f"bao-ve-{i}": (f"Luật - Điều {i}. Môi trường", body.format("bảo vệ", "bảo vệ")) for i in range(3)})
    q = "co quan bao ve moi truong phai cong bo thong tin quan trac nhu the nao"
    assert _rerank(q, docs)[-1] == "bao-ve-report"
    assert _rerank(q, docs, W_READING=0.0)[0] == "bao-ve-report"  # a tie otherwise: engine order


def test_a_document_number_puts_that_document_above_news_that_name_it():
    """"nghị định 20/2021" asks for the decree, not for the news whose title quotes its number."""
    from indexer.search import rerank as ranking
    from indexer.search.understand import parse

    def order(q, weight=ranking.W_DOC_NUMBER):
        docs = [  # worst first: the engine order never decides
            ("decree", "Quy định chính sách trợ giúp xã hội đối với đối tượng bảo trợ xã hội", "20/2021/NĐ-CP"),
            ("other-decree", "Quy định chính sách trợ giúp xã hội", "136/2013/NĐ-CP"),
            ("news", "Triển khai chính sách trợ giúp xã hội theo Nghị định 20/2021/NĐ-CP", None),
        ]
        candidates = [ranking.Candidate(i, 1.0, {"id": i, "title": t, "body": t, "doc_number": n})
                      for i, t, n in docs]
        saved, ranking.W_DOC_NUMBER = ranking.W_DOC_NUMBER, weight
        try:
            return [c.item for c in ranking.rerank(candidates, parse(q), ranking.Idf(1000, lambda t: 1))]
        finally:
            ranking.W_DOC_NUMBER = saved

    for q in ("nghị định 20/2021", "nd 20/2021", "nghi dinh 20/2021", "20/2021/nd-cp"):
        assert order(q)[0] == "decree", q
    assert order("nghị định 20/2021", weight=0.0)[0] == "news"  # the feature decides
