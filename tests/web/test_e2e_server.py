"""End to end: `python -m cli serve` (gunicorn) as a subprocess, queried over HTTP."""

from __future__ import annotations


import pytest
import requests

from helpers.corpus import DEPT_SITE
from helpers.processes import served

REQUEST_TIMEOUT = 30


@pytest.fixture(scope="module")
def server(corpus_dir, tmp_path_factory):
    """The real server on a free loopback port; always terminated."""
    log_path = tmp_path_factory.mktemp("server") / "server.log"
    with served(corpus_dir, log_path, "--default-site", DEPT_SITE) as (base, _):
        yield base


def test_home_page_over_http(server):
    response = requests.get(server + "/", timeout=REQUEST_TIMEOUT)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert 'name="scope"' in response.text and 'lang="vi"' in response.text


@pytest.mark.parametrize("q", ["bảo vệ trẻ em", "bao ve tre em"])
def test_search_page_over_http(server, q):
    response = requests.get(server + "/", params={"q": q, "scope": "web"}, timeout=REQUEST_TIMEOUT)
    assert response.status_code == 200
    text = response.text
    assert "<mark>trẻ em</mark>" in text
    assert "<mark>Bảo vệ</mark> <mark>trẻ em</mark>" in text  # a title, as written
    assert "Hội nghị triển khai Chương trình" in text


@pytest.mark.parametrize("q", ["bảo vệ trẻ em", "bao ve tre em"])
def test_api_over_http(server, q):
    response = requests.get(server + "/api/search", params={"q": q, "scope": "web"}, timeout=REQUEST_TIMEOUT)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    data = response.json()
    assert {"query", "total", "page", "per_page", "results"} <= set(data)
    assert data["query"] == q
    assert {"tin-001", "tin-002", "tin-006"} <= {r["id"] for r in data["results"]}
    snippets = {r["id"]: r["snippet"] for r in data["results"]}
    assert "<mark>bảo vệ</mark> <mark>trẻ em</mark>" in snippets["tin-006"]


def test_api_bad_request_over_http(server):
    response = requests.get(server + "/api/search", params={"q": "trẻ em", "page": "abc"}, timeout=REQUEST_TIMEOUT)
    assert response.status_code == 400
    assert set(response.json()) == {"error"}
