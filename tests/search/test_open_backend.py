"""Choosing and opening a backend: ``indexer.open_backend`` and ``BackendSettings`` (from the CLI's
options or the web app's config), Whoosh the default, one clear error for bad settings, and the
Whoosh index version behind the ETag. What only the OpenSearch backend does is in
tests/opensearch/test_opensearch_backend.py; search behaviour itself is tested once for both
engines (tests/search/test_search.py, test_relevance.py, tests/web/: ``backend_name``)."""

from __future__ import annotations

import pytest

from helpers.corpus import DOCUMENTS_JSONL
from indexer import BackendSettings, StoreError, open_backend, read_source


def test_whoosh_is_the_default_and_keeps_its_search_service(tmp_path):
    from indexer import WhooshBackend

    backend = open_backend(BackendSettings(index_dir=tmp_path))
    assert backend.name == "whoosh" and isinstance(backend, WhooshBackend)


def test_whoosh_index_version_follows_commits_and_never_fails(tmp_path):
    """The ETag's index version: changes with every commit, and reading it while a commit removes
    the old table of contents (a load test once got a 500 from a stat of a vanished TOC) cannot fail."""
    backend = open_backend(BackendSettings(index_dir=str(tmp_path / "home")))
    assert backend.index_version() == "none"
    backend.index_documents(read_source(DOCUMENTS_JSONL))
    first = backend.index_version()
    backend.delete([next(read_source(DOCUMENTS_JSONL)).id])
    second = backend.index_version()
    assert first != second and first.split(":")[0] == second.split(":")[0]
    for toc in backend.store.live_path().glob("*.toc"):
        toc.unlink()  # as if a commit removed it between the listing and the read
    assert backend.index_version().endswith(":0")


def test_settings_from_the_app_config():
    settings = BackendSettings.from_config({"BACKEND": "OpenSearch", "OPENSEARCH_URL": "http://a:9200,http://b:9200",
                                            "OPENSEARCH_INDEX": "portal", "INDEX_DIR": "/x", "OPENSEARCH_REPLICAS": "1",
                                            "SYNONYMS_FILES": "/s.txt", "DEFAULT_SITE": "dept"})
    assert (settings.backend, settings.opensearch_index, settings.opensearch_replicas) == ("opensearch", "portal", 1)
    assert settings.synonyms == ["/s.txt"] and settings.default_site == "dept"


@pytest.mark.parametrize("settings, message", [
    (BackendSettings(backend="solr"), "không có máy tìm kiếm"),
    (BackendSettings(backend="opensearch"), "--opensearch-url"),
])
def test_bad_backend_settings_are_one_clear_error(settings, message):
    with pytest.raises(StoreError, match=message):
        open_backend(settings)
