"""The program terms in the JSON API: versions, the draft with its preview, publishing."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.advocates.self_service import accept_terms
from portal.audit.models import AuditEvent
from portal.program.service import get_setting
from portal.program.terms_models import TermsVersion
from tests.api.conftest import ApiClient
from tests.factories import advocate_with_login


@pytest.fixture
def api(client, db):
    return ApiClient(client, db)


def put(api, token, body):
    return api.call("PUT", "/api/v1/settings/terms/draft", token, json=body)


def test_admin_writes_previews_and_publishes_a_version(db, api):
    admin, token = api.as_role("admin")
    ada, user = advocate_with_login(name="Ada")
    listed = api.get("/api/v1/settings/terms", token).get_json()
    assert listed["current_version"] == "2026-01" and listed["total"] == 1
    [first] = listed["items"]
    assert (first["version"], first["status"], first["current"]) == ("2026-01", "published", True)
    assert api.get("/api/v1/settings/terms/draft", token).status_code == 404

    body = "## New rules\n\n<script>alert(1)</script>[x](javascript:alert(2))"
    saved = put(api, token, {"body_markdown": body})
    assert saved.status_code == 200
    draft = saved.get_json()
    assert draft["status"] == "draft" and draft["version"] is None
    assert draft["body_markdown"] == body
    assert "<h2>New rules</h2>" in draft["body_html"]
    assert "<script" not in draft["body_html"] and "javascript:" not in draft["body_html"]

    published = api.post("/api/v1/settings/terms/publish", token, json={"version": "2027-01"})
    assert published.status_code == 201
    assert published.headers["Location"].endswith("/api/v1/settings/terms/2027-01")
    data = published.get_json()
    assert (data["version"], data["status"], data["current"]) == ("2027-01", "published", True)
    assert data["published_by"] == admin.id and data["notified"] == 1
    db.session.expire_all()
    assert get_setting("terms_version") == "2027-01"

    # The advocate accepts; the list counts acceptances per version.
    accept_terms(user, ada, "2027-01")
    db.session.commit()
    items = api.get("/api/v1/settings/terms", token).get_json()["items"]
    assert [(i["version"], i["current"], i["acceptances"]) for i in items] == [
        ("2027-01", True, 1),
        ("2026-01", False, 0),  # Ada's 2026-01 came from a factory, not through accepting
    ]
    old = api.get("/api/v1/settings/terms/2026-01", token).get_json()
    assert "What we ask of you" in old["body_markdown"]
    assert "<h2>What we ask of you</h2>" in old["body_html"]
    assert api.get("/api/v1/settings/terms/1999-01", token).status_code == 404


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"version": ""}, {"version"}),
        ({}, {"version"}),
        ({"version": "2026-01"}, {"version"}),
        ({"version": "new version"}, {"version"}),
        ({"version": 7}, {"version"}),
        ({"version": "2027-01", "body_markdown": "x"}, {"body_markdown"}),  # not a field here
    ],
)
def test_publish_names_the_bad_field_and_writes_nothing(db, api, body, fields):
    _, token = api.as_role("admin")
    assert put(api, token, {"body_markdown": "## Draft"}).status_code == 200
    response = api.post("/api/v1/settings/terms/publish", token, json=body)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid" and set(error["fields"]) == fields
    db.session.expire_all()
    assert get_setting("terms_version") == "2026-01"
    assert (
        db.session.scalar(sa.select(sa.func.count()).where(TermsVersion.status == "published")) == 1
    )
    assert not db.session.scalar(
        sa.select(sa.exists().where(AuditEvent.action == "terms.published"))
    )


def test_publish_without_a_draft_and_an_empty_draft_are_422(db, api):
    _, token = api.as_role("admin")
    response = api.post("/api/v1/settings/terms/publish", token, json={"version": "2027-01"})
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {"body_markdown"}
    empty = put(api, token, {"body_markdown": " "})
    assert empty.status_code == 422
    assert empty.get_json()["error"]["fields"] == {"body_markdown": "This field is required."}
    assert put(api, token, []).status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TermsVersion)) == 1


def test_only_administrators_may_use_the_terms_api(db, api):
    _, token = api.as_role("manager")
    for method, path, body in (
        ("GET", "/api/v1/settings/terms", None),
        ("GET", "/api/v1/settings/terms/2026-01", None),
        ("PUT", "/api/v1/settings/terms/draft", {"body_markdown": "## Mine"}),
        ("POST", "/api/v1/settings/terms/publish", {"version": "2027-01"}),
    ):
        assert api.call(method, path, token, json=body).status_code == 403, path
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TermsVersion)) == 1


def test_the_terms_api_is_in_the_openapi_document(db, api):
    document = api.get("/api/v1/openapi.json", None).get_json()
    paths = document["paths"]
    assert set(paths["/api/v1/settings/terms/draft"]) >= {"get", "put"}
    assert "post" in paths["/api/v1/settings/terms/publish"]
    assert "get" in paths["/api/v1/settings/terms/{version}"]
    operation = paths["/api/v1/settings/terms/publish"]["post"]
    assert operation["operationId"] == "publish_terms"
    assert {"201", "422"} <= set(operation["responses"])
