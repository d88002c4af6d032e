"""The server's own limits under gunicorn (`python -m cli serve`): a query up to the parser's limit
(1,000 characters) reaches the app and is answered; a longer one gets the app's Vietnamese 400 (JSON
on /api), not gunicorn's English "Request Line is too large"; a request line over the server's maximum
gets a Vietnamese 414."""

from __future__ import annotations

from urllib.parse import quote

import pytest
import requests

from helpers.corpus import DEPT_SITE
from helpers.processes import clean_env, served
from indexer.search.understand import MAX_QUERY_CHARS

REQUEST_TIMEOUT = 30
TEXT = ("Thủ tục đăng ký kết hôn có yếu tố nước ngoài được thực hiện tại Ủy ban nhân dân cấp huyện "
        "nơi cư trú của công dân Việt Nam; hồ sơ gồm tờ khai, giấy xác nhận tình trạng hôn nhân. ") * 40


@pytest.fixture(scope="module")
def server(corpus_dir, tmp_path_factory):
    log_path = tmp_path_factory.mktemp("server-limits") / "server.log"
    with served(corpus_dir, log_path, "--default-site", DEPT_SITE, env=clean_env(TRACUU_RATE_LIMIT="")) as (base, _):
        yield base


def get(base: str, path: str, q: str, **params):
    """GET with ``q`` percent-encoded as browsers do (UTF-8, %XX)."""
    query = "&".join([f"q={quote(q)}", *(f"{k}={quote(str(v))}" for k, v in params.items())])
    return requests.get(f"{base}{path}?{query}", timeout=REQUEST_TIMEOUT)


def test_the_long_query_is_longer_than_gunicorns_default_line():
    """The case this guards: 2,000 characters are ~6 KB encoded, over gunicorn's default 4,094."""
    assert len(quote(TEXT[:2000])) > 4094


@pytest.mark.parametrize("path", ["/api/search", "/api/suggest"])
def test_2000_characters_get_the_apps_vietnamese_400_as_json(server, path):
    response = get(server, path, TEXT[:2000], scope="web")
    assert response.status_code == 400
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json() == {"error": f"Câu tìm kiếm quá dài (tối đa {MAX_QUERY_CHARS} ký tự)."}


def test_2000_characters_get_the_apps_vietnamese_400_page(server):
    response = get(server, "/", TEXT[:2000])
    assert response.status_code == 400
    assert response.headers["Content-Type"].startswith("text/html")
    assert f"Câu tìm kiếm quá dài (tối đa {MAX_QUERY_CHARS} ký tự)." in response.text
    assert "Request Line" not in response.text


@pytest.mark.parametrize("path", ["/", "/api/search"])
def test_1000_characters_are_answered(server, path):
    response = get(server, path, TEXT[:MAX_QUERY_CHARS], scope="web", sort="relevance", kind="article")
    assert response.status_code == 200, response.text[:500]


@pytest.mark.parametrize("path", ["/", "/api/search"])
def test_1000_characters_of_three_byte_letters_reach_the_app(server, path):
    """9,000 bytes percent-encoded: over gunicorn's own maximum request line (8,190)."""
    q = "ệ" * MAX_QUERY_CHARS
    assert len(quote(q)) > 8190
    response = get(server, path, q, scope="web", sort="relevance", kind="article")
    assert response.status_code == 200, response.text[:500]
    too_long = get(server, path, q + "ệ", scope="web")
    assert too_long.status_code == 400
    assert f"Câu tìm kiếm quá dài (tối đa {MAX_QUERY_CHARS} ký tự)." in too_long.content.decode("utf-8")


def test_a_request_line_over_the_servers_maximum_is_a_vietnamese_414(server):
    response = get(server, "/api/search", "ệ" * 2000)  # 18,000 bytes encoded: over 16,384
    assert response.status_code == 414
    assert "Địa chỉ yêu cầu quá dài" in response.content.decode("utf-8")
    assert "Request Line" not in response.text
