"""An activity completes: the advocate is thanked (real SMTP) with the points it earned and their
balance, in the portal too, and a `thank_you` touchpoint is logged; never twice."""

from __future__ import annotations

import sqlalchemy as sa

from portal.audit import service as audit
from portal.audit.models import AuditEvent
from portal.extensions import db as _db
from portal.notifications.models import Notification, OutboxMessage
from portal.notifications.sender import send_due
from portal.notifications.settings import save_settings
from portal.recruiting.models import Touchpoint
from portal.thanks import service as thanks
from portal.thanks.models import AdvocateThanks
from tests.factories import LedgerEntryFactory, advocate_with_login
from tests.thanks.helpers import completed_ask, team


def _outbox(template):
    return _db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.template == template)
    ).all()


def test_completion_thanks_the_advocate_by_email_with_points_and_balance(mail_app, smtp):
    manager, requester = team()
    advocate, user = advocate_with_login(name="Ines Advocate")
    LedgerEntryFactory(advocate=advocate, delta=100)
    ask = completed_ask(requester, advocate, prospect_company="Acme Bank")
    _db.session.commit()

    assert send_due().sent >= 1
    [mail] = [m for m in smtp.handler.parsed() if m["To"] == advocate.email]
    assert mail["Subject"] == "Thank you for the reference call"
    plain = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    for part in (plain, html):
        assert "Acme Bank" in part
        assert "50 points" in part.replace("<strong>", "").replace("</strong>", "")
        assert "150 points" in part.replace("<strong>", "").replace("</strong>", "")
    assert f"http://portal.test/me/asks/{ask.id}" in plain
    [note] = _db.session.scalars(sa.select(Notification).where(Notification.user_id == user.id))
    assert note.event_type == "thank_you" and note.link == f"/me/asks/{ask.id}"
    [touch] = _db.session.scalars(sa.select(Touchpoint).where(Touchpoint.kind == "thank_you"))
    assert touch.advocate_id == advocate.id and touch.created_by_id == requester.id
    assert "50 points earned, balance 150" in touch.summary
    audited = _db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "advocate.thanked").order_by(AuditEvent.id)
    ).all()
    assert [a.data["points"] for a in audited] == [50]


def test_a_repeated_completion_event_thanks_only_once(db):
    _, requester = team()
    advocate, _ = advocate_with_login()
    ask = completed_ask(requester, advocate)
    audit.record(requester, "ask.completed", ask, {"again": True})  # e.g. a replayed event
    assert thanks.thank_for_ask(requester, ask) is None
    db.session.commit()
    assert len(_outbox("thank_you")) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AdvocateThanks)) == 1
    touches = db.session.scalars(sa.select(Touchpoint).where(Touchpoint.kind == "thank_you"))
    assert len(touches.all()) == 1


def test_an_advocate_who_chose_in_app_only_is_thanked_in_the_portal(db):
    _, requester = team()
    advocate, user = advocate_with_login()
    save_settings(user, {"thank_you": "in_app"})
    completed_ask(requester, advocate)
    db.session.commit()
    assert _outbox("thank_you") == []
    notes = db.session.scalars(sa.select(Notification).where(Notification.user_id == user.id))
    assert [n.event_type for n in notes] == ["thank_you"]


def test_the_ask_page_shows_the_points_earned(app, client, auth, db):
    _, requester = team()
    advocate, user = advocate_with_login()
    ask = completed_ask(requester, advocate)
    db.session.commit()
    auth.login(user.email)
    page = client.get(f"/me/asks/{ask.id}").get_data(as_text=True)
    assert "Thank you!" in page and "<strong>50 points</strong>" in page
    assert 'id="your-feedback"' in page
