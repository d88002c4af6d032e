"""One suite, two engines: the parameters of ``backend_name`` (tests/conftest.py) and the web app's
config for a backend the ``make_backend`` fixture built."""

from __future__ import annotations

import pytest

# Tests that use ``backend_name`` (or a fixture built on it) run once per engine; the OpenSearch
# runs carry the ``opensearch`` marker (-m "not opensearch" leaves them out).
BACKENDS = ["whoosh", pytest.param("opensearch", marks=pytest.mark.opensearch)]


def app_config(backend, **extra) -> dict:
    """The web app's config for ``backend``'s index (INDEX_DIR, BACKEND, OPENSEARCH_*)."""
    settings = backend.settings
    config = {"INDEX_DIR": str(settings.index_dir), "BACKEND": settings.backend}
    if settings.backend == "opensearch":
        config.update(OPENSEARCH_URL=settings.opensearch_url, OPENSEARCH_INDEX=settings.opensearch_index)
    config.update(extra)
    return config
