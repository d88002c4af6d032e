"""Every error the app answers is Vietnamese: 400, 404, 405, 413, 429, 500 and 503, as an HTML page
under / and as {"error": ...} under /api/, with the status code and the headers that go with it
(Allow on 405, Retry-After on 429 and 503). Werkzeug's English descriptions never reach a visitor."""

from __future__ import annotations

import re

import pytest
from flask import abort
from werkzeug.exceptions import default_exceptions

from helpers.corpus import DEPT_SITE
from helpers.processes import free_port
from indexer.search.understand import MAX_QUERY_CHARS
from webapp import create_app
from webapp.errors import MESSAGES, message_for

ADMIN_TOKEN = "ma-quan-tri-cho-kiem-thu"
# Vietnamese letters with diacritics: every message must hold some.
VIETNAMESE = re.compile(r"[àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ]", re.I)
# Words of werkzeug's, Flask-Limiter's and gunicorn's English pages.
ENGLISH = re.compile(r"\b(the|requested|server|method|allowed|not found|too many|request|error|please|"
                     r"internal|unavailable|payload|large|exceeded|per \d+ minute)\b", re.I)
LONG_QUERY = ("Thủ tục đăng ký kết hôn có yếu tố nước ngoài được thực hiện tại Ủy ban nhân dân cấp huyện "
              "nơi cư trú của công dân Việt Nam. ") * 30


def visible_text(html: str) -> str:
    """The words a visitor reads on an HTML page (no tags, scripts or styles)."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def assert_vietnamese_page(response, code: int) -> str:
    assert response.status_code == code
    assert response.mimetype == "text/html"
    text = visible_text(response.get_data(as_text=True))
    assert f"Lỗi {code}" in text
    message = text.split(f"Lỗi {code}")[-1]
    assert VIETNAMESE.search(message), text
    assert not ENGLISH.search(message), message
    return message


def assert_vietnamese_json(response, code: int) -> str:
    assert response.status_code == code
    assert response.mimetype == "application/json"
    data = response.get_json()
    assert set(data) == {"error"}
    assert VIETNAMESE.search(data["error"]) and not ENGLISH.search(data["error"]), data["error"]
    return data["error"]


@pytest.fixture(scope="module")
def app(corpus_dir):
    """The app on the sample corpus, with routes that fail on purpose (added before any request)."""
    app = create_app({"INDEX_DIR": str(corpus_dir), "DEFAULT_SITE": DEPT_SITE, "RATE_LIMIT": "",
                      "ADMIN_TOKEN": ADMIN_TOKEN, "MAX_CONTENT_LENGTH": 1024, "WRITE_MAX_CONTENT_LENGTH": 2048,
                      "WRITE_APPLIER": False})

    def fail_with(code):
        abort(code)

    def crash():
        raise RuntimeError("a bug")

    for prefix in ("", "/api"):
        app.add_url_rule(f"{prefix}/thu-loi/<int:code>", f"fail{prefix}", fail_with)
        app.add_url_rule(f"{prefix}/thu-su-co", f"crash{prefix}", crash)
    return app


@pytest.fixture()
def client(app):
    return app.test_client()


# -- every status ---------------------------------------------------------------------------------

def test_404_page_and_api(client):
    message = assert_vietnamese_page(client.get("/khong-co-trang-nay"), 404)
    assert message.strip().startswith(MESSAGES[404].split(".")[0])
    assert assert_vietnamese_json(client.get("/api/khong-co"), 404) == MESSAGES[404]


def test_405_keeps_allow(client):
    page = client.post("/")
    assert_vietnamese_page(page, 405)
    assert "POST" in visible_text(page.get_data(as_text=True))
    assert {"GET", "HEAD"} <= {m.strip() for m in page.headers["Allow"].split(",")}
    response = client.delete("/api/search")
    assert "DELETE" in assert_vietnamese_json(response, 405)
    assert "GET" in response.headers["Allow"]


def test_413_page_and_api(client):
    # The admin sign-in form reads its body: over MAX_CONTENT_LENGTH (1 KB here) it is refused.
    page = client.post("/admin/dang-nhap", data={"khoa": "x" * 5000})
    assert "1 KB" in assert_vietnamese_page(page, 413)
    # The write API reads up to WRITE_MAX_CONTENT_LENGTH (2 KB here).
    response = client.post("/api/documents", data="x" * 5000, content_type="application/json",
                           headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert "2 KB" in assert_vietnamese_json(response, 413)


@pytest.mark.parametrize("prefix", ["", "/api"])
def test_every_werkzeug_error_is_vietnamese(client, prefix):
    for code in sorted(default_exceptions):
        if code < 400 or code in (412,):  # 412 needs conditional headers to mean anything
            continue
        response = client.get(f"{prefix}/thu-loi/{code}")
        if prefix:
            assert_vietnamese_json(response, code)
        else:
            assert_vietnamese_page(response, code)


def test_our_own_descriptions_are_kept(app):
    with app.test_request_context("/api/search"):
        try:
            abort(400, description="Tham số sai ở đây.")
        except Exception as exc:  # noqa: BLE001 - the HTTPException abort raises
            assert message_for(exc) == "Tham số sai ở đây."
        try:
            abort(400, description="Failed to decode JSON object: Expecting value")
        except Exception as exc:  # noqa: BLE001
            assert message_for(exc) == MESSAGES[400]


def test_500_page_and_api(client):
    assert_vietnamese_page(client.get("/thu-su-co"), 500)
    assert assert_vietnamese_json(client.get("/api/thu-su-co"), 500) == MESSAGES[500]
    assert_vietnamese_page(client.get("/thu-loi/500"), 500)


def test_429_keeps_retry_after(corpus_dir):
    client = create_app({"INDEX_DIR": str(corpus_dir), "DEFAULT_SITE": DEPT_SITE,
                         "RATE_LIMIT": "2 per minute"}).test_client()
    for _ in range(2):
        assert client.get("/api/search", query_string={"q": "trẻ em"}).status_code == 200
    response = client.get("/api/search", query_string={"q": "trẻ em"})
    assert_vietnamese_json(response, 429)
    assert int(response.headers["Retry-After"]) >= 1
    page = client.get("/", query_string={"q": "trẻ em"})
    assert_vietnamese_page(page, 429)
    assert int(page.headers["Retry-After"]) >= 1


def test_503_without_an_index(tmp_path):
    client = create_app({"INDEX_DIR": str(tmp_path / "chua-co"), "DEFAULT_SITE": DEPT_SITE,
                         "RATE_LIMIT": ""}).test_client()
    assert "Chưa có dữ liệu" in assert_vietnamese_json(client.get("/api/search?q=trẻ em"), 503)
    page = client.get("/", query_string={"q": "trẻ em"})
    assert page.status_code == 503 and "Chưa có dữ liệu" in page.get_data(as_text=True)


def test_503_engine_unreachable_keeps_retry_after(tmp_path):
    pytest.importorskip("opensearchpy")
    client = create_app({"INDEX_DIR": str(tmp_path), "BACKEND": "opensearch", "RATE_LIMIT": "",
                         "OPENSEARCH_URL": f"http://127.0.0.1:{free_port()}"}).test_client()
    response = client.get("/api/search", query_string={"q": "trẻ em"})
    assert_vietnamese_json(response, 503)
    assert response.headers["Retry-After"] == "30"
    page = client.get("/", query_string={"q": "trẻ em"})
    assert_vietnamese_page(page, 503)
    assert page.headers["Retry-After"] == "30"


# -- too long queries -------------------------------------------------------------------------------

@pytest.mark.parametrize("q", [LONG_QUERY[:MAX_QUERY_CHARS + 1], "ệ" * (MAX_QUERY_CHARS + 1)])
def test_too_long_query_is_a_vietnamese_400(client, q):
    message = assert_vietnamese_json(client.get("/api/search", query_string={"q": q}), 400)
    assert str(MAX_QUERY_CHARS) in message
    page = client.get("/", query_string={"q": q})
    assert page.status_code == 400
    assert f"tối đa {MAX_QUERY_CHARS} ký tự" in page.get_data(as_text=True)
    assert "tối đa" in assert_vietnamese_json(client.get("/api/suggest", query_string={"q": q}), 400)


def test_query_at_the_limit_is_answered(client):
    q = LONG_QUERY[:MAX_QUERY_CHARS]
    assert client.get("/api/search", query_string={"q": q}).status_code == 200
    assert client.get("/", query_string={"q": q}).status_code == 200


def test_query_string_over_the_size_limit_is_a_vietnamese_400(client):
    huge = "trẻ em " * 6000  # over MAX_QUERY_STRING (32 KB) before any search
    assert "KB" in assert_vietnamese_json(client.get("/api/search", query_string={"q": huge}), 400)
    assert "KB" in assert_vietnamese_page(client.get("/", query_string={"q": huge}), 400)


# -- the admin console ------------------------------------------------------------------------------

def test_admin_console_errors_are_vietnamese(client):
    assert_vietnamese_page(client.put("/admin/"), 405)
    assert_vietnamese_page(client.get("/admin/khong-co"), 404)


def test_admin_console_off_is_a_vietnamese_404(corpus_dir):
    client = create_app({"INDEX_DIR": str(corpus_dir), "RATE_LIMIT": ""}).test_client()
    assert_vietnamese_page(client.get("/admin/"), 404)
