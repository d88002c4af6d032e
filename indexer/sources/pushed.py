"""Documents a CMS pushes through the write API: one JSON object, an array of them, or NDJSON.

Each record is read exactly as a line of ``tracuu index file.jsonl`` (``records.record_documents``):
the same fields, the same repairs and the same messages, and a long legal text becomes its parent
and one document per article; NDJSON problems carry their line number. Documents travel through the task queue as plain JSON (``document_to_json``).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime

from ..document import Document
from .records import RecordError, _duplicate, record_documents

MAX_RECORDS = 20_000  # per request


class BodyError(ValueError):
    """The body cannot be read at all; the message is for the client (Vietnamese)."""


@dataclass
class Pushed:
    """What one request body holds."""

    documents: list[Document] = field(default_factory=list)
    problems: list[dict] = field(default_factory=list)  # {"line", "position", "id", "message", "skipped"}
    received: int = 0  # records in the body


def _records(body: bytes, ndjson: bool | None):
    """(line or None, parsed record or the JSON error message) for each record of ``body``."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BodyError("Nội dung phải là văn bản UTF-8.") from None
    if not text.strip():
        raise BodyError("Nội dung trống: gửi một đối tượng JSON, một mảng hoặc NDJSON.")
    lines = [(n, line) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]
    if not ndjson:
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            if ndjson is False or len(lines) < 2:
                raise BodyError(f"Nội dung không phải JSON hợp lệ (dòng {exc.lineno}: {exc.msg}).") from None
        else:
            if isinstance(value, list):
                return [(None, item) for item in value]
            if isinstance(value, dict):
                return [(None, value)]
            raise BodyError("Nội dung phải là một đối tượng JSON, một mảng đối tượng hoặc NDJSON.")
    records = []
    for number, line in lines:
        try:
            records.append((number, json.loads(line)))
        except json.JSONDecodeError as exc:
            records.append((number, RecordError(f"không phải JSON hợp lệ: {exc.msg}")))
    return records


def read_pushed(body: bytes, default_site: str | None, ndjson: bool | None = None) -> Pushed:
    """The documents and problems of a pushed body. ``ndjson`` True/False forces the format;
    None reads one JSON value, else (several lines that are not one value) NDJSON. BodyError
    when the body is not JSON at all or holds more than MAX_RECORDS records."""
    records = _records(body, ndjson)
    if len(records) > MAX_RECORDS:
        raise BodyError(f"Quá nhiều văn bản trong một yêu cầu (tối đa {MAX_RECORDS}); hãy chia nhỏ.")
    pushed = Pushed(received=len(records))
    seen: dict[str, int] = {}

    def problem(position, line, record, message, skipped=True):
        doc_id = record.get("id") if isinstance(record, dict) else None
        pushed.problems.append({"line": line, "position": position, "id": None if doc_id is None else str(doc_id),
                                "message": message, "skipped": skipped})

    for position, (line, record) in enumerate(records, start=1):
        if isinstance(record, RecordError):
            problem(position, line, None, str(record))
            continue
        repairs: list[str] = []
        try:
            docs = record_documents(record, default_site or "", None, repairs)  # a long legal text: its articles
        except RecordError as exc:
            problem(position, line, record, str(exc))
            continue
        if not docs[0].site:
            problem(position, line, record, "thiếu site (thêm trường site vào văn bản, hoặc ?site= vào yêu cầu)")
            continue
        for repair in repairs:
            problem(position, line, record, repair, skipped=False)
        for duplicate in _duplicate(seen, "", line or position, docs[0].id):
            message = duplicate.message if line else duplicate.message.replace("ở dòng", "ở bản ghi")
            problem(position, line, record, message, skipped=False)
            # The later record replaces the earlier one whole: none of the earlier one's articles stay.
            pushed.documents = [doc for doc in pushed.documents if doc.parent_id != docs[0].id]
        pushed.documents.extend(docs)
    return pushed


def document_to_json(doc: Document) -> dict:
    data = asdict(doc)
    for key in ("published", "effective"):
        if isinstance(data[key], datetime):
            data[key] = data[key].isoformat()
    return data


def document_from_json(data: dict) -> Document:
    data = dict(data)
    for key in ("published", "effective"):
        if data.get(key):
            data[key] = datetime.fromisoformat(data[key])
    return Document(**data)
