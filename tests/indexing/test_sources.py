"""Sources: JSONL / JSONL.gz / CSV exports and saved HTML article pages become Documents."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest

from helpers.corpus import DOCUMENTS_JSONL, MIXED_JSONL, NOTICES_CSV
from helpers.pages import CHROME_TEXTS, CP1258_PAGE, NFD_PAGE, UTF8_PAGE, encode_cp1258, render_article
from indexer import SourceProblem, UnsupportedSource, read_source
from indexer.document import Document


def split(items):
    items = list(items)
    docs = [i for i in items if isinstance(i, Document)]
    problems = [i for i in items if isinstance(i, SourceProblem)]
    assert len(docs) + len(problems) == len(items)
    return docs, problems


def by_id(docs):
    return {d.id: d for d in docs}


def day(value):
    return value.date() if value is not None else None


# -- JSONL field mapping -------------------------------------------------------

@pytest.fixture(scope="module")
def jsonl_docs():
    docs, problems = split(read_source(DOCUMENTS_JSONL))
    assert problems == []
    return by_id(docs)


def test_jsonl_reads_every_record(jsonl_docs):
    assert len(jsonl_docs) == 12


def test_text_and_sapo_map_to_body_and_summary(jsonl_docs):
    doc = jsonl_docs["tin-001"]
    assert doc.title == "Hội nghị triển khai Chương trình Bảo vệ trẻ em và Bình đẳng giới năm 2019"
    assert doc.body.startswith("Sáng ngày 25/01/2019, tại thành phố Tam Kỳ")
    assert "hoà nhập cộng đồng" in doc.body
    assert doc.summary.startswith("Sở Lao động – Thương binh và Xã hội tổ chức Hội nghị")
    assert doc.url == "https://sldtbxh.quangnam.gov.vn/tin-tuc/tin-001"
    assert doc.site == "sldtbxh"
    assert doc.kind == "article"
    assert doc.category == "Trẻ em"


def test_body_and_summary_fields_map_too(jsonl_docs):
    doc = jsonl_docs["tin-003"]
    assert doc.summary == "Tháng hành động vì bình đẳng giới năm 2019 được phát động tại Quảng Nam."
    assert doc.body.startswith("Tháng hành động vì bình đẳng giới nhằm nâng cao nhận thức")


def test_dates_in_vietnamese_order_and_iso_8601(jsonl_docs):
    assert day(jsonl_docs["tin-001"].published) == date(2019, 1, 28)  # "28/01/2019"
    assert day(jsonl_docs["tin-004"].published) == date(2020, 3, 12)  # "12/03/2020", not 3 December
    assert day(jsonl_docs["tin-002"].published) == date(2019, 5, 20)  # ISO with time and offset
    assert day(jsonl_docs["tin-003"].published) == date(2019, 11, 15)  # "published": ISO date
    assert day(jsonl_docs["tin-007"].published) == date(2020, 8, 10)


def test_legal_notice_fields(jsonl_docs):
    doc = jsonl_docs["vb-87-2015"]
    assert doc.doc_number == "87/2015/NĐ-CP"
    assert doc.doc_type == "Nghị định"
    assert doc.issuer == "Chính phủ"
    assert day(doc.published) == date(2015, 10, 6)
    assert day(doc.effective) == date(2015, 11, 20)


def test_doc_number_without_kind_means_legal(jsonl_docs):
    assert jsonl_docs["vb-87-2015"].kind == "legal"
    assert jsonl_docs["vb-1437"].kind == "legal"
    assert jsonl_docs["vb-24-2015"].kind == "legal"  # given explicitly
    # No kind and no doc_number: an article, even when the text cites a number.
    assert jsonl_docs["tin-008"].kind == "article"
    assert jsonl_docs["tin-002"].kind == "article"


def test_site_and_kind_are_defaults_for_records_lacking_them():
    docs = by_id(split(read_source(DOCUMENTS_JSONL, site="portal", kind="legal"))[0])
    assert docs["tin-001"].site == "sldtbxh"  # the record names its site
    assert docs["tin-001"].kind == "article"  # and its kind
    assert docs["tin-002"].kind == "legal"  # no kind in the record: the default
    docs = by_id(split(read_source(MIXED_JSONL, site="portal", kind="legal"))[0])
    assert docs["good-1"].site == "portal"
    assert docs["good-1"].kind == "legal"


def test_site_defaults_to_the_file_name():
    docs = split(read_source(MIXED_JSONL))[0]
    assert {d.site for d in docs} == {"mixed"}
    docs = split(read_source(NOTICES_CSV))[0]
    assert {d.site for d in docs} == {"notices"}


def test_text_is_stored_nfc(tmp_path):
    path = tmp_path / "nfd.jsonl"
    record = '{"id": "n1", "title": "Quyết định về trẻ em", "text": "Ủy ban nhân dân tỉnh quyết định."}\n'
    path.write_text(unicodedata.normalize("NFD", record), encoding="utf-8")
    (doc,) = split(read_source(path))[0]
    assert doc.title == "Quyết định về trẻ em"
    assert doc.body == "Ủy ban nhân dân tỉnh quyết định."


# -- Bad lines -------------------------------------------------------------------

@pytest.fixture(scope="module")
def mixed():
    return split(read_source(MIXED_JSONL))


def test_good_lines_are_all_read_around_bad_ones(mixed):
    docs, _ = mixed
    ids = set(by_id(docs))
    assert {"good-1", "good-2", "https://example.gov.vn/tin/good-3"} <= ids
    assert not ids & {"bad-json", "bad-kind"}


def test_a_record_without_id_uses_its_url_and_a_title_from_its_text(mixed):
    doc = by_id(mixed[0])["https://example.gov.vn/tin/good-3"]
    assert doc.url == "https://example.gov.vn/tin/good-3"
    assert doc.title == "Bản tin không có tiêu đề nhưng có nội dung về chăm sóc người cao tuổi."


@pytest.mark.parametrize("line, words", [
    (2, "JSON"),
    (3, "đối tượng"),
    (4, "id"),
    (7, "podcast"),
    (8, "31/02/2020"),
])
def test_bad_lines_are_reported_with_their_line_number(mixed, line, words):
    problems = [p for p in mixed[1] if p.line == line]
    assert problems, f"line {line} not reported; problems: {[str(p) for p in mixed[1]]}"
    assert any(words in p.message for p in problems)
    assert all(p.path.endswith("mixed.jsonl") for p in problems)
    assert any(f"mixed.jsonl:{line}:" in str(p) for p in problems)


def test_only_bad_lines_are_reported(mixed):
    assert {p.line for p in mixed[1]} == {2, 3, 4, 7, 8, 9}  # 8: bad date and 9: no title, both repaired


def test_bad_lines_are_skipped(mixed):
    docs, _ = mixed
    titles = {d.title for d in docs}
    assert "Loại không rõ" not in titles  # unknown kind
    assert "Không có id và url" not in titles  # no id and no url
    # The record with an impossible date (31/02) is either skipped or indexed
    # without a date; never with a made-up one.
    for doc in docs:
        if doc.id == "bad-date":
            assert doc.published is None


# -- CSV and gzip ------------------------------------------------------------------

def test_csv_rows_map_like_jsonl_records():
    docs, problems = split(read_source(NOTICES_CSV))
    assert problems == []
    docs = by_id(docs)
    assert set(docs) == {"csv-1", "csv-2", "csv-3"}
    notice = docs["csv-1"]
    assert notice.kind == "legal"
    assert notice.doc_number == "10/2020/TT-BLĐTBXH"
    assert notice.doc_type == "Thông tư"
    assert notice.issuer == "Bộ Lao động – Thương binh và Xã hội"
    assert day(notice.published) == date(2020, 11, 16)
    assert day(notice.effective) == date(2021, 1, 1)
    assert notice.body.startswith("Thông tư hướng dẫn thi hành")
    assert docs["csv-2"].kind == "article"
    assert day(docs["csv-2"].published) == date(2021, 2, 1)
    assert docs["csv-3"].url == "https://example.gov.vn/tin/csv-3"


def test_jsonl_gz_reads_like_jsonl(documents_gz, jsonl_docs):
    docs, problems = split(read_source(documents_gz))
    assert problems == []
    docs = by_id(docs)
    assert set(docs) == set(jsonl_docs)
    assert docs["vb-24-2015"].doc_number == "24/2015/TT-BTTTT"
    assert docs["tin-001"].body == jsonl_docs["tin-001"].body


def test_unsupported_file_type_is_refused(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("xin chào", encoding="utf-8")
    with pytest.raises(UnsupportedSource):
        list(read_source(path))


# -- HTML pages --------------------------------------------------------------------

@pytest.fixture(scope="module")
def pages(html_pages):
    docs, problems = split(read_source(html_pages, site="sldtbxh"))
    assert problems == []
    return {d.url: d for d in docs}


def test_html_folder_gives_one_document_per_page(pages):
    assert set(pages) == {UTF8_PAGE["url"], NFD_PAGE["url"], CP1258_PAGE["url"]}
    assert {d.site for d in pages.values()} == {"sldtbxh"}
    assert {d.kind for d in pages.values()} == {"article"}


def test_html_page_title_and_body(pages):
    doc = pages[UTF8_PAGE["url"]]
    assert doc.title == UTF8_PAGE["title"]
    assert doc.body.startswith("Sáng ngày 25/01/2019, tại thành phố Tam Kỳ, tỉnh Quảng Nam")
    assert "hoà nhập cộng đồng" in doc.body
    assert doc.body.rstrip().endswith("trong thời gian tới./.")


def test_html_page_date_after_ngay_dang(pages):
    assert day(pages[UTF8_PAGE["url"]].published) == date(2019, 1, 28)
    assert day(pages[CP1258_PAGE["url"]].published) == date(2019, 4, 2)


@pytest.mark.parametrize("page", [UTF8_PAGE, NFD_PAGE, CP1258_PAGE], ids=["utf8", "nfd", "cp1258"])
def test_html_page_body_has_no_page_chrome(pages, page):
    body = pages[page["url"]].body
    leaked = [text for text in CHROME_TEXTS if text in body]
    assert leaked == []


@pytest.mark.parametrize("page", [NFD_PAGE, CP1258_PAGE], ids=["nfd", "cp1258"])
def test_nfd_and_windows_1258_pages_decode_to_nfc(pages, page):
    doc = pages[page["url"]]
    assert doc.title == page["title"]
    assert unicodedata.is_normalized("NFC", doc.title)
    assert unicodedata.is_normalized("NFC", doc.body)
    assert doc.body == "\n\n".join(page["paragraphs"])


def test_nfd_page_date_after_ngay_dang(pages):
    assert day(pages[NFD_PAGE["url"]].published) == date(2019, 3, 15)


def test_windows_1258_declared_with_http_equiv(tmp_path):
    page = render_article(CP1258_PAGE).replace(
        '<meta charset="windows-1258">',
        '<meta http-equiv="Content-Type" content="text/html; charset=windows-1258">')
    assert "http-equiv" in page
    (tmp_path / "cu.html").write_bytes(encode_cp1258(page))
    (doc,) = split(read_source(tmp_path, site="sldtbxh"))[0]
    assert doc.title == CP1258_PAGE["title"]
    assert doc.body == "\n\n".join(CP1258_PAGE["paragraphs"])


def test_single_html_file_is_a_source(html_pages):
    docs, problems = split(read_source(html_pages / CP1258_PAGE["file"], site="sldtbxh"))
    assert problems == [] and len(docs) == 1
    assert docs[0].title == CP1258_PAGE["title"]


def test_folder_without_pages_is_reported(tmp_path):
    docs, problems = split(read_source(tmp_path))
    assert docs == [] and len(problems) == 1


def test_cp1258_encoder_really_produces_decomposed_text():
    """Guard for the fixture: decoding without normalizing gives non-NFC text."""
    raw = encode_cp1258("Tuyên truyền bảo hiểm")
    decoded = raw.decode("cp1258")
    assert not unicodedata.is_normalized("NFC", decoded)
    assert unicodedata.normalize("NFC", decoded) == "Tuyên truyền bảo hiểm"


def test_short_article_body_is_the_article_not_the_sidebar(tmp_path):
    spec = dict(NFD_PAGE, url="https://sldtbxh.quangnam.gov.vn/tin-tuc/tin-ngan", title="Tặng quà cho trẻ em có hoàn cảnh khó khăn dịp Tết")
    paragraphs = [
        "Sáng nay, Sở Lao động – Thương binh và Xã hội trao 200 suất quà cho trẻ em có hoàn cảnh khó khăn.",
        "Mỗi suất quà trị giá 500.000 đồng, gồm tiền mặt và đồ dùng học tập.",
    ]
    (tmp_path / "tin-ngan.html").write_text(render_article(spec, paragraphs=paragraphs), encoding="utf-8")
    (doc,) = split(read_source(tmp_path, site="sldtbxh"))[0]
    assert doc.body == "\n\n".join(paragraphs)


def test_line_breaks_inside_a_paragraph_separate_words(tmp_path):
    spec = dict(NFD_PAGE, url="https://sldtbxh.quangnam.gov.vn/tin-tuc/br")
    paragraphs = list(NFD_PAGE["paragraphs"])
    paragraphs[1] = "Kế hoạch tập trung vào tư vấn, giới thiệu việc làm<br>và đào tạo nghề cho thanh niên nông thôn."
    (tmp_path / "br.html").write_text(render_article(spec, paragraphs=paragraphs), encoding="utf-8")
    (doc,) = split(read_source(tmp_path, site="sldtbxh"))[0]
    assert "việc làmvà" not in doc.body
    assert "việc làm và đào tạo" in doc.body or "việc làm\nvà đào tạo" in doc.body
