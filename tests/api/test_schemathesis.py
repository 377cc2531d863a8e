"""The API checked against its own OpenAPI document by schemathesis: no 500, and every answer
(status, content type, body) is one the document describes. Runs in CI with the rest.

Each operation gets a few generated requests (valid and invalid) with a manager's token, on a
small program; the database is reset between operations.
"""

from __future__ import annotations

import threading

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from werkzeug.serving import make_server

from portal import config, create_app
from portal.api.openapi import build_spec
from portal.auth.service import create_api_token
from tests.factories import (
    AccountFactory,
    AdvocateFactory,
    AskFactory,
    BenefitFactory,
    ReferenceRequestFactory,
    UserFactory,
)
from tests.helpers import QUICK_STOP

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# Each operation, with the checks above: about 90 operations, run on both databases in CI.
MAX_EXAMPLES = 5


@pytest.fixture
def manager_token(db):
    """A manager's read-write token, and a few objects for the ids schemathesis tries."""
    manager = UserFactory(role="manager")
    account = AccountFactory()
    advocate = AdvocateFactory(account=account)
    request = ReferenceRequestFactory()
    AskFactory(request=request, advocate=advocate)
    BenefitFactory(kind="training", capacity=3)
    _, plain = create_api_token(None, manager)
    db.session.commit()
    return plain


def _document() -> dict:
    """The document as the app generates it (no database needed to build it)."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}, config_class=config.TestConfig)
    with app.app_context():
        return build_spec(app)


schema = schemathesis.openapi.from_dict(_document())


@pytest.fixture
def live_api(app):
    """The test app served over real HTTP on 127.0.0.1 (what an API client talks to)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs=QUICK_STOP, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_openapi_document(case, live_api, manager_token):
    case.call_and_validate(
        base_url=live_api,
        headers={"Authorization": f"Bearer {manager_token}"},
        checks=CHECKS,
        timeout=30,
    )
