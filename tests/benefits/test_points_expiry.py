"""Points expiry: off by default; when set, old unused points expire as a ledger entry and
advocates are told 30 days ahead, once."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from portal.benefits.ledger import EXPIRY_MEMO, balance, expire_points
from portal.benefits.models import LedgerEntry
from portal.notifications.models import OutboxMessage
from portal.program.service import set_setting
from tests.factories import LedgerEntryFactory, UserFactory, advocate_with_login


def _at(days_ago: int) -> dt.datetime:
    return dt.datetime.now(dt.UTC) - dt.timedelta(days=days_ago)


def test_nothing_expires_while_the_setting_is_off(db):
    advocate, _ = advocate_with_login()
    LedgerEntryFactory(advocate=advocate, delta=100, reason="activity", created_at=_at(900))
    assert expire_points() == (0, 0)
    assert balance(advocate.id) == 100


def test_old_unused_points_expire_first_in_first_out(db):
    admin = UserFactory(role="admin")
    set_setting(admin, "points_expiry_months", 12)
    advocate, _ = advocate_with_login()
    LedgerEntryFactory(advocate=advocate, delta=100, reason="activity", created_at=_at(500))
    LedgerEntryFactory(advocate=advocate, delta=-30, reason="claim", created_at=_at(400))
    LedgerEntryFactory(advocate=advocate, delta=50, reason="activity", created_at=_at(10))
    expired, _ = expire_points()
    assert expired == 1
    # 100 old, 30 of them spent: 70 expire; the 50 earned recently stay.
    assert balance(advocate.id) == 50
    entry = db.session.scalars(sa.select(LedgerEntry).where(LedgerEntry.memo == EXPIRY_MEMO)).one()
    assert entry.delta == -70
    assert expire_points()[0] == 0  # nothing more the next day


def test_advocate_is_told_30_days_ahead_once(db):
    admin = UserFactory(role="admin")
    set_setting(admin, "points_expiry_months", 12)
    advocate, _ = advocate_with_login()
    LedgerEntryFactory(advocate=advocate, delta=80, reason="activity", created_at=_at(350))
    assert expire_points() == (0, 1)
    assert expire_points() == (0, 0)
    message = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.template == "claim_points_expiring")
    ).one()
    assert message.recipient == advocate.email and "80" in message.body_text
    assert balance(advocate.id) == 80


def test_expire_points_command_reports_what_it_did(app, db, runner):
    result = runner.invoke(args=["expire-points"])
    assert result.exit_code == 0
    assert "Expired points of 0 advocates" in result.output
