"""The small corpus and app used by the page, API and browser tests (test_page_*, test_api_*,
test_browser_*): two sites, articles and legal notices over several years, enough matches
for "đăng ký kết hôn" to need a second page. Import the fixtures into a test module."""

from __future__ import annotations

from pathlib import Path

import pytest

WEB_CORPUS = Path(__file__).parent / "fixtures" / "web_corpus.jsonl"
DEPT = "sotuphap"  # the department whose search box this is
OTHER = "sldtbxh"
SITE_NAMES = {DEPT: "Sở Tư pháp", OTHER: "Sở Lao động – Thương binh và Xã hội"}
# Matches of "đăng ký kết hôn" on the department site (articles tp-tin-01..10, notices tp-vb-01..04).
DEPT_MATCHES = 14


def build_web_index(root) -> Path:
    from indexer import IndexStore, index_documents, read_source

    report = index_documents(IndexStore(root), read_source(str(WEB_CORPUS)))
    assert report.indexed == 21 and not report.problems
    return Path(root)


def web_config(index_dir, **extra) -> dict:
    config = {"INDEX_DIR": str(index_dir), "DEFAULT_SITE": DEPT, "SITE_NAME": "Sở Tư pháp tỉnh Quảng Nam",
              "SITE_NAMES": SITE_NAMES, "TESTING": True}
    config.update(extra)
    return config


@pytest.fixture(scope="session")
def web_index(tmp_path_factory) -> Path:
    return build_web_index(tmp_path_factory.mktemp("web_index"))


@pytest.fixture(scope="session")
def web_app(web_index):
    from webapp import create_app

    return create_app(web_config(web_index))


@pytest.fixture()
def web(web_app):
    return web_app.test_client()
