"""Team chat: selected events become chat outbox messages, posted to a real HTTP server in the
test process with the Slack or Microsoft Teams JSON shape; with the default configuration a
private address is refused when saved and when posted."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import current_app

from portal.audit import service as audit
from portal.audit.models import AuditEvent
from portal.benefits.models import Claim
from portal.errors import ValidationFailed
from portal.extensions import db as _db
from portal.notifications.chat import update_chat_settings
from portal.notifications.models import OutboxMessage
from portal.notifications.sender import send_due
from portal.program.service import get_setting
from tests.conftest import AuthActions
from tests.factories import AskFactory, BenefitFactory, ReferenceRequestFactory, UserFactory
from tests.notifications.servers import WebhookServer
from tests.outbound import (
    PRIVATE_URLS,
    PUBLIC_ADDRESS,
    REFUSAL,
    Listener,
    resolve_as,
    spy_on_connections,
)


@pytest.fixture
def app(app_factory):
    """The hook listens on 127.0.0.1: allowed as for an on-premise receiver (see
    test_chat_private_addresses for the default, where it is refused)."""
    return app_factory(OUTBOUND_ALLOW_PRIVATE=True)


@pytest.fixture
def hook():
    server = WebhookServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def admin(db):
    user = UserFactory(email="admin@vendor.example", role="admin", name="Ada Admin")
    db.session.commit()
    return user


def chat_rows(db):
    return db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.kind == "chat").order_by(OutboxMessage.id)
    ).all()


def test_slack_posts_selected_events_with_slack_shape(db, admin, hook):
    update_chat_settings(admin, {"url": hook.url, "flavour": "slack",
                                 "events": ["request_submitted", "claim_to_decide"]})  # fmt: skip
    request = ReferenceRequestFactory(prospect_company="Acme <!channel> Bank")
    audit.record(request.requester, "request.submitted", request)
    audit.record(request.requester, "request.fulfilled", request, {"accepted": 1})  # not chosen
    benefit = BenefitFactory(title="Summit keynote")
    ask = AskFactory(request=request)
    claim = Claim(benefit=benefit, advocate=ask.advocate, status="requested", details={})
    approved = Claim(benefit=benefit, advocate=ask.advocate, status="approved", details={})
    db.session.add_all([claim, approved])
    db.session.flush()
    audit.record(None, "claim.created", claim, {"status": "requested"})
    audit.record(None, "claim.created", approved, {"status": "approved"})  # nothing to decide
    db.session.commit()

    rows = chat_rows(db)
    assert [r.meta["event"] for r in rows] == ["request_submitted", "claim_to_decide"]
    send_due()
    assert len(hook.posts) == 2
    first, second = (post["json"] for post in hook.posts)
    assert hook.posts[0]["path"] == "/hook/T000/B000"
    assert hook.posts[0]["headers"]["Content-Type"] == "application/json"
    assert first["text"] == "New reference request: Reference call"
    [block] = first["blocks"]
    assert block["type"] == "section" and block["text"]["type"] == "mrkdwn"
    text = block["text"]["text"]
    assert "Acme &lt;!channel&gt; Bank" in text and "<!channel>" not in text
    assert f"/program/requests/{request.id}|Open in the portal>" in text
    assert second["text"] == "Claim to decide: Summit keynote"
    assert "/program/benefits/claims|" in second["blocks"][0]["text"]["text"]
    assert {r.status for r in chat_rows(db)} == {"sent"}
    assert chat_rows(db)[0].meta["delivery_note"] == "200 ok"


def test_teams_posts_an_adaptive_card(db, admin, hook):
    update_chat_settings(admin, {"url": hook.url, "flavour": "teams", "events": ["ask_accepted"]})
    ask = AskFactory(status="accepted")
    audit.record(None, "ask.accepted", ask, {"via": "portal"})
    db.session.commit()
    assert send_due().sent == 1
    [post] = hook.posts
    body = post["json"]
    assert body["type"] == "message"
    [attachment] = body["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.4"
    assert card["body"][0]["text"] == f"{ask.advocate.name} accepted: Reference call"
    assert ask.advocate.account.name in card["body"][1]["text"]
    [action] = card["actions"]
    assert action["type"] == "Action.OpenUrl"
    assert action["url"].endswith(f"/program/requests/{ask.request_id}")


def test_nothing_is_posted_without_a_webhook_url(db):
    request = ReferenceRequestFactory()
    audit.record(request.requester, "request.submitted", request)
    db.session.commit()
    assert chat_rows(db) == []


def test_webhook_errors_retry_or_fail_with_the_reason(db, admin, hook):
    update_chat_settings(admin, {"url": hook.url, "flavour": "slack",
                                 "events": ["request_submitted"]})  # fmt: skip
    request = ReferenceRequestFactory()
    audit.record(request.requester, "request.submitted", request)
    db.session.commit()
    hook.status = 500
    assert send_due().retrying == 1
    [row] = chat_rows(db)
    assert row.status == "queued" and "500" in row.last_error
    hook.status = 404  # the webhook was removed in Slack: retrying cannot help
    audit.record(request.requester, "request.submitted", request)
    db.session.commit()
    counts = send_due()
    assert counts.failed == 1
    failed = [r for r in chat_rows(db) if r.status == "failed"]
    assert (
        len(failed) == 1 and "404" in failed[0].last_error and "no_service" in failed[0].last_error
    )


def test_a_redirect_is_the_endpoints_answer_never_followed(db, admin, hook):
    update_chat_settings(admin, {"url": hook.url, "flavour": "slack",
                                 "events": ["request_submitted"]})  # fmt: skip
    request = ReferenceRequestFactory()
    audit.record(request.requester, "request.submitted", request)
    db.session.commit()
    hook.status = 307
    assert send_due().failed == 1
    [row] = chat_rows(db)
    assert row.status == "failed" and "307" in row.last_error
    assert [p["path"] for p in hook.posts] == ["/hook/T000/B000"]  # nothing sent to /elsewhere


def test_settings_refuse_a_url_that_is_not_http(db, admin):
    for url in ("ftp://hooks.example.com/x", "javascript:alert(1)", "https://"):
        with pytest.raises(ValidationFailed) as error:
            update_chat_settings(admin, {"url": url, "flavour": "slack", "events": []})
        assert "url" in error.value.fields
    with pytest.raises(ValidationFailed) as error:
        update_chat_settings(admin, {"url": None, "flavour": "irc", "events": ["nope"]})
    assert set(error.value.fields) == {"flavour", "events"}


def test_settings_page_saves_and_audits(client, auth, db, admin, hook):
    auth.login(admin.email)
    assert "Team chat" in client.get("/admin/settings/chat").get_data(as_text=True)
    bad = client.post("/admin/settings/chat", data={"url": "ftp://x", "flavour": "slack"})
    assert bad.status_code == 422
    assert "http(s) address" in bad.get_data(as_text=True)
    response = client.post(
        "/admin/settings/chat",
        data={"url": hook.url, "flavour": "teams", "events": ["request_fulfilled"]},
    )
    assert response.status_code == 302
    keys = db.session.scalars(
        sa.select(AuditEvent.data).where(AuditEvent.action == "setting.changed")
    ).all()
    assert {k["key"] for k in keys} == {"chat_webhook_url", "chat_flavour", "chat_events"}
    page = client.get("/admin/settings/chat").get_data(as_text=True)
    assert hook.url in page


def test_only_admins_change_chat_settings(client, auth, db):
    manager = UserFactory(email="m@vendor.example", role="manager")
    db.session.commit()
    auth.login(manager.email)
    assert client.get("/admin/settings/chat").status_code == 403


# -- Public addresses only (the default configuration) ----------------------------------------


@pytest.fixture
def listener():
    sock = Listener()
    yield sock
    sock.close()


@pytest.fixture
def public_db(app_factory, listener):
    """An app with the default: chat posts go to public addresses only (the listener's port is
    allowed, so that the address decides)."""
    with app_factory(OUTBOUND_ALLOWED_PORTS=(80, 443, listener.port)).app_context():
        yield _db
        _db.session.rollback()


@pytest.mark.parametrize("url", [u.replace(":{port}", "") for u in PRIVATE_URLS])
def test_settings_refuse_a_private_address_with_the_reason(public_db, monkeypatch, url):
    dialled = spy_on_connections(monkeypatch)
    admin = UserFactory(role="admin")
    with pytest.raises(ValidationFailed) as error:
        update_chat_settings(admin, {"url": url, "flavour": "slack", "events": []})
    assert REFUSAL in error.value.fields["url"]
    public_db.session.rollback()
    assert get_setting("chat_webhook_url") is None
    assert dialled == []


def test_settings_page_says_why_a_private_address_is_refused(public_db):
    UserFactory(email="root@vendor.example", role="admin")
    public_db.session.commit()
    client = current_app.test_client()
    AuthActions(client).login("root@vendor.example")
    response = client.post(
        "/admin/settings/chat", data={"url": "http://0177.0.0.1/hook", "flavour": "slack"}
    )
    assert response.status_code == 422
    assert (
        "This address points to this server itself (127.0.0.1); the portal only calls public "
        "addresses." in response.get_data(as_text=True)
    )


def test_a_chat_url_that_turned_private_is_refused_when_posted_and_never_called(
    public_db, listener, monkeypatch
):
    url = f"http://hooks.chat.example:{listener.port}/services/T0/B0"
    resolve_as(monkeypatch, {"hooks.chat.example": [PUBLIC_ADDRESS, "127.0.0.1"]})
    dialled = spy_on_connections(monkeypatch)
    admin = UserFactory(role="admin")
    update_chat_settings(admin, {"url": url, "flavour": "slack", "events": ["request_submitted"]})
    request = ReferenceRequestFactory()
    audit.record(request.requester, "request.submitted", request)
    public_db.session.commit()
    counts = send_due()
    assert counts.failed == 1 and counts.sent == 0  # refused at once: retrying cannot help
    [row] = chat_rows(public_db)
    assert row.status == "failed" and "(127.0.0.1)" in row.last_error
    assert REFUSAL in row.last_error
    assert dialled == []
    assert not listener.connected()
