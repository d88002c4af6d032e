"""Legal texts as cards on the search page: type and number, issuing body, signing and effective
dates, and for an article of a long law the article's deep link and the law it belongs to; the
effective date in /api/search. Each engine: a circular from a record with its dates, and the law in
fixtures/legal/ imported as text only, so its fields come from its own header."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from helpers.engines import app_config

SITE = "stttt"
LAW_TEXT = (Path(__file__).parent.parent / "fixtures" / "legal" / "luat-cong-thong-tin-dien-tu.txt").read_text(
    encoding="utf-8")
LAW_URL = "https://stttt.example.gov.vn/van-ban/luat-58-2023-qh15"
LAW_TITLE = "Luật Cổng thông tin điện tử và dịch vụ công trực tuyến"
CIRCULAR_URL = "https://stttt.example.gov.vn/van-ban/24-2015-tt-btttt"
RECORDS = [
    {"id": "tt-24-2015", "title": "Quy định về quản lý và sử dụng tài nguyên Internet", "kind": "legal",
     "text": "Thông tư quy định về đăng ký, phân bổ, cấp, thu hồi và sử dụng tài nguyên Internet.",
     "url": CIRCULAR_URL, "site": SITE, "doc_number": "24/2015/TT-BTTTT", "doc_type": "Thông tư",
     "issuer": "Bộ Thông tin và Truyền thông", "date": "18/08/2015", "effective_date": "01/10/2015",
     "category": "Văn bản pháp luật"},
    {"id": "cv-no-effective", "title": "Về việc rà soát tên miền của các cơ quan", "kind": "legal",
     "text": "Công văn đề nghị các cơ quan rà soát tên miền cấp hai gov.vn đang dùng.",
     "url": "https://stttt.example.gov.vn/van-ban/cv-12", "site": SITE, "doc_number": "12/STTTT-BCVT",
     "doc_type": "Công văn", "issuer": "Sở Thông tin và Truyền thông", "date": "02/03/2022"},
    {"id": "tin-1", "title": "Tập huấn sử dụng tài nguyên Internet an toàn", "kind": "article",
     "text": "Sở tổ chức tập huấn về tài nguyên Internet và tên miền cho cán bộ.",
     "url": "https://stttt.example.gov.vn/tin/1", "site": SITE, "date": "05/05/2022", "category": "Tin tức"},
    {"id": "law", "url": LAW_URL, "site": SITE, "text": LAW_TEXT},
]


@pytest.fixture(scope="module")
def legal_app(make_backend, tmp_path_factory):
    from indexer import read_source
    from webapp import create_app

    folder = tmp_path_factory.mktemp("legal_cards")
    source = folder / "legal.jsonl"
    source.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in RECORDS), encoding="utf-8")
    backend = make_backend(folder / "index", read_source(str(source)), default_site=SITE)
    return create_app(app_config(backend, DEFAULT_SITE=SITE, TESTING=True, RATE_LIMIT=""))


def result_items(app, q: str) -> list[str]:
    response = app.test_client().get("/", query_string={"q": q})
    assert response.status_code == 200
    return re.findall(r'<li class="result[^"]*">.*?</li>', response.get_data(as_text=True), re.S)


def item_for(items: list[str], url: str) -> str:
    found = [i for i in items if f'<h2 class="result-title"><a href="{url}"' in i]
    assert found, f"no result for {url}"
    return found[0]


def facts(item: str) -> dict[str, str]:
    block = re.search(r'<dl class="legal-facts">(.*?)</dl>', item, re.S)
    assert block, item
    return {dt: re.sub(r"<[^>]+>", "", dd) for dt, dd in re.findall(r"<dt>(.*?)</dt>\s*<dd>(.*?)</dd>", block.group(1))}


def test_a_legal_text_is_a_card(legal_app):
    item = item_for(result_items(legal_app, "tài nguyên internet"), CIRCULAR_URL)
    assert 'class="result result-legal"' in item
    assert '<p class="legal-number">Thông tư số 24/2015/TT-BTTTT</p>' in item
    assert facts(item) == {"Cơ quan ban hành:": "Bộ Thông tin và Truyền thông", "Ngày ký:": "18/08/2015",
                           "Ngày hiệu lực:": "01/10/2015"}
    assert '<time datetime="2015-10-01">01/10/2015</time>' in item
    meta = re.search(r'<p class="result-meta">.*?</p>', item, re.S).group(0)
    assert "Văn bản" in meta and "Văn bản pháp luật" not in meta  # the category only repeats the kind
    assert "24/2015/TT-BTTTT" not in meta and "18/08/2015" not in meta  # said once, in the card


def test_no_effective_date_no_line(legal_app):
    item = item_for(result_items(legal_app, "rà soát tên miền"), "https://stttt.example.gov.vn/van-ban/cv-12")
    assert facts(item) == {"Cơ quan ban hành:": "Sở Thông tin và Truyền thông", "Ngày ký:": "02/03/2022"}
    assert '<p class="legal-number">Công văn số 12/STTTT-BCVT</p>' in item


def test_an_article_of_a_law_links_to_itself_and_to_its_law(legal_app):
    items = result_items(legal_app, "tên miền của cổng thông tin điện tử")
    item = item_for(items, f"{LAW_URL}#dieu-7")
    part = re.search(r'<p class="legal-part">(.*?)</p>', item, re.S).group(1)
    links = re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', part)
    assert links == [(f"{LAW_URL}#dieu-7", "Điều 7"), (LAW_URL, LAW_TITLE)]
    assert "thuộc" in part
    title = re.sub(r"<[^>]+>", "", re.search(r'<h2 class="result-title">(.*?)</h2>', item, re.S).group(1))
    assert "Điều 7." in title and LAW_TITLE not in title  # the law is named once, on the card's line
    assert '<p class="legal-number">Luật số 58/2023/QH15</p>' in item
    # The law's header gives the issuer and both dates; every article carries them.
    assert facts(item) == {"Cơ quan ban hành:": "Quốc hội", "Ngày ký:": "20/06/2023", "Ngày hiệu lực:": "01/07/2024"}


def test_the_whole_law_has_no_article_line(legal_app):
    item = item_for(result_items(legal_app, "luật cổng thông tin điện tử và dịch vụ công trực tuyến"), LAW_URL)
    assert "legal-part" not in item and "Luật số 58/2023/QH15" in item


def test_news_is_not_a_card(legal_app):
    item = item_for(result_items(legal_app, "tập huấn tài nguyên internet"), "https://stttt.example.gov.vn/tin/1")
    assert 'class="result"' in item and "legal-facts" not in item and "legal-number" not in item
    assert item.count("Tin tức") == 1  # the kind, not again as the category
    assert '<time datetime="2022-05-05">05/05/2022</time>' in item


def test_effective_in_the_api(legal_app):
    client = legal_app.test_client()
    hits = {h["id"]: h for h in client.get("/api/search", query_string={"q": "tài nguyên internet"}).get_json()["results"]}
    assert hits["tt-24-2015"]["effective"] == "2015-10-01" and hits["tt-24-2015"]["published"] == "2015-08-18"
    assert hits["tin-1"]["effective"] is None
    article = next(h for h in client.get("/api/search", query_string={"q": "tên miền của cổng thông tin điện tử"})
                   .get_json()["results"] if h["id"] == "law#dieu-7")
    assert (article["effective"], article["article"], article["parent_id"]) == ("2024-07-01", "Điều 7", "law")
    assert article["url"] == f"{LAW_URL}#dieu-7"


def test_effective_in_the_openapi_hit_schema(legal_app):
    doc = legal_app.test_client().get("/api/openapi.json").get_json()
    schema = doc["paths"]["/api/search"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    hit = schema["properties"]["results"]["items"]
    assert hit["properties"]["effective"]["format"] == "date"


def test_the_number_searched_is_marked_on_the_card(legal_app):
    item = item_for(result_items(legal_app, "24/2015/tt-btttt"), CIRCULAR_URL)
    assert '<p class="legal-number">Thông tư số <mark>24/2015/TT-BTTTT</mark></p>' in item
    other = item_for(result_items(legal_app, "tài nguyên internet"), CIRCULAR_URL)
    assert '<p class="legal-number">Thông tư số 24/2015/TT-BTTTT</p>' in other
