"""Article pages saved as HTML: title, body, date after "Ngày đăng" (first cut).

Department CMSs wrap the article in menus, a search box, "Các tin mới hơn /
Các tin cũ hơn" lists, legal-notice sidebars and footers. We parse with
selectolax, drop the page chrome, take the block with the most paragraph text
as the article, and stop the body at the CMS's trailer markers.
"""

from __future__ import annotations

import re
from pathlib import Path

from charset_normalizer import from_bytes
from selectolax.lexbor import LexborHTMLParser

from ..document import KIND_ARTICLE, Document, clean_text
from .problems import SourceProblem
from .records import RecordError, parse_date

_CHROME = "script, style, noscript, nav, header, footer, aside, form, iframe, svg, button, select, template"
_BLOCKS = {"p", "div", "li", "h2", "h3", "h4", "h5", "h6", "blockquote", "figcaption", "td", "pre", "section", "article", "figure", "table", "tr", "ul", "ol", "tbody"}
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w-]+)""", re.I)
_POSTED = re.compile(r"Ngày\s+(?:đăng|cập\s+nhật|ban\s+hành)\s*:?\s*(\d{1,2}[/.-]\d{1,2}[/.-]\d{4})", re.I)
# A paragraph starting with one of these ends the article body.
_TRAILER = re.compile(
    r"^\s*(?:\[?\s*Trở về\s*\]?|Các tin (?:mới hơn|cũ hơn|khác|liên quan)|Tin (?:liên quan|khác|cùng chuyên mục)"
    r"|Nguồn tin\s*:|Người đăng\s*:|Ngày đăng\s*:|Lượt xem\s*:)",
    re.I,
)
_MAX_PAGE_BYTES = 20 * 1024 * 1024


class PageError(ValueError):
    """The page holds no article we can index."""


def decode_page(raw: bytes) -> str:
    """Bytes to text: declared charset if it decodes, else UTF-8, else the best guess."""
    declared = _META_CHARSET.search(raw[:4096])
    candidates = [declared.group(1).decode("ascii", "ignore")] if declared else []
    candidates.append("utf-8")
    for encoding in candidates:
        try:
            return raw.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            continue
    guess = from_bytes(raw).best()
    if guess is None:
        raise PageError("not a text page (binary content or unknown encoding)")
    return str(guess)


def _text(node) -> str:
    return clean_text(node.text(deep=True, separator="", strip=False))


def _title(tree) -> str:
    for selector in ("h1", "[class*=title]", "h2"):
        for node in tree.css(selector):
            text = _text(node)
            if 8 <= len(text) <= 400:
                return text
    meta = tree.css_first('meta[property="og:title"]')
    if meta and meta.attributes.get("content"):
        return clean_text(meta.attributes["content"])
    node = tree.css_first("title")
    return _text(node) if node else ""


def _is_leaf_block(node) -> bool:
    return not any(child.tag in _BLOCKS for child in node.iter(include_text=False))


def _article_container(tree):
    """The element whose paragraphs hold the most text."""
    scores: dict = {}
    nodes = {}
    for p in tree.css("p, td, div"):
        if p.tag != "p" and not _is_leaf_block(p):
            continue
        length = len(_text(p))
        if length < 25:
            continue
        parent = p.parent
        for weight in (1.0, 0.5):
            if parent is None:
                break
            key = parent.mem_id
            nodes[key] = parent
            scores[key] = scores.get(key, 0) + weight * length
            parent = parent.parent
    if not scores:
        return tree.body
    return nodes[max(scores, key=scores.get)]


def _paragraphs(container, title: str) -> list[str]:
    paragraphs = []
    for node in container.traverse(include_text=False):
        if node.tag not in _BLOCKS or not _is_leaf_block(node):
            continue
        text = _text(node)
        if not text or text == title:
            continue
        if _TRAILER.match(text):
            break
        paragraphs.append(text)
    return paragraphs


def extract_article(html: str, site: str, doc_id: str, kind: str | None = None) -> Document:
    """One Document from an article page's HTML."""
    tree = LexborHTMLParser(html)
    if tree.body is None:
        raise PageError("no <body>")
    page_text = tree.body.text(separator="\n")
    posted = _POSTED.search(page_text)
    canonical = tree.css_first('link[rel="canonical"]') or tree.css_first('meta[property="og:url"]')
    url = ""
    if canonical is not None:
        url = canonical.attributes.get("href") or canonical.attributes.get("content") or ""
    for node in tree.css(_CHROME):
        node.decompose()
    title = _title(tree)
    paragraphs = _paragraphs(_article_container(tree), title)
    if not title or not paragraphs:
        raise PageError("no article title or text found")
    try:
        published = parse_date(posted.group(1).replace(".", "/").replace("-", "/")) if posted else None
    except RecordError:
        published = None
    return Document(
        id=url or doc_id, title=title, body="\n\n".join(paragraphs), url=url, site=site,
        kind=kind or KIND_ARTICLE, published=published,
    )


def read_html_page(path: Path, site: str, kind: str | None = None, doc_id: str | None = None):
    """Yield the page's Document, or a SourceProblem naming the file."""
    try:
        if path.stat().st_size > _MAX_PAGE_BYTES:
            raise PageError(f"larger than {_MAX_PAGE_BYTES // (1024 * 1024)} MB")
        yield extract_article(decode_page(path.read_bytes()), site, doc_id or path.name, kind)
    except (PageError, OSError) as exc:
        yield SourceProblem(str(path), None, str(exc))


def read_html_folder(folder: Path, site: str, kind: str | None = None):
    """Every .html/.htm page under ``folder``; ids fall back to the relative path."""
    pages = sorted(p for p in folder.rglob("*") if p.suffix.lower() in (".html", ".htm") and p.is_file())
    if not pages:
        yield SourceProblem(str(folder), None, "no .html pages in this folder")
    for page in pages:
        yield from read_html_page(page, site, kind, doc_id=f"{site}:{page.relative_to(folder).as_posix()}")
