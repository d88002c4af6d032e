"""The Document every source produces and the index stores."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import datetime

from .analysis import fold

KIND_ARTICLE = "article"
KIND_LEGAL = "legal"
KINDS = (KIND_ARTICLE, KIND_LEGAL)


def clean_text(value) -> str:
    """NFC, no control characters, no trailing blanks: what we store and show."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFC", str(value))
    text = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\ufeff]", "", text)
    text = re.sub(r"[ \t\xa0]+", " ", text)
    return re.sub(r" *\n[ \n]*\n *", "\n\n", text).strip()


_LINK_SCHEMES = re.compile(r"(?i)https?:|[^:/?#]*([/?#]|$)")  # http(s), or no scheme at all


def link_url(url: str) -> str:
    """A stored URL fit for a link: http(s) or relative; "" for ``javascript:``, ``data:``
    and the like, which the page, the API and embed.js would otherwise turn into live links."""
    url = (url or "").strip()
    return url if _LINK_SCHEMES.match(url) and not any(c < " " for c in url) else ""


def doc_number_key(number: str) -> str:
    """One spelling for a document number: ``87/2015/NĐ-CP`` and ``87/2015/nd-cp`` agree."""
    text = unicodedata.normalize("NFC", number or "").strip()
    text = re.sub(r"\s*([/\-–])\s*", lambda m: "-" if m.group(1) == "–" else m.group(1), text)
    return fold(text.lower())


@dataclass
class Document:
    id: str
    title: str
    body: str = ""
    summary: str = ""
    url: str = ""
    site: str = ""
    kind: str = KIND_ARTICLE
    published: datetime | None = None
    category: str = ""
    doc_number: str = ""
    doc_type: str = ""
    issuer: str = ""
    effective: datetime | None = None
    # One article ("Điều N") of a long legal text: the text it belongs to, kept on each unit.
    parent_id: str = ""
    parent_title: str = ""
    article: str = ""
    extra: dict = field(default_factory=dict)

    STORED_NAMES = ("id", "title", "body", "summary", "url", "site", "kind", "published", "category",
                    "doc_number", "doc_type", "issuer", "effective", "parent_id", "parent_title", "article")

    @classmethod
    def from_stored(cls, fields) -> "Document":
        """A document back from an engine's stored fields (rebuilds copy and re-analyze them)."""
        values = {name: fields.get(name) for name in cls.STORED_NAMES if fields.get(name) not in (None, "")}
        values.setdefault("title", "")
        values.setdefault("kind", KIND_ARTICLE)
        return cls(**values)

    def index_fields(self) -> dict:
        """The keyword arguments for Whoosh's ``update_document``."""
        content = "\n\n".join(p for p in (self.summary, self.body, self.doc_type, self.issuer) if p)
        # The number finds the text itself: its articles (parent_id) carry it for display only.
        number = "" if self.parent_id else self.doc_number
        title = self.title if not number else f"{self.title}\n{number}"
        fields = {
            "id": self.id,
            "kind": self.kind,
            "site": self.site,
            "url": self.url,
            "title": self.title,
            "title_x": title,
            "title_f": title,
            "content": content,
            "content_x": content,
            "content_f": content,
            "summary": self.summary,
            "body": self.body,
            "category": self.category,
            "doc_number": self.doc_number,
            "doc_number_key": doc_number_key(number),
            "doc_type": self.doc_type,
            "issuer": self.issuer,
            "parent_id": self.parent_id,
            "parent_title": self.parent_title,
            "article": self.article,
            "indexed_at": datetime.now(),
        }
        if self.published:
            fields["published"] = self.published
        if self.effective:
            fields["effective"] = self.effective
        if number:
            # The word field gets the number too, so it matches however it is tokenized.
            fields["content"] = f"{number}\n\n{content}"
        return {k: v for k, v in fields.items() if v not in ("", None)}

    def to_dict(self) -> dict:
        data = asdict(self)
        for key in ("published", "effective"):
            if data[key]:
                data[key] = data[key].date().isoformat()
        return data
