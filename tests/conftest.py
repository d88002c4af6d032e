"""The fixtures several test folders share, and the session's set-up.

Everything here uses the real parts: indexes on disk in tmp folders, the real pyvi segmenter
(loaded once per test process), the Flask app factory, a real OpenSearch node for the
``opensearch`` runs. Fixtures reach the tests only through conftest.py files (this one, and
tests/<folder>/conftest.py for a folder's own); helpers/ holds plain constants and functions.

Two corpora, each fixture name meaning one thing:

- the sample corpus (fixtures/documents.jsonl: 12 documents of the sites sldtbxh and stttt)
    corpus_dir            Whoosh index home, read-only (session)
    corpus_whoosh         a WhooshBackend on corpus_dir (session)
    corpus_app            the web app on corpus_dir, rate limit off (session)
    corpus_client         a test client of corpus_app
    corpus_backend        the same documents in this run's engine (each engine, module)
    corpus_engine_app     the web app on corpus_backend (each engine, module)
    corpus_engine_client  a test client of corpus_engine_app (each engine)
- the web corpus (fixtures/web_corpus.jsonl: 21 documents of the sites sotuphap and sldtbxh)
    web_index             Whoosh index home, read-only, for apps with other settings (session)
    web_backend           the same documents in this run's engine (each engine, module)
    web_app               the department's search box on web_backend (each engine, module)
    web_client            a test client of web_app (each engine)

"Each engine": the fixture depends on ``backend_name``, so a test using it runs once on Whoosh
and once on OpenSearch (that run carries the ``opensearch`` marker; ``-m "not opensearch"``
leaves it out). ``make_backend`` builds any other corpus the same way.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid

import pytest

from helpers.corpus import DEPT_SITE, DOCUMENTS_JSONL, index_source
from helpers.engines import BACKENDS, app_config
from helpers.opensearch_cluster import start_opensearch_cluster, stop_opensearch_cluster
from helpers.webcorpus import DEPT, WEB_CORPUS, build_web_index, web_config

_HYPOTHESIS_HOME: list[str] = []


# -- the session ----------------------------------------------------------------------------------

@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    """Hypothesis (test_fuzz, test_api_openapi): one profile for the suite, the quick one CI runs
    or the full one (TRACUU_FULL=1, bench/reliability.sh); no example database, and its storage
    (caches) in a tmp folder, so a test run writes nothing into the work tree."""
    from hypothesis import HealthCheck, settings
    from hypothesis.configuration import set_hypothesis_home_dir

    from helpers.reliability import FULL

    home = tempfile.mkdtemp(prefix="tracuu-hypothesis-")
    _HYPOTHESIS_HOME.append(home)
    set_hypothesis_home_dir(home)
    quiet = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
    settings.register_profile("tracuu-quick", max_examples=60, deadline=None, database=None,
                              suppress_health_check=quiet)
    settings.register_profile("tracuu-full", max_examples=1500, deadline=None, database=None,
                              suppress_health_check=quiet)
    settings.load_profile("tracuu-full" if FULL else "tracuu-quick")


def pytest_unconfigure(config):
    while _HYPOTHESIS_HOME:
        shutil.rmtree(_HYPOTHESIS_HOME.pop(), ignore_errors=True)


def pytest_collection_modifyitems(items):
    """Tests that use the opensearch_url fixture carry the ``opensearch`` marker (-m 'not opensearch')."""
    for item in items:
        if "opensearch_url" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.opensearch)


def pytest_terminal_summary(terminalreporter):
    """The reliability suite's figures (requests, kills, fuzz cases, payloads), when it ran."""
    from helpers.reliability import report_lines

    for line in report_lines():
        terminalreporter.write_line(line)


# -- engines: one suite, two engines ----------------------------------------------------------------

@pytest.fixture(scope="session")
def opensearch_url(tmp_path_factory):
    """URL of a real OpenSearch 2.19 node for the whole session (plain http, no auth).

    TRACUU_TEST_OPENSEARCH_URL, when set, is used as it is (nothing started or stopped); otherwise
    a 1-node cluster is started on free loopback ports in a tmp folder and stopped at session end.
    Skips without Java/Maven; under CI=true that is a failure. Tests share the node: use index
    names of their own and delete them.
    """
    import os

    url = os.environ.get("TRACUU_TEST_OPENSEARCH_URL", "").strip()
    if url:
        yield url.rstrip("/")
        return
    directory = tmp_path_factory.mktemp("opensearch")
    try:
        yield start_opensearch_cluster(directory, nodes=1)
    finally:
        stop_opensearch_cluster(directory)


@pytest.fixture(scope="session", params=BACKENDS)
def backend_name(request) -> str:
    """"whoosh" or "opensearch": a test using this (or a fixture built on it) runs once per engine."""
    return request.param


@pytest.fixture(scope="session")
def make_backend(backend_name, request):
    """``make(home, items=(), **settings) -> backend``: a new index in this run's engine holding
    ``items`` (Documents or source items), searched with ``settings`` (BackendSettings fields:
    default_site, cache_size ...), through ``indexer.open_backend``. ``helpers.engines.app_config``
    gives the web app's config keys for the same index. The OpenSearch runs use the session node
    (``opensearch_url``), each index in an alias of its own, deleted at the end of the session."""
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


# -- the sample corpus (fixtures/documents.jsonl) ---------------------------------------------------

@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory):
    """A Whoosh index home with documents.jsonl indexed; read-only for the tests that use it."""
    root = tmp_path_factory.mktemp("corpus_index")
    report = index_source(root, DOCUMENTS_JSONL)
    assert report.indexed == 12 and not report.problems
    return root


@pytest.fixture(scope="session")
def corpus_whoosh(corpus_dir):
    """A WhooshBackend on ``corpus_dir``, the department site as its default site."""
    from indexer import IndexStore, WhooshBackend

    return WhooshBackend(IndexStore(corpus_dir), default_site=DEPT_SITE)


@pytest.fixture(scope="session")
def corpus_app(corpus_dir):
    """The web app on ``corpus_dir`` (Whoosh), the department site as its default site."""
    from webapp import create_app

    # RATE_LIMIT "": the whole session shares this app and one client address (see test_security).
    return create_app({"INDEX_DIR": str(corpus_dir), "DEFAULT_SITE": DEPT_SITE, "TESTING": True, "RATE_LIMIT": ""})


@pytest.fixture()
def corpus_client(corpus_app):
    return corpus_app.test_client()


@pytest.fixture(scope="module")
def corpus_backend(make_backend, tmp_path_factory):
    """documents.jsonl in this run's engine, the department site as its default site."""
    from indexer import read_source

    return make_backend(tmp_path_factory.mktemp("corpus"), read_source(str(DOCUMENTS_JSONL)), default_site=DEPT_SITE)


@pytest.fixture(scope="module")
def corpus_engine_app(corpus_backend):
    """The web app on ``corpus_backend`` (this run's engine), configured like ``corpus_app``."""
    from webapp import create_app

    return create_app(app_config(corpus_backend, DEFAULT_SITE=DEPT_SITE, TESTING=True, RATE_LIMIT=""))


@pytest.fixture()
def corpus_engine_client(corpus_engine_app):
    return corpus_engine_app.test_client()


# -- the web corpus (fixtures/web_corpus.jsonl) ------------------------------------------------------

@pytest.fixture(scope="session")
def web_index(tmp_path_factory):
    """A Whoosh index home with the web corpus indexed; read-only (apps with other settings use it)."""
    return build_web_index(tmp_path_factory.mktemp("web_index"))


@pytest.fixture(scope="module")
def web_backend(make_backend, tmp_path_factory):
    """The web corpus (two sites, 21 documents) in this run's engine, the department as default site."""
    from indexer import read_source

    return make_backend(tmp_path_factory.mktemp("web"), read_source(str(WEB_CORPUS)), default_site=DEPT)


@pytest.fixture(scope="module")
def web_app(web_backend):
    """The department's search box (``helpers.webcorpus.web_config``) on ``web_backend``."""
    from webapp import create_app

    return create_app(web_config(web_backend.settings.index_dir, **app_config(web_backend)))


@pytest.fixture()
def web_client(web_app):
    return web_app.test_client()
