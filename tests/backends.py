"""One search suite, two engines: the ``make_backend`` fixture builds a small corpus into Whoosh
or into OpenSearch (the ``backend_name`` parameter), through ``indexer.open_backend``.

Import the fixtures into a test module (``from backends import backend_name, make_backend``);
its tests then run once per engine. The OpenSearch runs use the cluster helper's session node
(``opensearch_url`` in conftest: skipped without Java locally, required in CI), each corpus in
an alias of its own, deleted at the end of the session.
"""

from __future__ import annotations

import uuid

import pytest

BACKENDS = ["whoosh", pytest.param("opensearch", marks=pytest.mark.opensearch)]


@pytest.fixture(scope="session", params=BACKENDS)
def backend_name(request) -> str:
    return request.param


@pytest.fixture(scope="session")
def make_backend(backend_name, request):
    """``make(home, items=(), **settings) -> backend``: a new index holding ``items`` (Documents or
    source items), searched with ``settings`` (BackendSettings fields: default_site, cache_size ...).
    ``app_config(backend)`` gives the web app's config keys for the same index."""
    from indexer import BackendSettings, open_backend

    url = request.getfixturevalue("opensearch_url") if backend_name == "opensearch" else None
    made = []

    def make(home, items=(), **settings):
        extra = {}
        if url:
            extra = {"opensearch_url": url, "opensearch_index": f"tracuu-test-{uuid.uuid4().hex[:10]}"}
        backend = open_backend(BackendSettings(backend=backend_name, index_dir=str(home), **extra, **settings))
        items = list(items)
        if items:
            report = backend.index_documents(items)
            assert report.indexed == sum(1 for i in items if hasattr(i, "id"))
        made.append(backend)
        return backend

    yield make
    for backend in made:
        if backend.name == "opensearch":
            client = backend.conn.client
            client.indices.delete(index=f"{backend.alias}-*", ignore_unavailable=True, allow_no_indices=True)


@pytest.fixture(scope="module")
def web_backend(make_backend, tmp_path_factory):
    """The web corpus of webcorpus.py (two sites, 21 documents) in this run's engine."""
    from indexer import read_source
    from webcorpus import WEB_CORPUS

    return make_backend(tmp_path_factory.mktemp("web"), read_source(str(WEB_CORPUS)))


@pytest.fixture(scope="module")
def web_app(web_backend):
    """webcorpus.py's app on this run's engine: import it (with ``web``) instead of webcorpus's."""
    from webapp import create_app
    from webcorpus import web_config

    return create_app(web_config(web_backend.settings.index_dir, **app_config(web_backend)))


def app_config(backend, **extra) -> dict:
    """The web app's config for ``backend``'s index (INDEX_DIR, BACKEND, OPENSEARCH_*)."""
    settings = backend.settings
    config = {"INDEX_DIR": str(settings.index_dir), "BACKEND": settings.backend}
    if settings.backend == "opensearch":
        config.update(OPENSEARCH_URL=settings.opensearch_url, OPENSEARCH_INDEX=settings.opensearch_index)
    config.update(extra)
    return config
