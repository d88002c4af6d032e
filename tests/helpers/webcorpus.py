"""The web corpus (tests/fixtures/web_corpus.jsonl) of the page, API and browser tests: two sites,
articles and legal notices over several years, enough matches for "đăng ký kết hôn" to need a
second page. The fixtures built on it are ``web_*`` in tests/conftest.py."""

from __future__ import annotations

from pathlib import Path

from .corpus import FIXTURES

WEB_CORPUS = FIXTURES / "web_corpus.jsonl"
DEPT = "sotuphap"  # the department whose search box this is
OTHER = "sldtbxh"
SITE_NAMES = {DEPT: "Sở Tư pháp", OTHER: "Sở Lao động – Thương binh và Xã hội"}
# Matches of "đăng ký kết hôn" on the department site (articles tp-tin-01..10, notices tp-vb-01..04).
DEPT_MATCHES = 14


def build_web_index(root) -> Path:
    """The web corpus indexed (Whoosh) into ``root``."""
    from indexer import IndexStore, index_documents, read_source

    report = index_documents(IndexStore(root), read_source(str(WEB_CORPUS)))
    assert report.indexed == 21 and not report.problems
    return Path(root)


def web_config(index_dir, **extra) -> dict:
    """The web app's config for the department's search box over ``index_dir``."""
    config = {"INDEX_DIR": str(index_dir), "DEFAULT_SITE": DEPT, "SITE_NAME": "Sở Tư pháp tỉnh Quảng Nam",
              "SITE_NAMES": SITE_NAMES, "TESTING": True}
    config.update(extra)
    return config
