"""Property-based tests (hypothesis) over what a public search box receives: random
Unicode, control characters, RTL text and combining marks, query-syntax fragments,
very long queries and parameters out of range. Every answer is a ranked result or
a 400 with a JSON message: never a 500, never a stack trace."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers.reliability import record

pytestmark = pytest.mark.reliability

SYNTAX = ["AND", "OR", "NOT", "(((", ")))", "*", "?", "~", "^", "^2", "~3", "title:", "body:", "site:", "id:*",
          '"', '"bảo vệ', "'", "\\", "[", "]", "{", "}", "a*", "*a", "?a", "tr*", "t?e", "em~", "em~2", "[a TO z]",
          "-", "+", "!", "&&", "||", "/", "//", "24/2015/", "87/2015/NĐ-CP", "1437/QĐ-UBND", "%", "%00", "%s",
          "{{7*7}}", "<script>", "'; DROP TABLE x;--", "..", "../", "\x00", "\r\n", "\t"]
WORDS = ["bảo", "vệ", "trẻ", "em", "bao", "ve", "tre", "hoà", "hòa", "thuỷ", "nghị định", "quyết định",
         "Quyết định", "UBND", "BHXH", "lao động"]
ODD = ["\u202e", "\u202d", "\u200f", "\u200b", "\ufeff", "\u0301", "\u0300\u0301\u0303\u0309\u0323",
       "שלום", "مرحبا", "ﷺ", "𝕋𝕣𝕖", "🙂", "\U0010ffff", "\ufffd", "ǅ", "ß", "İ", "ﬁ", "\u00a0", "\u3000"]

# Text that survives a URL (no lone surrogates), with controls, marks and every script.
any_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=80)
fragment = st.one_of(st.sampled_from(SYNTAX), st.sampled_from(WORDS), st.sampled_from(ODD), any_text)
queries = st.one_of(
    any_text,
    st.lists(fragment, max_size=12).map(" ".join),
    st.lists(fragment, max_size=30).map("".join),
    st.builds(lambda word, n: (word + " ") * n, st.sampled_from(WORDS + SYNTAX), st.integers(1, 3000)),
    st.sampled_from(["a" * 10_000, "ạ" * 10_000, "bảo vệ " * 1500, "*" * 10_000, "(" * 10_000,
                     "\u0301" * 10_000, '"' * 999, "a" * 1000, "a" * 1001, "tr* " * 250]),
)
number_text = st.one_of(
    st.integers(-10, 10**12).map(str), st.sampled_from(["-1", "0", "10**9", "1e3", "1.5", "", " ", "٣", "１",
                                                      "0x10", "999999999999999999999", "NaN", "+1"]),
    any_text)
choice_text = lambda *known: st.one_of(st.sampled_from(list(known) + ["", "ALL", "*", "../x", "<b>"]), any_text)  # noqa: E731

search_params = st.fixed_dictionaries({"q": queries}, optional={
    "page": number_text, "per_page": number_text, "year": number_text,
    "scope": choice_text("site", "web"), "site": choice_text("sldtbxh", "stttt"),
    "sort": choice_text("relevance", "newest"), "kind": choice_text("article", "legal"),
    "doc_type": choice_text("Quyết định", "Thông tư"), "category": any_text,
})


def _check_json(response, allow=(200, 400)):
    assert response.status_code in allow, (response.status_code, response.get_data(as_text=True)[:300])
    assert response.is_json
    body = response.get_json()
    text = response.get_data(as_text=True)
    assert "Traceback" not in text and 'File "' not in text
    if response.status_code == 400:
        assert isinstance(body["error"], str) and body["error"]
    return body


def _check_ranked(body, params):
    """A page of results (the order is the rerank stage's: ``score`` is Whoosh's, before re-ranking)."""
    assert isinstance(body["total"], int) and body["total"] >= 0
    assert len(body["results"]) <= body["per_page"]
    assert all(isinstance(hit["id"], str) and isinstance(hit["score"], (int, float)) for hit in body["results"])
    if body["results"]:
        assert body["total"] >= len(body["results"])


@given(params=search_params)
def test_api_search_answers_ranked_results_or_400(corpus_client, params):
    response = corpus_client.get("/api/search", query_string=params)
    body = _check_json(response)
    if response.status_code == 200:
        _check_ranked(body, params)
    record("fuzz_cases")


@given(params=search_params)
def test_search_page_answers_200_or_400_without_a_stack_trace(corpus_client, params):
    response = corpus_client.get("/", query_string=params)
    assert response.status_code in (200, 400), response.status_code
    html = response.get_data(as_text=True)
    assert "Traceback" not in html and "Đã có lỗi xảy ra" not in html
    record("fuzz_cases")


@given(params=search_params)
def test_embed_page_answers_200_or_400(corpus_client, params):
    response = corpus_client.get("/embed", query_string=params)
    assert response.status_code in (200, 400), response.status_code
    assert "Traceback" not in response.get_data(as_text=True)
    record("fuzz_cases")


@given(q=queries, scope=choice_text("site", "web"), limit=number_text, fmt=choice_text("json", "opensearch"))
def test_suggest_answers_json_or_400(corpus_client, q, scope, limit, fmt):
    response = corpus_client.get("/api/suggest", query_string={"q": q, "scope": scope, "limit": limit, "format": fmt})
    assert response.status_code in (200, 400), response.status_code
    text = response.get_data(as_text=True)
    assert "Traceback" not in text
    assert response.get_json() is not None
    record("fuzz_cases")


@given(q=queries)
def test_search_service_returns_a_result_or_a_query_error(corpus_whoosh, q):
    """The indexer itself (the CLI's path): a SearchResult or QueryError, nothing else."""
    from indexer import QueryError, SearchRequest

    try:
        result = corpus_whoosh.search(SearchRequest(q=q, scope="web"))
    except QueryError as exc:
        assert str(exc)
    else:
        assert result.total >= 0
    record("fuzz_cases")


@pytest.mark.parametrize("params", [
    {"q": "tre em", "page": "-1"}, {"q": "tre em", "page": str(10**9)}, {"q": "tre em", "page": "0"},
    {"q": "tre em", "per_page": "0"}, {"q": "tre em", "per_page": str(10**6)}, {"q": "tre em", "per_page": "-5"},
    {"q": "tre em", "scope": "galaxy"}, {"q": "tre em", "sort": "random"}, {"q": "tre em", "kind": "video"},
    {"q": "tre em", "year": "99999"}, {"q": "a" * 10_000}, {"q": ""}, {"q": "   "},
])
def test_out_of_range_parameters_are_400_json(corpus_client, params):
    body = _check_json(corpus_client.get("/api/search", query_string=params), allow=(400,))
    assert body["error"]
    record("fuzz_cases")


def test_unknown_site_is_a_400_naming_the_known_sites(corpus_client):
    body = _check_json(corpus_client.get("/api/search", query_string={"q": "tre em", "site": "khong-co", "scope": "web"}),
                       allow=(400,))
    assert "khong-co" in body["error"] and "sldtbxh" in body["error"]


def test_a_good_query_still_finds_its_documents_after_the_fuzzing(corpus_client):
    """Nothing the fuzzers sent changed what a plain query finds."""
    body = _check_json(corpus_client.get("/api/search", query_string={"q": "bảo vệ trẻ em", "scope": "web"}),
                       allow=(200,))
    assert body["total"] >= 3


def test_search_time_is_bounded_and_reported(corpus_dir):
    """A search cut by the time limit answers what it has, flagged partial, not an error."""
    from indexer import IndexStore, SearchRequest, WhooshBackend

    service = WhooshBackend(IndexStore(corpus_dir), time_limit=0.0)
    result = service.search(SearchRequest(q="bảo vệ trẻ em", scope="web"))
    assert result.partial and result.total >= 0


def test_query_length_and_term_count_are_bounded(corpus_whoosh):
    from indexer import QueryError, SearchRequest
    from indexer.search.understand import MAX_QUERY_CHARS, MAX_TERMS, parse

    with pytest.raises(QueryError, match=str(MAX_QUERY_CHARS)):
        corpus_whoosh.search(SearchRequest(q="a" * (MAX_QUERY_CHARS + 1), scope="web"))
    parsed = parse(" ".join(f"tu{i}" for i in range(MAX_TERMS * 3)))
    assert len(parsed.syllables) <= MAX_TERMS and len(parsed.words) <= MAX_TERMS
    for syntax in ("tr*", "t?e", "em~2", "title:em", "(((a OR b"):
        assert not any(ch in "*?~():" for ch in "".join(parse(syntax).syllables)), syntax  # no expansion syntax
