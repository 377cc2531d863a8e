"""Custom fields on pages: the administrators' settings pages, typed inputs on the account and
advocate forms (errors next to the field, nothing written), detail rows, list columns, and the
request form's custom criteria."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from markupsafe import escape

import portal.models  # noqa: F401  (every model mapped before the services import)
from portal.accounts.models import Account
from portal.advocates.models import Advocate
from portal.asks.models import ReferenceRequest
from portal.audit.models import AuditEvent
from portal.program import custom_fields
from portal.program.models import CustomField
from tests.factories import AccountFactory, AdvocateFactory, UserFactory
from tests.helpers import sign_in
from tests.program.custom_field_helpers import add_fields, add_job_function

ACCOUNT = {
    "name": "Nordbank AG",
    "industry": "banking",
    "segment": "enterprise",
    "region": "emea",
    "status": "candidate",
}


@pytest.fixture
def admin(db):
    return UserFactory(role="admin")


# Settings pages ----------------------------------------------------------------


def test_admin_adds_edits_retires_and_restores_a_field_through_the_pages(db, client, auth):
    admin = sign_in(db, auth, role="admin")
    add_job_function(admin)
    hub = client.get("/admin/settings/").get_data(as_text=True)
    assert 'href="/admin/settings/custom-fields/"' in hub
    empty = client.get("/admin/settings/custom-fields/").get_data(as_text=True)
    assert "No custom fields on accounts yet" in empty
    form = client.get("/admin/settings/custom-fields/new").get_data(as_text=True)
    assert '<option value="job_function">Job function</option>' in form
    refused = client.post(
        "/admin/settings/custom-fields/new",
        data={"entity": "advocate", "label": "Job function", "type": "choice"},
    )
    assert refused.status_code == 422
    assert "Pick the taxonomy whose terms are the options." in refused.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CustomField)) == 0
    added = client.post(
        "/admin/settings/custom-fields/new",
        data={
            "entity": "advocate",
            "label": "Job function",
            "type": "choice",
            "taxonomy_kind": "job_function",
            "match_criterion": "y",
        },
    )
    assert added.status_code == 302
    field = db.session.scalar(sa.select(CustomField))
    assert (field.key, field.match_criterion, field.multiple) == ("job_function", True, False)
    edit = client.get(f"/admin/settings/custom-fields/{field.id}").get_data(as_text=True)
    assert 'name="key"' not in edit  # fixed once the field exists
    saved = client.post(
        f"/admin/settings/custom-fields/{field.id}",
        data={"label": "Function", "match_criterion": "y", "show_in_list": "y", "position": "3"},
    )
    assert saved.status_code == 302
    db.session.expire_all()
    assert (field.label, field.show_in_list, field.position) == ("Function", True, 3)
    client.post(f"/admin/settings/custom-fields/{field.id}/retire")
    db.session.expire_all()
    assert field.active is False
    listed = client.get("/admin/settings/custom-fields/").get_data(as_text=True)
    assert "retired" in listed and "Restore" in listed
    client.post(f"/admin/settings/custom-fields/{field.id}/restore")
    db.session.expire_all()
    assert field.active is True
    actions = db.session.scalars(
        sa.select(AuditEvent.action)
        .where(AuditEvent.entity == "custom_fields")
        .order_by(AuditEvent.id)  # a table hands its rows back in no set order (PostgreSQL)
    ).all()
    assert actions == [
        "custom_field.added",
        "custom_field.updated",
        "custom_field.retired",
        "custom_field.restored",
    ]


def test_managers_do_not_reach_the_settings_pages(db, client, auth):
    sign_in(db, auth, role="manager")
    assert client.get("/admin/settings/custom-fields/").status_code == 403


# Record forms, details and lists ----------------------------------------------------------------


def test_the_account_form_has_one_typed_input_per_active_field_and_saves_them(
    db, client, auth, admin
):
    add_fields(admin, entity="account")
    sign_in(db, auth)
    page = client.get("/accounts/new").get_data(as_text=True)
    assert 'name="custom_fields-job_function"' in page
    assert '<option value="cio">CIO</option>' in page
    assert 'name="custom_fields-team_size"' in page and 'inputmode="decimal"' in page
    assert 'name="custom_fields-met_on"' in page and 'type="date"' in page
    sent = {
        **ACCOUNT,
        "custom_fields-job_function": "cio",
        "custom_fields-team_size": "1,500",
        "custom_fields-met_on": "2026-04-02",
        "custom_fields-hobby": "",
    }
    assert client.post("/accounts/new", data=sent).status_code == 302
    account = db.session.scalar(sa.select(Account))
    assert account.custom_fields == {
        "job_function": "cio",
        "team_size": 1500,
        "met_on": "2026-04-02",
    }
    detail = client.get(f"/accounts/{account.id}").get_data(as_text=True)
    assert "Job function</dt>" in detail and '<dd class="col-sm-7">CIO</dd>' in detail
    assert "02 Apr 2026" in detail and "1,500" in detail
    listing = client.get("/accounts/").get_data(as_text=True)
    assert '<th scope="col">Job function</th>' in listing  # show_in_list
    assert '<th scope="col">Team size</th>' not in listing


def test_a_bad_value_on_the_form_shows_next_to_its_input_and_writes_nothing(
    db, client, auth, admin
):
    add_fields(admin)
    account = AccountFactory()
    sign_in(db, auth)
    response = client.post(
        "/advocates/new",
        data={
            "account_id": str(account.id),
            "name": "Ada",
            "email": "ada@bank.example",
            "custom_fields-team_size": "lots",
            "custom_fields-met_on": "yesterday",
        },
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="custom_fields-team_size-error"' in page
    assert "Must be a number, such as 42 or 3.5." in page
    assert 'value="lots"' in page  # kept after the error
    assert str(escape("Use a date like 2026-12-31.")) in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Advocate)) == 0


def test_editing_keeps_the_stored_values_and_a_retired_field_stays_on_the_detail_page(
    db, client, auth, admin
):
    choice, number, *_ = add_fields(admin)
    advocate = AdvocateFactory(custom_fields={"job_function": "cto", "team_size": 8})
    custom_fields.update_field(admin, number, {"active": False})
    sign_in(db, auth)
    form = client.get(f"/advocates/{advocate.id}/edit").get_data(as_text=True)
    assert '<option value="cto" selected>CTO</option>' in form
    assert "custom_fields-team_size" not in form  # retired: off the form
    detail = client.get(f"/advocates/{advocate.id}").get_data(as_text=True)
    assert "Team size" in detail and "retired</span>" in detail and ">8</dd>" in detail
    listing = client.get("/advocates/").get_data(as_text=True)
    assert '<th scope="col">Job function</th>' in listing and "<td>CTO</td>" in listing


# The request form ----------------------------------------------------------------


def test_the_request_form_offers_custom_criteria_and_stores_them(db, client, auth, admin):
    add_fields(admin)
    sign_in(db, auth, role="requester")
    page = client.get("/requests/new").get_data(as_text=True)
    assert 'name="custom-job_function"' in page
    response = client.post(
        "/requests/new",
        data={
            "activity_type": "case_study",
            "needed_by": "2099-01-31",
            "advocates_needed": "1",
            "custom-job_function": ["cio", "cto"],
            "action": "submit",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    request = db.session.scalar(sa.select(ReferenceRequest))
    assert request.criteria == {"custom": {"job_function": ["cio", "cto"]}}
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Job function:</span>" in shown and ">CIO</span>" in shown and ">CTO</span>" in shown
    edit = client.get(f"/requests/{request.id}/edit").get_data(as_text=True)
    assert '<option value="cio" selected>CIO</option>' in edit
