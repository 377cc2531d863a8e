"""GET /api/v1/playbook for staff, PUT /api/v1/playbook/<activity_type> for the program team:
the error shape of DESIGN.md, and the OpenAPI document lists both."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.audit.models import AuditEvent
from portal.playbook import service
from portal.vocab import ACTIVITY_TYPES
from tests.playbook.conftest import GOOD


@pytest.mark.parametrize("role", ["requester", "csm", "manager", "admin"])
def test_staff_read_every_entry_with_its_lead_time(db, client, token_of, role):
    _, headers = token_of(role)
    response = client.get("/api/v1/playbook", headers=headers)
    assert response.status_code == 200
    body = response.get_json()
    assert body["total"] == len(ACTIVITY_TYPES) == len(body["items"])
    assert body["page"] == 1 and body["per_page"] == len(ACTIVITY_TYPES)
    case = next(i for i in body["items"] if i["activity_type"] == "case_study")
    assert case["label"] == "Case study"
    assert case["stages"] == ["early", "middle"]
    assert case["lead_time_days"] == 30
    assert case["dos"] and case["donts"] and "<strong>audience</strong>" in case["brief_html"]


def test_advocates_and_visitors_do_not_read_the_playbook(db, client, token_of):
    _, headers = token_of("advocate")
    refused = client.get("/api/v1/playbook", headers=headers)
    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "forbidden"
    assert client.get("/api/v1/playbook").status_code == 401


def test_manager_replaces_an_entry(db, client, token_of):
    manager, headers = token_of("manager")
    response = client.put("/api/v1/playbook/case_study", json=GOOD, headers=headers)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["stages"] == ["early", "middle"] and body["brief"] == GOOD["brief"]
    assert body["dos"] == ["Share the questions", "Thank them"]
    assert service.entry("case_study").brief == GOOD["brief"]
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "playbook.updated").order_by(AuditEvent.id)
    )
    assert event.actor_id == manager.id


def test_bad_entry_is_refused_with_each_field_named_and_nothing_written(db, client, token_of):
    _, headers = token_of("admin")
    before = service.entry("quote")
    response = client.put(
        "/api/v1/playbook/quote",
        json={"stages": ["someday"], "brief": "<script>x</script>", "extra": 1},
        headers=headers,
    )
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid" and error["message"]
    assert set(error["fields"]) == {"stages", "brief", "extra"}
    db.session.expire_all()
    assert service.entry("quote") == before


@pytest.mark.parametrize("role", ["requester", "csm", "advocate"])
def test_only_the_program_team_changes_it(db, client, token_of, role):
    _, headers = token_of(role)
    response = client.put("/api/v1/playbook/case_study", json=GOOD, headers=headers)
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"


def test_unknown_type_and_non_json_body(db, client, token_of):
    _, headers = token_of("manager")
    missing = client.put("/api/v1/playbook/carrier_pigeon", json=GOOD, headers=headers)
    assert missing.status_code == 404
    assert missing.get_json()["error"]["code"] == "not_found"
    bad = client.put("/api/v1/playbook/quote", data="nope", headers=headers)
    assert bad.status_code == 400
    assert bad.get_json()["error"]["fields"] == {"body": "Send a JSON object as the request body."}


def test_openapi_documents_the_playbook(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "get" in paths["/api/v1/playbook"]
    put = paths["/api/v1/playbook/{activity_type}"]["put"]
    assert {"200", "403", "422"} <= set(put["responses"])
