"""Lead time on the pages and the API: the rush path, what the manager sees, the settings."""

import datetime as dt

import pytest
import sqlalchemy as sa

from portal.asks import lead_time
from portal.asks.models import ReferenceRequest
from portal.audit.models import AuditEvent
from portal.program.models import ProgramSetting
from tests.api.conftest import ApiClient
from tests.factories import UserFactory

REASON = "The prospect's board decides on Thursday."


def tomorrow() -> str:
    # Inside any lead time of 2 working days or more, whatever today is.
    return (dt.date.today() + dt.timedelta(days=1)).isoformat()


def far() -> str:
    return (dt.date.today() + dt.timedelta(days=120)).isoformat()


@pytest.fixture
def requester(db):
    return UserFactory(email="rep@example.com", role="requester", team="sales")


@pytest.fixture
def manager(db):
    return UserFactory(email="boss@example.com", role="manager")


@pytest.fixture
def admin(db):
    return UserFactory(email="root@example.com", role="admin")


@pytest.fixture
def api(client, db):
    return ApiClient(client, db)


def form(**overrides):
    data = {
        "activity_type": "case_study",
        "prospect_company": "Nordbank",
        "needed_by": tomorrow(),
        "advocates_needed": "1",
        "action": "submit",
    }
    data.update(overrides)
    return data


def stored(db):
    db.session.expire_all()
    return db.session.scalars(sa.select(ReferenceRequest)).all()


def test_the_form_refuses_short_notice_next_to_the_date(client, auth, db, requester):
    db.session.commit()
    auth.login(requester.email)
    response = client.post("/requests/new", data=form())
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    earliest = lead_time.add_working_days(dt.date.today(), 30)
    assert "A case study needs 30 working days&#39; notice" in page
    assert f"the earliest date is {earliest.day} {earliest:%B %Y}" in page
    assert 'id="needed_by-error"' in page
    assert stored(db) == []


def test_the_form_asks_for_the_reason_of_a_rush(client, auth, db, requester):
    db.session.commit()
    auth.login(requester.email)
    response = client.post("/requests/new", data=form(rush="y"))
    assert response.status_code == 422
    assert 'id="rush_reason-error"' in response.get_data(as_text=True)
    assert stored(db) == []


def test_a_rush_is_filed_and_the_manager_sees_it_with_the_reason(
    client, auth, db, requester, manager
):
    db.session.commit()
    auth.login(requester.email)
    response = client.post("/requests/new", data=form(rush="y", rush_reason=REASON))
    assert response.status_code == 302
    [request] = stored(db)
    assert request.rush and request.rush_reason == REASON and request.notice_days <= 1
    mine = client.get("/requests/").get_data(as_text=True)
    assert "rush-badge" in mine and REASON.replace("'", "&#39;") in mine
    auth.logout()
    auth.login(manager.email)
    for path in ("/program/queue", f"/program/requests/{request.id}"):
        page = client.get(path).get_data(as_text=True)
        assert ">Rush</span>" in page, path
        assert REASON.replace("'", "&#39;") in page, path


def test_a_request_with_notice_shows_no_rush(client, auth, db, requester, manager):
    db.session.commit()
    auth.login(requester.email)
    response = client.post("/requests/new", data=form(needed_by=far(), rush="y", rush_reason="x"))
    assert response.status_code == 302
    [request] = stored(db)
    assert not request.rush and request.rush_reason is None
    auth.logout()
    auth.login(manager.email)
    page = client.get(f"/program/requests/{request.id}").get_data(as_text=True)
    assert ">Rush</span>" not in page
    notice = lead_time.working_days_between(dt.date.today(), dt.date.fromisoformat(far()))
    assert request.notice_days == notice
    assert f"Filed with {notice} working days' notice" in page


# The API -------------------------------------------------------------------------------------


def body(**overrides):
    data = {"activity_type": "case_study", "needed_by": tomorrow(), "advocates_needed": 1}
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("change", "fields"),
    [
        ({}, {"needed_by"}),
        ({"rush": True}, {"rush_reason"}),
        ({"rush": True, "rush_reason": "x" * 501}, {"rush_reason"}),
        ({"rush": "yes", "rush_reason": REASON}, {"rush"}),
        ({"rush": True, "rush_reason": REASON, "notice_days": 40}, {"notice_days"}),
    ],
)
def test_the_api_refuses_short_notice_naming_the_field_and_writes_nothing(
    api, db, requester, change, fields
):
    token = api.token(requester)
    response = api.post("/api/v1/requests", token, json=body(**change))
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == fields
    assert stored(db) == []


def test_the_api_files_a_rush_and_shows_it(api, db, requester, manager):
    token = api.token(requester)
    response = api.post("/api/v1/requests", token, json=body(rush=True, rush_reason=REASON))
    assert response.status_code == 201
    answer = response.get_json()
    assert answer["rush"] is True and answer["rush_reason"] == REASON
    assert answer["notice_days"] == lead_time.working_days_between(
        dt.date.today(), dt.date.fromisoformat(tomorrow())
    )
    shown = api.get(f"/api/v1/requests/{answer['id']}", api.token(manager)).get_json()
    assert (shown["rush"], shown["rush_reason"]) == (True, REASON)
    normal = api.post("/api/v1/requests", token, json=body(needed_by=far())).get_json()
    assert (normal["rush"], normal["rush_reason"]) == (False, None)


def test_the_settings_api_reads_and_changes_lead_times(api, db, admin):
    token = api.token(admin)
    answer = api.get("/api/v1/settings/lead-times", token).get_json()
    assert answer["case_study"] == 30 and set(answer) == set(lead_time.ACTIVITY_TYPES)
    response = api.call("PUT", "/api/v1/settings/lead-times", token, json={"case_study": 0})
    assert response.status_code == 200
    assert response.get_json()["case_study"] == 0 and response.get_json()["speaking"] == 30
    assert db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "setting.changed").order_by(AuditEvent.id)
    ).one()
    # Applied at once: a case study due tomorrow is no longer a rush.
    filed = api.post("/api/v1/requests", api.token(admin), json=body())
    assert filed.status_code == 201 and filed.get_json()["rush"] is False


@pytest.mark.parametrize(
    ("sent", "fields"),
    [
        ({"case_study": 121, "webinar": -1}, {"case_study", "webinar"}),
        ({"case_study": "30"}, {"case_study"}),
        ({"skydiving": 3}, {"skydiving"}),
    ],
)
def test_the_settings_api_refuses_bad_values_naming_them(api, db, admin, sent, fields):
    response = api.call("PUT", "/api/v1/settings/lead-times", api.token(admin), json=sent)
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == fields
    assert db.session.get(ProgramSetting, lead_time.SETTING) is None


def test_the_settings_api_is_for_administrators(api, db, manager):
    token = api.token(manager)
    assert api.get("/api/v1/settings/lead-times", token).status_code == 403
    response = api.call("PUT", "/api/v1/settings/lead-times", token, json={"case_study": 1})
    assert response.status_code == 403
    assert db.session.get(ProgramSetting, lead_time.SETTING) is None


def test_the_settings_api_is_in_the_openapi_document(api, db):
    document = api.get("/api/v1/openapi.json", None).get_json()
    assert {"get", "put"} <= set(document["paths"]["/api/v1/settings/lead-times"])
    assert "rush_reason" in document["components"]["schemas"]["RequestInput"]["properties"]


# The settings page ---------------------------------------------------------------------------


def test_the_settings_page_saves_and_audits(client, auth, db, admin):
    db.session.commit()
    auth.login(admin.email)
    assert 'href="/admin/settings/lead-times"' in client.get("/admin/settings/").get_data(
        as_text=True
    )
    assert client.get("/admin/settings/lead-times").status_code == 200
    values = {**lead_time.lead_times(), "reference_call": 3}
    response = client.post("/admin/settings/lead-times", data=values)
    assert response.status_code == 302
    db.session.expire_all()
    assert lead_time.lead_times()["reference_call"] == 3
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "setting.changed").order_by(AuditEvent.id)
    ).one()
    assert event.actor_id == admin.id and event.data["key"] == "lead_time_days"


def test_the_settings_page_shows_bad_values_next_to_the_field(client, auth, db, admin):
    db.session.commit()
    auth.login(admin.email)
    values = {**lead_time.lead_times(), "case_study": "121"}
    response = client.post("/admin/settings/lead-times", data=values)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="case_study-error"' in page and "120" in page
    assert db.session.get(ProgramSetting, lead_time.SETTING) is None
