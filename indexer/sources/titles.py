"""Page titles fit to show: the site name removed, ALL-CAPS headings in sentence case.

``<title>`` usually carries the site's name ("Chức năng nhiệm vụ - Sở Thông Tin Và Truyền Thông",
"… » Báo điện tử Bình Định", "Cổng dữ liệu mở :: …"); legal texts print their title as an
ALL-CAPS heading ("LUẬT" / "AN NINH MẠNG"), which reads as shouting in a result list.
"""

from __future__ import annotations

import re
import unicodedata

# A separator between a page's title and its site's name: spaced dashes, bars, guillemets, colons.
_SEPARATOR = re.compile(r"\s+(?:::|\||[-–—]{1,2}|»|«|›|‹|/|•|·)\s+|\s*(?:::|\||»|«)\s*")
# How a site's name starts: the bodies and kinds of sites that publish Vietnamese public pages.
_SITE_WORDS = re.compile(
    r"^(?:Sở|Cổng|Trang\s+(?:thông\s+tin|tin|web|chủ)|Báo|Tạp\s+chí|Bộ|Ủy\s+ban|Uỷ\s+ban|UBND|HĐND|Cục|Tổng\s+cục|"
    r"Chi\s+cục|Văn\s+phòng|Trung\s+tâm|Đài|Cơ\s+sở\s+dữ\s+liệu|CSDL|Thư\s+viện|Hệ\s+thống|Website|Portal|Tỉnh|"
    r"Thành\s+phố|Huyện|Quận|Thị\s+xã|Đảng\s+bộ|Viện|Trường|Học\s+viện|Kho\s+bạc|Công\s+an|Bảo\s+hiểm\s+xã\s+hội|"
    r"Tòa\s+án|Cục|Ban\s+quản\s+lý|Chính\s+phủ|Quốc\s+hội|Thông\s+tấn|Truyền\s+hình|Phát\s+thanh)\b",
    re.I)
_MAX_SITE_WORDS = 14
# Words a sentence-cased title keeps capitalised.
_PROPER = [(re.compile(rf"(?<!\w){re.escape(name.lower())}(?!\w)"), name)
           for name in ("Việt Nam", "Hà Nội", "Hồ Chí Minh", "Quốc hội", "Chính phủ", "Đảng Cộng sản",
                        "Mặt trận Tổ quốc")]
_VOWELS = set("aăâeêioôơuưyáàảãạắằẳẵặấầẩẫậéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ")
_ROMAN = re.compile(r"^[IVXLC]+$")
_ACRONYMS = {"UBND", "HĐND", "MTTQ", "BHXH", "BHYT", "CNTT", "THCS", "THPT", "ASEAN", "COVID", "TP.HCM", "HCM"}


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text or "")).strip().casefold()


def _site_like(part: str, site_names) -> bool:
    words = part.split()
    if not words or len(words) > _MAX_SITE_WORDS:
        return False
    key = _norm(part)
    if any(key and (key == n or key in n or n in key) for n in site_names):
        return True
    return bool(_SITE_WORDS.match(part))


def strip_site_name(title: str, site_names=()) -> str:
    """``title`` without the site's name before or after a separator (-, |, –, ::, », …).

    A part is the site's name when it equals or contains a known name (``og:site_name``, the
    logo's text) or starts like one ("Sở …", "Cổng thông tin …", "Báo …"). What is left must be
    a title: at least two words, else the title is kept whole."""
    title = re.sub(r"\s+", " ", title or "").strip()
    names = [n for n in (_norm(s) for s in site_names) if len(n) >= 4]
    parts = _SEPARATOR.split(title)
    if len(parts) < 2:
        return title
    seps = _SEPARATOR.findall(title)
    # Trailing site names first ("Title - Site"), then a leading one ("Site :: Title").
    while len(parts) > 1 and _site_like(parts[-1], names) and len(" ".join(parts[:-1]).split()) >= 2:
        parts.pop()
        seps.pop()
    while len(parts) > 1 and _site_like(parts[0], names) and len(" ".join(parts[1:]).split()) >= 2:
        parts.pop(0)
        seps.pop(0)
    out = parts[0]
    for sep, part in zip(seps, parts[1:]):
        out += sep + part
    return out.strip()


def is_all_caps(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def _keep_upper(token: str) -> bool:
    bare = token.strip(".,;:()\"'“”")
    if any(c.isdigit() for c in bare) or _ROMAN.match(bare) or bare in _ACRONYMS:
        return True
    return bool(bare) and not any(c.lower() in _VOWELS for c in bare if c.isalpha())  # HĐND, TP, BTTTT


def sentence_case(text: str) -> str:
    """An ALL-CAPS heading as a sentence: first letter capitalised, the rest lower case, except
    document numbers, Roman numerals, acronyms without vowels and a few proper names. Text that
    is not ALL CAPS is returned as it is."""
    text = re.sub(r"\s+", " ", unicodedata.normalize("NFC", text or "")).strip()
    if not is_all_caps(text):
        return text
    tokens = [t if _keep_upper(t) else t.lower() for t in text.split(" ")]
    out = " ".join(tokens)
    for pattern, name in _PROPER:
        out = pattern.sub(name, out)
    return out[:1].upper() + out[1:]
