"""Legal texts as legal documents: the header read into fields, a long text cut into its articles.

A Vietnamese legal text opens with a fixed header (Nghị định 30/2020/NĐ-CP on the form of
official documents): the issuing body, "Số: 24/2015/TT-BTTTT", "Hà Nội, ngày 18 tháng 8 năm
2015", the type ("THÔNG TƯ") and its title in capitals; the effective date is said in an article
near the end ("có hiệu lực thi hành từ ngày ..."). ``read_header`` reads those, whatever the
extraction did to the two header columns (side by side, one after the other, or run together).

A long text (at least ``MIN_ARTICLES`` "Điều N." headings) is searched article by article:
``legal_units(doc)`` gives the parent (its header, preamble and outline of chapters and
articles) and one Document per article, ``<parent id>#dieu-N``, carrying the parent's
fields. Sources call it on each Document they produce; anything else passes through.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from ..document import KIND_LEGAL, Document

MIN_ARTICLES = 5
_HEADER_LINES = 40  # the header and title come before this many lines (or the first article)
_HEADER_LINE_CHARS = 400  # header lines are short; a long line is a paragraph, read no further

# Document types: the type line in capitals -> the name stored, and the code numbers carry.
DOC_TYPES = {
    "THÔNG TƯ LIÊN TỊCH": "Thông tư liên tịch", "THÔNG TƯ": "Thông tư", "NGHỊ ĐỊNH": "Nghị định",
    "NGHỊ QUYẾT": "Nghị quyết", "QUYẾT ĐỊNH": "Quyết định", "BỘ LUẬT": "Bộ luật", "LUẬT": "Luật",
    "PHÁP LỆNH": "Pháp lệnh", "CHỈ THỊ": "Chỉ thị", "LỆNH": "Lệnh", "KẾ HOẠCH": "Kế hoạch",
    "HƯỚNG DẪN": "Hướng dẫn", "THÔNG BÁO": "Thông báo", "QUY CHẾ": "Quy chế", "QUY ĐỊNH": "Quy định",
}
_NAMED_TYPES = ("Luật", "Bộ luật", "Pháp lệnh")  # "Luật An ninh mạng": the name follows with a capital
_NUMBER_CODES = {"TTLT": "Thông tư liên tịch", "TT": "Thông tư", "NĐ": "Nghị định", "NQ": "Nghị quyết",
                 "QĐ": "Quyết định", "CT": "Chỉ thị", "KH": "Kế hoạch", "TB": "Thông báo", "HD": "Hướng dẫn"}

_NUMBER = r"\d+[A-Za-zĐđ]?(?:\s*/\s*\d{4})?(?:\s*/\s*[A-Za-zĐđ0-9]+(?:\s*[-–]\s*[A-Za-zĐđ0-9]+)*)?"
_NUMBER_LINE = re.compile(r"(?:^|\s)(?:Luật\s+|Bộ\s+luật\s+|Pháp\s+lệnh\s+|Lệnh\s+)?[Ss]ố\s*(?:hiệu)?\s*[:.]?\s*"
                          rf"(?P<number>{_NUMBER})")
_DATE = r"ngày\s+(?P<d>\d{1,2})\s*(?:tháng\s+|[/.-]\s*)(?P<m>\d{1,2})\s*(?:năm\s+|[/.-]\s*)(?P<y>\d{4})"
_PLACE_DATE = re.compile(r"[^\W\d_]\s*,\s*" + _DATE, re.I)  # "Hà Nội, ngày 18 tháng 8 năm 2015"
_ADOPTED = re.compile(r"thông\s+qua\s+" + _DATE, re.I)
_SUBJECT = r"(?:(?:Bộ\s+)?Luật|Pháp\s+lệnh|Nghị\s+định|Nghị\s+quyết|Thông\s+tư(?:\s+liên\s+tịch)?|Quyết\s+định|Chỉ\s+thị)\s+này"
_EFFECTIVE = re.compile(
    r"có\s+hiệu\s+lực(?:\s+thi\s+hành)?\s*(?:,\s*)?"
    r"(?:(?:kể\s+)?từ\s+(?:" + _DATE + r"|(?P<signed>ngày\s+ký(?:\s+ban\s+hành)?))"
    r"|sau\s+(?P<after>\d+)\s+ngày(?:\s*,)?\s+kể\s+từ\s+ngày\s+ký)", re.I)
_ABOUT_ITSELF = re.compile(_SUBJECT + r"[^.;\n]*$", re.I)  # "Thông tư này ..." just before "có hiệu lực"
_MOTTO = re.compile(r"CỘNG\s+H(?:OÀ|ÒA|OA)\s+XÃ\s+HỘI\s+CHỦ\s+NGHĨA\s+VIỆT\s+NAM|Độc\s+lập\s*[-–]\s*Tự\s+do\s*[-–]\s*Hạnh\s+phúc",
                    re.I)
_RULE = re.compile(r"^[\s\-–—_=.*]*$")  # the short rules printed under the header lines
# Lines that open the preamble or the signing authority: where a title stops.
_NOT_TITLE = re.compile(r"^(?:Căn\s+cứ|Theo\s+đề\s+nghị|Xét\s+|Thực\s+hiện|Để\s+|Chương\s|Mục\s|Phần\s|Điều\s"
                        r"|CHỦ\s+TỊCH|BỘ\s+TRƯỞNG|THỦ\s+TƯỚNG|GIÁM\s+ĐỐC|CỤC\s+TRƯỞNG|TỔNG\s+CỤC\s+TRƯỞNG|QUỐC\s+HỘI"
                        r"|CHÍNH\s+PHỦ|ỦY\s+BAN|UỶ\s+BAN|HỘI\s+ĐỒNG|Số\s*:)")
_ARTICLE = re.compile(r"^Điều\s+(?P<n>\d+[a-zđ]?)\s*[.:]\s*(?P<heading>.*)$", re.M)
_DIVISION = re.compile(r"^(?:Chương|Mục|Phần|PHẦN|CHƯƠNG|MỤC)\s+(?:[IVXLC]+|\d+|thứ\s+\S+)\b.*$", re.M)
# Where the last article stops: the signature block, the list of recipients, a law's adoption line.
_END = re.compile(r"^(?:Nơi\s+nhận|(?:TM|KT|TL|TUQ|Q)\.\s|CHỦ\s+TỊCH|BỘ\s+TRƯỞNG|THỦ\s+TƯỚNG|GIÁM\s+ĐỐC"
                  r"|(?:Bộ\s+)?[Ll]uật\s+này\s+đã\s+được\s+Quốc\s+hội|Pháp\s+lệnh\s+này\s+đã\s+được|\./\.)", re.M)
_PLACES = r"(?:TỈNH|THÀNH\s+PHỐ|HUYỆN|QUẬN|THỊ\s+XÃ|XÃ(?!\s+HỘI)|PHƯỜNG|THỊ\s+TRẤN)\b"


@dataclass
class LegalHeader:
    """What the header and the text say about a legal document; "" or None when not found."""
    doc_number: str = ""
    doc_type: str = ""
    issuer: str = ""
    title: str = ""
    published: datetime | None = None
    effective: datetime | None = None

    def __bool__(self) -> bool:
        """A legal header: a document number, or a type line with its title under an issuing body."""
        return bool(self.doc_number or (self.doc_type and self.title and self.issuer))


def _date(match) -> datetime | None:
    try:
        return datetime(int(match.group("y")), int(match.group("m")), int(match.group("d")))
    except ValueError:
        return None


def _is_caps(line: str) -> bool:
    letters = [c for c in line if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def _cap(word: str) -> str:
    return word[:1].upper() + word[1:]


def sentence_case(text: str) -> str:
    """``QUY ĐỊNH VỀ QUẢN LÝ`` -> ``Quy định về quản lý``: a title printed in capitals, as written."""
    return _cap(" ".join(text.lower().split()))


_FIXED_NAMES = {"CHÍNH PHỦ": "Chính phủ", "QUỐC HỘI": "Quốc hội", "THỦ TƯỚNG CHÍNH PHỦ": "Thủ tướng Chính phủ",
                "ỦY BAN THƯỜNG VỤ QUỐC HỘI": "Ủy ban Thường vụ Quốc hội", "CHỦ TỊCH NƯỚC": "Chủ tịch nước"}
# Bodies named after their field ("Bộ Kế hoạch và Đầu tư"): each part of the field takes a capital.
_FIELD_BODY = re.compile(r"^(?:tổng cục|bộ|sở|cục|vụ|ban|viện|ủy ban(?! nhân dân))\s+")


def name_case(text: str) -> str:
    """An issuing body in capitals, written as Vietnamese writes names of bodies:
    ``BỘ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI`` -> ``Bộ Lao động - Thương binh và Xã hội``,
    ``ỦY BAN NHÂN DÂN TỈNH QUẢNG NAM`` -> ``Ủy ban nhân dân tỉnh Quảng Nam``."""
    text = " ".join(unicodedata.normalize("NFC", text).replace("UỶ", "ỦY").split())
    if text.upper() in _FIXED_NAMES:
        return _FIXED_NAMES[text.upper()]
    place = re.search(r"\b" + _PLACES + r"\s+\S.*$", text)
    head, where = (text[:place.start()].strip(), text[place.start():]) if place else (text, "")
    head = head.lower()
    body = _FIELD_BODY.match(head)
    if body:
        parts = re.split(r"(\s+[-–]\s+|\s+và\s+)", head[body.end():])
        named = _cap(body.group()) + "".join(p if i % 2 else _cap(p) for i, p in enumerate(parts))
    else:
        named = _cap(head)
    if where:
        kind = re.match(_PLACES, where).group()
        named += f" {kind.lower()} " + " ".join(_cap(w.lower()) for w in where[len(kind):].split())
    return named.strip()


def _split_motto(line: str) -> list[str]:
    """A header line run together with the motto column ("BỘ TÀI CHÍNH CỘNG HÒA XÃ HỘI ...")."""
    return [part.strip() for part in _MOTTO.split(line) if part.strip()]


def _header_lines(text: str) -> list[str]:
    lines = []
    for raw in text.split("\n", _HEADER_LINES * 2)[:_HEADER_LINES * 2]:
        raw = raw.strip()[:_HEADER_LINE_CHARS]
        for line in _split_motto(raw):
            if not _RULE.match(line):
                lines.append(line)
        if _ARTICLE.match(raw) or len(lines) >= _HEADER_LINES:
            break
    return lines


def _type_of(line: str) -> tuple[str, str] | None:
    """(type name, rest of the line) when ``line`` is a type line in capitals ("THÔNG TƯ", "LUẬT AN NINH MẠNG")."""
    if not _is_caps(line) or line.rstrip().endswith(":"):
        return None
    for caps, name in DOC_TYPES.items():
        m = re.match(re.escape(caps).replace(r"\ ", r"\s+") + r"(?:\s+(?P<rest>.*))?$", line.strip())
        if m:
            return name, (m.group("rest") or "").strip()
    return None


def _type_from_number(number: str) -> str:
    parts = number.upper().split("/")
    if len(parts) < 2:
        return ""
    code = parts[-1].split("-")[0]
    if code.startswith("QH") and len(parts) == 3:
        return "Luật"
    return _NUMBER_CODES.get(code, "")


def _normalize_number(number: str) -> str:
    text = re.sub(r"\s*[–—-]\s*", "-", number)
    text = re.sub(r"\s*/\s*", "/", text).strip(" .,;")
    return text.upper()


def _issuer(lines: list[str]) -> str:
    """The issuing body: the capital lines above the number, the last body named (a superior body
    printed above it is left out; a place on its own line belongs to the body above it)."""
    bodies: list[str] = []
    for line in lines:
        if _NUMBER_LINE.search(line) or _PLACE_DATE.search(line) or _type_of(line) or not _is_caps(line):
            break
        if bodies and re.match(_PLACES + r"\b", line):
            bodies[-1] += " " + line
        else:
            bodies.append(line)
    return name_case(bodies[-1]) if bodies else ""


def effective_date(text: str, published: datetime | None) -> datetime | None:
    """The date the text takes effect, from its "có hiệu lực ..." clause (the one about the text
    itself first): a date, "kể từ ngày ký" (the signing date) or "sau N ngày kể từ ngày ký"."""
    matches = list(_EFFECTIVE.finditer(text))
    matches.sort(key=lambda m: not _ABOUT_ITSELF.search(text, max(0, m.start() - 120), m.start()))
    for m in matches:
        if m.group("y"):
            found = _date(m)
            if found:
                return found
        elif m.group("signed") and published:
            return published
        elif m.group("after") and published:
            return published + timedelta(days=int(m.group("after")))
    return None


def read_header(text: str) -> LegalHeader:
    """The number, type, issuer, title, signing and effective dates of a legal text."""
    text = unicodedata.normalize("NFC", text or "")
    lines = _header_lines(text)
    header = LegalHeader()
    for line in lines:
        m = _NUMBER_LINE.search(line)
        if m and "/" in m.group("number"):
            header.doc_number = _normalize_number(m.group("number"))
            break
    for line in lines:
        m = _PLACE_DATE.search(line)
        if m and not re.search(r"căn\s+cứ|thông\s+qua", line, re.I):
            header.published = _date(m)
            break
    for index, line in enumerate(lines):
        found = _type_of(line)
        if not found:
            continue
        header.doc_type, rest = found
        title = [rest] if rest else []
        for follow in lines[index + 1:]:
            if _NOT_TITLE.match(follow) or follow.endswith(":"):
                break
            if _is_caps(follow) or (not title and len(follow) < 300):
                title.append(follow)
            else:
                break
        name = " ".join(title)
        if _is_caps(name):
            name = sentence_case(name)
        if name:
            header.title = f"{header.doc_type} {name if header.doc_type in _NAMED_TYPES else name[:1].lower() + name[1:]}"
        break
    if not header.doc_type and header.doc_number:
        header.doc_type = _type_from_number(header.doc_number)
    header.issuer = _issuer(lines)
    if header:
        if header.published is None:
            adopted = _ADOPTED.search(text)
            header.published = _date(adopted) if adopted else None
        header.effective = effective_date(text, header.published)
    return header


@dataclass
class Article:
    number: str  # "5", "5a"
    heading: str
    text: str  # "Điều 5. Heading" and its clauses


def split_articles(text: str) -> tuple[str, list[Article], list[str], str]:
    """(what comes before the first division or article, the articles, the outline of divisions
    and articles, what follows the last article: the adoption line and the signature)."""
    starts = list(_ARTICLE.finditer(text))
    if not starts:
        return text, [], [], ""
    articles = []
    divisions = list(_DIVISION.finditer(text))
    closing = ""
    for i, m in enumerate(starts):
        end = starts[i + 1].start() if i + 1 < len(starts) else len(text)
        following = [d.start() for d in divisions if m.end() < d.start() < end]
        end = min(following, default=end)
        if i + 1 == len(starts):
            tail = _END.search(text, m.end())
            if tail and tail.start() < end:
                end = tail.start()
            closing = text[end:].strip()
        heading = m.group("heading").strip().rstrip(".").strip()
        articles.append(Article(m.group("n"), heading, text[m.start():end].strip()))
    marks = sorted([(d.start(), _division_title(text, d)) for d in divisions if d.start() < starts[-1].start()] +
                   [(m.start(), f"Điều {m.group('n')}. {m.group('heading').strip()}") for m in starts])
    first = min([starts[0].start()] + [d.start() for d in divisions])
    return text[:first].strip(), articles, [title for _, title in marks], closing


def _division_title(text: str, m) -> str:
    """"Chương II" and its name (printed on the same line or the next), on one line."""
    label = m.group().strip()
    named = re.match(r"^(\S+\s+\S+)\s*[.:\-–]?\s+(.+)$", label)
    if named:
        label, name = named.group(1), named.group(2)
    else:
        name = text[m.end():].lstrip("\n").split("\n", 1)[0].strip()
        if not name or _ARTICLE.match(name) or _DIVISION.match(name):
            return label
    return f"{label}. {sentence_case(name) if _is_caps(name) else name}"


def _fill(doc: Document, header: LegalHeader) -> Document:
    """``doc`` with the fields its source did not give taken from the header."""
    return replace(
        doc,
        kind=KIND_LEGAL,
        doc_number=doc.doc_number or header.doc_number,
        doc_type=doc.doc_type or header.doc_type,
        issuer=doc.issuer or header.issuer,
        published=doc.published or header.published,
        effective=doc.effective or header.effective,
    )


def legal_units(doc: Document) -> list[Document]:
    """``doc`` as indexed: a legal text gets its header fields; a long one becomes its parent
    plus one Document per article; anything else is returned as it is."""
    if doc.parent_id:
        return [doc]
    text = doc.body or ""
    header = read_header(text)
    if not header and not doc.doc_number and doc.kind != KIND_LEGAL:
        return [doc]
    parent = _fill(doc, header) if header else replace(doc, kind=KIND_LEGAL)
    if parent.effective is None and parent.published is not None:
        parent.effective = effective_date(text, parent.published)
    preamble, articles, outline, closing = split_articles(text)
    if len(articles) < MIN_ARTICLES:
        return [parent]
    parent.body = "\n\n".join(p for p in (preamble, "\n".join(outline), closing) if p)
    units, seen = [parent], Counter()
    for article in articles:
        slug = f"dieu-{article.number.lower().replace('đ', 'd')}"
        seen[slug] += 1  # a regulation attached to a decision numbers its articles again
        anchor = slug if seen[slug] == 1 else f"{slug}-{seen[slug]}"
        label = f"Điều {article.number}"
        units.append(replace(
            parent, id=f"{parent.id}#{anchor}", url=f"{parent.url}#{anchor}" if parent.url else "",
            title=f"{label}. {article.heading}" if article.heading else label, body=article.text, summary="",
            parent_id=parent.id, parent_title=parent.title, article=label, extra={}))
    return units


def legal_title(header: LegalHeader) -> str:
    """The title a legal text with no title of its own is shown under."""
    return header.title or (f"{header.doc_type} {header.doc_number}".strip() if header else "")
