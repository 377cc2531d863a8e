"""Leaving the program, downloading one's data, and erasure (asked by the advocate,
confirmed by a manager, keeping the program's counts)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa

from portal.advocates import privacy, self_service
from portal.advocates.models import Advocate, Blackout
from portal.asks.models import Ask
from portal.audit.models import AuditEvent
from portal.auth.models import User
from portal.benefits.models import Claim, LedgerEntry
from portal.errors import DomainError, Forbidden
from portal.notifications.models import OutboxMessage
from tests.factories import (
    AskFactory,
    BenefitFactory,
    LedgerEntryFactory,
    ReferenceRequestFactory,
    UserFactory,
    advocate_with_login,
)

TERMS = "2026-01"


def consenting(**kwargs):
    return advocate_with_login(consent_at=dt.datetime.now(dt.UTC), consent_version=TERMS, **kwargs)


@pytest.fixture
def me(db, auth):
    advocate, user = consenting(name="Avery Adler", bio="Payments lead.", title="Head of Payments")
    db.session.commit()
    auth.login(user.email)
    return advocate


def count(db, model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def outbox(db, template) -> list[OutboxMessage]:
    return list(
        db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.template == template))
    )


def test_leaving_retires_withdraws_live_asks_and_tells_requesters(db, client, me):
    pending = AskFactory(advocate=me, request=ReferenceRequestFactory(prospect_company="Alpha"))
    accepted = AskFactory(advocate=me, status="accepted")
    declined = AskFactory(advocate=me, status="declined", decline_reason="too_busy")
    db.session.commit()
    assert "2 open asks will be withdrawn" in client.get("/me/leave").get_data(as_text=True)

    response = client.post("/me/leave", data={"reason": "New job."}, follow_redirects=True)
    assert "You have left the program" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Advocate, me.id).status == "retired"
    assert [db.session.get(Ask, a.id).status for a in (pending, accepted, declined)] == [
        "withdrawn",
        "withdrawn",
        "declined",
    ]
    messages = outbox(db, "advocate_left")
    assert sorted(m.recipient for m in messages) == sorted(
        [pending.request.requester.email, accepted.request.requester.email]
    )
    assert (
        "Avery Adler" in messages[0].body_text
        and "left the reference program" in messages[0].body_text
    )
    withdrawn = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "ask.withdrawn").order_by(AuditEvent.id)
    ).all()
    assert {e.entity_id for e in withdrawn} == {pending.id, accepted.id}
    assert all(e.actor_id == me.user_id for e in withdrawn)
    assert count(db, AuditEvent, AuditEvent.action == "advocate.left") == 1
    # Leaving twice is refused; the retired advocate can still sign in and see history.
    assert service_refuses_twice(db, me)
    assert client.get("/me/history").status_code == 200


def service_refuses_twice(db, advocate) -> bool:
    advocate = db.session.get(Advocate, advocate.id)
    with pytest.raises(DomainError, match="no longer part"):
        self_service.leave_program(advocate.user, advocate)
    return True


def test_a_retired_advocate_can_no_longer_be_asked(db, me):
    self_service.leave_program(me.user, me)
    from portal.asks.overuse import refusals

    assert "advocate_status" in [r.rule for r in refusals(me, "reference_call")]


def test_leave_reason_with_markup_is_refused_and_nothing_changes(db, client, me):
    AskFactory(advocate=me)
    db.session.commit()
    response = client.post("/me/leave", data={"reason": "<script>alert(1)</script>"})
    assert response.status_code == 422
    assert "plain text" in response.get_data(as_text=True)
    db.session.refresh(me)
    assert me.status == "active"
    assert outbox(db, "advocate_left") == []


def test_download_holds_all_my_data_as_a_json_attachment(db, client, me):
    AskFactory(
        advocate=me,
        status="declined",
        decline_reason="timing",
        note="After March.",
        personal_note="We met at the summit.",
    )
    benefit = BenefitFactory(title="User group dinner")
    db.session.add(Claim(benefit=benefit, advocate=me, status="approved"))
    LedgerEntryFactory(advocate=me, delta=75, memo="Case study")
    me.blackouts.append(
        Blackout(start=dt.date(2030, 1, 1), end=dt.date(2030, 1, 5), reason="Leave")
    )
    me.max_per_month = 2
    other, _ = consenting()
    AskFactory(advocate=other, note="Not mine")
    db.session.commit()

    response = client.get("/me/data.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.get_data(as_text=True))
    assert set(data) >= {
        "profile",
        "preferences",
        "blackouts",
        "asks",
        "claims",
        "ledger",
        "consent",
    }
    assert data["profile"]["email"] == me.email and data["profile"]["bio"] == "Payments lead."
    assert data["preferences"]["max_per_month"] == 2
    assert data["blackouts"] == [{"start": "2030-01-01", "end": "2030-01-05", "reason": "Leave"}]
    assert [a["note"] for a in data["asks"]] == ["After March."]
    assert data["asks"][0]["personal_note"] == "We met at the summit."
    assert data["asks"][0]["decline_reason"] == "timing"
    assert data["claims"][0]["benefit"] == "User group dinner"
    assert data["ledger"][0]["delta"] == 75 and data["points_balance"] == 75
    assert data["consent"]["consent_version"] == TERMS
    assert count(db, AuditEvent, AuditEvent.action == "advocate.data_exported") == 1


def test_erasure_is_asked_then_confirmed_by_a_manager_who_anonymizes_keeping_counts(
    db, client, auth, me
):
    asks = [AskFactory(advocate=me, status="completed") for _ in range(2)]
    live = AskFactory(advocate=me)
    LedgerEntryFactory(advocate=me, delta=100)
    db.session.commit()
    user_id = me.user_id

    response = client.post("/me/erasure", follow_redirects=True)
    assert "We have your request" in response.get_data(as_text=True)
    db.session.expire_all()
    advocate = db.session.get(Advocate, me.id)
    assert advocate.erasure_requested_at is not None and advocate.status == "retired"
    assert db.session.get(Ask, live.id).status == "withdrawn"
    assert advocate.name == "Avery Adler"  # nothing erased until a manager confirms
    assert client.post("/me/erasure", follow_redirects=True).status_code == 200

    manager = UserFactory(role="manager")
    db.session.commit()
    auth.logout()
    auth.login(manager.email)
    page = client.get(f"/advocates/{me.id}").get_data(as_text=True)
    assert "Confirm erasure" in page
    assert client.post(f"/advocates/{me.id}/erasure").status_code == 302

    db.session.expire_all()
    advocate = db.session.get(Advocate, me.id)
    assert advocate.name == f"Former advocate #{me.id}"
    assert advocate.email == f"erased-{me.id}@invalid"
    assert (advocate.title, advocate.bio, advocate.nomination_reason) == (None, None, None)
    assert advocate.anonymized_at is not None
    user = db.session.get(User, user_id)
    assert user.active is False and "Avery" not in user.name and user.email.endswith("@invalid")
    # The program's counts stay: asks and points are kept, tied to the anonymous record.
    assert count(db, Ask, Ask.advocate_id == me.id) == 3
    assert count(db, Ask, Ask.advocate_id == me.id, Ask.id.in_([a.id for a in asks])) == 2
    assert count(db, LedgerEntry, LedgerEntry.advocate_id == me.id) == 1
    event = db.session.scalar(
        sa.select(AuditEvent)
        .where(AuditEvent.action == "advocate.anonymized")
        .order_by(AuditEvent.id)
    )
    assert event.actor_id == manager.id and "Avery" not in json.dumps(event.data)
    # Erasing twice is refused with a message.
    again = client.post(f"/advocates/{me.id}/erasure", follow_redirects=True)
    assert "already anonymized" in again.get_data(as_text=True)


def test_the_erased_advocate_can_not_sign_in_any_more(db, client, auth, me):
    privacy.request_erasure(me.user, me)
    privacy.confirm_erasure(UserFactory(role="manager"), me)
    db.session.commit()
    auth.logout()
    assert client.get("/me/").status_code == 302  # session ended: to the sign-in page
    assert auth.login("avery@customer.example").status_code == 200


def test_only_the_program_team_confirms_and_only_a_requested_erasure(db, me):
    csm = UserFactory(role="csm")
    with pytest.raises(Forbidden):
        privacy.confirm_erasure(csm, me)
    with pytest.raises(Forbidden):
        privacy.confirm_erasure(me.user, me)
    with pytest.raises(DomainError, match="has not asked"):
        privacy.confirm_erasure(UserFactory(role="manager"), me)
    assert me.anonymized_at is None and me.name == "Avery Adler"


def test_a_csm_can_not_confirm_an_erasure_on_the_staff_page(db, client, auth, me):
    privacy.request_erasure(me.user, me)
    csm = UserFactory(role="csm")
    me.account.csm = csm
    db.session.commit()
    auth.logout()
    auth.login(csm.email)
    assert client.post(f"/advocates/{me.id}/erasure").status_code == 403
    db.session.refresh(me)
    assert me.anonymized_at is None
