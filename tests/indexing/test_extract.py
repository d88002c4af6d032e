"""Extraction of department CMS pages: article fields, legal notices, site selectors, encodings."""

from __future__ import annotations

import codecs
import unicodedata
from datetime import date

import pytest

from helpers.corpus import FIXTURES
from helpers.pages import encode_cp1258
from indexer.sources.html import NotAnArticle, PageError, decode_page, extract_page, normalize_doc_number, parse_vn_date
from indexer.sources.sites import SiteConfigError, load_sites, site_from_url

SITE = FIXTURES / "sites" / "sldtbxh"
BASE = "https://sldtbxh.quangnam.gov.vn"


def page(path: str, **kwargs):
    raw = (SITE / path).read_bytes()
    return extract_page(decode_page(raw), "sldtbxh", path, url=f"{BASE}/{path}", **kwargs)


def test_article_fields_in_the_department_cms():
    doc = page("tin-tuc/hoi-nghi-bao-ve-tre-em.html")
    assert doc.kind == "article"
    assert doc.title == "Hội nghị triển khai Chương trình Bảo vệ trẻ em và Bình đẳng giới năm 2019"
    assert doc.url == doc.id == f"{BASE}/tin-tuc/hoi-nghi-bao-ve-tre-em.html"  # relative canonical resolved
    assert doc.summary.startswith("Sở Lao động – Thương binh và Xã hội tổ chức Hội nghị")
    assert doc.body.startswith("Sáng ngày 25/01/2019")
    assert doc.body.endswith("trong thời gian tới./.")
    assert doc.published.date() == date(2019, 1, 28)
    assert doc.category == "Trẻ em - Bình đẳng giới"
    assert doc.extra["author"] == "Nguyễn Hữu Thanh"
    assert doc.extra["source"] == "Phòng BVCSTE&BĐG"
    assert doc.extra["views"] == 477
    assert doc.extra["captions"] == ["Đồng chí Nguyễn Thùy - PGĐ Sở LĐ-TBXH Quảng Nam phát biểu tại hội nghị"]
    assert "phát biểu tại hội nghị" in doc.body  # captions stay searchable


def test_article_body_has_no_chrome():
    doc = page("tin-tuc/hoi-nghi-bao-ve-tre-em.html")
    text = doc.body + doc.summary
    for chrome in ("Trang chủ", "Select the search type", "Văn bản mới", "Quy định mức lương cơ sở", "Nguồn tin",
                   "Người đăng", "Lượt xem", "Trở về", "Các tin mới hơn", "Các tin cũ hơn", "đuối nước",
                   "Cơ quan chủ quản"):
        assert chrome not in text


def test_a_second_cms_style_with_other_labels_and_date_forms():
    doc = page("tin-tuc/tap-huan-phong-chong-duoi-nuoc.html")
    assert doc.title == "Tập huấn kỹ năng phòng, chống đuối nước cho trẻ em"
    assert doc.published.date() == date(2019, 4, 15)  # "Cập nhật: Thứ Hai, 15/04/2019 - 08:30"
    assert doc.summary.startswith("Nhằm trang bị kỹ năng an toàn")  # the lead, not repeated in the body
    assert not doc.body.startswith("Nhằm")
    assert doc.category == "Tin hoạt động"
    assert doc.extra["author"] == "Lê Thị Hoa"
    assert doc.extra["views"] == 1234  # "1.234"
    assert doc.extra["captions"] == ["Học viên thực hành kỹ năng cứu đuối tại hồ bơi huyện Duy Xuyên"]
    assert "ban đầu\nvà kỹ năng" in doc.body  # <br> separates words
    assert "Tin khác" not in doc.body and "Liên kết" not in doc.body and "Bản quyền" not in doc.body


def test_date_without_label():
    doc = page("tin-tuc/chi-trong-sitemap.html")
    assert doc.published.date() == date(2019, 6, 20)  # "ngày 20 tháng 6 năm 2019"


@pytest.mark.parametrize("text, expected", [
    ("Ngày đăng: 28/01/2019", date(2019, 1, 28)),
    ("28-01-2019 08:30", date(2019, 1, 28)),
    ("08:30 28.01.2019", date(2019, 1, 28)),
    ("Thứ hai, 28/1/2019 - 08:30", date(2019, 1, 28)),
    ("ngày 28 tháng 01 năm 2019", date(2019, 1, 28)),
    ("2019-01-28T08:30:00+07:00", date(2019, 1, 28)),
    (unicodedata.normalize("NFD", "Ngày 5 tháng 3 năm 2020"), date(2020, 3, 5)),
])
def test_common_date_forms(text, expected):
    assert parse_vn_date(text).date() == expected


@pytest.mark.parametrize("text", ["", "không có ngày", "31/02/2019", "99/99/9999"])
def test_unreadable_dates_are_none(text):
    assert parse_vn_date(text) is None


def test_legal_notice_in_a_table():
    doc = page("van-ban/chi-tiet-1437.html")
    assert doc.kind == "legal"
    assert doc.doc_number == "1437/QĐ-UBND"  # from "1437 / QĐ – UBND"
    assert doc.doc_type == "Quyết định"
    assert doc.issuer == "UBND tỉnh Quảng Nam"
    assert doc.published.date() == date(2019, 3, 12)  # ngày ban hành
    assert doc.effective.date() == date(2019, 3, 12)
    assert doc.summary.startswith("Phê duyệt kế hoạch hỗ trợ việc làm cho người lao động năm 2019 trên địa bàn")
    assert doc.extra["signer"] == "Lê Trí Thanh"
    assert doc.extra["attachments"] == [{"name": "1437-QD-UBND.pdf", "url": f"{BASE}/files/1437-QD-UBND.pdf"}]
    assert doc.title.startswith("Phê duyệt kế hoạch")


def test_legal_notice_in_a_list_of_labels():
    doc = page("van-ban/chi-tiet-38-2019.html")
    assert doc.kind == "legal"
    assert doc.doc_number == "38/2019/NĐ-CP"  # from "số 38/2019/nđ-cp"
    assert doc.doc_type == "Nghị định" and doc.issuer == "Chính phủ"
    assert doc.published.date() == date(2019, 5, 9)  # "ngày 09 tháng 5 năm 2019"
    assert doc.effective.date() == date(2019, 7, 1)
    assert doc.extra["signer"] == "Nguyễn Xuân Phúc"
    assert doc.summary.startswith("Quy định mức lương cơ sở")
    assert [a["url"].rsplit("/", 1)[-1] for a in doc.extra["attachments"]] == [
        "38_2019_ND-CP.doc", "38_2019_ND-CP.signed.pdf"]
    assert "đính kèm" not in doc.body


@pytest.mark.parametrize("raw, expected", [
    ("Số: 24 / 2015 / tt – btttt", "24/2015/TT-BTTTT"),
    ("số 1437/qđ-ubnd", "1437/QĐ-UBND"),
    (unicodedata.normalize("NFD", "38/2019/NĐ-CP"), "38/2019/NĐ-CP"),
    ("Số ký hiệu: 10/2020/TT-BLĐTBXH.", "10/2020/TT-BLĐTBXH"),
])
def test_doc_numbers_are_normalized(raw, expected):
    assert normalize_doc_number(raw) == expected


@pytest.mark.parametrize("path", ["index.html", "tin-tuc/index.html", "van-ban/index.html"])
def test_listing_pages_are_not_articles(path):
    with pytest.raises(NotAnArticle):
        page(path)


def test_broken_page_is_a_page_error_not_a_crash():
    with pytest.raises(PageError):
        page("tin-tuc/trang-loi.html")
    with pytest.raises(PageError):
        decode_page(b"\x00\x01\x02binary\x00" * 100)
    with pytest.raises(PageError):
        extract_page("<html><head><title>x</title></head></html>", "s", "x")


# -- encodings --------------------------------------------------------------------------------

def test_declared_windows_1258_page():
    doc = page("tin-tuc/bhxh-tu-nguyen.html")
    assert doc.title == "Tuyên truyền chính sách bảo hiểm xã hội tự nguyện năm 2019"
    assert unicodedata.is_normalized("NFC", doc.body)
    assert doc.extra["author"] == "Trần Văn Hùng" and doc.published.date() == date(2019, 4, 2)


def test_undeclared_windows_1258_page():
    raw = (SITE / "tin-tuc/viec-lam-nong-thon.html").read_bytes()
    assert b"charset" not in raw
    doc = page("tin-tuc/viec-lam-nong-thon.html")
    assert doc.title == "Đào tạo nghề cho lao động nông thôn huyện Nông Sơn"
    assert "thu nhập bình quân" in doc.body and unicodedata.is_normalized("NFC", doc.body)


def test_nfd_page_is_read_as_nfc():
    raw = (SITE / "tin-tuc/quyet-dinh-ho-tro-viec-lam.html").read_bytes().decode("utf-8")
    assert not unicodedata.is_normalized("NFC", raw)
    doc = page("tin-tuc/quyet-dinh-ho-tro-viec-lam.html")
    assert doc.title == "Phê duyệt kế hoạch hỗ trợ việc làm cho người lao động"
    assert doc.published.date() == date(2019, 3, 15) and doc.extra["author"] == "Nguyễn Hữu Thanh"


def test_http_charset_bom_and_a_wrong_declaration():
    text = "<html><body><h1>Bảo trợ xã hội năm 2019</h1><p>Chi trả trợ cấp xã hội hằng tháng cho người cao tuổi.</p></body></html>"
    assert "Bảo trợ" in decode_page(encode_cp1258(text), declared="windows-1258")
    assert "Bảo trợ" in decode_page(codecs.BOM_UTF8 + text.encode("utf-8"))
    wrong = text.replace("<html>", '<html><head><meta charset="iso-8859-1"></head>').encode("utf-8")
    assert "Bảo trợ" in decode_page(wrong)  # valid UTF-8 wins over a wrong declaration
    assert "Bảo trợ" in decode_page(encode_cp1258(text), declared="no-such-charset")


# -- per-site configuration -------------------------------------------------------------------

def test_site_selectors_override_generic_extraction():
    html = """<html><body><div class="hdr"><h1>Cổng thông tin điện tử Sở Lao động</h1></div>
    <div class="bai-viet"><div class="tieu-de-bai">Chi trả trợ cấp cho người có công tháng 7</div>
    <div class="mo-ta">Sở phối hợp với Bưu điện tỉnh chi trả trợ cấp ưu đãi.</div>
    <div class="than-bai"><span>Toàn tỉnh có 25.000 người có công được chi trả trợ cấp trong tháng 7 năm 2020.</span></div>
    <div class="thong-tin">Đăng lúc 27/07/2020</div></div>
    <div class="cot-phai"><p>Một đoạn rất dài ở cột phải không liên quan tới bài viết nhưng có rất nhiều chữ để đánh lừa bộ trích xuất chung chung.</p></div>
    </body></html>"""
    selectors = {"title": ".tieu-de-bai", "summary": ".mo-ta", "body": ".than-bai", "date": ".thong-tin"}
    doc = extract_page(html, "s", "x", selectors=selectors)
    assert doc.title == "Chi trả trợ cấp cho người có công tháng 7"
    assert doc.summary == "Sở phối hợp với Bưu điện tỉnh chi trả trợ cấp ưu đãi."
    assert doc.body == "Toàn tỉnh có 25.000 người có công được chi trả trợ cấp trong tháng 7 năm 2020."
    assert doc.published.date() == date(2020, 7, 27)


def test_sites_file(tmp_path):
    path = tmp_path / "sites.toml"
    path.write_text('''
[[site]]
slug = "sldtbxh"
name = "Sở LĐ-TBXH Quảng Nam"
base_url = "https://sldtbxh.quangnam.gov.vn"
follow = ["/tin-tuc*", "/van-ban*"]
articles = ["/tin-tuc/*.html"]
notices = ["/van-ban/chi-tiet-*"]
exclude = ["*/in-bai/*"]
rate = 1.5
[site.selectors]
body = ".news-content"
''', encoding="utf-8")
    site = load_sites(path)["sldtbxh"]
    assert site.base_url == "https://sldtbxh.quangnam.gov.vn/" and site.rate == 1.5
    assert site.selectors == {"body": ".news-content"}
    assert site.kind_for("https://sldtbxh.quangnam.gov.vn/van-ban/chi-tiet-1.html") == "legal"
    assert site.kind_for("https://sldtbxh.quangnam.gov.vn/tin-tuc/a.html") == "article"
    assert site.kind_for("https://sldtbxh.quangnam.gov.vn/tin-tuc/") is None
    assert site.should_follow("https://sldtbxh.quangnam.gov.vn/tin-tuc/?page=2")
    assert not site.should_follow("https://sldtbxh.quangnam.gov.vn/lien-he")
    assert not site.allowed("https://sldtbxh.quangnam.gov.vn/tin-tuc/in-bai/a.html")
    assert not site.allowed("https://other.gov.vn/tin-tuc/a.html")
    assert load_sites(tmp_path / "absent.toml") == {}


@pytest.mark.parametrize("content, words", [
    ("[[site]]\nslug = 'Bad Slug'\nbase_url = 'https://a.gov.vn/'\n", "slug"),
    ("[[site]]\nslug = 'a'\nbase_url = 'ftp://a.gov.vn/'\n", "base_url"),
    ("[[site]]\nslug = 'a'\nbase_url = 'https://a.gov.vn/'\nspeed = 3\n", "khóa không hợp lệ speed"),
    ("[[site]]\nslug = 'a'\nbase_url = 'https://a.gov.vn/'\n[site.selectors]\nfoo = 'p'\n", "selector không hợp lệ"),
    ("[[site]]\nslug = 'a'\nbase_url = 'https://a.gov.vn/'\nrate = 0\n", "rate"),
    ("[[site]\nslug = ", "sites.toml"),
])
def test_bad_sites_files_say_where(tmp_path, content, words):
    path = tmp_path / "sites.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(SiteConfigError, match=words):
        load_sites(path)


def test_site_from_a_bare_url():
    site = site_from_url("https://www.sldtbxh.quangnam.gov.vn/tin-tuc/a.html")
    assert site.slug == "sldtbxh-quangnam-gov-vn" and site.base_url == "https://www.sldtbxh.quangnam.gov.vn/"
    with pytest.raises(SiteConfigError):
        site_from_url("file:///etc/passwd")
