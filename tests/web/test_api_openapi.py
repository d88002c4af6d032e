"""The OpenAPI document at /api/openapi.json, checked against the live app with schemathesis:
generated requests (valid and invalid) must get the documented status codes, content types
and response shapes, and never a server error."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from helpers.webcorpus import build_web_index, web_config

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _app():
    import atexit
    import shutil
    import tempfile

    from webapp import create_app

    # Built at import, before any fixture exists: schemathesis needs the app to generate the tests.
    root = tempfile.mkdtemp(prefix="tracuu-openapi-")
    atexit.register(shutil.rmtree, root, True)
    build_web_index(root)
    return create_app(web_config(root, RATE_LIMIT=""))


APP = _app()
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", APP)


def test_document_is_valid_openapi():
    document = APP.test_client().get("/api/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    assert {"/api/search", "/api/suggest"} <= set(document["paths"])


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_openapi_document(case):
    # identity: the WSGI transport does not decode gzip/br bodies (a browser does).
    # Empty parameters (scope=, sort=) mean the default on purpose, as HTML forms send them,
    # so "schema-violating request accepted" is not a failure here. Rules across parameters, which
    # OpenAPI cannot state (from <= to; q or a filter), give schema-valid requests their 400: they
    # are tested one by one (test_date_range, test_home_page), so "schema-valid request rejected"
    # is not a failure either; any other status, shape or server error still is.
    case.call_and_validate(headers={"Accept-Encoding": "identity"},
                           excluded_checks=[negative_data_rejection, positive_data_acceptance])
