"""Customer success nurtures the advocates at its own accounts, as the README promises: their
follow-ups (see, complete, set) and their health flags; other accounts' answer 404."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from portal.audit.models import AuditEvent
from portal.errors import Forbidden, NotFound
from portal.recruiting import nurturing
from portal.recruiting.models import Touchpoint
from tests.factories import AccountFactory, AdvocateFactory, AskFactory, UserFactory
from tests.helpers import sign_in

YESTERDAY = dt.date.today() - dt.timedelta(days=1)


def _follow_up(advocate, summary, by=None):
    touchpoint = Touchpoint(
        advocate=advocate,
        kind="call",
        summary=summary,
        occurred_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=3),
        follow_up_on=YESTERDAY,
        created_by=by,
    )
    from portal.extensions import db

    db.session.add(touchpoint)
    db.session.flush()
    return touchpoint


@pytest.fixture
def setting(db, auth):
    csm = sign_in(db, auth, "csm")
    manager = UserFactory(role="manager")
    mine = AdvocateFactory(name="Ada Own", account=AccountFactory(csm=csm))
    theirs = AdvocateFactory(name="Bea Other", account=AccountFactory(csm=UserFactory(role="csm")))
    own_follow_up = _follow_up(mine, "Renewal chat", by=manager)
    other_follow_up = _follow_up(theirs, "Not yours", by=manager)
    db.session.commit()
    return csm, mine, theirs, own_follow_up, other_follow_up


def test_csm_sees_and_completes_a_follow_up_of_their_own_accounts_advocate(db, client, setting):
    csm, mine, _, own_follow_up, _ = setting

    page = client.get("/recruiting/follow-ups")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Ada Own" in text and "Renewal chat" in text
    assert "Bea Other" not in text and "Not yours" not in text

    done = client.post(f"/recruiting/touchpoints/{own_follow_up.id}/done")
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(Touchpoint, own_follow_up.id).follow_up_done_at is not None
    assert db.session.scalar(
        sa.select(AuditEvent)
        .where(AuditEvent.action == "touchpoint.follow_up_done", AuditEvent.actor_id == csm.id)
        .order_by(AuditEvent.id)
    )
    assert "Renewal chat" not in client.get("/recruiting/follow-ups").get_data(as_text=True)


def test_csm_gets_404_for_another_accounts_follow_up_and_nothing_changes(db, client, setting):
    *_, other_follow_up = setting

    assert client.post(f"/recruiting/touchpoints/{other_follow_up.id}/done").status_code == 404
    db.session.expire_all()
    assert db.session.get(Touchpoint, other_follow_up.id).follow_up_done_at is None


def test_csm_sees_health_flags_and_logs_a_touchpoint_for_their_own_advocate(db, client, setting):
    _, mine, theirs, *_ = setting
    mine.max_per_month = 1
    AskFactory(advocate=mine, status="accepted", asked_at=dt.datetime.now(dt.UTC))
    db.session.commit()

    page = client.get(f"/recruiting/advocates/{mine.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "At risk of burnout" in text and "at the monthly limit (1 of 1)" in text
    assert "Invite</button>" not in text and "Retire</button>" not in text  # program moves

    logged = client.post(
        f"/recruiting/advocates/{mine.id}",
        data={"kind": "call", "summary": "Checked in", "follow_up_on": ""},
    )
    assert logged.status_code == 302
    assert db.session.scalar(sa.select(Touchpoint).where(Touchpoint.summary == "Checked in"))

    assert client.get(f"/recruiting/advocates/{theirs.id}").status_code == 404
    refused = client.post(
        f"/recruiting/advocates/{theirs.id}", data={"kind": "call", "summary": "Sneaky"}
    )
    assert refused.status_code == 404
    assert db.session.scalar(sa.select(Touchpoint).where(Touchpoint.summary == "Sneaky")) is None


def test_services_hold_the_csm_to_their_own_accounts(db, setting):
    csm, mine, theirs, own_follow_up, other_follow_up = setting

    assert nurturing.follow_ups_due(csm, dt.date.today()) == [own_follow_up]
    assert nurturing.get_nurtured_advocate(csm, mine.id) is mine
    with pytest.raises(NotFound):
        nurturing.get_nurtured_advocate(csm, theirs.id)
    with pytest.raises(NotFound):
        nurturing.get_follow_up(csm, other_follow_up.id)
    with pytest.raises(Forbidden):
        nurturing.complete_follow_up(csm, other_follow_up)
    with pytest.raises(Forbidden):
        nurturing.log_touchpoint(csm, theirs, {"kind": "call", "summary": "x"})


def test_requesters_still_cannot_nurture(db, client, auth):
    sign_in(db, auth, "requester")

    assert client.get("/recruiting/follow-ups").status_code == 403
