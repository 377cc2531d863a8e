"""Customer success: referenceable accounts and their participation (advocates, asks,
benefits received)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa

from portal.accounts.models import Account
from portal.advocates.models import Advocate
from portal.asks.models import Ask
from portal.audit import service as audit
from portal.auth.permissions import can, demand
from portal.benefits.models import Claim
from portal.database import aware_utc
from portal.errors import Forbidden, get_or_not_found
from portal.extensions import db
from portal.recruiting.models import Referenceability
from portal.validation import Checker
from portal.vocab import REFERENCEABILITY, RELATIONSHIP_HEALTH

RECEIVED_CLAIMS = ("approved", "fulfilled")


def _may_look_after(actor, account: Account) -> bool:
    """Customer success looks after its own accounts; the program team after every one."""
    if not can(actor, "accounts.edit"):
        return False
    return can(actor, "program.manage") or account.csm_id == actor.id


def get_own_account(actor, account_id: int) -> Account:
    """An account the CSM looks after (any for the program team); others answer NotFound."""
    return get_or_not_found(
        Account, account_id, "No such account.", lambda account: _may_look_after(actor, account)
    )


def referenceability_of(account: Account) -> Referenceability | None:
    return db.session.scalar(
        sa.select(Referenceability).where(Referenceability.account_id == account.id)
    )


def set_referenceability(actor, account: Account, data: dict) -> Referenceability:
    """Record whether an account may be asked for references, why, its health and NPS."""
    if not _may_look_after(actor, account):
        raise Forbidden("You can only rate accounts you look after.")
    c = Checker(data, allowed=("status", "reason", "health", "nps"))
    c.choice("status", REFERENCEABILITY, required=True)
    c.text("reason", max_length=2000, required=True)
    c.choice("health", RELATIONSHIP_HEALTH)
    c.integer("nps", minimum=-100, maximum=100)
    c.plain("reason")
    clean = c.done()
    row = referenceability_of(account)
    if row is None:
        row = Referenceability(account_id=account.id, updated_by_id=actor.id, **clean)
        db.session.add(row)
        audit.record(actor, "account.referenceability_set", account, clean)
        return row
    changed = audit.changes(row, clean)
    if changed:
        row.updated_by_id = actor.id
        audit.record(actor, "account.referenceability_set", account, changed)
    return row


@dataclass
class AccountParticipation:
    account: Account
    referenceability: Referenceability | None
    advocates: dict[str, int] = field(default_factory=dict)  # status -> count
    asks: dict[str, int] = field(default_factory=dict)  # ask status -> count
    benefits: int = 0
    last_ask_at: dt.datetime | None = None


def participation_query(actor, account_ids: list[int] | None = None) -> sa.Select:
    """The accounts whose participation `actor` sees (a CSM: their own), by name."""
    demand(actor, "accounts.edit", "Only customer success and the program team see participation.")
    query = sa.select(Account).order_by(Account.name, Account.id)
    if not can(actor, "program.manage"):
        query = query.where(Account.csm_id == actor.id)
    if account_ids is not None:
        query = query.where(Account.id.in_(account_ids))
    return query


def participation(
    actor, account_ids: list[int] | None = None, *, accounts: list[Account] | None = None
) -> list[AccountParticipation]:
    """Per account the CSM looks after (or per one of `accounts`, a page of
    `participation_query`): referenceability, advocates by status, asks by outcome and benefits
    received, in four queries."""
    if accounts is None:
        accounts = db.session.scalars(participation_query(actor, account_ids)).all()
    elif not can(actor, "accounts.edit"):
        raise Forbidden("Only customer success and the program team see participation.")
    rows = {a.id: AccountParticipation(a, None) for a in accounts}
    if not rows:
        return []
    ids = list(rows)
    for ref in db.session.scalars(
        sa.select(Referenceability).where(Referenceability.account_id.in_(ids))
    ):
        rows[ref.account_id].referenceability = ref
    for account_id, status, count in db.session.execute(
        sa.select(Advocate.account_id, Advocate.status, sa.func.count())
        .where(Advocate.account_id.in_(ids))
        .group_by(Advocate.account_id, Advocate.status)
    ):
        rows[account_id].advocates[status] = count
    for account_id, status, count, last in db.session.execute(
        sa.select(Advocate.account_id, Ask.status, sa.func.count(), sa.func.max(Ask.asked_at))
        .join(Ask, Ask.advocate_id == Advocate.id)
        .where(Advocate.account_id.in_(ids))
        .group_by(Advocate.account_id, Ask.status)
    ):
        row = rows[account_id]
        row.asks[status] = count
        last = aware_utc(last)
        if last and (row.last_ask_at is None or last > row.last_ask_at):
            row.last_ask_at = last
    for account_id, count in db.session.execute(
        sa.select(Advocate.account_id, sa.func.count())
        .join(Claim, Claim.advocate_id == Advocate.id)
        .where(Advocate.account_id.in_(ids), Claim.status.in_(RECEIVED_CLAIMS))
        .group_by(Advocate.account_id)
    ):
        rows[account_id].benefits = count
    return list(rows.values())


def recent_asks_of_account(account: Account, limit: int = 10) -> list[Ask]:
    return list(
        db.session.scalars(
            sa.select(Ask)
            .join(Advocate, Ask.advocate_id == Advocate.id)
            .where(Advocate.account_id == account.id)
            .order_by(Ask.asked_at.desc(), Ask.id.desc())
            .limit(limit)
        )
    )
