"""The pipeline: the lifecycle's every move, invitations with signed links, reminders."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from portal.advocates.service import TRANSITIONS
from portal.auth.models import LinkToken
from portal.database import now_utc
from portal.errors import DomainError, Forbidden
from portal.notifications.models import OutboxMessage
from portal.notifications.reminders import REMINDERS
from portal.program.service import DEFAULTS, get_setting, set_setting
from portal.recruiting import pipeline
from portal.recruiting.models import Invitation
from portal.vocab import ADVOCATE_STATUSES
from tests.factories import AccountFactory, AdvocateFactory, UserFactory
from tests.helpers import delivered_text

ALL_MOVES = [(a, b) for a in ADVOCATE_STATUSES for b in ADVOCATE_STATUSES if a != b]
ALLOWED = {
    ("nominated", "invited"),
    ("nominated", "active"),
    ("nominated", "declined"),
    ("nominated", "retired"),
    ("invited", "active"),
    ("invited", "declined"),
    ("invited", "retired"),
    ("invited", "nominated"),
    ("active", "paused"),
    ("active", "retired"),
    ("paused", "active"),
    ("paused", "retired"),
    ("retired", "nominated"),
    ("retired", "active"),
    ("declined", "nominated"),
}


def _link(message: OutboxMessage) -> str:
    return re.search(r"(/welcome/[^\s\"<]+)", delivered_text(message)).group(1)


def _token(message: OutboxMessage) -> str:
    return _link(message).rsplit("/", 1)[1]


def test_the_allowed_moves_are_the_lifecycle_table():
    assert {(a, b) for a, targets in TRANSITIONS.items() for b in targets} == ALLOWED


@pytest.mark.parametrize(("start", "to"), ALL_MOVES)
def test_every_move_is_allowed_or_refused_with_the_reason(db, start, to):
    manager = UserFactory(role="manager")
    # Consent given, so only the lifecycle decides (consent has tests of its own).
    advocate = AdvocateFactory(
        status=start, consent_at=now_utc(), consent_version=DEFAULTS["terms_version"]
    )
    if (start, to) in ALLOWED:
        pipeline.move_advocate(manager, advocate, to)
        assert advocate.status == to
    else:
        with pytest.raises(DomainError) as refused:
            pipeline.move_advocate(manager, advocate, to)
        assert f"who is {start} can't become {to}" in refused.value.message
        assert "allowed:" in refused.value.message
        assert advocate.status == start


def test_only_the_program_team_moves_advocates(db):
    csm = UserFactory(role="csm")
    advocate = AdvocateFactory(status="nominated", account=AccountFactory(csm=csm))
    with pytest.raises(Forbidden):
        pipeline.move_advocate(csm, advocate, "invited")


def test_inviting_writes_an_e_mail_with_a_signed_single_use_link(db):
    manager = UserFactory(role="manager", name="Mia Manager")
    advocate = AdvocateFactory(status="nominated", nomination_reason="Loves the product")
    pipeline.move_advocate(manager, advocate, "invited")
    db.session.commit()
    assert advocate.status == "invited"
    assert advocate.user is not None and advocate.user.password_hash is None
    message = db.session.scalar(
        sa.select(OutboxMessage).where(OutboxMessage.recipient == advocate.email)
    )
    assert message.template == "advocate_invitation"
    assert "Mia Manager invites you" in message.body_text
    assert "Loves the product" in message.body_text
    row = db.session.scalar(sa.select(LinkToken).where(LinkToken.target_id == advocate.id))
    assert row.purpose == pipeline.INVITE_PURPOSE
    assert pipeline.check_welcome_link(_token(message)) is advocate


def test_terms_changed_while_the_invitee_read_them_are_not_accepted(app, db, client):
    manager = UserFactory(role="manager")
    advocate = AdvocateFactory(status="nominated")
    pipeline.invite_advocate(manager, advocate)
    db.session.commit()
    link = _link(db.session.scalar(sa.select(OutboxMessage)))
    read = get_setting("terms_version")
    assert f'value="{read}"' in client.get(link).get_data(as_text=True)
    set_setting(manager, "terms_version", "2099-01")
    db.session.commit()
    answer = client.post(
        link,
        data={
            "version": read,
            "accept_terms": "y",
            "password": "a good long password",
            "confirm": "a good long password",
        },
    )
    assert answer.status_code == 422
    assert "The terms changed while you were reading them" in answer.get_data(as_text=True)
    db.session.expire_all()
    assert advocate.status == "invited" and advocate.consent_at is None


def test_accepting_sets_the_password_records_consent_and_activates(app, db, client):
    manager = UserFactory(role="manager")
    advocate = AdvocateFactory(status="nominated")
    pipeline.invite_advocate(manager, advocate)
    db.session.commit()
    link = _link(db.session.scalar(sa.select(OutboxMessage)))
    page = client.get(link)
    assert page.status_code == 200
    assert "What we ask of you" in page.get_data(as_text=True)
    refused = client.post(
        link, data={"password": "a good long password", "confirm": "a good long password"}
    )
    assert refused.status_code == 422
    assert "Accept the program terms" in refused.get_data(as_text=True)
    done = client.post(
        link,
        data={
            "accept_terms": "y",
            "password": "a good long password",
            "confirm": "a good long password",
        },
    )
    assert done.status_code == 302 and done.headers["Location"].endswith("/me/")
    assert client.get("/me/").status_code == 200  # signed in, consent recorded
    db.session.expire_all()
    assert advocate.status == "active"
    assert advocate.consent_at is not None
    assert advocate.user.check_password("a good long password")
    invitation = db.session.scalar(sa.select(Invitation))
    assert invitation.accepted_at is not None
    again = client.post(
        link,
        data={
            "accept_terms": "y",
            "password": "another password 1",
            "confirm": "another password 1",
        },
    )
    assert again.status_code == 400  # the link works once


def test_an_expired_or_tampered_link_is_refused(app, db, client):
    manager = UserFactory(role="manager")
    advocate = AdvocateFactory(status="nominated")
    pipeline.invite_advocate(manager, advocate)
    db.session.commit()
    link = _link(db.session.scalar(sa.select(OutboxMessage)))
    assert client.get(link + "x").status_code == 400
    db.session.execute(sa.update(LinkToken).values(expires_at=now_utc() - dt.timedelta(seconds=1)))
    db.session.commit()
    response = client.get(link)
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)


def test_declining_the_invitation_marks_the_advocate_declined(app, db, client):
    manager = UserFactory(role="manager")
    advocate = AdvocateFactory(status="nominated")
    pipeline.invite_advocate(manager, advocate)
    db.session.commit()
    link = _link(db.session.scalar(sa.select(OutboxMessage)))
    assert client.post(link + "/decline").status_code == 200
    db.session.expire_all()
    assert advocate.status == "declined"
    assert client.get(link).status_code == 400


def test_moving_back_to_nominated_closes_the_invitation_link(db):
    manager = UserFactory(role="manager")
    advocate = AdvocateFactory(status="nominated")
    pipeline.invite_advocate(manager, advocate)
    token = _token(db.session.scalar(sa.select(OutboxMessage)))
    pipeline.move_advocate(manager, advocate, "nominated")
    with pytest.raises(DomainError):
        pipeline.check_welcome_link(token)


def test_invitation_reminders_at_most_two_a_week_apart_then_stale(db):
    manager = UserFactory(role="manager")
    advocate = AdvocateFactory(status="nominated")
    invitation = pipeline.invite_advocate(manager, advocate)
    start = invitation.sent_at
    remind = REMINDERS["recruiting.invitations"]

    def day(n):
        return start + dt.timedelta(days=n, minutes=1)

    assert remind(day(6)) == 0
    assert remind(day(7)) == 1
    assert remind(day(7)) == 0  # once per thing and day
    assert remind(day(13)) == 0
    assert not pipeline.is_stale(invitation, day(13))
    assert remind(day(14)) == 1
    assert remind(day(21)) == 0  # never a third
    assert pipeline.is_stale(invitation, day(21))
    assert not pipeline.is_stale(invitation, day(20))
    keys = db.session.scalars(
        sa.select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.is_not(None))
    ).all()
    assert sorted(keys) == [
        f"invitation-reminder:{invitation.id}:1",
        f"invitation-reminder:{invitation.id}:2",
    ]
    reminder = db.session.scalar(
        sa.select(OutboxMessage).where(OutboxMessage.template == "advocate_invitation_reminder")
    )
    assert pipeline.check_welcome_link(_token(reminder)) is advocate  # a fresh working link


def test_no_reminder_once_the_invitation_is_answered(db):
    manager = UserFactory(role="manager")
    advocate = AdvocateFactory(status="nominated")
    invitation = pipeline.invite_advocate(manager, advocate)
    pipeline.move_advocate(manager, advocate, "declined")
    assert REMINDERS["recruiting.invitations"](invitation.sent_at + dt.timedelta(days=8)) == 0


def test_inviting_refuses_an_e_mail_that_belongs_to_another_user(db):
    manager = UserFactory(role="manager")
    UserFactory(email="taken@customer.example", role="requester")
    advocate = AdvocateFactory(status="nominated", email="taken@customer.example")
    with pytest.raises(DomainError) as refused:
        pipeline.invite_advocate(manager, advocate)
    assert refused.value.fields.get("email")


def test_the_board_counts_and_filters(db):
    manager = UserFactory(role="manager")
    csm = UserFactory(role="csm")
    bank = AccountFactory(industry="banking", region="emea")
    shop = AccountFactory(industry="retail", region="na", products=[])
    AdvocateFactory(account=bank, status="nominated", nominated_by=csm)
    AdvocateFactory(account=bank, status="active")
    AdvocateFactory(account=shop, status="nominated", products=[])
    board = pipeline.pipeline_board(manager, {})
    assert board["nominated"]["count"] == 2 and board["active"]["count"] == 1
    assert pipeline.pipeline_board(manager, {"industry": "banking"})["nominated"]["count"] == 1
    assert pipeline.pipeline_board(manager, {"nominated_by": csm.id})["nominated"]["count"] == 1
    assert pipeline.pipeline_board(manager, {"product": "payments"})["nominated"]["count"] == 1
    assert pipeline.pipeline_board(manager, {"region": "na"})["active"]["count"] == 0


def test_a_csm_nominates_with_a_reason_and_a_duplicate_e_mail_is_refused(db):
    from portal.advocates.service import create_advocate

    csm = UserFactory(role="csm")
    account = AccountFactory(csm=csm)
    data = {
        "account_id": account.id,
        "name": "Nadia Novak",
        "email": "Nadia@Nominee.example",
        "nomination_reason": "Led the migration.",
    }
    advocate = create_advocate(csm, data)
    assert (advocate.status, advocate.nominated_by_id) == ("nominated", csm.id)
    with pytest.raises(DomainError) as refused:
        create_advocate(csm, {**data, "email": "nadia@nominee.example", "name": "Nadia N."})
    assert refused.value.fields == {"email": "Another advocate has this e-mail."}
