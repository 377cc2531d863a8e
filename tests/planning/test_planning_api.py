"""The planning API: planned needs (paginated, errors as in DESIGN.md) and the gap."""

from __future__ import annotations

import sqlalchemy as sa

from portal.planning.models import PlannedNeed
from tests.api.conftest import api  # noqa: F401  (the fixture)
from tests.factories import AccountFactory, AdvocateFactory

BODY = {
    "title": "Press for the launch",
    "activity_type": "press_interview",
    "count_needed": 2,
    "needed_by": "2030-02-10",
    "region": "na",
}


def test_a_pr_lead_plans_reads_changes_and_removes_a_need(api, db):  # noqa: F811
    lead, token = api.as_role("requester", team="pr")
    created = api.post("/api/v1/planned-needs", token, json=BODY)
    assert created.status_code == 201
    need = created.get_json()
    assert created.headers["Location"].endswith(f"/api/v1/planned-needs/{need['id']}")
    assert (need["owner_id"], need["owner_team"], need["count_needed"]) == (lead.id, "pr", 2)
    assert need["needed_by"] == "2030-02-10"
    listed = api.get("/api/v1/planned-needs?team=pr&from=2030-02&to=2030-02", token).get_json()
    assert (listed["total"], listed["page"], listed["per_page"]) == (1, 1, 25)
    assert [item["id"] for item in listed["items"]] == [need["id"]]
    assert api.get("/api/v1/planned-needs?team=sales", token).get_json()["total"] == 0
    changed = api.patch(f"/api/v1/planned-needs/{need['id']}", token, json={"count_needed": 3})
    assert changed.status_code == 200
    assert changed.get_json()["count_needed"] == 3
    removed = api.call("DELETE", f"/api/v1/planned-needs/{need['id']}", token)
    assert removed.status_code == 204
    assert db.session.scalar(sa.select(sa.func.count(PlannedNeed.id))) == 0


def test_bad_fields_answer_422_naming_each_and_write_nothing(api, db):  # noqa: F811
    _, token = api.as_role("requester", team="sales")
    response = api.post(
        "/api/v1/planned-needs",
        token,
        json={**BODY, "count_needed": 0, "segment": "huge", "extra": 1},
    )
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid"
    assert set(error["fields"]) == {"count_needed", "segment", "extra"}
    assert db.session.scalar(sa.select(sa.func.count(PlannedNeed.id))) == 0


def test_an_executive_reads_but_may_not_write(api, db):  # noqa: F811
    _, manager_token = api.as_role("manager")
    need = api.post("/api/v1/planned-needs", manager_token, json=BODY).get_json()
    _, token = api.as_role("executive")
    assert api.get(f"/api/v1/planned-needs/{need['id']}", token).status_code == 200
    assert api.get("/api/v1/planning/gap?from=2030-01&to=2030-03", token).status_code == 200
    refused = api.post("/api/v1/planned-needs", token, json=BODY)
    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "forbidden"
    patch = api.patch(f"/api/v1/planned-needs/{need['id']}", token, json={"count_needed": 1})
    assert patch.status_code == 403


def test_a_seller_may_not_change_a_pr_leads_need(api, db):  # noqa: F811
    _, pr_token = api.as_role("requester", team="pr")
    need = api.post("/api/v1/planned-needs", pr_token, json=BODY).get_json()
    _, token = api.as_role("requester", team="sales")
    assert api.get(f"/api/v1/planned-needs/{need['id']}", token).status_code == 200
    path = f"/api/v1/planned-needs/{need['id']}"
    assert api.patch(path, token, json={"count_needed": 9}).status_code == 403
    assert api.call("DELETE", path, token).status_code == 403


def test_the_gap_answers_demand_supply_gap_and_surplus(api, db):  # noqa: F811
    _, token = api.as_role("requester", team="pr")
    account = AccountFactory(region="na", industry="media")
    # Two a month by the program's default: February's supply for the press need is 2.
    AdvocateFactory(account=account, activity_types=["press_interview"])
    api.post("/api/v1/planned-needs", token, json={**BODY, "count_needed": 3})
    body = api.get("/api/v1/planning/gap?from=2030-01&to=2030-03", token).get_json()
    assert (body["from"], body["to"]) == ("2030-01", "2030-03")
    assert body["total"] == {"demand": 3, "supply": 2, "gap": 1, "surplus": 0}
    assert [m["month"] for m in body["months"]] == ["2030-01", "2030-02", "2030-03"]
    assert body["months"][1] == {
        "month": "2030-02",
        "demand": 3,
        "supply": 2,
        "gap": 1,
        "surplus": 0,
    }
    [need] = body["needs"]
    assert (need["month"], need["gap"], need["advocates"], need["owner_team"]) == (
        "2030-02",
        1,
        1,
        "pr",
    )
    [press] = body["by"]["activity_type"]
    assert press["value"] == "press_interview"
    assert press["total"] == {"demand": 3, "supply": 2, "gap": 1, "surplus": 0}
    assert [row["value"] for row in body["by"]["segment"]] == [None]


def test_a_bad_month_answers_400_naming_it(api, db):  # noqa: F811
    _, token = api.as_role("csm")
    response = api.get("/api/v1/planning/gap?from=2030-13", token)
    assert response.status_code == 400
    assert response.get_json()["error"]["fields"] == {"from": "Use a month like 2027-01."}
    too_long = api.get("/api/v1/planning/gap?from=2030-01&to=2033-01", token)
    assert too_long.status_code == 400
    assert "to" in too_long.get_json()["error"]["fields"]
    listed = api.get("/api/v1/planned-needs?from=soon", token)
    assert listed.status_code == 400
    assert "from" in listed.get_json()["error"]["fields"]


def test_the_openapi_document_describes_planning(api, db):  # noqa: F811
    document = api.get("/api/v1/openapi.json", None).get_json()
    assert set(document["paths"]["/api/v1/planned-needs"]) == {"get", "post"}
    assert {"get", "patch", "delete"} <= set(document["paths"]["/api/v1/planned-needs/{need_id}"])
    assert "get" in document["paths"]["/api/v1/planning/gap"]
    assert "PlanGap" in document["components"]["schemas"]


def test_a_month_past_the_calendar_answers_400_naming_it(api, db):  # noqa: F811
    _, token = api.as_role("manager")
    for path in (
        "/api/v1/planning/gap?from=9999-12",
        "/api/v1/planning/gap?to=9999-12",
        "/api/v1/planned-needs?to=9999-12",
    ):
        response = api.get(path, token)
        assert response.status_code == 400, path
        assert "Use a month like 2027-01." in response.get_data(as_text=True), path
