"""The page tells search.js where to report clicks, and the click endpoint accepts them."""


def test_result_links_carry_their_id_and_the_form_names_the_click_endpoint(corpus_client):
    html = corpus_client.get("/?q=tr%E1%BA%BB+em&scope=web").get_data(as_text=True)
    assert 'data-click="/api/click"' in html
    assert "data-doc-id=" in html


def test_click_endpoint_answers_204_without_caching(corpus_client):
    response = corpus_client.get("/api/click?q=tre+em&id=whatever")
    assert response.status_code == 204
    assert response.headers["Cache-Control"] == "no-store"
