"""Facets and filters in the JSON API (Flask test client, real index): every facet with counts
that add up, filters by kind, document type, year and category, and facets left out on request.
``web_client`` runs on both engines."""

from __future__ import annotations


def test_api_facets_and_filters(web_client):
    data = web_client.get("/api/search", query_string={"q": "kết hôn", "scope": "web"}).get_json()
    facets = data["facets"]
    assert set(facets) == {"kind", "doc_type", "year", "site", "category"}
    assert {"value": "legal", "count": 4} in facets["kind"]
    assert [f["value"] for f in facets["year"]] == sorted((f["value"] for f in facets["year"]), reverse=True)
    assert sum(f["count"] for f in facets["site"]) == data["total"]
    legal = web_client.get("/api/search", query_string={"q": "kết hôn", "scope": "web", "kind": "legal",
                                                        "doc_type": "Thông tư"}).get_json()
    assert legal["total"] == 1 and legal["results"][0]["doc_number"] == "04/2020/TT-BTP"
    year = web_client.get("/api/search", query_string={"q": "kết hôn", "scope": "web", "year": "2022"}).get_json()
    assert year["total"] and all(h["published"].startswith("2022") for h in year["results"])
    category = web_client.get("/api/search", query_string={"q": "kết hôn", "category": "Phổ biến pháp luật"}).get_json()
    assert category["total"] == 3 and all(h["category"] == "Phổ biến pháp luật" for h in category["results"])


def test_facets_can_be_left_out(web_client):
    data = web_client.get("/api/search", query_string={"q": "kết hôn", "scope": "web", "facets": "false"}).get_json()
    assert data["facets"] == {} and data["total"] == 16
