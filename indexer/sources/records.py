"""JSONL / JSONL.gz / CSV exports: one record per line, mapped onto a Document.

Accepted fields (others are ignored): id, title, text|body, sapo|summary, url, site,
kind, date|published, category, doc_number, doc_type, issuer, effective_date.

A legal text's header fills the legal fields the record leaves empty, and a long one is
indexed article by article (``legal.legal_units``), unless the record says kind "article".
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
from datetime import datetime
from pathlib import Path

from ..document import KIND_ARTICLE, KIND_LEGAL, Document, clean_text
from .legal import legal_title, legal_units, read_header
from .problems import SourceProblem

_KIND_ALIASES = {
    "article": KIND_ARTICLE, "news": KIND_ARTICLE, "tin": KIND_ARTICLE, "tin tức": KIND_ARTICLE,
    "legal": KIND_LEGAL, "notice": KIND_LEGAL, "văn bản": KIND_LEGAL, "van ban": KIND_LEGAL,
}
_DMY = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\s*$")
_MAX_TITLE = 160


class RecordError(ValueError):
    """A record that cannot become a Document; the message says why."""


def parse_date(value) -> datetime | None:
    """dd/mm/yyyy (Vietnamese order) or ISO 8601; None when empty."""
    if value in (None, ""):
        return None
    text = str(value).strip()
    m = _DMY.match(text)
    try:
        if m:
            day, month, year = (int(g) for g in m.groups())
            return datetime(year, month, day)
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise RecordError(f"ngày không đọc được {text!r} (cần dạng dd/mm/yyyy hoặc ISO 8601)") from None
    return parsed.replace(tzinfo=None)


def _first(record: dict, *names) -> str:
    for name in names:
        value = record.get(name)
        if value not in (None, ""):
            return clean_text(value)
    return ""


def _date_or_repair(record: dict, names: tuple[str, ...], repairs: list[str]) -> datetime | None:
    value = next((record[n] for n in names if record.get(n) not in (None, "")), None)
    try:
        return parse_date(value)
    except RecordError as exc:
        repairs.append(f"{exc}; đã lập chỉ mục không có {names[0]}")
        return None


def record_to_document(record, default_site: str, default_kind: str | None = None,
                       repairs: list[str] | None = None) -> Document:
    """Map one export record onto a Document, repairing what can be repaired.

    What was repaired is appended to ``repairs``; what cannot be raises RecordError.
    """
    repairs = [] if repairs is None else repairs
    if not isinstance(record, dict):
        raise RecordError(f"cần một đối tượng JSON, nhận được {type(record).__name__}")
    body = _first(record, "text", "body")
    summary = _first(record, "sapo", "summary")
    title = _first(record, "title")
    url = _first(record, "url")
    doc_id = _first(record, "id") or url
    if not doc_id:
        raise RecordError("không có id (cũng không có url để thay id)")
    if not title and body:
        title = legal_title(read_header(body))
    if not title:
        lead = (summary or body).split("\n", 1)[0]
        if not lead:
            raise RecordError("không có tiêu đề lẫn nội dung")
        title = lead if len(lead) <= _MAX_TITLE else lead[:_MAX_TITLE].rsplit(" ", 1)[0] + "…"
        repairs.append("không có tiêu đề; đã lấy phần đầu nội dung làm tiêu đề")
    doc_number = _first(record, "doc_number")
    raw_kind = _first(record, "kind").lower()
    if raw_kind:
        if raw_kind not in _KIND_ALIASES:
            raise RecordError(f"loại không hợp lệ {raw_kind!r} (cần article hoặc legal)")
        kind = _KIND_ALIASES[raw_kind]
    else:
        kind = default_kind or (KIND_LEGAL if doc_number else KIND_ARTICLE)
    return Document(
        id=doc_id,
        title=title,
        body=body,
        summary=summary,
        url=url,
        site=_first(record, "site") or default_site,
        kind=kind,
        published=_date_or_repair(record, ("date", "published"), repairs),
        category=_first(record, "category"),
        doc_number=doc_number,
        doc_type=_first(record, "doc_type"),
        issuer=_first(record, "issuer"),
        effective=_date_or_repair(record, ("effective_date",), repairs),
    )


def record_documents(record, default_site: str, default_kind: str | None = None,
                     repairs: list[str] | None = None) -> list[Document]:
    """``record_to_document``, then a legal text's header fields and articles (``legal.legal_units``);
    a record that says it is a news article stays one."""
    document = record_to_document(record, default_site, default_kind, repairs)
    if document.kind == KIND_ARTICLE and (record.get("kind") or default_kind):
        return [document]
    return legal_units(document)


def _open_text(path: Path):
    if path.name.endswith(".gz"):
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8-sig", errors="replace")
    return open(path, encoding="utf-8-sig", errors="replace", newline="")


def _duplicate(seen: dict[str, int], path: Path, number: int, doc_id: str):
    """A repair report when ``doc_id`` came earlier in the same file (the later record wins)."""
    first = seen.setdefault(doc_id, number)
    if first != number:
        yield SourceProblem(str(path), number, f"id {doc_id!r} bị trùng (lần đầu ở dòng {first}); "
                            "bản ghi này thay bản trước", skipped=False)


def read_jsonl(path: Path, site: str, kind: str | None = None):
    """Yield a Document per good line and a SourceProblem per bad one."""
    seen: dict[str, int] = {}
    with _open_text(path) as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            repairs: list[str] = []
            try:
                documents = record_documents(json.loads(line), site, kind, repairs)
            except json.JSONDecodeError as exc:
                yield SourceProblem(str(path), number, f"không phải JSON hợp lệ: {exc.msg}")
            except RecordError as exc:
                yield SourceProblem(str(path), number, str(exc))
            else:
                yield from (SourceProblem(str(path), number, r, skipped=False) for r in repairs)
                yield from _duplicate(seen, path, number, documents[0].id)
                yield from documents


def read_csv(path: Path, site: str, kind: str | None = None):
    """Yield a Document per good row (header row names the fields) and a SourceProblem per bad one."""
    with _open_text(path) as handle:
        reader = csv.DictReader(handle)
        seen: dict[str, int] = {}
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield SourceProblem(str(path), reader.line_num, f"CSV không đọc được: {exc}")
                return
            repairs = []
            try:
                documents = record_documents(row, site, kind, repairs)
            except RecordError as exc:
                yield SourceProblem(str(path), reader.line_num, str(exc))
            else:
                yield from (SourceProblem(str(path), reader.line_num, r, skipped=False) for r in repairs)
                yield from _duplicate(seen, path, reader.line_num, documents[0].id)
                yield from documents
