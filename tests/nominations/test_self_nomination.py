"""The public self-nomination page: switched off it is not found; it answers the same whatever
was sent (no enumeration); nothing enters the pipeline before the e-mail is confirmed; a
matching domain makes an advocate, others wait for review; duplicates never make a second
advocate; rate limited; bots filling the honeypot are answered alike and nothing is kept."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from portal.accounts.models import Account
from portal.advocates.models import Advocate
from portal.audit.models import AuditEvent
from portal.auth.models import LinkToken
from portal.errors import DomainError
from portal.extensions import db as _db
from portal.nominations import public
from portal.nominations.models import SelfNomination
from portal.notifications.models import OutboxMessage
from portal.program.models import ProgramSetting
from portal.program.service import get_setting
from tests.conftest import AuthActions
from tests.factories import AccountFactory, AdvocateFactory, UserFactory
from tests.helpers import delivered_text

FORM = {
    "name": "Olga Ops",
    "email": "olga@nordbank.example",
    "company": "Nordbank",
    "title": "COO",
    "activity_types": ["reference_call", "quote"],
    "consent": "y",
}


def _switch(app, on: bool = True) -> None:
    with app.app_context():
        _db.session.merge(ProgramSetting(key="self_nomination_enabled", value=on))
        _db.session.commit()


@pytest.fixture
def on(app):
    """The page switched on, an account with a CSM at nordbank.example."""
    _switch(app)
    with app.app_context():
        csm = UserFactory(role="csm", email="carla@example.com")
        account = AccountFactory(name="Nordbank AG", domain="nordbank.example", csm=csm)
        _db.session.commit()
        return account.id, csm.id


def _count(model) -> int:
    return _db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _confirm_link(app, email: str) -> str:
    with app.app_context():
        message = _db.session.scalars(
            sa.select(OutboxMessage)
            .where(
                OutboxMessage.template == "self_nomination_confirm",
                OutboxMessage.recipient == email,
            )
            .order_by(OutboxMessage.id.desc())
        ).first()
        return re.search(r"(/nominate/confirm/[^\s\"<]+)", delivered_text(message)).group(1)


def test_switched_off_every_public_page_is_not_found(app, client):
    # The default: off.
    assert client.get("/nominate").status_code == 404
    assert client.post("/nominate", data=FORM).status_code == 404
    assert client.get("/nominate/sent").status_code == 404
    assert client.get("/nominate/confirm/whatever").status_code == 404
    _switch(app)
    assert client.get("/nominate").status_code == 200
    _switch(app, False)
    assert client.get("/nominate").status_code == 404


def test_the_page_shows_the_form_with_its_fields(client, on):
    body = client.get("/nominate").get_data(as_text=True)
    for name in ("name", "email", "company", "title", "activity_types", "consent", "website"):
        assert f'name="{name}"' in body
    assert "Reference call" in body


def test_nothing_enters_the_pipeline_before_the_email_is_confirmed(app, client, on):
    account_id, csm_id = on
    response = client.post("/nominate", data=FORM)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/nominate/sent")
    with app.app_context():
        assert _count(Advocate) == 0
        row = _db.session.scalar(sa.select(SelfNomination))
        assert row.status == "unconfirmed"
        assert row.activity_types == ["reference_call", "quote"]
    link = _confirm_link(app, "olga@nordbank.example")
    # Opening the link (a mail scanner does) confirms nothing; pressing the button does.
    page = client.get(link)
    assert page.status_code == 200
    assert "Confirm my e-mail" in page.get_data(as_text=True)
    with app.app_context():
        assert _count(Advocate) == 0
    done = client.post(link)
    assert done.status_code == 200
    assert "Your e-mail is confirmed" in done.get_data(as_text=True)
    with app.app_context():
        advocate = _db.session.scalar(sa.select(Advocate))
        assert advocate.account_id == account_id
        assert advocate.status == "nominated"
        assert advocate.nomination_source == "self"
        assert advocate.nominated_by_id is None
        assert advocate.activity_types == ["reference_call", "quote"]
        row = _db.session.scalar(sa.select(SelfNomination))
        assert (row.status, row.advocate_id) == ("attached", advocate.id)
        told = _db.session.scalar(
            sa.select(OutboxMessage).where(OutboxMessage.template == "nomination_received")
        )
        assert told.user_id == csm_id
        actions = set(_db.session.scalars(sa.select(AuditEvent.action)))
        assert {"self_nomination.submitted", "self_nomination.confirmed", "advocate.created"} <= (
            actions
        )
    # The link works once.
    again = client.post(link)
    assert again.status_code == 400
    assert "already been used" in again.get_data(as_text=True)


def test_a_tampered_link_is_refused(client, on):
    response = client.get("/nominate/confirm/not-a-token")
    assert response.status_code == 400
    assert "not valid" in response.get_data(as_text=True)


def _answer(client, data):
    response = client.post("/nominate", data=data)
    return response.status_code, response.headers.get("Location"), response.get_data()


def test_the_answer_is_the_same_whatever_the_email_or_company(app, client, on):
    with app.app_context():
        account = _db.session.get(Account, on[0])
        AdvocateFactory(account=account, email="known@nordbank.example")
        _db.session.commit()
    answers = {
        _answer(client, {**FORM, "email": "known@nordbank.example"}),
        _answer(client, {**FORM, "email": "new@nordbank.example"}),
        _answer(client, {**FORM, "email": "someone@unknown.example", "company": "Nobody Inc"}),
    }
    assert len(answers) == 1
    status, location, _ = answers.pop()
    assert status == 303 and location.endswith("/nominate/sent")
    sent = client.get("/nominate/sent").get_data(as_text=True)
    assert "Check your inbox" in sent
    with app.app_context():
        # Each got the same confirmation e-mail; none is an advocate yet.
        assert _count(SelfNomination) == 3
        assert _count(OutboxMessage) == 3
        assert _count(Advocate) == 1


def test_the_honeypot_gets_the_same_answer_and_nothing_is_kept(app, client, on):
    bot = _answer(client, {**FORM, "website": "http://spam.example"})
    person = _answer(client, {**FORM, "email": "other@nordbank.example"})
    assert bot == person
    with app.app_context():
        assert _count(SelfNomination) == 1
        assert _count(OutboxMessage) == 1


def test_bad_input_is_shown_next_to_the_fields_and_nothing_is_kept(app, client, on):
    response = client.post("/nominate", data={**FORM, "email": "nope", "consent": ""})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Enter a valid e-mail address." in body
    assert "Tick the box" in body
    assert 'value="Olga Ops"' in body  # kept
    with app.app_context():
        assert _count(SelfNomination) == 0
        assert _count(OutboxMessage) == 0


def test_sending_too_often_answers_429(app_factory):
    app = app_factory(SELF_NOMINATION_CLIENT_LIMIT="2 per hour", SELF_NOMINATION_LIMIT="50/day")
    _switch(app)
    client = app.test_client()
    for n in range(2):
        assert (
            client.post("/nominate", data={**FORM, "email": f"p{n}@x.example"}).status_code == 303
        )
    assert client.post("/nominate", data={**FORM, "email": "p9@x.example"}).status_code == 429
    # Per address as well, from anywhere.
    app = app_factory(SELF_NOMINATION_CLIENT_LIMIT="50 per hour", SELF_NOMINATION_LIMIT="1/day")
    client = app.test_client()
    assert client.post("/nominate", data=FORM).status_code == 303
    again = client.post("/nominate", data=FORM, environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert again.status_code == 429


def test_a_known_email_confirmed_is_never_a_second_advocate(app, client, on):
    with app.app_context():
        account = _db.session.get(Account, on[0])
        existing = AdvocateFactory(account=account, email="olga@nordbank.example")
        _db.session.commit()
        existing_id = existing.id
    client.post("/nominate", data=FORM)
    client.post(_confirm_link(app, "olga@nordbank.example"))
    with app.app_context():
        assert _count(Advocate) == 1
        row = _db.session.scalar(sa.select(SelfNomination))
        assert (row.status, row.advocate_id) == ("duplicate", existing_id)


def test_an_unknown_domain_waits_for_review_then_is_attached_once(app, client, on):
    data = {**FORM, "email": "ivan@ivan-consulting.example", "company": "Nordbank (via Ivan)"}
    client.post("/nominate", data=data)
    client.post("/nominate", data=data)  # sent twice
    links = []
    with app.app_context():
        messages = _db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id))
        for message in messages:
            links.append(re.search(r"(/nominate/confirm/[^\s\"<]+)", delivered_text(message))[1])
    for link in links:
        assert client.post(link).status_code == 200
    with app.app_context():
        rows = _db.session.scalars(sa.select(SelfNomination).order_by(SelfNomination.id)).all()
        assert [r.status for r in rows] == ["to_review", "duplicate"]
        assert _count(Advocate) == 0
        manager = UserFactory(role="manager")
        _db.session.commit()
        review = _db.session.scalars(public.review_query(manager)).all()
        assert [r.id for r in review] == [rows[0].id]
        with pytest.raises(DomainError) as refused:
            public.attach_self_nomination(manager, rows[0], "No Such Account")
        assert "account" in refused.value.fields
        advocate = public.attach_self_nomination(manager, rows[0], "nordbank ag")
        _db.session.commit()
        assert advocate.account_id == on[0]
        assert advocate.nomination_source == "self"
        assert rows[0].status == "attached"
        assert rows[0].decided_by_id == manager.id
        with pytest.raises(DomainError):
            public.attach_self_nomination(manager, rows[0], "Nordbank AG")
        actions = _db.session.scalars(
            sa.select(AuditEvent.action)
            .where(AuditEvent.actor_id == manager.id)
            .order_by(AuditEvent.id)
        ).all()
        assert actions == ["advocate.created", "self_nomination.attached"]


def test_the_program_team_discards_a_self_nomination(app, client, on):
    client.post("/nominate", data={**FORM, "email": "x@elsewhere.example"})
    client.post(_confirm_link(app, "x@elsewhere.example"))
    with app.app_context():
        row = _db.session.scalar(sa.select(SelfNomination))
        manager_id = UserFactory(role="manager", email="mgr@example.com").id
        _db.session.commit()
        row_id = row.id
    AuthActions(client).login("mgr@example.com")
    page = client.get("/nominations/self").get_data(as_text=True)
    assert "x@elsewhere.example" in page
    response = client.post(f"/nominations/self/{row_id}/discard")
    assert response.status_code == 302
    with app.app_context():
        row = _db.session.get(SelfNomination, row_id)
        assert row.status == "discarded"
        assert row.decided_by_id == manager_id
        assert _count(Advocate) == 0
        event = _db.session.scalar(
            sa.select(AuditEvent)
            .where(AuditEvent.action == "self_nomination.discarded")
            .order_by(AuditEvent.id)
        )
        assert event.entity_id == row_id


def test_the_program_team_switches_the_page_and_sets_the_window(app, client, on):
    with app.app_context():
        UserFactory(role="manager", email="mgr@example.com")
        _db.session.commit()
    AuthActions(client).login("mgr@example.com")
    client.post("/nominations/settings", data={"objection_days": "7"})  # unticked: off
    assert client.get("/nominate").status_code == 404
    with app.app_context():
        assert get_setting("nomination_objection_days") == 7
    client.post("/nominations/settings", data={"enabled": "y", "objection_days": "99"})
    with app.app_context():
        assert get_setting("nomination_objection_days") == 7  # refused: nothing saved
        assert get_setting("self_nomination_enabled") is False


def test_the_stored_message_holds_no_live_link_and_an_expired_link_is_refused(app, client, on):
    client.post("/nominate", data=FORM)
    link = _confirm_link(app, "olga@nordbank.example")
    token = link.rsplit("/", 1)[1]
    with app.app_context():
        message = _db.session.scalar(sa.select(OutboxMessage))
        # What the outbox page and the table show: a stand-in, never the signed token.
        assert token not in (message.body_text or "") + (message.body_html or "")
        assert token not in str(_db.session.scalars(sa.select(AuditEvent.data)).all())
        row = _db.session.scalar(sa.select(LinkToken))
        row.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
        _db.session.commit()
    expired = client.post(link)
    assert expired.status_code == 400 and "expired" in expired.get_data(as_text=True)
    with app.app_context():
        assert _db.session.scalar(sa.select(SelfNomination.status)) == "unconfirmed"
