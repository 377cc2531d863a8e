"""The Demo inbox: console delivery keeps each e-mail as a .eml file, and only administrators
read them, only while no SMTP host is set, every look audited, no path from the visitor."""

from __future__ import annotations

import os
import re
import stat
from email import message_from_bytes, policy

import pytest
import sqlalchemy as sa

from portal import templating
from portal.audit.models import AuditEvent
from portal.auth import service as auth_service
from portal.extensions import db as _db
from portal.notifications.inbox import FILE_NAME
from portal.notifications.models import OutboxMessage
from portal.notifications.sender import send_due
from tests.conftest import PASSWORD
from tests.factories import UserFactory, advocate_with_login

BASE = "http://portal.test"
ICS = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:ask-1@portal\r\n" \
      "SUMMARY:Reference call\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"  # fmt: skip


@pytest.fixture
def folder(tmp_path):
    return tmp_path / "mail"


@pytest.fixture
def inbox_app(app_factory, folder):
    app = app_factory(BASE_URL=BASE, SMTP_HOST=None, CONSOLE_MAIL_DIR=str(folder))
    with app.app_context():
        UserFactory(role="admin", email="admin@vendor.example")
        _db.session.commit()
        yield app
        _db.session.rollback()


def _sign_in(app, email="admin@vendor.example"):
    client = app.test_client()
    response = client.post("/auth/sign-in", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def _queue(**values) -> int:
    message = OutboxMessage(
        kind="email",
        template=values.pop("template", "test"),
        recipient=values.pop("recipient", "dana@customer.example"),
        subject=values.pop("subject", "Your reference call"),
        body_text=values.pop("body_text", "Hello Dana, plain text."),
        **values,
    )
    _db.session.add(message)
    _db.session.commit()
    return message.id


def _kept(folder) -> list[str]:
    return sorted(os.listdir(folder)) if folder.exists() else []


def _audits(action: str) -> list[AuditEvent]:
    _db.session.expire_all()
    return list(
        _db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
    )


def test_console_delivery_keeps_each_message_as_a_private_eml_file(inbox_app, folder, capsys):
    ids = [_queue(subject=f"Message {n}") for n in range(2)]
    assert send_due().sent == 2
    assert "Subject: Message 0" in capsys.readouterr().out  # still printed, as before
    names = _kept(folder)
    assert len(names) == 2 and all(FILE_NAME.match(name) for name in names)
    assert stat.S_IMODE(os.stat(folder / names[0]).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    kept = [message_from_bytes((folder / n).read_bytes(), policy=policy.default) for n in names]
    assert sorted(int(mail["X-Portal-Message"]) for mail in kept) == ids
    assert (
        _db.session.get(OutboxMessage, ids[0])
        .meta["delivery_note"]
        .startswith("printed (no PORTAL_SMTP_HOST); kept in the demo inbox as ")
    )


def test_admin_reads_a_delivered_message_with_its_live_link_and_the_look_is_audited(
    inbox_app, folder
):
    UserFactory(role="requester", email="rep@vendor.example")
    _db.session.commit()
    auth_service.request_password_reset("rep@vendor.example")
    _db.session.commit()
    assert send_due().sent == 1
    [name] = _kept(folder)
    admin = _sign_in(inbox_app)

    listing = admin.get("/admin/demo-inbox/")
    page = listing.get_data(as_text=True)
    assert listing.status_code == 200
    assert "This is the demo inbox" in page and "The links in them are live" in page
    assert "rep@vendor.example" in page and f"/admin/demo-inbox/{name}" in page
    assert _audits("outbox.inbox_message_viewed") == []  # a list shows no message text

    shown = admin.get(f"/admin/demo-inbox/{name}")
    body = shown.get_data(as_text=True)
    assert shown.status_code == 200
    assert "This is the demo inbox" in body and "links in it are live" in body
    assert re.search(rf"{BASE}/auth/reset/[\w.-]+", body)  # the live link, as delivered
    [event] = _audits("outbox.inbox_message_viewed")
    message_id = _db.session.scalar(sa.select(OutboxMessage.id))
    admin_id = _db.session.scalar(sa.select(AuditEvent.actor_id).where(AuditEvent.id == event.id))
    assert (event.entity, event.entity_id) == ("outbox_messages", message_id)
    assert admin_id is not None and event.data["file"] == name
    assert event.data["to"] == "rep@vendor.example"
    admin.get(f"/admin/demo-inbox/{name}")
    assert len(_audits("outbox.inbox_message_viewed")) == 2  # every look


def test_the_html_part_is_shown_in_a_sandboxed_frame_where_no_script_runs(inbox_app, folder):
    _queue(body_html='<p style="color:#1f3a5f">Hi</p><script>alert("owned")</script>'
                     '<img src="https://tracker.example/p.gif">')  # fmt: skip
    send_due()
    [name] = _kept(folder)
    response = _sign_in(inbox_app).get(f"/admin/demo-inbox/{name}")
    body = response.get_data(as_text=True)
    [frame] = re.findall(r"<iframe[^>]*>", body)
    assert 'sandbox=""' in frame  # no allow-scripts, no allow-same-origin
    srcdoc = re.search(r'srcdoc="([^"]*)"', frame).group(1)
    assert srcdoc.startswith("&lt;meta http-equiv=&#34;Content-Security-Policy&#34; content=")
    assert "default-src &#39;none&#39;" in srcdoc  # no script, no remote image in the frame
    assert "&lt;script&gt;alert(" in srcdoc  # escaped into the attribute, never page markup
    assert '<script>alert("owned")' not in body
    policy_header = response.headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy_header and "frame-ancestors 'none'" in policy_header


def test_an_ics_attachment_downloads_and_the_download_is_audited(inbox_app, folder):
    ics = {"filename": "reference-call.ics", "content_type": "text/calendar; method=REQUEST"}
    _queue(attachments=[{**ics, "content": ICS}])
    send_due()
    [name] = _kept(folder)
    admin = _sign_in(inbox_app)
    page = admin.get(f"/admin/demo-inbox/{name}").get_data(as_text=True)
    assert f"/admin/demo-inbox/{name}/attachments/0" in page
    download = admin.get(f"/admin/demo-inbox/{name}/attachments/0")
    assert download.status_code == 200
    assert download.mimetype == "text/calendar"
    assert download.headers["Content-Disposition"] == 'attachment; filename="reference-call.ics"'
    assert download.data.replace(b"\r\n", b"\n") == ICS.replace("\r\n", "\n").encode()
    [event] = _audits("outbox.inbox_attachment_downloaded")
    assert event.data["attachment"] == "reference-call.ics"
    assert admin.get(f"/admin/demo-inbox/{name}/attachments/1").status_code == 404


@pytest.mark.parametrize("role", ["manager", "csm", "requester"])
def test_only_administrators_may_read_the_demo_inbox(inbox_app, folder, role):
    _queue()
    send_due()
    [name] = _kept(folder)
    UserFactory(role=role, email=f"{role}@vendor.example")
    _db.session.commit()
    staff = _sign_in(inbox_app, f"{role}@vendor.example")
    for path in ("/admin/demo-inbox/", f"/admin/demo-inbox/{name}",
                 f"/admin/demo-inbox/{name}/attachments/0"):  # fmt: skip
        assert staff.get(path).status_code == 403, path
    visitor = inbox_app.test_client().get(f"/admin/demo-inbox/{name}")
    assert visitor.status_code == 302 and "/auth/sign-in" in visitor.headers["Location"]
    assert _audits("outbox.inbox_message_viewed") == []


def test_an_advocate_may_not_read_the_demo_inbox(inbox_app, folder):
    _, user = advocate_with_login(email="dana@customer.example")
    _db.session.commit()
    assert _sign_in(inbox_app, user.email).get("/admin/demo-inbox/").status_code == 403


def test_with_an_smtp_host_nothing_is_kept_and_the_inbox_is_404(app_factory, smtp, folder):
    app = app_factory(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp.port, CONSOLE_MAIL_DIR=str(folder))
    with app.app_context():
        UserFactory(role="admin", email="admin@vendor.example")
        _db.session.commit()
        _queue()
        assert send_due().sent == 1
        assert len(smtp.handler.messages) == 1
        assert not folder.exists()  # nothing written to the folder
        folder.mkdir()
        stale = "20260101T000000000000Z-1-0123abcd.eml"  # kept by an earlier console run
        (folder / stale).write_bytes(b"To: x@example.com\r\nSubject: old\r\n\r\nlive link\r\n")
        admin = _sign_in(app)
        for path in ("/admin/demo-inbox/", f"/admin/demo-inbox/{stale}",
                     f"/admin/demo-inbox/{stale}/attachments/0"):  # fmt: skip
            assert admin.get(path).status_code == 404, path
            assert app.test_client().get(path).status_code == 404, path
        assert _audits("outbox.inbox_message_viewed") == []


@pytest.mark.parametrize(
    "path",
    [
        "/admin/demo-inbox/..%2Fsecret_key",
        "/admin/demo-inbox/%2E%2E%2F%2E%2E%2Fsecret_key",
        "/admin/demo-inbox/notes.eml",
        "/admin/demo-inbox/.20260101T000000000000Z-1-0123abcd.eml.part",
        "/admin/demo-inbox/20260101T000000000000Z-1-0123abcd.eml",  # the right shape, not there
        "/admin/demo-inbox/20260101T000000000000Z-1-0123abcd.eml%00",
        "/admin/demo-inbox/link.eml/attachments/0",
    ],
)
def test_file_names_not_produced_by_the_listing_are_refused(inbox_app, folder, path):
    _queue()
    send_due()
    (folder / "notes.eml").write_bytes(b"To: x@example.com\r\nSubject: not kept by us\r\n\r\n")
    (folder / ".20260101T000000000000Z-1-0123abcd.eml.part").write_bytes(b"Subject: half\r\n")
    outside = folder.parent / "secret.eml"
    outside.write_bytes(b"To: x@example.com\r\nSubject: outside\r\n\r\nsecret\r\n")
    os.symlink(outside, folder / "link.eml")
    response = _sign_in(inbox_app).get(path)
    assert response.status_code == 404
    assert b"secret" not in response.data and b"not kept by us" not in response.data
    assert _audits("outbox.inbox_message_viewed") == []


def test_a_symlink_with_a_listed_name_is_not_followed(inbox_app, folder):
    _queue()
    send_due()
    outside = folder.parent / "outside.eml"
    outside.write_bytes(b"To: x@example.com\r\nSubject: outside\r\n\r\nsecret\r\n")
    name = "20260101T000000000000Z-1-0123abcd.eml"
    os.symlink(outside, folder / name)
    admin = _sign_in(inbox_app)
    assert name not in admin.get("/admin/demo-inbox/").get_data(as_text=True)
    assert admin.get(f"/admin/demo-inbox/{name}").status_code == 404


def test_the_menu_offers_the_demo_inbox_to_admins_only_with_console_delivery(
    app_factory, monkeypatch
):
    """The menu is rendered once per role and page: start each app with an empty cache."""
    for smtp_host, shown in ((None, True), ("127.0.0.1", False)):
        monkeypatch.setattr(templating, "_FRAGMENTS", {})
        app = app_factory(SMTP_HOST=smtp_host)
        with app.app_context():
            UserFactory(role="admin", email=f"admin-{int(shown)}@vendor.example")
            UserFactory(role="manager", email=f"manager-{int(shown)}@vendor.example")
            _db.session.commit()
        admin = _sign_in(app, f"admin-{int(shown)}@vendor.example").get("/admin/outbox/")
        assert admin.status_code == 200
        assert ("/admin/demo-inbox/" in admin.get_data(as_text=True)) is shown
        manager = _sign_in(app, f"manager-{int(shown)}@vendor.example").get("/admin/outbox/")
        assert manager.status_code == 200
        assert "/admin/demo-inbox/" not in manager.get_data(as_text=True)
