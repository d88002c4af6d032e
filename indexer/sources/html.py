"""Department CMS pages (articles and legal notices) into Documents.

Department CMSs wrap the article in menus, a search box, "Các tin mới hơn /
Các tin cũ hơn" lists, legal-notice sidebars and footers. We parse with
selectolax (lexbor), decode legacy charsets first, then:

- use a site's CSS selectors when its config gives them (``sites.SiteConfig``);
- else drop the page chrome, find the block of paragraph text nearest the title
  that is not a list of links, and stop the body at the CMS's trailer markers;
- read the labelled metadata ("Ngày đăng:", "Người đăng:", "Nguồn tin:",
  "Lượt xem:") and, on legal notices, the label/value rows ("Số hiệu",
  "Loại văn bản", "Cơ quan ban hành", "Ngày ban hành", "Ngày hiệu lực",
  "Trích yếu", "Người ký") and the attached files.

The label regexes below only recognise *labels* in text that selectolax has
already isolated; structure always comes from the parser.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from datetime import datetime
from pathlib import Path
from urllib.parse import urljoin

from charset_normalizer import from_bytes
from selectolax.lexbor import LexborHTMLParser

from ..document import KIND_ARTICLE, KIND_LEGAL, Document, clean_text
from .problems import SourceProblem

_CHROME = "script, style, noscript, nav, header, footer, aside, form, iframe, svg, button, select, template"
_CHROME_HINTS = ("menu", "breadcrumb", "footer", "sidebar", "banner", "search", "share", "social", "comment",
                 "other-news", "tin-khac", "related", "lien-quan", "paging", "pagination")
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
_ATTACHMENT_EXT = (".pdf", ".doc", ".docx", ".xls", ".xlsx", ".zip", ".rar", ".odt", ".ppt", ".pptx", ".signed.pdf")
_MAX_PAGE_BYTES = 20 * 1024 * 1024
_WEEKDAY = r"(?:(?:Thứ\s+(?:hai|ba|tư|năm|sáu|bảy|2|3|4|5|6|7)|Chủ\s+nhật|T[2-7]|CN)\s*,?\s*)?"
_DATE_FORMS = [
    # 28/01/2019, 28-01-2019, 28.01.2019, optionally with a time before or after
    re.compile(r"(?<!\d)(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})(?!\d)"),
    # ngày 28 tháng 01 năm 2019
    re.compile(r"ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})", re.I),
]
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


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
        raise PageError("not a text page (binary content)")
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
        raise PageError("not a text page (binary content or unknown encoding)")
    return unicodedata.normalize("NFC", str(guess))


# -- small helpers ----------------------------------------------------------------------------

def _text(node) -> str:
    return clean_text(node.text(deep=True, separator="", strip=False))


def _classes(node) -> str:
    attrs = node.attributes
    return f"{attrs.get('class') or ''} {attrs.get('id') or ''}".lower()


def _is_leaf_block(node) -> bool:
    return not any(child.tag in _BLOCKS for child in node.iter(include_text=False))


def _link_ratio(node, length: int) -> float:
    linked = sum(len(_text(a)) for a in node.css("a"))
    return linked / length if length else 1.0


def parse_vn_date(text: str | None) -> datetime | None:
    """The first date in ``text`` in a common Vietnamese form (day first), or ISO 8601."""
    if not text:
        return None
    text = unicodedata.normalize("NFC", text)
    iso = _ISO_DATE.search(text)
    candidates = []
    for form in _DATE_FORMS:
        m = form.search(text)
        if m:
            candidates.append((m.start(), int(m.group(3)), int(m.group(2)), int(m.group(1))))
    if iso:
        candidates.append((iso.start(), int(iso.group(1)), int(iso.group(2)), int(iso.group(3))))
    for _, year, month, day in sorted(candidates):
        try:
            if 1900 <= year <= 2200:
                return datetime(year, month, day)
        except ValueError:
            continue
    return None


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

def _title(tree, selector: str | None) -> str:
    if selector:
        text = _select_text(tree, selector, " ")
        if text:
            return text
    for selector in ("h1", "[class*=title i]", "[class*=tieu-de i]", "[class*=tieude i]", "h2"):
        for node in tree.css(selector):
            text = _text(node)
            if 8 <= len(text) <= 400 and _link_ratio(node, len(text)) < 0.5:
                return text
    meta = tree.css_first('meta[property="og:title"]')
    if meta and meta.attributes.get("content"):
        return clean_text(meta.attributes["content"])
    node = tree.css_first("title")
    return _text(node) if node else ""


def _drop_chrome(tree) -> None:
    for node in tree.css(_CHROME):
        node.decompose()
    for node in tree.css("[class], [id]"):
        if node.tag in ("body", "html", "h1"):
            continue
        hints = _classes(node)
        if any(h in hints for h in _CHROME_HINTS):
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
        if not text or text == title:
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


# -- the entry points -------------------------------------------------------------------------

def extract_page(html: str, site: str, doc_id: str, kind: str | None = None, selectors: dict | None = None,
                 url: str = "") -> Document:
    """One Document from a page's HTML: an article, or a legal notice when the page has notice fields
    (or ``kind`` says so). ``selectors`` are a site's CSS overrides; ``url`` the address it came from."""
    selectors = selectors or {}
    html = unicodedata.normalize("NFC", html)
    tree = LexborHTMLParser(html)
    if tree.body is None:
        raise PageError("no <body>")
    for br in tree.css("br"):
        br.replace_with("\n")
    canonical = tree.css_first('link[rel="canonical"]') or tree.css_first('meta[property="og:url"]')
    page_url = url
    if canonical is not None:
        href = (canonical.attributes.get("href") or canonical.attributes.get("content") or "").strip()
        if href:
            page_url = urljoin(url, href) if url else href
    category = _category(tree, selectors.get("category"))
    published = _meta_date(tree)
    page_text = clean_text(tree.body.text(separator="\n"))
    labelled = _labelled(_select_text(tree, selectors.get("meta"), "\n") or page_text)
    if selectors.get("date"):
        published = parse_vn_date(_select_text(tree, selectors["date"], " ")) or published
    published = parse_vn_date(labelled.get("published")) or published
    if published is None:
        for node in tree.css("[class*=date i], [class*=ngay i], [class*=time i]"):
            published = parse_vn_date(_text(node))
            if published:
                break
    notice = _notice_fields(tree) if kind != KIND_ARTICLE else {}
    is_legal = kind == KIND_LEGAL or (bool(re.search(r"\d", notice.get("doc_number", ""))) and len(notice) >= 2)

    _drop_chrome(tree)
    title = _title(tree, selectors.get("title"))
    title_node = None
    for node in tree.css("h1, h2, [class*=title i]"):
        if _text(node) == title:
            title_node = node
            break
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
                raise NotAnArticle("a list of links (a listing page), not an article")
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
    base = dict(id=page_url or doc_id, url=page_url, site=site, category=category, published=published,
                extra=extra)
    if is_legal:
        doc = _legal_document(tree, notice, base, title, paragraphs)
        if not doc.title:
            raise PageError("a legal notice page without a title, trích yếu or số hiệu")
        return doc
    if not title or not paragraphs:
        raise PageError("no article title or text found")
    return Document(title=title, summary=summary, body="\n\n".join(paragraphs), kind=kind or KIND_ARTICLE,
                    **base)


def extract_article(html: str, site: str, doc_id: str, kind: str | None = None) -> Document:
    """Kept for callers of the first cut: same as ``extract_page``."""
    return extract_page(html, site, doc_id, kind)


def read_html_page(path: Path, site: str, kind: str | None = None, doc_id: str | None = None,
                   selectors: dict | None = None):
    """Yield the page's Document, or a SourceProblem naming the file."""
    try:
        if path.stat().st_size > _MAX_PAGE_BYTES:
            raise PageError(f"larger than {_MAX_PAGE_BYTES // (1024 * 1024)} MB")
        yield extract_page(decode_page(path.read_bytes()), site, doc_id or path.name, kind, selectors)
    except (PageError, OSError) as exc:
        yield SourceProblem(str(path), None, str(exc))


def read_html_folder(folder: Path, site: str, kind: str | None = None):
    """Every .html/.htm page under ``folder``; ids fall back to the relative path."""
    pages = sorted(p for p in folder.rglob("*") if p.suffix.lower() in (".html", ".htm") and p.is_file())
    if not pages:
        yield SourceProblem(str(folder), None, "no .html pages in this folder")
    for page in pages:
        yield from read_html_page(page, site, kind, doc_id=f"{site}:{page.relative_to(folder).as_posix()}")
