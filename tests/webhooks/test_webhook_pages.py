"""The admin's webhook pages: add, refuse bad input next to the field, edit, rotate, delete."""

from __future__ import annotations

import sqlalchemy as sa

from portal.audit.models import AuditEvent
from portal.webhooks.models import WebhookEndpoint
from tests.factories import UserFactory


def _login_admin(db, auth):
    UserFactory(role="admin", email="admin@example.com")
    db.session.commit()
    auth.login("admin@example.com")


def test_add_an_endpoint(db, client, auth):
    _login_admin(db, auth)
    assert "No webhook endpoints yet" in client.get("/admin/webhooks/").get_data(as_text=True)
    response = client.post(
        "/admin/webhooks/new",
        data={
            "url": "https://crm.example/portal-hook",
            "events": ["ask.placed", "claim.approved"],
            "description": "CRM",
            "active": "y",
        },
    )
    assert response.status_code == 302
    endpoint = db.session.scalar(sa.select(WebhookEndpoint))
    assert endpoint.events == ["ask.placed", "claim.approved"]
    assert endpoint.secret.startswith("whsec_")
    audit = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "webhook.created"))
    assert endpoint.secret not in str(audit.data)


def test_a_bad_url_is_refused_next_to_the_field_and_nothing_written(db, client, auth):
    _login_admin(db, auth)
    response = client.post(
        "/admin/webhooks/new", data={"url": "ftp://crm.example/x", "events": ["ask.placed"]}
    )
    assert response.status_code == 422
    assert "Use an http:// or https:// address." in response.get_data(as_text=True)
    assert 'value="ftp://crm.example/x"' in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WebhookEndpoint)) == 0


def test_edit_keeps_the_secret_unless_a_new_one_is_given_then_rotate_and_delete(db, client, auth):
    _login_admin(db, auth)
    client.post(
        "/admin/webhooks/new",
        data={"url": "https://crm.example/h", "events": ["ask.placed"], "active": "y"},
    )
    endpoint = db.session.scalar(sa.select(WebhookEndpoint))
    secret = endpoint.secret
    response = client.post(
        f"/admin/webhooks/{endpoint.id}/edit",
        data={"url": "https://crm.example/h2", "events": ["ask.declined"], "secret": ""},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert (endpoint.url, endpoint.events, endpoint.active) == (
        "https://crm.example/h2",
        ["ask.declined"],
        False,
    )
    assert endpoint.secret == secret
    assert client.post(f"/admin/webhooks/{endpoint.id}/secret").status_code == 302
    db.session.expire_all()
    assert endpoint.secret != secret
    assert client.post(f"/admin/webhooks/{endpoint.id}/delete").status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WebhookEndpoint)) == 0
