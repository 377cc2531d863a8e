"""GET /api/v1/content: requesters see the approved, current library; managers everything."""

from __future__ import annotations

import datetime as dt

from portal.auth.service import create_api_token
from portal.content.assets import create_asset
from portal.content.uses import log_use
from tests.content.test_library import asset_data
from tests.factories import UserFactory


def _headers(user):
    return {"Authorization": f"Bearer {create_api_token(None, user)[1]}"}


def test_content_api_lists_approved_content_for_requesters(app, client, db):
    manager = UserFactory(role="manager")
    requester = UserFactory(role="requester", team="sales")
    live = create_asset(manager, asset_data())
    create_asset(manager, asset_data(title="Draft", approval_status="draft"))
    log_use(requester, live.id, {"action": "open_link", "opportunity_crm_id": "006"})
    headers = {"requester": _headers(requester), "manager": _headers(manager)}
    db.session.commit()

    body = client.get("/api/v1/content?industry=banking", headers=headers["requester"]).get_json()
    assert body["total"] == 1 and body["page"] == 1
    item = body["items"][0]
    assert item["title"] == "How Nordbank cut fraud losses" and item["use_count"] == 1
    assert item["approved_until"] == (dt.date.today() + dt.timedelta(days=200)).isoformat()
    assert item["page_url"].endswith(f"/content/{live.id}")
    everything = client.get("/api/v1/content", headers=headers["manager"]).get_json()
    assert everything["total"] == 2
    drafts = client.get("/api/v1/content?status=draft", headers=headers["manager"]).get_json()
    assert [i["title"] for i in drafts["items"]] == ["Draft"]


def test_content_api_refuses_unknown_filters(app, client, db):
    requester = UserFactory(role="requester", team="sales")
    headers = _headers(requester)
    db.session.commit()
    answer = client.get("/api/v1/content?colour=red", headers=headers)
    assert answer.status_code == 400
    assert answer.get_json()["error"]["fields"] == {"colour": "Unknown filter."}
    # Only the program team filters by approval status.
    assert client.get("/api/v1/content?status=draft", headers=headers).status_code == 400
