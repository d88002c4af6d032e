"""Page extraction on the page-style corpus (tests/fixtures/pages): every page's truth, both halves;
Vietnamese date forms; titles without the site name and ALL-CAPS headings in sentence case; pages
that give nothing say why."""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import date

import pytest

from helpers.corpus import FIXTURES
from indexer.crawl.state import CrawlState, PageRow, compare_crawls
from indexer.sources import SourceProblem, read_source
from indexer.sources.dates import date_line, parse_vn_date
from indexer.sources.html import PageError, decode_page, extract_page
from indexer.sources.titles import sentence_case, strip_site_name

PAGES = FIXTURES / "pages"
TRUTHS = sorted(PAGES.rglob("*.json"))
EDGE = 400


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text or "")).strip()


def extracted(truth_path):
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    page = truth_path.with_suffix(".html")
    doc = extract_page(decode_page(page.read_bytes()), "styles", page.name)
    fields = doc.index_fields()
    return truth, doc, norm(f"{fields['title_f']}\n{fields['content']}")


def test_the_corpus_covers_every_style_with_both_halves():
    truths = [json.loads(p.read_text(encoding="utf-8")) for p in TRUTHS]
    styles = {t["style"] for t in truths}
    assert styles == {"legal-db", "liferay", "ckan", "news", "department"}
    for style in styles:
        splits = [t["split"] for t in truths if t["style"] == style]
        assert len(splits) >= 2 and "tune" in splits and "held" in splits, style
    assert all(p.with_suffix(".html").exists() for p in TRUTHS)


@pytest.mark.parametrize("truth_path", TRUTHS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_page_matches_its_truth(truth_path):
    truth, doc, indexed = extracted(truth_path)
    assert doc.title == truth["title"]
    assert (doc.published.date().isoformat() if doc.published else None) == truth["date"]
    text, body = norm("\n\n".join(p for p in (doc.summary, doc.body) if p)), norm(doc.body)
    first, last = norm(truth["body_first"]), norm(truth["body_last"])
    assert first in text[:EDGE + len(first)], text[:EDGE]
    assert last in body[-(EDGE + len(last)):], body[-EDGE:]
    leaked = [phrase for phrase in truth["boilerplate"] if norm(phrase) in indexed]
    assert leaked == []
    if truth.get("title_original"):
        assert norm(truth["title_original"]) in indexed  # the heading as printed stays searchable
    if truth.get("doc_number"):
        assert doc.doc_number == truth["doc_number"] and doc.kind == "legal"


def test_a_legal_database_page_reads_its_header_table():
    doc = extract_page(decode_page((PAGES / "legal-db/luat-du-lieu-mo.html").read_bytes()), "s", "x")
    assert doc.kind == "legal" and doc.doc_type == "Luật" and doc.issuer == "Quốc hội"
    assert doc.extra["title_original"] == "LUẬT QUẢN LÝ VÀ KHAI THÁC DỮ LIỆU MỞ CỦA CƠ QUAN NHÀ NƯỚC"
    assert doc.body.count("Điều ") >= 84 and "Điều 84." in doc.body  # the whole text, every article


def test_a_news_page_keeps_its_byline_out_of_the_body_but_in_the_author():
    doc = extract_page(decode_page((PAGES / "news/khoi-cong-duong-ven-bien.html").read_bytes()), "s", "x")
    assert doc.extra["author"] == "Hoàng Long"
    assert doc.summary.startswith("Dự án có tổng mức đầu tư")


# -- dates ------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("28/01/2019", date(2019, 1, 28)),
    ("21/12/2012 | 12:00 AM", date(2012, 12, 21)),
    ("30 tháng 8, 2024", date(2024, 8, 30)),
    ("Thứ hai, 05/12/2026 - 08:30", date(2026, 12, 5)),
    ("Hà Nội, ngày 27 tháng 11 năm 2015", date(2015, 11, 27)),
    ("Cập nhật lúc 08:30 ngày 3 tháng 2 năm 2021", date(2021, 2, 3)),
    ("15 tháng 11 năm 2024", date(2024, 11, 15)),
    ("2024-08-30T07:00:00+07:00", date(2024, 8, 30)),
    (unicodedata.normalize("NFD", "30 tháng 8, 2024"), date(2024, 8, 30)),
])
def test_vietnamese_date_forms(text, expected):
    assert parse_vn_date(text).date() == expected


@pytest.mark.parametrize("text", ["30 tháng 2, 2024", "tháng 8, 2024", "1/2/3/2024", "Lượt xem: 1.284.905"])
def test_not_dates(text):
    assert parse_vn_date(text) is None


def test_a_date_line_is_short_and_a_sentence_is_not_one():
    assert date_line("Ngày đăng: 28/01/2019").date() == date(2019, 1, 28)
    sentence = ("Ngày 20/12/2012, Sở Thông tin và Truyền thông tổ chức lớp tập huấn ứng dụng phần mềm quản lý văn bản "
                "cho cán bộ cấp xã.")
    assert date_line(sentence) is None


def test_a_sidebar_date_before_the_article_is_not_the_article_date():
    html = """<html><head><title>Tin mới | Cổng dữ liệu mở</title></head><body>
    <div class="col-md-3"><ul><li><a href="/a">Bài cũ về dữ liệu mở của tỉnh</a> <small class="date">12 tháng 6, 2024</small></li>
    <li><a href="/b">Một bài cũ khác về tập huấn</a> <small class="date">03/05/2024</small></li></ul></div>
    <div class="col-md-9"><h1>Hướng dẫn đăng ký tài khoản trên cổng dữ liệu</h1><p class="muted">30 tháng 8, 2024</p>
    <p>Người dùng đăng ký tài khoản bằng địa chỉ thư điện tử để tải về các bộ dữ liệu và nhận thông báo cập nhật.</p></div>
    </body></html>"""
    assert extract_page(html, "s", "x").published.date() == date(2024, 8, 30)


def test_no_date_when_only_the_text_mentions_one():
    html = """<html><head><title>Giới thiệu - Sở Tư pháp</title></head><body><h1>Giới thiệu chung về Sở</h1>
    <p>Sở Tư pháp được thành lập theo Quyết định ngày 14/10/1992 của Ủy ban nhân dân tỉnh, là cơ quan chuyên môn
    tham mưu về công tác tư pháp trên địa bàn tỉnh.</p></body></html>"""
    assert extract_page(html, "s", "x").published is None


# -- titles -----------------------------------------------------------------------------------

@pytest.mark.parametrize("raw, names, expected", [
    ("Chức năng nhiệm vụ - Sở Thông Tin Và Truyền Thông", (), "Chức năng nhiệm vụ"),
    ("Cơ cấu tổ chức | Sở Thông Tin Và Truyền Thông", (), "Cơ cấu tổ chức"),
    ("Tập huấn chuyển đổi số – Sở Nội vụ tỉnh Quảng Nam", (), "Tập huấn chuyển đổi số"),
    ("Cổng thông tin điện tử tỉnh Phú Yên :: Ra quân tiêm vắc xin sởi", (), "Ra quân tiêm vắc xin sởi"),
    ("Khởi công tuyến đường Cát Tiến - Đề Gi » Báo điện tử Bình Định", (), "Khởi công tuyến đường Cát Tiến - Đề Gi"),
    ("Hướng dẫn khai thác dữ liệu - Dữ liệu mở Bình Định", ("Dữ liệu mở Bình Định",), "Hướng dẫn khai thác dữ liệu"),
    ("Tin tức - Sự kiện", (), "Tin tức - Sự kiện"),
    ("Sở Y tế tổ chức hội nghị tổng kết năm 2024", (), "Sở Y tế tổ chức hội nghị tổng kết năm 2024"),
    ("Sở Tư pháp", (), "Sở Tư pháp"),
])
def test_site_name_is_removed_whatever_the_separator(raw, names, expected):
    assert strip_site_name(raw, names) == expected


@pytest.mark.parametrize("raw, expected", [
    ("LUẬT AN NINH MẠNG", "Luật an ninh mạng"),
    ("NGHỊ ĐỊNH QUY ĐỊNH CHI TIẾT THI HÀNH LUẬT ĐẤT ĐAI", "Nghị định quy định chi tiết thi hành luật đất đai"),
    ("QUYẾT ĐỊNH VỀ VIỆC PHÊ DUYỆT ĐỀ ÁN CỦA UBND TỈNH", "Quyết định về việc phê duyệt đề án của UBND tỉnh"),
    ("THÔNG TƯ SỬA ĐỔI THÔNG TƯ SỐ 24/2015/TT-BTTTT", "Thông tư sửa đổi thông tư số 24/2015/TT-BTTTT"),
    ("NGHỊ QUYẾT CỦA QUỐC HỘI NƯỚC CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM KHÓA XV",
     "Nghị quyết của Quốc hội nước cộng hòa xã hội chủ nghĩa Việt Nam khóa XV"),
    ("Hội nghị triển khai công tác năm 2019", "Hội nghị triển khai công tác năm 2019"),
])
def test_all_caps_headings_in_sentence_case(raw, expected):
    assert sentence_case(raw) == expected


# -- pages that give nothing ------------------------------------------------------------------

def test_a_page_without_an_article_says_why(tmp_path):
    page = tmp_path / "trong.html"
    page.write_text("<html><head><title>Trang chủ</title></head><body><h1>Liên hệ</h1><p>Điện thoại: 0256 3822</p>"
                    "</body></html>", encoding="utf-8")
    with pytest.raises(PageError, match=r"không tìm thấy nội dung bài: khối văn bản dài nhất chỉ có \d+ ký tự"):
        extract_page(page.read_text(encoding="utf-8"), "s", "x")
    problems = [i for i in read_source(tmp_path, site="s") if isinstance(i, SourceProblem)]
    assert len(problems) == 1 and str(problems[0]).startswith(f"{page}: không tìm thấy nội dung bài")


def test_text_our_finder_misses_is_read_by_the_library():
    """Text nodes between block children (no <p>): trafilatura's main-text detection reads them."""
    html = """<html><head><title>Thông báo tuyển dụng viên chức năm 2024 - Sở Nội vụ tỉnh Đắk Lắk</title></head><body>
    <div class="noi-dung">Sở Nội vụ thông báo tuyển dụng 45 chỉ tiêu viên chức làm việc tại các đơn vị sự nghiệp công lập
    trực thuộc Sở năm 2024.<div class="anh"><img src="a.jpg"></div>Người đăng ký dự tuyển phải có bằng tốt nghiệp đại học
    trở lên phù hợp với vị trí việc làm và đủ sức khỏe để thực hiện nhiệm vụ.<div class="anh"><img src="b.jpg"></div>
    Hồ sơ nhận tại Văn phòng Sở Nội vụ trong giờ hành chính.</div></body></html>"""
    doc = extract_page(html, "s", "x")
    assert doc.title == "Thông báo tuyển dụng viên chức năm 2024"
    assert doc.body.startswith("Sở Nội vụ thông báo tuyển dụng 45 chỉ tiêu") and "bằng tốt nghiệp đại học" in doc.body


def test_crawl_summary_and_check_count_skipped_pages(tmp_path):
    with CrawlState(tmp_path / "crawl" / "sodemo.sqlite") as state:
        run, _ = state.start_or_resume()
        state.apply(run, [], [PageRow("https://a.gov.vn/", None, None, None, None, [], 200, run),
                              PageRow("https://a.gov.vn/tin/1", "d1", None, None, "h", [], 200, run),
                              PageRow("https://a.gov.vn/tin/2", None, None, None, None, [], 200, run),
                              PageRow("https://a.gov.vn/tin/3", None, None, None, None, [], 200, run, "lỗi")], [])
        summary = state.summary()
    assert summary["pages_skipped"] == 2 and summary["pages_with_errors"] == 1
    problems, notes = [], []
    compare_crawls(tmp_path, {"sodemo": 1}, problems, notes)
    assert problems == [] and any("sodemo: bỏ qua 2 trang" in n for n in notes)


def test_a_whole_law_read_from_a_folder_is_indexed_article_by_article(tmp_path):
    (tmp_path / "luat.html").write_bytes((PAGES / "legal-db/luat-du-lieu-mo.html").read_bytes())
    items = list(read_source(tmp_path, site="vbpl"))
    assert not [i for i in items if isinstance(i, SourceProblem)]
    parent, *articles = items
    assert parent.title == "Luật quản lý và khai thác dữ liệu mở của cơ quan nhà nước"
    assert parent.doc_number == "71/2025/QH15" and len(articles) == 84
    assert articles[0].article == "Điều 1" and articles[0].parent_id == parent.id
