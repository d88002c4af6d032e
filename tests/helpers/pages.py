"""Article pages in the department CMS's style, generated at test time from
tests/fixtures/html_templates/article.html.tmpl, in UTF-8, NFD or windows-1258."""

from __future__ import annotations

import unicodedata

from .corpus import FIXTURES

ARTICLE_TEMPLATE = FIXTURES / "html_templates" / "article.html.tmpl"

NFD_PAGE = {
    "file": "quyet-dinh-viec-lam.html",
    "charset": "utf-8",
    "title": "Quyết định phê duyệt kế hoạch hỗ trợ việc làm cho người lao động",
    "url": "https://sldtbxh.quangnam.gov.vn/tin-tuc/quyet-dinh-viec-lam",
    "date": "15/03/2019",
    "source": "Việc làm",
    "paragraphs": [
        "Ủy ban nhân dân tỉnh đã ban hành Quyết định số 1437/QĐ-UBND phê duyệt kế hoạch hỗ trợ việc làm "
        "cho người lao động năm 2019 trên địa bàn tỉnh Quảng Nam.",
        "Kế hoạch tập trung vào tư vấn, giới thiệu việc làm và đào tạo nghề cho thanh niên nông thôn, "
        "người khuyết tật, lao động thuộc hộ nghèo và hộ cận nghèo.",
        "Trung tâm Dịch vụ việc làm tỉnh sẽ tổ chức các phiên giao dịch việc làm định kỳ hằng tháng tại "
        "thành phố Tam Kỳ và các huyện miền núi.",
        "Sở Lao động – Thương binh và Xã hội được giao chủ trì, phối hợp với các sở, ngành liên quan theo "
        "dõi, đôn đốc việc thực hiện kế hoạch.",
    ],
}
CP1258_PAGE = {
    "file": "bhxh-tu-nguyen.html",
    "charset": "windows-1258",
    "title": "Tuyên truyền chính sách bảo hiểm xã hội tự nguyện năm 2019",
    "url": "https://sldtbxh.quangnam.gov.vn/tin-tuc/bhxh-tu-nguyen",
    "date": "02/04/2019",
    "source": "Bảo hiểm xã hội",
    "paragraphs": [
        "Sở Lao động – Thương binh và Xã hội phối hợp với Bảo hiểm xã hội tỉnh tuyên truyền chính sách "
        "bảo hiểm xã hội tự nguyện cho người lao động tự do.",
        "Người tham gia được Nhà nước hỗ trợ tiền đóng; mức hỗ trợ bằng 30% mức đóng theo chuẩn hộ nghèo "
        "khu vực nông thôn đối với người thuộc hộ nghèo.",
        "Hội nghị cũng giải đáp nhiều thắc mắc của người dân về thời gian đóng, mức hưởng lương hưu và chế "
        "độ tử tuất khi tham gia bảo hiểm xã hội tự nguyện.",
        "Dự kiến trong năm 2019 toàn tỉnh phát triển thêm 3.000 người tham gia bảo hiểm xã hội tự nguyện, "
        "góp phần thực hiện mục tiêu an sinh xã hội.",
    ],
}
UTF8_PAGE = {
    "file": "hoi-nghi-bao-ve-tre-em.html",
    "title": "Hội nghị triển khai Chương trình Bảo vệ trẻ em và Bình đẳng giới năm 2019",
    "url": "https://sldtbxh.quangnam.gov.vn/tin-tuc/hoi-nghi-bao-ve-tre-em-2019",
}

# Text of the page chrome in ARTICLE_TEMPLATE: none of it may end up in an article body.
CHROME_TEXTS = [
    "Select the search type",  # search box
    "Trang chủ",  # menu
    "Giới thiệu chung về cơ cấu tổ chức",  # menu
    "Thủ tục hành chính công trực tuyến",  # menu
    "Văn bản mới",  # sidebar heading
    "Quy định quản lý đầu tư ứng dụng công nghệ thông tin",  # legal-notice sidebar
    "Quy định trách nhiệm công khai xin lỗi",  # legal-notice sidebar
    "Nguồn tin",
    "Người đăng",
    "Lượt xem",
    "Trở về",
    "Các tin mới hơn",
    "Các tin cũ hơn",
    "Quảng Nam tổ chức Lễ phát động Tháng hành động",  # a newer-news title
    "phòng ngừa lao động trẻ em cho cha mẹ",  # a newer-news title
    "Tặng quà cho trẻ em có hoàn cảnh khó khăn",  # an older-news title
    "Trao dụng cụ học tập và học bổng",  # an older-news title
    "Cơ quan chủ quản",  # footer
    "Ghi rõ nguồn khi phát hành lại",  # footer
]

_TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"


def encode_cp1258(text: str) -> bytes:
    """Encode Vietnamese text as windows-1258 the way Vietnamese Windows does.

    cp1258 has the vowels with hats and horns (â, ê, ô, ơ, ư, ă, đ) but not most
    toned letters: those become the base letter followed by a combining tone mark.
    Decoded, such text is *not* NFC until normalized.
    """
    out = []
    for ch in text:
        try:
            out.append(ch.encode("cp1258"))
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", ch)
            base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in _TONE_MARKS))
            tones = "".join(c for c in parts if c in _TONE_MARKS)
            out.append((base + tones).encode("cp1258"))
    return b"".join(out)


def render_article(spec: dict, charset: str | None = None, paragraphs: list[str] | None = None) -> str:
    """An article page in the department CMS's style, from ARTICLE_TEMPLATE."""
    template = ARTICLE_TEMPLATE.read_text(encoding="utf-8")
    body = "\n".join(f"            <p>{p}</p>" for p in (paragraphs if paragraphs is not None else spec["paragraphs"]))
    return (template.replace("__CHARSET__", charset or spec.get("charset", "utf-8"))
            .replace("__TITLE__", spec["title"])
            .replace("__URL__", spec["url"])
            .replace("__PARAGRAPHS__", body)
            .replace("__SOURCE__", spec.get("source", "Tổng hợp"))
            .replace("__DATE__", spec.get("date", "01/01/2019")))
