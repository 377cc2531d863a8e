"""GET /api/v1/directory: the directory's search in the API, the same filters and rules as the
page (contact details null until an accepted ask of the caller's own), the list shape, errors."""

from __future__ import annotations

from portal.content.models import ContentAsset
from portal.program.service import set_setting
from tests.factories import (
    AccountFactory,
    AdvocateFactory,
    AskFactory,
    ReferenceRequestFactory,
    UserFactory,
    advocate_with_login,
)


def test_requester_lists_the_directory_with_what_they_may_see(db, api):
    requester, token = api.as_role("requester", team="sales")
    set_setting(UserFactory(role="admin"), "self_service_activity_types", ["quote"])
    bank = AccountFactory(name="Nordbank", industry="banking", region="emea")
    jana = AdvocateFactory(
        account=bank,
        name="Jana Novak",
        title="Head of Payments",
        email="jana@nordbank.example",
        activity_types=["reference_call", "quote"],
        languages=["de"],
    )
    AdvocateFactory(account=AccountFactory(industry="retail"), status="nominated")
    AdvocateFactory(account=AccountFactory(industry="retail"))
    story = ContentAsset(
        kind="case_study",
        title="Nordbank's story",
        account=bank,
        approval_status="customer_approved",
    )
    db.session.add(story)

    response = api.get("/api/v1/directory?industry=banking&language=de&per_page=5", token)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["page"], body["per_page"], body["total"]) == (1, 5, 1)
    item = body["items"][0]
    assert item["advocate_id"] == jana.id
    assert (item["name"], item["title"], item["company"]) == (
        "Jana Novak",
        "Head of Payments",
        "Nordbank",
    )
    assert item["contact"] is None
    assert "jana@nordbank.example" not in response.get_data(as_text=True)
    assert item["free_now"] is True and item["next_free"] is None
    assert [(a["activity_type"], a["how"]) for a in item["activities"]] == [
        ("reference_call", "through_program"),
        ("quote", "ask_directly"),
    ]
    assert item["activities"][0]["request_url"].endswith(
        "/requests/new?activity_type=reference_call&industry=banking"
    )
    assert [s["title"] for s in item["stories"]] == ["Nordbank's story"]
    assert item["stories"][0]["page_url"].endswith(f"/content/{story.id}")

    AskFactory(
        request=ReferenceRequestFactory(requester=requester), advocate=jana, status="accepted"
    )
    item = api.get("/api/v1/directory?industry=banking", token).get_json()["items"][0]
    assert item["contact"] == {"email": "jana@nordbank.example", "preferred_contact": "email"}


def test_filters_sort_and_pages(db, api):
    _, token = api.as_role("csm")
    for name in ("Cobalt", "Acme", "Birch"):
        AdvocateFactory(account=AccountFactory(name=f"{name} AG"))
    body = api.get("/api/v1/directory?sort=company&per_page=2&page=2", token).get_json()
    assert body["total"] == 3 and [i["company"] for i in body["items"]] == ["Cobalt AG"]
    body = api.get("/api/v1/directory?q=birch", token).get_json()
    assert [i["company"] for i in body["items"]] == ["Birch AG"]
    # Past the last page: nothing, and the total still told.
    body = api.get("/api/v1/directory?page=9", token).get_json()
    assert (body["items"], body["total"]) == ([], 3)


def test_bad_arguments_are_refused_naming_each(db, api):
    _, token = api.as_role("requester")
    response = api.get("/api/v1/directory?industry=skydiving", token)
    assert response.status_code == 400
    assert "industry" in response.get_json()["error"]["fields"]
    response = api.get("/api/v1/directory?region=mars", token)
    assert response.status_code == 400
    assert "region" in response.get_json()["error"]["fields"]
    response = api.get("/api/v1/directory?per_page=500", token)
    assert response.status_code == 400


def test_advocates_get_403_and_no_token_401(db, api):
    _, user = advocate_with_login()
    token = api.token(user)
    assert api.get("/api/v1/directory", token).status_code == 403
    assert api.get("/api/v1/directory", None).status_code == 401


def test_the_openapi_document_describes_the_directory(db, api):
    document = api.get("/api/v1/openapi.json", None).get_json()
    operation = document["paths"]["/api/v1/directory"]["get"]
    assert operation["operationId"] == "list_directory"
    names = {p["name"] for p in operation["parameters"]}
    assert {"q", "industry", "product", "use_case", "region", "segment", "seniority"} <= names
    assert {"language", "activity_type", "page", "per_page"} <= names
