"""Fixtures of the indexing tests: source files generated at test time."""

from __future__ import annotations

import gzip
import shutil
import unicodedata

import pytest

from helpers.corpus import DOCUMENTS_JSONL, HTML_DIR
from helpers.pages import CP1258_PAGE, NFD_PAGE, UTF8_PAGE, encode_cp1258, render_article


@pytest.fixture(scope="session")
def html_pages(tmp_path_factory):
    """A folder of three article pages: UTF-8, NFD-normalized UTF-8, and windows-1258."""
    folder = tmp_path_factory.mktemp("html_pages")
    shutil.copy(HTML_DIR / UTF8_PAGE["file"], folder / UTF8_PAGE["file"])
    nfd_html = unicodedata.normalize("NFD", render_article(NFD_PAGE))
    (folder / NFD_PAGE["file"]).write_bytes(nfd_html.encode("utf-8"))
    cp_html = render_article(CP1258_PAGE)
    assert '<meta charset="windows-1258">' in cp_html
    (folder / CP1258_PAGE["file"]).write_bytes(encode_cp1258(cp_html))
    return folder


@pytest.fixture(scope="session")
def documents_gz(tmp_path_factory):
    """documents.jsonl compressed, as exports often arrive."""
    path = tmp_path_factory.mktemp("gz") / "export.jsonl.gz"
    with gzip.open(path, "wb") as out:
        out.write(DOCUMENTS_JSONL.read_bytes())
    return path
