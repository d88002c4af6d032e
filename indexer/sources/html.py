"""Department CMS pages (articles and legal notices) into Documents.

Department CMSs wrap the article in menus, a search box, "Các tin mới hơn /
Các tin cũ hơn" lists, legal-notice sidebars and footers. We parse with
selectolax (lexbor), decode legacy charsets first, then:

- use a site's CSS selectors when its config gives them (``sites.SiteConfig``);
- else drop the page chrome (hidden nodes and template placeholders too; a
  ``<form>`` wrapping the whole page is kept), find the block of paragraph text
  nearest the title that is not a list of links, and stop the body at the CMS's
  trailer markers; when that finds no text, trafilatura's main-text detection
  (measured against ours in bench/extraction.py: sound text, but slower and
  blind to Vietnamese titles and dates, so only a fallback);
- take the title from the heading matching ``<title>``/``og:title`` without the
  site name (``titles.py``), or a legal text's ALL-CAPS heading and its header
  table (issuer, number, place and date);
- read the labelled metadata ("Ngày đăng:", "Người đăng:", "Nguồn tin:",
  "Lượt xem:") and, on legal notices, the label/value rows ("Số hiệu",
  "Loại văn bản", "Cơ quan ban hành", "Ngày ban hành", "Ngày hiệu lực",
  "Trích yếu", "Người ký") and the attached files; else the date on a short line
  after the title or in a date element, never one inside a list of other
  articles (``dates.py`` reads the forms).

The label regexes below only recognise *labels* in text that selectolax has
already isolated; structure always comes from the parser.
"""

from __future__ import annotations

import codecs
import html as html_lib
import re
import unicodedata
from pathlib import Path
from urllib.parse import urljoin

from charset_normalizer import from_bytes
from selectolax.lexbor import LexborHTMLParser

from ..document import KIND_ARTICLE, KIND_LEGAL, Document, clean_text
from .dates import date_line, parse_vn_date
from .legal import legal_units
from .problems import SourceProblem
from .titles import is_all_caps, sentence_case, strip_site_name

_CHROME = "script, style, noscript, nav, header, footer, aside, iframe, svg, button, select, template, input, textarea"
_CHROME_HINTS = ("menu", "breadcrumb", "footer", "sidebar", "banner", "search", "share", "social", "comment",
                 "other-news", "tin-khac", "related", "lien-quan", "paging", "pagination", "contact", "byline",
                 "author", "tac-gia", "print", "skip-to")
_CHROME_HINT = re.compile("|".join(map(re.escape, _CHROME_HINTS)))
# A hinted node this long is the article itself (a theme naming its wrapper "print-area").
_CHROME_MAX_CHARS = 3000
# A <form> wrapping the whole page (ASP.NET, SharePoint) holds the article; a search box does not.
_FORM_MAX_CHARS = 1000
# Less article text than this is a contact line or a caption, not an article.
_MIN_BODY_CHARS = 40
# Less text than this from the library is a fragment (a heading, a caption), not an article.
_LIBRARY_MIN_CHARS = 200
_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_PLACEHOLDER = re.compile(r"\{\{\s*\w+\s*\}\}|\$\w+\$|%%\w+%%")
_ENTITY = re.compile(r"&(?:#\d{2,7}|#x[0-9a-f]{2,6}|[a-z]{2,8});", re.I)
_BLOCKS = {"p", "div", "li", "h2", "h3", "h4", "h5", "h6", "blockquote", "figcaption", "td", "pre", "section",
           "article", "figure", "table", "tr", "ul", "ol", "tbody", "dl", "dt", "dd"}
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w-]+)""", re.I)
# Labelled metadata lines, e.g. "Người đăng: Nguyễn Hữu Thanh .Ngày đăng: 28/01/2019 .Lượt xem: 477 lượt."
_LABELS = {
    "published": r"Ngày\s+(?:đăng(?:\s+tin)?|xuất\s+bản|cập\s+nhật)|Cập\s+nhật(?:\s+lúc)?|Đăng\s+ngày|Đăng\s+lúc",
    "author": r"Người\s+(?:đăng|viết)|Tác\s+giả|Đăng\s+bởi|Bài(?:\s+và\s+ảnh)?",
    "source": r"Nguồn(?:\s+tin)?",
    "views": r"(?:Số\s+)?lượt\s+(?:xem|đọc|truy\s+cập)",
}
_LABEL_RE = re.compile(
    r"(?:^|(?<=[\s.|,;·•\-–]))(?P<label>" + "|".join(f"(?P<{k}>{v})" for k, v in _LABELS.items())
    + r")\s*:\s*", re.I | re.M)
# A paragraph starting with one of these ends the article body.
_TRAILER = re.compile(
    r"^\s*(?:\[?\s*Trở về\s*\]?|Quay lại|Các tin (?:mới hơn|cũ hơn|khác|liên quan|đã đưa)|Tin (?:liên quan|khác|cùng chuyên mục)"
    r"|Mọi (?:thông tin|chi tiết)(?: xin)? liên hệ|Thông tin liên hệ\s*:"
    r"|Bài viết liên quan|(?:" + "|".join(_LABELS.values()) + r")\s*:)",
    re.I,
)
# Legal-notice labels -> field names.
_NOTICE_LABELS = [
    ("doc_number", r"Số\s*(?:/\s*)?(?:ký\s+hiệu|hiệu)(?:\s+văn\s+bản)?|Ký\s+hiệu|Số\s+văn\s+bản"),
    ("doc_type", r"Loại\s+văn\s+bản|Hình\s+thức\s+văn\s+bản|Thể\s+loại"),
    ("issuer", r"Cơ\s+quan\s+ban\s+hành|Đơn\s+vị\s+ban\s+hành|Nơi\s+ban\s+hành"),
    ("issued", r"Ngày\s+ban\s+hành|Ngày\s+ký"),
    ("effective", r"Ngày\s+(?:có\s+)?hiệu\s+lực|Hiệu\s+lực\s+từ\s+ngày"),
    ("abstract", r"Trích\s+yếu(?:\s+nội\s+dung)?"),
    ("signer", r"Người\s+ký(?:\s+duyệt)?"),
    ("field", r"Lĩnh\s+vực"),
    ("files", r"(?:Tệp|File|Tập\s+tin|Văn\s+bản)\s+đính\s+kèm|Đính\s+kèm|Tải\s+về"),
]
_NOTICE_RE = re.compile(r"^\s*(?:" + "|".join(f"(?P<{k}>{v})" for k, v in _NOTICE_LABELS) + r")\s*:?\s*", re.I)
# The word a legal text's title line starts with, printed alone above its subject in capitals.
_LEGAL_TYPES = ("HIẾN PHÁP", "BỘ LUẬT", "LUẬT", "PHÁP LỆNH", "LỆNH", "NGHỊ QUYẾT", "NGHỊ QUYẾT LIÊN TỊCH", "NGHỊ ĐỊNH",
                "QUYẾT ĐỊNH", "CHỈ THỊ", "THÔNG TƯ", "THÔNG TƯ LIÊN TỊCH", "KẾ HOẠCH", "QUY ĐỊNH", "QUY CHẾ",
                "HƯỚNG DẪN", "THÔNG BÁO", "CÔNG ĐIỆN")
_LEGAL_TYPE_TAG = re.compile(r">\s*(?:" + "|".join(sorted(_LEGAL_TYPES, key=len, reverse=True)) + r")\s*<")
_LEGAL_NUMBER = re.compile(r"(?:^|\n)[^\n:]{0,30}?\bSố(?:\s+hiệu)?\s*:\s*([^\s,;]+)", re.I)
_ATTACHMENT_EXT = (".pdf", ".doc", ".docx", ".xls", ".xlsx", ".zip", ".rar", ".odt", ".ppt", ".pptx", ".signed.pdf")
_MAX_PAGE_BYTES = 20 * 1024 * 1024


class PageError(ValueError):
    """The page holds no article or notice we can index."""


class NotAnArticle(PageError):
    """The page is a listing (mostly links): a page to crawl through, not to index."""


# -- decoding ---------------------------------------------------------------------------------

def _known(encoding: str | None) -> str | None:
    try:
        return codecs.lookup(encoding).name if encoding else None
    except LookupError:
        return None


def decode_page(raw: bytes, declared: str | None = None) -> str:
    """Bytes to NFC text.

    A BOM wins; then valid UTF-8 (pages often declare a charset they are not in);
    then the charset declared by HTTP (``declared``) or by a ``<meta>``; then
    charset_normalizer's guess among the Vietnamese-capable legacy code pages.
    """
    if raw.startswith(codecs.BOM_UTF8):
        return unicodedata.normalize("NFC", raw[3:].decode("utf-8", "replace"))
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return unicodedata.normalize("NFC", raw.decode("utf-16", "replace"))
    if b"\x00" in raw[:2048]:
        raise PageError("không phải trang văn bản (nội dung nhị phân)")
    try:
        return unicodedata.normalize("NFC", raw.decode("utf-8"))
    except UnicodeDecodeError:
        pass
    meta = _META_CHARSET.search(raw[:4096])
    for encoding in (declared, meta.group(1).decode("ascii", "ignore") if meta else None):
        name = _known(encoding)
        if name and name not in ("utf-8",):
            try:
                return unicodedata.normalize("NFC", raw.decode(name))
            except UnicodeDecodeError:
                continue
    guess = from_bytes(raw, cp_isolation=["cp1258", "cp1252", "latin_1", "cp1250", "utf_16"]).best()
    if guess is None:
        raise PageError("không phải trang văn bản (nội dung nhị phân hoặc không rõ bảng mã)")
    return unicodedata.normalize("NFC", str(guess))


# -- small helpers ----------------------------------------------------------------------------

def _text(node) -> str:
    text = node.text(deep=True, separator="", strip=False)
    if "&" in text:  # entities escaped twice by the CMS ("&amp;nbsp;") read as text
        text = _ENTITY.sub(lambda m: html_lib.unescape(m.group()), text)
    return clean_text(text)


def _classes(node) -> str:
    attrs = node.attributes
    return f"{attrs.get('class') or ''} {attrs.get('id') or ''}".lower()


def _is_leaf_block(node) -> bool:
    return not any(child.tag in _BLOCKS for child in node.iter(include_text=False))


def _link_ratio(node, length: int) -> float:
    linked = sum(len(_text(a)) for a in node.css("a"))
    return linked / length if length else 1.0


def normalize_doc_number(value: str) -> str:
    """``Số: 24 / 2015 / tt – btttt`` -> ``24/2015/TT-BTTTT``: one spelling, as printed on the notice."""
    text = clean_text(value).split("\n")[0]
    text = re.sub(r"^\s*(?:số(?:\s*(?:ký\s+)?hiệu)?)\s*[:.]?\s*", "", text, flags=re.I)
    text = re.sub(r"\s*[–—‐-]\s*", "-", text)
    text = re.sub(r"\s*/\s*", "/", text)
    text = re.sub(r"\s+", " ", text).strip(" .,;")
    return text.upper()


def _labelled(text: str) -> dict[str, str]:
    """Values after "Ngày đăng:", "Người đăng:", "Nguồn tin:", "Lượt xem:" in the page text."""
    found: dict[str, str] = {}
    for line in text.split("\n"):
        matches = list(_LABEL_RE.finditer(line))
        for i, m in enumerate(matches):
            end = matches[i + 1].start() if i + 1 < len(matches) else len(line)
            value = line[m.end():end].strip(" .|,;·•-–\t")
            key = next(k for k in _LABELS if m.group(k))
            if value and key not in found:
                found[key] = value
    return found


def _views(value: str | None) -> int | None:
    digits = re.sub(r"[.,\s]", "", re.match(r"[\d.,\s]*", value or "").group(0))
    return int(digits) if digits.isdigit() else None


# -- site-specific selectors ------------------------------------------------------------------

def _select_text(tree, selector: str | None, joiner: str = "\n\n") -> str:
    if not selector:
        return ""
    return joiner.join(t for t in (_text(n) for n in tree.css(selector)) if t)


# -- the generic article finder ---------------------------------------------------------------

def _meta(tree, selector: str) -> str:
    node = tree.css_first(selector)
    return clean_text(node.attributes.get("content") or "") if node is not None else ""


def _page_titles(tree) -> tuple[str, str, list[str]]:
    """``<title>`` and ``og:title`` without the site's name, and the site names the page gives."""
    names = [n for n in (_meta(tree, 'meta[property="og:site_name"]'),) if n]
    names += [clean_text(img.attributes.get("alt") or "") for img in tree.css("[class*=logo i] img[alt], a.logo img[alt]")]
    names = [n for n in names if n]
    head = tree.css_first("title")
    return (strip_site_name(_text(head), names) if head is not None else "",
            strip_site_name(_meta(tree, 'meta[property="og:title"]'), names), names)


def _title(tree, selector: str | None, page_titles: tuple[str, str, list[str]]):
    """(title, the node it was read from or None): a site selector, else the heading that matches
    ``<title>``/``og:title``, else the first heading-like node, else ``og:title``, else ``<title>``."""
    if selector:
        text = _select_text(tree, selector, " ")
        if text:
            return text, None
    head, og, names = page_titles
    wanted = {t.casefold() for t in (head, og) if t}
    site_names = {n.casefold() for n in names}
    first = None
    for selector in ("h1", "[class*=title i]", "[class*=tieu-de i]", "[class*=tieude i]", "h2", "h3"):
        for node in tree.css(selector):
            text = _text(node)
            if not 8 <= len(text) <= 400 or text.casefold() in site_names or _link_ratio(node, len(text)) >= 0.5:
                continue
            if text.casefold() in wanted:
                return text, node
            if first is None and selector != "h3":
                first = (text, node)
    if first is not None:
        return first
    return (og or head), None


def _legal_heading(tree, raw_html: str):
    """A legal text's title printed as ALL-CAPS lines ("LUẬT" / "AN NINH MẠNG"): (the lines joined,
    the last line's node), or None."""
    if not _LEGAL_TYPE_TAG.search(raw_html):
        return None
    blocks = (n for n in tree.css("p, div, h1, h2, h3, h4, td")
              if n.tag == "p" or n.tag.startswith("h") or _is_leaf_block(n))
    for node in blocks:
        if _text(node) not in _LEGAL_TYPES:
            continue
        lines, last = [_text(node)], node
        for other in blocks:
            text = _text(other)
            if not text or _inside(other, last) or _inside(last, other):
                continue
            if not is_all_caps(text) or text in _LEGAL_TYPES or len(text) > 400 or len(lines) > 3:
                break
            lines.append(text)
            last = other
        if len(lines) >= 2:
            return " ".join(lines), last
    return None


def _legal_header(tree) -> dict[str, str]:
    """Issuer, number and place/date from the header table printed above a legal text's title."""
    for table in tree.css("table"):
        text = clean_text(table.text(separator="\n"))
        if "CỘNG HÒA" not in text.upper().replace("HOÀ", "HÒA"):
            continue
        fields = {}
        number = _LEGAL_NUMBER.search(text)
        if number:
            fields["doc_number"] = number.group(1)
        for line in text.split("\n"):
            if parse_vn_date(line) and "ngày" in line.lower():
                fields["issued"] = line.strip()
                break
        cells = [clean_text(td.text(separator="\n")) for td in table.css("td")]
        if cells:
            issuer = cells[0].split("\n")[0].strip(" -_")
            if issuer and is_all_caps(issuer) and "CỘNG HÒA" not in issuer:
                fields["issuer"] = sentence_case(issuer)
        return fields
    return {}


def _drop_chrome(tree) -> None:
    for node in tree.css(_CHROME):
        node.decompose()
    for node in tree.css("form"):
        if len(node.text(deep=True)) < _FORM_MAX_CHARS:
            node.decompose()
        else:
            node.unwrap()
    for node in tree.css('[hidden], [style*="none" i], [style*="hidden" i]'):
        if "hidden" in node.attributes or _HIDDEN.search(node.attributes.get("style") or ""):
            node.decompose()
    for node in tree.css("[class], [id]"):
        if node.tag in ("body", "html", "h1"):
            continue
        if _CHROME_HINT.search(_classes(node)) and len(node.text(deep=True)) <= _CHROME_MAX_CHARS:
            node.decompose()


def _article_container(tree, title_node):
    """The element holding the article's paragraphs.

    Paragraph text scores for its ancestors, but blocks that are mostly links
    (sidebars, "other news" lists) score nothing, and ancestors of the title get
    a bonus, so a short news brief still beats a long sidebar.
    """
    scores: dict = {}
    nodes = {}
    title_ancestors = set()
    node = title_node.parent if title_node is not None else None
    while node is not None:
        title_ancestors.add(node.mem_id)
        node = node.parent
    for p in tree.css("p, td, div, li, dd, blockquote"):
        if p.tag != "p" and not _is_leaf_block(p):
            continue
        text = _text(p)
        length = len(text)
        if length < 25 or _link_ratio(p, length) > 0.5:
            continue
        parent = p.parent
        for weight in (1.0, 0.5):
            if parent is None:
                break
            key = parent.mem_id
            nodes[key] = parent
            bonus = 2.0 if key in title_ancestors or _near_title(parent, title_node) else 1.0
            scores[key] = scores.get(key, 0) + weight * length * bonus
            parent = parent.parent
    if not scores:
        return tree.body
    return nodes[max(scores, key=scores.get)]


def _near_title(node, title_node) -> bool:
    """``node`` is the title's sibling or sits inside one."""
    if title_node is None or title_node.parent is None:
        return False
    parent = node
    while parent is not None:
        if parent.parent is not None and parent.parent.mem_id == title_node.parent.mem_id:
            return True
        parent = parent.parent
    return False


def _inside(node, container) -> bool:
    while node is not None:
        if node.mem_id == container.mem_id:
            return True
        node = node.parent
    return False


def _paragraphs(container, title: str, title_node=None) -> list[str]:
    """Leaf blocks of ``container`` after the title, up to the first trailer ("[Trở về]", "Các tin
    khác", the "Người đăng / Ngày đăng" line); metadata lines before the text are skipped."""
    paragraphs = []
    started = title_node is None or not _inside(title_node, container)
    for node in container.traverse(include_text=False):
        if not started:
            started = node.mem_id == title_node.mem_id
            continue
        if node.tag not in _BLOCKS or not _is_leaf_block(node):
            continue
        text = _text(node)
        if not text or text == title or _PLACEHOLDER.search(text):
            continue
        if _TRAILER.match(text):
            if paragraphs:
                break
            continue
        if paragraphs and paragraphs[-1] == text:
            continue
        paragraphs.append(text)
    return paragraphs


def _summary(tree, container, selector: str | None) -> str:
    if selector:
        return _select_text(tree, selector, " ")
    for hint in ("sapo", "summary", "lead", "tom-tat", "tomtat", "trich-dan", "description", "intro"):
        node = tree.css_first(f"[class*={hint} i]")
        if node is not None:
            text = _text(node)
            if 20 <= len(text) <= 1500:
                return text
    first = container.css_first("p") if container is not None else None
    if first is not None:
        strong = first.css_first("strong, b")
        text = _text(first)
        if strong is not None and text and _text(strong) == text and len(text) >= 40:
            return text
    return ""


def _captions(root, selector: str | None) -> list[str]:
    nodes = root.css(selector) if selector else root.css(
        "figcaption, [class*=caption i], [class*=chu-thich i], [class*=image-desc i], [class*=img-desc i]")
    captions = []
    for node in nodes:
        text = _text(node)
        if text and text not in captions:
            captions.append(text)
    return captions


def _category(tree, selector: str | None) -> str:
    if selector:
        return _select_text(tree, selector, " ")
    meta = tree.css_first('meta[property="article:section"]')
    if meta is not None and meta.attributes.get("content"):
        return clean_text(meta.attributes["content"])
    for node in tree.css("[class*=category i], [class*=chuyen-muc i], [class*=chuyenmuc i]"):
        text = _text(node)
        if 0 < len(text) <= 120:
            return text
    crumbs = tree.css("[class*=breadcrumb i] a, [class*=duong-dan i] a")
    texts = [t for t in (_text(a) for a in crumbs) if t and t.lower() not in ("trang chủ", "home")]
    return texts[-1] if texts else ""


def _meta_date(tree):
    for selector in ('meta[property="article:published_time"]', 'meta[itemprop="datePublished"]',
                     'meta[name="pubdate"]', 'meta[name="date"]', "time[datetime]"):
        node = tree.css_first(selector)
        if node is not None:
            value = node.attributes.get("content") or node.attributes.get("datetime")
            parsed = parse_vn_date(value)
            if parsed:
                return parsed
    return None


# -- legal notices ----------------------------------------------------------------------------

def _notice_fields(tree) -> dict[str, str]:
    """Label/value pairs from tables (td/th), definition lists (dt/dd) and "Label: value" lines."""
    fields: dict[str, str] = {}
    for node in tree.css("td, th, dt, span, strong, b, label, li, p, div"):
        if node.tag in ("div", "li", "p") and not _is_leaf_block(node):
            continue
        text = _text(node)
        if not text or len(text) > 600:
            continue
        m = _NOTICE_RE.match(text)
        if not m:
            continue
        key = m.lastgroup
        if key in fields:
            continue
        value = text[m.end():].strip()
        if not value:
            sibling = node.next
            while sibling is not None and not sibling.is_element_node:
                if sibling.is_text_node and sibling.text(strip=True).strip(":"):
                    break
                sibling = sibling.next
            if sibling is not None:
                value = _text(sibling).strip(": ") if sibling.is_element_node else sibling.text(strip=True).strip(": ")
        if value:
            fields[key] = value
    return fields


def _attachments(tree, base_url: str) -> list[dict]:
    found, seen = [], set()
    for a in tree.css("a[href]"):
        href = (a.attributes.get("href") or "").strip()
        path = href.split("?")[0].lower()
        hints = _classes(a) + " " + _classes(a.parent) if a.parent is not None else _classes(a)
        if not (path.endswith(_ATTACHMENT_EXT) or "attach" in hints or "dinh-kem" in hints or "download" in hints):
            continue
        url = urljoin(base_url, href) if base_url else href
        if url in seen:
            continue
        seen.add(url)
        found.append({"name": _text(a) or url.rsplit("/", 1)[-1], "url": url})
    return found


def _legal_document(tree, fields: dict, base: dict, title: str, body: list[str]) -> Document:
    number = normalize_doc_number(fields.get("doc_number", ""))
    abstract = clean_text(fields.get("abstract", ""))
    extra = dict(base.pop("extra"))
    extra.update({k: clean_text(fields[k]) for k in ("signer", "field") if fields.get(k)})
    attachments = _attachments(tree, base.get("url", ""))
    if attachments:
        extra["attachments"] = attachments
    if fields.get("issued"):
        extra["issued"] = fields["issued"]
    # Label rows are metadata, not body text.
    labels = {clean_text(v) for v in fields.values()}
    body = [p for p in body if not _NOTICE_RE.match(p) and p not in labels]
    return Document(
        title=title or abstract or number, summary=abstract, body="\n\n".join(body), kind=KIND_LEGAL,
        doc_number=number, doc_type=clean_text(fields.get("doc_type", "")),
        issuer=clean_text(fields.get("issuer", "")),
        published=parse_vn_date(fields.get("issued")) or base.pop("published"),
        effective=parse_vn_date(fields.get("effective")),
        extra=extra, **{k: v for k, v in base.items() if k != "published"},
    )


# -- dates near the title ----------------------------------------------------------------------

def _in_list(node, stop=None) -> bool:
    """Inside a list item or a link: the date of another article, not of this one."""
    while node is not None and node.tag != "body" and (stop is None or node.mem_id != stop.mem_id):
        if node.tag in ("li", "a"):
            return True
        node = node.parent
    return False


def _dateline(tree, title_node, container):
    """The page's own date: a short line right after the title, else a date/time element around
    the article, else one anywhere outside lists of other articles."""
    if title_node is not None:
        region = title_node.parent.parent if title_node.parent is not None and title_node.parent.parent is not None \
            else title_node.parent
        started, blocks = False, 0
        for node in (region.traverse(include_text=False) if region is not None else ()):
            if not started:
                started = node.mem_id == title_node.mem_id
                continue
            if _inside(node, title_node) or not _is_leaf_block(node):
                continue
            text = _text(node)
            if not text or _in_list(node, region):
                continue
            found = date_line(text)
            if found:
                return found
            blocks += 1
            if len(text) > 120 or blocks > 8:
                break
    around = container
    for _ in range(2):
        if around is not None and around.parent is not None and around.tag != "body":
            around = around.parent
    for root in (around, tree.body):
        if root is None:
            continue
        for node in root.css("[class*=date i], [class*=ngay i], [class*=time i], time"):
            if not _in_list(node):
                found = date_line(_text(node))
                if found:
                    return found
    return None


def _longest_block(tree) -> int:
    return max((len(_text(n)) for n in tree.css("p, td, div, li, dd, blockquote, pre") if _is_leaf_block(n)),
               default=0)


def _library_text(html: str, title: str) -> list[str]:
    """The main text as trafilatura finds it, for pages our own finder gives nothing on."""
    import trafilatura

    text = trafilatura.extract(html, include_comments=False, include_tables=True, favor_precision=True,
                               deduplicate=False)
    lines = [clean_text(line) for line in (text or "").split("\n") if clean_text(line) and clean_text(line) != title]
    return lines if sum(map(len, lines)) >= _LIBRARY_MIN_CHARS else []


# -- the entry points -------------------------------------------------------------------------

def extract_page(html: str, site: str, doc_id: str, kind: str | None = None, selectors: dict | None = None,
                 url: str = "") -> Document:
    """One Document from a page's HTML: an article, or a legal notice when the page has notice fields
    (or ``kind`` says so). ``selectors`` are a site's CSS overrides; ``url`` the address it came from."""
    selectors = selectors or {}
    html = unicodedata.normalize("NFC", html)
    tree = LexborHTMLParser(html)
    if tree.body is None:
        raise PageError("trang không có <body>")
    for br in tree.css("br"):
        br.replace_with("\n")
    canonical = tree.css_first('link[rel="canonical"]') or tree.css_first('meta[property="og:url"]')
    page_url = url
    if canonical is not None:
        href = (canonical.attributes.get("href") or canonical.attributes.get("content") or "").strip()
        if href:
            page_url = urljoin(url, href) if url else href
    category = _category(tree, selectors.get("category"))
    page_text = clean_text(tree.body.text(separator="\n"))
    labelled = _labelled(_select_text(tree, selectors.get("meta"), "\n") or page_text)
    published = (parse_vn_date(_select_text(tree, selectors["date"], " ")) if selectors.get("date") else None) \
        or parse_vn_date(labelled.get("published"))
    notice = _notice_fields(tree) if kind != KIND_ARTICLE else {}
    page_titles = _page_titles(tree)
    meta_date = _meta_date(tree)  # before the chrome goes: <time> often sits in an article's <header>

    _drop_chrome(tree)
    heading = None if selectors.get("title") else _legal_heading(tree, html)
    original = ""
    if heading is not None:
        original, title_node = heading
        title = sentence_case(original)
        notice.update(_legal_header(tree))
        notice.setdefault("doc_type", sentence_case(next(t for t in sorted(_LEGAL_TYPES, key=len, reverse=True)
                                                          if original.startswith(t))))
    else:
        title, title_node = _title(tree, selectors.get("title"), page_titles)
        if title_node is None and title:
            title_node = next((n for n in tree.css("h1, h2, h3, [class*=title i]") if _text(n) == title), None)
        if is_all_caps(title):
            original, title = title, sentence_case(title)
    is_legal = kind == KIND_LEGAL or (kind != KIND_ARTICLE and bool(re.search(r"\d", notice.get("doc_number", "")))
                                      and len(notice) >= 2)
    if selectors.get("body"):
        containers = tree.css(selectors["body"])
        paragraphs = []
        for container in containers:
            paragraphs.extend(_paragraphs(container, title) or [_text(container)])
        paragraphs = [p for p in paragraphs if p]
        container = containers[0] if containers else None
    else:
        container = _article_container(tree, title_node)
        paragraphs = _paragraphs(container, title, title_node)
        if paragraphs and container is not tree.body:
            text = "\n".join(paragraphs)
            if _link_ratio(container, len(text)) > 0.6 and not is_legal:
                raise NotAnArticle("trang danh sách liên kết, không phải bài viết")
    if heading is not None and paragraphs:
        paragraphs.insert(0, original)  # the heading as printed stays searchable
    if sum(map(len, paragraphs)) < _MIN_BODY_CHARS and not is_legal:
        paragraphs = _library_text(html, title)
    if published is None and not is_legal:
        published = meta_date or _dateline(tree, title_node, container)
    summary = _summary(tree, container, selectors.get("summary"))
    if summary and paragraphs and paragraphs[0] == summary:
        paragraphs = paragraphs[1:]
    captions = _captions(container if container is not None and not selectors.get("captions") else tree,
                         selectors.get("captions"))
    extra = {k: clean_text(labelled[k]) for k in ("author", "source") if labelled.get(k)}
    views = _views(labelled.get("views"))
    if views is not None:
        extra["views"] = views
    if captions:
        extra["captions"] = captions
    if original and original != title:
        extra["title_original"] = original
    if is_legal and published is None and not notice.get("issued"):
        published = meta_date or _dateline(tree, title_node, container)
    base = dict(id=page_url or doc_id, url=page_url, site=site, category=category, published=published,
                extra=extra)
    if is_legal:
        doc = _legal_document(tree, notice, base, title, paragraphs)
        if not doc.title:
            raise PageError("văn bản không có tiêu đề, trích yếu hay số hiệu")
        return doc
    if not paragraphs:
        raise PageError(f"không tìm thấy nội dung bài: khối văn bản dài nhất chỉ có {_longest_block(tree)} ký tự")
    if not title:
        raise PageError("không tìm thấy tiêu đề bài (không có <h1>, tiêu đề hay <title>)")
    return Document(title=title, summary=summary, body="\n\n".join(paragraphs), kind=kind or KIND_ARTICLE,
                    **base)


def extract_article(html: str, site: str, doc_id: str, kind: str | None = None) -> Document:
    """Kept for callers of the first cut: same as ``extract_page``."""
    return extract_page(html, site, doc_id, kind)


def read_html_page(path: Path, site: str, kind: str | None = None, doc_id: str | None = None,
                   selectors: dict | None = None):
    """Yield the page's Document (a long legal text: its parent and one per article), or a
    SourceProblem naming the file."""
    try:
        if path.stat().st_size > _MAX_PAGE_BYTES:
            raise PageError(f"lớn hơn {_MAX_PAGE_BYTES // (1024 * 1024)} MB")
        doc = extract_page(decode_page(path.read_bytes()), site, doc_id or path.name, kind, selectors)
    except (PageError, OSError) as exc:
        yield SourceProblem(str(path), None, str(exc))
        return
    yield from legal_units(doc) if doc.kind == KIND_LEGAL else (doc,)


def read_html_folder(folder: Path, site: str, kind: str | None = None):
    """Every .html/.htm page under ``folder``; ids fall back to the relative path."""
    pages = sorted(p for p in folder.rglob("*") if p.suffix.lower() in (".html", ".htm") and p.is_file())
    if not pages:
        yield SourceProblem(str(folder), None, "thư mục không có trang .html nào")
    for page in pages:
        yield from read_html_page(page, site, kind, doc_id=f"{site}:{page.relative_to(folder).as_posix()}")
