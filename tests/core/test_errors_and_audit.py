"""Error pages in the layout, JSON errors for JSON clients, and the audit log page."""

import datetime as dt

import sqlalchemy as sa

from portal.audit import service as audit
from portal.audit.models import AuditEvent
from portal.errors import Forbidden, NotFound, ValidationFailed
from tests.factories import AccountFactory, UserFactory


def test_unknown_page_is_a_404_in_the_layout(db, client, auth):
    UserFactory(email="mia@example.com")
    db.session.commit()
    auth.login("mia@example.com")
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert b"Page not found" in response.data
    assert b"navbar" in response.data


def test_json_clients_get_json_errors(client):
    response = client.get("/no-such-page", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.get_json() == {
        "error": {"code": "not_found", "message": response.get_json()["error"]["message"]}
    }


def test_forbidden_page_says_why_without_data(db, client, auth):
    UserFactory(email="req@example.com", role="requester")
    db.session.commit()
    auth.login("req@example.com")
    response = client.get("/admin/audit/")
    assert response.status_code == 403
    assert b"don&#39;t have access" in response.data


def test_server_error_page_rolls_back_and_explains(app_factory):
    app = app_factory(PROPAGATE_EXCEPTIONS=False)

    @app.get("/boom")
    def boom():
        raise RuntimeError("kaput")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert b"Something went wrong on our side" in response.data
    assert b"kaput" not in response.data


def _raising_app(app_factory):
    """An app with a page and an API path that raise the domain error named in the URL."""
    app = app_factory()
    errors = {"missing": NotFound, "refused": Forbidden, "invalid": ValidationFailed}

    def raise_it(kind: str):
        raise errors[kind]("Told by the rule.")

    app.add_url_rule("/raising/<kind>", "raising_page", raise_it)
    app.add_url_rule("/api/raising/<kind>", "raising_api", raise_it)
    return app


def test_not_found_from_a_page_view_is_the_404_page(app_factory):
    response = _raising_app(app_factory).test_client().get("/raising/missing")
    assert response.status_code == 404
    assert b"Page not found" in response.data


def test_forbidden_from_a_page_view_is_the_403_page(app_factory):
    response = _raising_app(app_factory).test_client().get("/raising/refused")
    assert response.status_code == 403
    assert b"don&#39;t have access" in response.data


def test_other_domain_errors_on_a_page_show_their_message(app_factory):
    response = _raising_app(app_factory).test_client().get("/raising/invalid")
    assert response.status_code == 422
    assert b"Told by the rule." in response.data


def test_domain_errors_under_the_api_stay_json(app_factory):
    client = _raising_app(app_factory).test_client()
    for kind, status, code in (
        ("missing", 404, "not_found"),
        ("refused", 403, "forbidden"),
        ("invalid", 422, "invalid"),
    ):
        response = client.get(f"/api/raising/{kind}")
        assert response.status_code == status
        assert response.get_json() == {"error": {"code": code, "message": "Told by the rule."}}


def test_audit_page_lists_events_with_filters(db, client, auth):
    admin = UserFactory(email="adm@example.com", role="admin")
    account = AccountFactory()
    audit.record(admin, "account.created", account, {"name": account.name})
    audit.record(admin, "account.updated", account, {"notes": [None, "x"]})
    db.session.commit()
    auth.login("adm@example.com")
    page = client.get("/admin/audit/?action=account.updated").get_data(as_text=True)
    assert "account.updated" in page
    assert "<code>account.created</code>" not in page
    tomorrow = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    empty = client.get(f"/admin/audit/?since={tomorrow}").get_data(as_text=True)
    assert "No events match" in empty


def test_audit_event_commits_with_the_change_or_not_at_all(db):
    account = AccountFactory()
    audit.record(None, "account.created", account)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == 0


def test_relative_times_read_naturally():
    from portal.templating import relative

    now = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)
    assert relative(now + dt.timedelta(days=3, hours=1), now) == "in 3 days"
    assert relative(now - dt.timedelta(hours=1), now) == "1 hour ago"
    assert relative(now, now) == "just now"
    assert relative(now - dt.timedelta(days=45), now) == "45 days ago"
    assert relative(now - dt.timedelta(days=100), now) == "3 months ago"
    assert relative(now - dt.timedelta(days=800), now) == "2 years ago"
