"""Sources: turn files and folders into Documents (and problems, never exceptions).

``read_source(path)`` picks the reader from the path: ``.jsonl``, ``.jsonl.gz``,
``.csv`` or a folder of ``.html`` pages.
"""

from __future__ import annotations

import re
from pathlib import Path

from .html import read_html_folder, read_html_page
from .problems import SourceProblem
from .records import read_csv, read_jsonl

__all__ = ["SourceProblem", "UnsupportedSource", "read_source", "default_site_for"]


class UnsupportedSource(ValueError):
    """The path is not something tracuu can index."""


def default_site_for(path: Path) -> str:
    """A site slug from a file or folder name, for records that name no site."""
    name = path.name
    for suffix in (".jsonl.gz", ".jsonl", ".csv", ".html", ".htm"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "default"


def read_source(path, site: str | None = None, kind: str | None = None):
    """Yield Documents and SourceProblems from one source path."""
    path = Path(path)
    site = site or default_site_for(path.resolve())
    name = path.name.lower()
    if path.is_dir():
        reader = read_html_folder(path, site, kind)
    elif not path.exists():
        raise UnsupportedSource(f"{path}: không có tệp hay thư mục này")
    elif name.endswith((".jsonl", ".jsonl.gz", ".ndjson")):
        reader = read_jsonl(path, site, kind)
    elif name.endswith(".csv"):
        reader = read_csv(path, site, kind)
    elif name.endswith((".html", ".htm")):
        reader = read_html_page(path, site, kind)
    else:
        raise UnsupportedSource(f"{path}: không phải tệp .jsonl, .jsonl.gz, .csv hay thư mục trang .html")
    try:
        yield from reader
    except (OSError, EOFError, UnicodeError) as exc:
        yield SourceProblem(str(path), None, f"ngừng đọc: {exc}")
