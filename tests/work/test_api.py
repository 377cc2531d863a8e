"""The work-in-progress API: GET /work (what the page shows, as each role may see it), POST
/requests/<id>/shared-asks (201, or 409 naming the reason), shared_ask_ids on a request, and
the OpenAPI document."""

from __future__ import annotations

import sqlalchemy as sa

from portal.audit.models import AuditEvent
from portal.auth.service import create_api_token
from portal.work.models import AskShare


def token(db, user) -> str:
    _, plain = create_api_token(None, user)
    db.session.commit()
    return plain


def call(client, method, path, plain, **kwargs):
    return client.open(path, method=method, headers={"Authorization": f"Bearer {plain}"}, **kwargs)


def test_work_lists_accounts_with_their_activities_as_the_role_may_see(world, client, db):
    body = call(client, "GET", "/api/v1/work", token(db, world.pia)).get_json()
    assert (body["total"], body["page"]) == (1, 1)
    [acme] = body["items"]
    [item] = acme["items"]
    assert (acme["account"], item["kind"], item["activity_type"], item["team"]) == (
        "Acme Bank",
        "ask",
        "case_study",
        "sales",
    )
    assert (item["status"], item["advocate"], item["ask_id"]) == (
        "scheduled",
        "an advocate at Acme Bank",
        world.interview.id,
    )
    assert "email" not in str(body)
    program = call(client, "GET", "/api/v1/work?team=ar", token(db, world.manager)).get_json()
    assert [a["account"] for a in program["items"]] == ["Beta Insurance"]
    bad = call(client, "GET", "/api/v1/work?status=lost", token(db, world.manager))
    assert bad.status_code == 400 and "status" in bad.get_json()["error"]["fields"]


def test_program_team_shares_an_ask_and_the_request_lists_it(world, client, db):
    plain = token(db, world.manager)
    path = f"/api/v1/requests/{world.pia_quote.id}/shared-asks"
    response = call(client, "POST", path, plain, json={"ask_id": world.interview.id})
    assert response.status_code == 201
    assert response.get_json()["ask_id"] == world.interview.id
    assert response.headers["Location"].endswith(f"/api/v1/requests/{world.pia_quote.id}")
    shown = call(client, "GET", f"/api/v1/requests/{world.pia_quote.id}", token(db, world.pia))
    assert shown.get_json()["shared_ask_ids"] == [world.interview.id]
    again = call(client, "POST", path, plain, json={"ask_id": world.interview.id})
    assert again.status_code == 409
    assert again.get_json()["error"]["fields"] == {
        "ask_id": "This activity already serves this request."
    }
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "request.activity_shared")
        )
        == 1
    )


def test_share_refusals_name_the_reason_and_write_nothing(world, client, db):
    plain = token(db, world.manager)
    own = call(
        client,
        "POST",
        f"/api/v1/requests/{world.case_study.id}/shared-asks",
        plain,
        json={"ask_id": world.interview.id},
    )
    assert (
        own.status_code == 409 and "placed for this request" in own.get_json()["error"]["message"]
    )
    declined = call(
        client,
        "POST",
        f"/api/v1/requests/{world.pia_quote.id}/shared-asks",
        plain,
        json={"ask_id": world.declined.id},
    )
    assert declined.status_code == 409
    assert "declined" in declined.get_json()["error"]["fields"]["ask_id"]
    missing = call(
        client,
        "POST",
        f"/api/v1/requests/{world.pia_quote.id}/shared-asks",
        plain,
        json={"ask_id": 999999},
    )
    assert missing.status_code == 422 and "ask_id" in missing.get_json()["error"]["fields"]
    requester = call(
        client,
        "POST",
        f"/api/v1/requests/{world.pia_quote.id}/shared-asks",
        token(db, world.pia),
        json={"ask_id": world.interview.id},
    )
    assert requester.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AskShare)) == 0


def test_openapi_documents_the_work_routes(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert "get" in document["paths"]["/api/v1/work"]
    assert set(
        document["paths"]["/api/v1/requests/{request_id}/shared-asks"]["post"]["responses"]
    ) >= {
        "201",
        "409",
    }
    detail = document["components"]["schemas"]["RequestDetail"]["properties"]
    assert detail["shared_ask_ids"]["type"] == "array"
