"""Legal texts as legal documents: header fields read, long texts searched article by article.

The law in fixtures/legal/ is written for the tests (33 articles in six chapters); it is
imported from a JSONL export with no title and no legal fields, so everything the index knows
about it comes from its own header and text.
"""

from __future__ import annotations

import csv
import json
import re
from datetime import datetime
from pathlib import Path

import pytest

from helpers.corpus import DOCUMENTS_JSONL
from helpers.engines import app_config
from indexer import SearchRequest, read_source
from indexer.document import Document
from indexer.sources.legal import legal_units, name_case, read_header

LAW_FILE = Path(__file__).parent.parent / "fixtures" / "legal" / "luat-cong-thong-tin-dien-tu.txt"
LAW_TEXT = LAW_FILE.read_text(encoding="utf-8")
LAW_ID = "luat-58-2023-qh15"
LAW_URL = "https://stttt.quangnam.gov.vn/van-ban/luat-58-2023-qh15"
LAW_NUMBER = "58/2023/QH15"
LAW_TITLE = "Luật Cổng thông tin điện tử và dịch vụ công trực tuyến"


def _export(folder: Path) -> Path:
    """The law as a site's export gives it (text only), beside the sample corpus."""
    path = folder / "export.jsonl"
    rows = [json.loads(line) for line in DOCUMENTS_JSONL.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows.append({"id": LAW_ID, "url": LAW_URL, "site": "stttt", "text": LAW_TEXT})
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    return path


# -- header reading ---------------------------------------------------------------------------------

def test_the_header_of_a_law_without_a_place_and_date_line():
    header = read_header(LAW_TEXT)
    assert header.doc_number == LAW_NUMBER and header.doc_type == "Luật" and header.issuer == "Quốc hội"
    assert header.title == LAW_TITLE
    assert header.published == datetime(2023, 6, 20)  # "thông qua ngày 20 tháng 6 năm 2023"
    # "Luật này có hiệu lực ..." wins over the later date given for a single article.
    assert header.effective == datetime(2024, 7, 1)


def test_a_circular_whose_two_header_columns_ran_together():
    text = ("BỘ THÔNG TIN VÀ TRUYỀN THÔNG CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
            "------- Độc lập - Tự do - Hạnh phúc\n"
            "Số: 24 / 2015 / TT – BTTTT Hà Nội, ngày 18 tháng 8 năm 2015\n\n"
            "THÔNG TƯ\nQUY ĐỊNH VỀ QUẢN LÝ VÀ SỬ DỤNG\nTÀI NGUYÊN INTERNET\n\n"
            "Căn cứ Luật Viễn thông ngày 23 tháng 11 năm 2009;\n"
            "Bộ trưởng Bộ Thông tin và Truyền thông ban hành Thông tư quy định về quản lý và sử dụng tài nguyên Internet.\n\n"
            "Điều 1. Phạm vi điều chỉnh\nThông tư này quy định về quản lý tài nguyên Internet.\n\n"
            "Điều 2. Hiệu lực thi hành\nThông tư này có hiệu lực thi hành kể từ ngày 01 tháng 10 năm 2015.\n")
    header = read_header(text)
    assert header.doc_number == "24/2015/TT-BTTTT"
    assert header.doc_type == "Thông tư"
    assert header.issuer == "Bộ Thông tin và Truyền thông"
    assert header.title == "Thông tư quy định về quản lý và sử dụng tài nguyên internet"  # capitals are not kept
    assert header.published == datetime(2015, 8, 18)
    assert header.effective == datetime(2015, 10, 1)


def test_a_decree_in_force_some_days_after_signing():
    text = ("CHÍNH PHỦ\n--------\nCỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n"
            "---------------\nSố: 87/2015/NĐ-CP\nHà Nội, ngày 06 tháng 10 năm 2015\n\n"
            "NGHỊ ĐỊNH\nVề giám sát đầu tư vốn nhà nước vào doanh nghiệp\n\n"
            "Căn cứ Luật Tổ chức Chính phủ ngày 19 tháng 6 năm 2015;\n"
            "Theo đề nghị của Bộ trưởng Bộ Tài chính;\nChính phủ ban hành Nghị định về giám sát đầu tư.\n\n"
            "Điều 1. Phạm vi điều chỉnh\nNghị định này quy định việc giám sát đầu tư.\n\n"
            "Điều 2. Hiệu lực thi hành\nNghị định này có hiệu lực thi hành sau 45 ngày, kể từ ngày ký.\n\n"
            "TM. CHÍNH PHỦ\nTHỦ TƯỚNG\n")
    header = read_header(text)
    assert (header.doc_number, header.doc_type, header.issuer) == ("87/2015/NĐ-CP", "Nghị định", "Chính phủ")
    assert header.title == "Nghị định về giám sát đầu tư vốn nhà nước vào doanh nghiệp"
    assert header.published == datetime(2015, 10, 6)
    assert header.effective == datetime(2015, 11, 20)


def test_a_provincial_decision_in_force_when_signed_stays_whole():
    text = ("ỦY BAN NHÂN DÂN\nTỈNH QUẢNG NAM\n-------\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
            "Độc lập - Tự do - Hạnh phúc\n---------------\nSố: 1437/QĐ-UBND\n"
            "Quảng Nam, ngày 25 tháng 4 năm 2019\n\n"
            "QUYẾT ĐỊNH\nVề việc phê duyệt Kế hoạch hỗ trợ việc làm năm 2019\n\n"
            "CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH QUẢNG NAM\n\nCăn cứ Luật Tổ chức chính quyền địa phương;\n\n"
            "QUYẾT ĐỊNH:\n\nĐiều 1. Phê duyệt Kế hoạch hỗ trợ việc làm năm 2019.\n\n"
            "Điều 2. Giao Sở Lao động - Thương binh và Xã hội triển khai.\n\n"
            "Điều 3. Quyết định này có hiệu lực kể từ ngày ký.\n\nNơi nhận:\n- Như Điều 3;\n")
    header = read_header(text)
    assert (header.doc_number, header.doc_type) == ("1437/QĐ-UBND", "Quyết định")
    assert header.issuer == "Ủy ban nhân dân tỉnh Quảng Nam"
    assert header.title == "Quyết định về việc phê duyệt Kế hoạch hỗ trợ việc làm năm 2019"
    assert header.published == header.effective == datetime(2019, 4, 25)
    units = legal_units(Document(id="qd-1437", title="Quyết định 1437", body=text))
    assert len(units) == 1  # three short articles: one document
    assert units[0].kind == "legal" and units[0].doc_number == "1437/QĐ-UBND" and units[0].title == "Quyết định 1437"


def test_a_department_plan_under_its_superior_body():
    text = ("UBND TỈNH QUẢNG NAM\nSỞ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI\nSố: 12/KH-SLĐTBXH\n"
            "Tam Kỳ, ngày 05 tháng 3 năm 2019\nKẾ HOẠCH\nTHỰC HIỆN THÁNG HÀNH ĐỘNG VÌ TRẺ EM NĂM 2019\n"
            "Thực hiện Chương trình hành động vì trẻ em của tỉnh, Sở xây dựng kế hoạch như sau:\n")
    header = read_header(text)
    assert header.issuer == "Sở Lao động - Thương binh và Xã hội"
    assert (header.doc_number, header.doc_type) == ("12/KH-SLĐTBXH", "Kế hoạch")
    assert header.title == "Kế hoạch thực hiện tháng hành động vì trẻ em năm 2019"
    assert header.published == datetime(2019, 3, 5) and header.effective is None


@pytest.mark.parametrize("caps, written", [
    ("BỘ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI", "Bộ Lao động - Thương binh và Xã hội"),
    ("BỘ KẾ HOẠCH VÀ ĐẦU TƯ", "Bộ Kế hoạch và Đầu tư"),
    ("THỦ TƯỚNG CHÍNH PHỦ", "Thủ tướng Chính phủ"),
    ("ỦY BAN THƯỜNG VỤ QUỐC HỘI", "Ủy ban Thường vụ Quốc hội"),
    ("HỘI ĐỒNG NHÂN DÂN THÀNH PHỐ ĐÀ NẴNG", "Hội đồng nhân dân thành phố Đà Nẵng"),
])
def test_issuing_bodies_are_written_as_names(caps, written):
    assert name_case(caps) == written


def test_news_is_left_alone():
    news = Document(id="tin-1", title="Hội nghị tổng kết", body="THÔNG BÁO\nSáng nay, Sở tổ chức hội nghị.\n"
                    "Điều 1. đến Điều 9. được thảo luận.")
    assert legal_units(news) == [news]


# -- splitting --------------------------------------------------------------------------------------

def test_a_long_law_becomes_its_articles():
    parent, *articles = legal_units(Document(id=LAW_ID, title="", body=LAW_TEXT, url=LAW_URL, site="stttt"))
    assert len(articles) == 33
    assert [a.article for a in articles] == [f"Điều {n}" for n in range(1, 34)]
    article = articles[16]
    assert article.id == f"{LAW_ID}#dieu-17" and article.url == f"{LAW_URL}#dieu-17"
    assert article.title == "Điều 17. Bảo vệ dữ liệu cá nhân của người sử dụng"
    assert article.body.startswith("Điều 17.") and "quyền yêu cầu xem, chỉnh sửa và xóa" in article.body
    assert "Điều 18" not in article.body
    assert (article.parent_id, article.doc_number, article.doc_type, article.issuer, article.kind) == (
        LAW_ID, LAW_NUMBER, "Luật", "Quốc hội", "legal")
    assert (article.published, article.effective) == (datetime(2023, 6, 20), datetime(2024, 7, 1))
    # An article ends before the next chapter; the last one before the adoption line and the signature.
    assert "Chương IV" not in articles[21].body
    assert "thông qua" not in articles[-1].body and "CHỦ TỊCH" not in articles[-1].body
    # The parent keeps its header, preamble, outline and closing, not the articles' text.
    assert parent.parent_id == "" and "Căn cứ Hiến pháp" in parent.body
    assert "Chương III. Cung cấp thông tin" in parent.body and "Điều 17. Bảo vệ dữ liệu cá nhân" in parent.body
    assert "quyền yêu cầu xem" not in parent.body and "thông qua ngày 20 tháng 6 năm 2023" in parent.body


def test_records_are_split_and_titled_from_their_header(tmp_path):
    items = [i for i in read_source(_export(tmp_path)) if isinstance(i, Document)]
    law = [d for d in items if d.id == LAW_ID or d.parent_id == LAW_ID]
    assert len(law) == 34 and law[0].title == LAW_TITLE and law[0].doc_number == LAW_NUMBER
    assert {d.parent_title for d in law[1:]} == {LAW_TITLE}
    # A CSV export is read the same way.
    path = tmp_path / "export.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["id", "url", "text"])
        writer.writeheader()
        writer.writerow({"id": LAW_ID, "url": LAW_URL, "text": LAW_TEXT})
    rows = [i for i in read_source(path) if isinstance(i, Document)]
    assert len(rows) == 34 and rows[17].id == f"{LAW_ID}#dieu-17"
    # A record that says it is news is not read as a legal text.
    path = tmp_path / "news.jsonl"
    path.write_text(json.dumps({"id": "x", "title": "Tin", "kind": "tin", "text": LAW_TEXT}, ensure_ascii=False),
                    encoding="utf-8")
    (news,) = list(read_source(path))
    assert news.kind == "article" and not news.doc_number


# -- search, both engines ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def law_backend(make_backend, tmp_path_factory):
    folder = tmp_path_factory.mktemp("legal")
    return make_backend(folder / "index", read_source(_export(folder)))


def _search(backend, q):
    return backend.search(SearchRequest(q=q, scope="web")).results


@pytest.mark.parametrize("q, number", [
    ("bảo vệ dữ liệu cá nhân của người sử dụng", 17),
    ("sao lưu và phục hồi dữ liệu", 11),
    ("thanh toan phi le phi truc tuyen", 24),
    ("đánh giá mức độ hài lòng", 27),
])
def test_an_article_comes_first_for_its_heading(law_backend, q, number):
    first = _search(law_backend, q)[0]
    assert first.url == f"{LAW_URL}#dieu-{number}"
    assert first.article == f"Điều {number}" and first.parent_id == LAW_ID and first.parent_title == LAW_TITLE
    assert first.doc_number == LAW_NUMBER and first.kind == "legal"
    assert first.title.startswith(f"Điều {number}. ") and first.title.endswith(f" — {LAW_TITLE} 2023")


def test_the_law_is_found_by_its_number_and_title(law_backend):
    results = _search(law_backend, f"so:{LAW_NUMBER}")
    assert [h.id for h in results] == [LAW_ID]  # the articles do not carry the number's key
    assert _search(law_backend, LAW_NUMBER.lower())[0].id == LAW_ID
    first = _search(law_backend, "luật cổng thông tin điện tử và dịch vụ công trực tuyến")[0]
    assert first.id == LAW_ID and first.title == LAW_TITLE and first.parent_id is None


def test_the_api_gives_the_article_and_its_law(law_backend):
    from webapp import create_app

    client = create_app(app_config(law_backend, TESTING=True, RATE_LIMIT="")).test_client()
    response = client.get("/api/search", query_string={"q": "tên miền của cổng thông tin", "scope": "web"})
    assert response.status_code == 200
    first = response.get_json()["results"][0]
    assert first["url"] == f"{LAW_URL}#dieu-7" and first["article"] == "Điều 7"
    assert first["parent_id"] == LAW_ID and first["parent_title"] == LAW_TITLE and first["doc_number"] == LAW_NUMBER
    page = client.get("/", query_string={"q": "tên miền của cổng thông tin", "scope": "web"}).get_data(as_text=True)
    shown = re.sub(r"</?mark>", "", page)  # the API's title names the law; the page's card says it on its own line
    assert first["title"] == f"Điều 7. Tên miền của cổng thông tin điện tử — {LAW_TITLE} 2023"
    assert "Điều 7. Tên miền của cổng thông tin điện tử</a>" in shown and "thuộc <a" in shown
