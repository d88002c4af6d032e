"""Suggestions through the backend: the index vocabulary that did-you-mean and autocomplete read
(indexer.search.suggest). Diacritics restored word by word, typos fixed by their neighbours,
query syntax kept around the words, partial words completed, and a large index's vocabulary
built in the background. Tests through the backend run on both engines (``web_backend``); the
one about Whoosh's own index stays Whoosh-only."""

from __future__ import annotations

import time

import pytest

from helpers.webcorpus import DEPT, build_web_index


def did_you_mean(service, q):
    from indexer import SearchRequest

    return service.search(SearchRequest(q=q, scope="web")).suggestion


def test_vocabulary_restores_diacritics_word_by_word(web_backend):
    assert did_you_mean(web_backend, "thu tuc dang ky ket hon") == "thủ tục đăng ký kết hôn"
    assert did_you_mean(web_backend, "Thủ tục đăng ký kết hôn") is None  # case is not a mistake
    assert did_you_mean(web_backend, "87/2015/NĐ-CP") is None
    assert did_you_mean(web_backend, "") is None


def test_typed_diacritics_the_index_knows_are_kept(web_backend):
    # "hồ sơ" is typed right; only the unaccented words get their marks back.
    assert did_you_mean(web_backend, "hồ sơ dang ky") == "hồ sơ đăng ký"


def test_completion_of_a_partial_word(web_backend):
    texts = [s["text"] for s in web_backend.suggest("chung th", scope="web")]
    assert texts[0] == "chứng thực"


def test_typo_fixed_by_the_word_it_belongs_to(web_backend):
    # "hôn" is one edit from "hpn", and so are other syllables; the neighbour "kết" decides.
    assert did_you_mean(web_backend, "ket hpn") == "kết hôn"


def test_large_index_builds_its_vocabulary_in_the_background(tmp_path, monkeypatch):
    """No request waits for a large index's vocabulary: no suggestions until it is ready."""
    import time

    from indexer import IndexStore, SearchRequest, WhooshBackend
    from indexer.search import suggest

    build_web_index(tmp_path)
    monkeypatch.setattr(suggest, "SYNC_BUILD_DOCS", 0)
    service = WhooshBackend(IndexStore(tmp_path), default_site=DEPT)
    first = service.search(SearchRequest(q="thu tuc dang ky ket hon", scope="web"))
    assert first.total > 0 and first.suggestion is None
    deadline = time.monotonic() + 60
    while service.vocabulary() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    later = service.search(SearchRequest(q="thu tuc dang ky ket hon", scope="web"))
    assert later.suggestion == "thủ tục đăng ký kết hôn"
    completions = [s["text"] for s in service.suggest("dang k")]
    assert completions[0] == "đăng ký" and "đăng ký kết hôn" in completions


@pytest.mark.parametrize("typed, suggestion", [
    ('"thu tuc" dang ky -ket', '"thủ tục" đăng ký -kết'),
    ("(dang ky)", "(đăng ký)"),
    ("ket hpn?", "kết hôn?"),
])
def test_query_syntax_around_words_survives_did_you_mean(web_backend, typed, suggestion):
    assert did_you_mean(web_backend, typed) == suggestion


def test_one_vocabulary_build_at_a_time_the_older_one_answering_meanwhile():
    """Commits every second (pushed writes) must not start a build each: while one runs, the
    previous version's vocabulary answers and no other build starts."""
    import threading

    from indexer.search.suggest import Vocabulary, VocabularyCache

    cache, release, started = VocabularyCache(), threading.Event(), []
    old = Vocabulary()
    cache.get("v1", lambda: old, lambda: 0, wait=True)

    def slow_build(version):
        def build():
            started.append(version)
            release.wait(10)
            return Vocabulary()
        return build

    assert cache.get("v2", slow_build("v2"), lambda: 10**6) is old
    for version in ("v3", "v4", "v5"):
        assert cache.get(version, slow_build(version), lambda: 10**6) is old
    assert started == ["v2"]
    release.set()
    deadline = time.monotonic() + 10
    while (cache.version != "v2" or cache.building is not None) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert cache.version == "v2" and cache.building is None
    newer = cache.get("v5", slow_build("v5"), lambda: 10**6)  # the newest is built next
    assert newer is not old and started == ["v2", "v5"]
