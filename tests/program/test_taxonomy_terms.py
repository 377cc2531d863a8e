"""Terms: rename (the value stays), reorder, retire and restore, groups that requests may pick;
region and seniority labels; the admin pages and the API."""

import datetime as dt

import pytest
import sqlalchemy as sa

import portal.models  # noqa: F401  (every model mapped before a service builds queries)
from portal.accounts import service as accounts
from portal.advocates import self_service
from portal.advocates import service as advocates
from portal.asks import matching, requests
from portal.audit.models import AuditEvent
from portal.auth.service import create_api_token
from portal.errors import ValidationFailed
from portal.extensions import db as _db
from portal.program import taxonomy
from portal.program.models import TaxonomyKind, TaxonomyTerm
from portal.program.service import taxonomy_choices, taxonomy_values
from portal.vocab import REGIONS, choices, label
from tests.factories import AccountFactory, AdvocateFactory, ReferenceRequestFactory, UserFactory


def term(kind, value) -> TaxonomyTerm:
    return _db.session.scalar(
        sa.select(TaxonomyTerm).where(TaxonomyTerm.kind == kind, TaxonomyTerm.value == value)
    )


def actions(db) -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


def test_rename_keeps_the_value_and_reorder_changes_the_form_order(db):
    admin = UserFactory(role="admin")
    energy = term("industry", "energy")
    changed = taxonomy.rename_term(admin, energy, "Energy")
    assert changed == {"label": ["Energy and utilities", "Energy"]}
    assert energy.value == "energy"
    first = taxonomy_choices("industry")[0].value
    taxonomy.update_term(admin, energy, {"position": 1})
    db.session.commit()
    options = taxonomy_choices("industry")
    assert options[0].value == "energy" and options[0].label == "Energy"
    assert options[1].value == first
    taxonomy.move_term(admin, energy, "down")
    assert [o.value for o in taxonomy_choices("industry")][:2] == [first, "energy"]
    assert actions(db) == ["taxonomy.term_changed", "taxonomy.term_changed", "taxonomy.term_moved"]


def test_retired_term_is_not_offered_but_old_records_keep_and_show_it(db, client, auth):
    admin = UserFactory(role="admin", email="adm@example.com")
    manager = UserFactory(role="manager")
    account = AccountFactory(industry="energy", products=["payments", "identity"])
    advocate = AdvocateFactory(account=account, products=["identity"])
    request = ReferenceRequestFactory(requester=manager, criteria={"products": ["identity"]})
    db.session.commit()
    taxonomy.set_term_active(admin, term("industry", "energy"), False)
    taxonomy.set_term_active(admin, term("product", "identity"), False)
    db.session.commit()
    assert "energy" not in taxonomy_values("industry")
    assert "energy" not in [o.value for o in taxonomy_choices("industry")]

    # Saving an old record that keeps its retired values: allowed.
    accounts.update_account(manager, account, {"industry": "energy", "notes": "Renewal."})
    accounts.update_account(manager, account, {"products": ["identity", "analytics"]})
    advocates.update_advocate(manager, advocate, {"products": ["identity"], "title": "CTO"})
    self_service.update_profile(manager, advocate, {"products": ["identity", "payments"]})
    requests.update_request(manager, request, {"criteria": {"products": ["identity"]}})
    db.session.commit()
    assert account.industry == "energy" and advocate.products == ["identity", "payments"]

    # A new use of a retired value: refused, naming the field.
    with pytest.raises(ValidationFailed) as refused:
        accounts.create_account(manager, {**_account_data(), "industry": "energy"})
    assert "industry" in refused.value.fields
    db.session.rollback()
    other = AccountFactory(industry="banking")
    db.session.commit()
    with pytest.raises(ValidationFailed) as refused:
        accounts.update_account(manager, other, {"products": ["identity"]})
    assert "products" in refused.value.fields
    db.session.rollback()
    with pytest.raises(ValidationFailed) as refused:
        requests.update_request(
            manager,
            ReferenceRequestFactory(requester=manager),
            {"criteria": {"products": ["identity"]}},
        )
    assert "criteria.products" in refused.value.fields
    db.session.rollback()

    # The pages: the detail shows the retired label, the edit form keeps it (marked).
    auth.login("adm@example.com")
    detail = client.get(f"/accounts/{account.id}").get_data(as_text=True)
    assert "Energy and utilities" in detail
    edit = client.get(f"/accounts/{account.id}/edit").get_data(as_text=True)
    assert "Energy and utilities (retired)" in edit
    new = client.get("/accounts/new").get_data(as_text=True)
    assert "Energy and utilities" not in new

    taxonomy.set_term_active(admin, term("industry", "energy"), True)
    db.session.commit()
    assert "energy" in taxonomy_values("industry")
    assert "taxonomy.term_retired" in actions(db) and "taxonomy.term_restored" in actions(db)


def _account_data() -> dict:
    return {"name": "New Co", "industry": "banking", "segment": "smb", "region": "emea"}


def test_a_requested_group_matches_advocates_of_its_members(db):
    admin = UserFactory(role="admin")
    group = taxonomy.add_term(admin, "industry", None, "Financial services")
    for value in ("banking", "insurance"):
        taxonomy.set_term_group(admin, term("industry", value), group.id)
    db.session.commit()
    retailer = AdvocateFactory(account=AccountFactory(industry="retail"))  # first: ties rank it
    banker = AdvocateFactory(account=AccountFactory(industry="insurance"))
    manager = UserFactory(role="manager")
    data = {
        "activity_type": "reference_call",
        "needed_by": (dt.date.today() + dt.timedelta(days=40)).isoformat(),
        "advocates_needed": 1,
        "criteria": {"industries": ["financial_services"]},
    }
    request = requests.create_request(manager, data)
    db.session.commit()
    assert request.criteria == {"industries": ["financial_services"]}
    result = matching.match(request, 10)
    ranked = [m.advocate.id for m in result.matches]
    assert ranked.index(banker.id) < ranked.index(retailer.id)
    reasons = next(m.reasons for m in result.matches if m.advocate.id == banker.id)
    assert any("Insurance" in reason for reason in reasons)
    # Advocates and accounts keep concrete terms: the group isn't theirs to pick.
    assert "financial_services" not in taxonomy_values("industry")
    assert "financial_services" in taxonomy_values("industry", groups=True)
    with pytest.raises(ValidationFailed):
        accounts.create_account(manager, {**_account_data(), "industry": "financial_services"})
    db.session.rollback()


def test_groups_are_one_level_deep_and_of_one_kind(db):
    admin = UserFactory(role="admin")
    group = taxonomy.add_term(admin, "industry", None, "Financial services")
    taxonomy.set_term_group(admin, term("industry", "banking"), group.id)
    with pytest.raises(ValidationFailed):  # a member can't be a group
        taxonomy.set_term_group(
            admin, term("industry", "insurance"), term("industry", "banking").id
        )
    with pytest.raises(ValidationFailed):  # a group can't join a group
        taxonomy.set_term_group(admin, group, term("industry", "retail").id)
    with pytest.raises(ValidationFailed):  # another kind
        taxonomy.set_term_group(admin, term("product", "payments"), group.id)


def test_region_and_seniority_labels_are_the_administrators(db, client, auth):
    admin = UserFactory(role="admin", email="adm@example.com")
    account = AccountFactory(region="emea")
    db.session.commit()
    assert label("emea") == "EMEA"
    taxonomy.rename_term(admin, term("region", "emea"), "Europe, Middle East and Africa")
    taxonomy.rename_term(admin, term("seniority", "manager"), "Middle management")
    db.session.commit()
    assert label("emea") == "Europe, Middle East and Africa"
    assert label("manager") == "Manager"  # a role too: only with the kind named
    assert label("manager", "seniority") == "Middle management"
    auth.login("adm@example.com")
    page = client.get(f"/accounts/{account.id}").get_data(as_text=True)
    assert "Europe, Middle East and Africa" in page
    taxonomy.update_term(admin, term("region", "latam"), {"position": 1})
    db.session.commit()
    options = choices(REGIONS)
    assert [o.value for o in options] == ["latam", "na", "emea", "apac"]
    assert options[2].label == "Europe, Middle East and Africa"
    for what in ({"active": False}, {"group_id": term("region", "na").id}):
        with pytest.raises(ValidationFailed):
            taxonomy.update_term(admin, term("region", "emea"), what)
    with pytest.raises(ValidationFailed):
        taxonomy.add_term(admin, "region", None, "Antarctica")


def test_admin_pages_add_rename_retire_and_merge(db, client, auth):
    UserFactory(role="admin", email="adm@example.com")
    account = AccountFactory(industry="energy")
    db.session.commit()
    auth.login("adm@example.com")
    assert client.get("/admin/settings/taxonomies/").status_code == 200
    response = client.post("/admin/settings/taxonomies/", data={"label": "Job functions"})
    assert response.status_code == 302
    assert db.session.get(TaxonomyKind, "job_functions").label == "Job functions"
    added = client.post(
        "/admin/settings/taxonomies/industry/terms", data={"term-label": "Aviation"}
    )
    assert added.status_code == 302
    duplicate = client.post(
        "/admin/settings/taxonomies/industry/terms", data={"term-label": "Aviation"}
    )
    assert duplicate.status_code == 422
    assert 'id="term-value-error"' in duplicate.get_data(as_text=True)
    page = client.get("/admin/settings/taxonomies/industry").get_data(as_text=True)
    assert "Aviation" in page
    energy, utilities = term("industry", "energy"), term("industry", "aviation")
    itself = client.post(
        f"/admin/settings/taxonomies/industry/terms/{energy.id}/merge",
        data={"merge-into": str(energy.id)},
    )
    assert itself.status_code == 422 and "merged into itself" in itself.get_data(as_text=True)
    merged = client.post(
        f"/admin/settings/taxonomies/industry/terms/{energy.id}/merge",
        data={"merge-into": str(utilities.id)},
    )
    assert merged.status_code == 302
    db.session.expire_all()
    assert account.industry == "aviation"
    renamed = client.post(
        f"/admin/settings/taxonomies/industry/terms/{utilities.id}",
        data={"label": "Aviation and aerospace", "group_id": ""},
    )
    assert renamed.status_code == 302
    retired = client.post(
        f"/admin/settings/taxonomies/industry/terms/{utilities.id}/active", data={"active": "0"}
    )
    assert retired.status_code == 302
    db.session.expire_all()
    assert term("industry", "aviation").label == "Aviation and aerospace"
    assert term("industry", "aviation").active is False


def test_api_lists_adds_changes_and_merges(db, client):
    admin = UserFactory(role="admin")
    manager = UserFactory(role="manager")
    account = AccountFactory(industry="energy")
    headers = {"Authorization": f"Bearer {create_api_token(None, admin)[1]}"}
    other = {"Authorization": f"Bearer {create_api_token(None, manager)[1]}"}
    db.session.commit()
    listed = client.get("/api/v1/settings/taxonomies", headers=headers).get_json()
    kinds = {k["key"]: k for k in listed["items"]}
    assert kinds["region"]["label_only"] and not kinds["industry"]["label_only"]
    assert any(t["value"] == "energy" for t in kinds["industry"]["terms"])
    made = client.post(
        "/api/v1/settings/taxonomies", json={"label": "Competitors replaced"}, headers=headers
    )
    assert made.status_code == 201 and made.get_json()["key"] == "competitors_replaced"
    bad = client.post(
        "/api/v1/settings/taxonomies", json={"label": "X", "colour": 1}, headers=headers
    )
    assert bad.status_code == 422 and bad.get_json()["error"]["fields"] == {
        "colour": "Unknown field."
    }
    new = client.post(
        "/api/v1/settings/taxonomies/industry/terms", json={"label": "Aviation"}, headers=headers
    )
    assert new.status_code == 201
    new_id = new.get_json()["id"]
    duplicate = client.post(
        "/api/v1/settings/taxonomies/industry/terms",
        json={"value": "energy", "label": "E"},
        headers=headers,
    )
    assert duplicate.status_code == 422 and "value" in duplicate.get_json()["error"]["fields"]
    patched = client.patch(
        f"/api/v1/settings/taxonomies/industry/terms/{new_id}",
        json={"label": "Aviation and aerospace", "position": 1},
        headers=headers,
    )
    assert patched.status_code == 200
    assert patched.get_json()["label"] == "Aviation and aerospace"
    assert patched.get_json()["position"] == 1
    energy = term("industry", "energy").id
    across = client.post(
        f"/api/v1/settings/taxonomies/industry/terms/{energy}/merge",
        json={"into": term("product", "payments").id},
        headers=headers,
    )
    assert across.status_code == 422 and "into" in across.get_json()["error"]["fields"]
    merged = client.post(
        f"/api/v1/settings/taxonomies/industry/terms/{energy}/merge",
        json={"into": new_id},
        headers=headers,
    )
    assert merged.status_code == 200
    body = merged.get_json()
    assert body["rows"]["accounts"] == 1 and body["merged"]["merged_into_id"] == new_id
    db.session.expire_all()
    assert account.industry == "aviation"
    assert client.get("/api/v1/settings/taxonomies", headers=other).status_code == 403
    unknown = client.post(
        "/api/v1/settings/taxonomies/nothing/terms", json={"label": "X"}, headers=headers
    )
    assert unknown.status_code == 404
