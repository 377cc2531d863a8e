"""The figures each role's home page shows (read-only queries)."""

from __future__ import annotations

import datetime as dt
import functools

import sqlalchemy as sa

from portal import i18n
from portal.accounts.models import Account
from portal.advocates.models import Advocate
from portal.asks.asks import show_expiry
from portal.asks.models import Ask, ReferenceRequest
from portal.asks.overuse import (
    LIVE_ASK_STATUSES,
    effective_limits,
    usage,
    window_starts,
    zone_of,
)
from portal.benefits.claims import waitlist_position
from portal.benefits.models import Benefit, Claim, LedgerEntry
from portal.database import now_utc
from portal.extensions import db
from portal.i18n import N_, gettext, ngettext
from portal.vocab import label

OPEN_REQUEST_STATUSES = ("submitted", "in_progress")


# Words for counted activities where adding "s" would read wrong.
_PLURALS = {"case_study": "case studies", "speaking": "speaking engagements"}
_SINGULARS = {"speaking": "speaking engagement"}


def counted(count: int, activity_type: str) -> str:
    """'1 reference call', '2 case studies' ('Referenzgespräch (1)' in other languages, where
    the plural of each activity's words is not ours to guess)."""
    if not i18n.in_english():
        return gettext("%(activity)s (%(count)s)", activity=label(activity_type), count=count)
    if count == 1:
        return f"1 {_SINGULARS.get(activity_type, label(activity_type).lower())}"
    return f"{count} {_PLURALS.get(activity_type, label(activity_type).lower() + 's')}"


def _live_by_type(advocate: Advocate, start: dt.date, zone) -> list[tuple[str, int]]:
    since = dt.datetime.combine(start, dt.time(), zone).astimezone(dt.UTC)
    rows = db.session.execute(
        sa.select(ReferenceRequest.activity_type, sa.func.count(Ask.id))
        .join(Ask.request)
        .where(
            Ask.advocate_id == advocate.id,
            Ask.status.in_(LIVE_ASK_STATUSES),
            Ask.asked_at >= since,
        )
        .group_by(ReferenceRequest.activity_type)
        .order_by(sa.func.count(Ask.id).desc(), ReferenceRequest.activity_type)
    ).all()
    return [(kind, int(n)) for kind, n in rows]


def _usage_words(count: int, limit: int, period: str) -> str:
    """'2 of 3 asks this quarter'; '2 asks this month (your limit is now 1)' when over."""
    if count > limit:
        over = {
            "month": N_("%(count)s asks this month (your limit is now %(limit)s)"),
            "quarter": N_("%(count)s asks this quarter (your limit is now %(limit)s)"),
            "year": N_("%(count)s asks this year (your limit is now %(limit)s)"),
        }
        return gettext(over[period], count=count, limit=limit)
    if period == "month":
        text = ngettext(
            "%(count)s of %(num)s ask this month",
            "%(count)s of %(num)s asks this month",
            limit,
            count=count,
        )
    elif period == "quarter":
        text = ngettext(
            "%(count)s of %(num)s ask this quarter",
            "%(count)s of %(num)s asks this quarter",
            limit,
            count=count,
        )
    else:
        text = ngettext(
            "%(count)s of %(num)s ask this year",
            "%(count)s of %(num)s asks this year",
            limit,
            count=count,
        )
    return text


def advocate_usage(advocate: Advocate, at: dt.datetime | None = None) -> list[dict]:
    """What the advocate has given per window against their own limits, in words:
    [{"period": "this quarter", "used": 2, "limit": 4, "words": "2 of 4 asks this quarter",
    "detail": "1 reference call, 1 case study", "own_limit": True}, ...]."""
    at = at or now_utc()
    zone = zone_of(advocate)
    used = usage(advocate, at)
    limits = effective_limits(advocate)
    windows = window_starts(at.astimezone(zone).date())
    lines = []
    for period, count, limit, own in (
        ("month", used.month, limits.per_month, advocate.max_per_month),
        ("quarter", used.quarter, limits.per_quarter, advocate.max_per_quarter),
        ("year", used.year, limits.per_year, advocate.max_per_year),
    ):
        kinds = _live_by_type(advocate, windows[period][0], zone)
        lines.append(
            {
                "period": f"this {period}",
                "used": count,
                "limit": limit,
                "own_limit": own is not None,
                "full": count >= limit,
                "words": _usage_words(count, limit, period),
                "detail": ", ".join(counted(n, kind) for kind, n in kinds),
            }
        )
    return lines


def points_balance(advocate: Advocate) -> int:
    return int(
        db.session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(LedgerEntry.delta), 0)).where(
                LedgerEntry.advocate_id == advocate.id
            )
        )
    )


def advocate_home(advocate: Advocate, at: dt.datetime | None = None) -> dict:
    """The advocate's home: asks waiting, what is coming up, usage, points, benefits.

    A pending ask past its answer date shows as expired (missed), as the expire-asks job will
    save it; nothing is written."""
    at = at or now_utc()
    with_request = sa.orm.joinedload(Ask.request).joinedload(ReferenceRequest.requester)

    def own_asks(*conditions, order_by):
        return db.session.scalars(
            sa.select(Ask)
            .where(Ask.advocate_id == advocate.id, *conditions)
            .options(with_request)
            .order_by(*order_by)
        ).all()

    waiting = own_asks(
        Ask.status == "pending",
        Ask.respond_by > at,
        Ask.not_held(at),
        order_by=(Ask.respond_by, Ask.id),
    )
    accepted = own_asks(
        Ask.status == "accepted",
        sa.or_(Ask.scheduled_at.is_(None), Ask.scheduled_at >= at),
        order_by=(Ask.scheduled_at, Ask.id),
    )
    missed = own_asks(
        sa.or_(Ask.status == "expired", sa.and_(Ask.status == "pending", Ask.respond_by <= at)),
        Ask.respond_by >= at - dt.timedelta(days=30),
        order_by=(Ask.respond_by.desc(),),
    )
    show_expiry(missed, at)
    today = at.astimezone(zone_of(advocate)).date()
    benefits = db.session.scalars(
        sa.select(Benefit)
        .where(
            Benefit.status == "open",
            sa.or_(Benefit.claim_deadline.is_(None), Benefit.claim_deadline >= today),
        )
        .order_by(Benefit.event_date.is_(None), Benefit.event_date, Benefit.id)
        .limit(6)
    ).all()
    blackout = next((b for b in advocate.blackouts if b.start <= today <= b.end), None)
    return {
        "waiting": waiting,
        "upcoming": [a for a in accepted if a.scheduled_at is not None],
        "arranging": [a for a in accepted if a.scheduled_at is None],
        "missed": missed,
        "usage": advocate_usage(advocate, at),
        "balance": points_balance(advocate),
        "benefits": benefits,
        "claimed": claims_on(advocate, [b.id for b in benefits]),
        "paused": advocate.paused_until
        if advocate.paused_until and advocate.paused_until > today
        else None,
        "blackout": blackout,
    }


# What an advocate's latest claim on a benefit means for them, by its status.
CLAIM_WORDS = {
    "approved": N_("You have a place"),
    "requested": N_("Waiting for the program team's decision"),
    "waitlisted": N_("On the waiting list"),
    "declined": N_("Your claim was declined"),
    "cancelled": N_("Your claim was cancelled"),
    "fulfilled": N_("You received this"),
}


def claim_words(claim: Claim) -> str:
    """'You have a place', 'On the waiting list (position 2)'... what is true of the claim."""
    if claim.status == "waitlisted":
        position = waitlist_position(claim)
        if position:
            return gettext("On the waiting list (position %(position)s)", position=position)
    return gettext(CLAIM_WORDS[claim.status])


def claims_on(advocate: Advocate, benefit_ids: list[int]) -> dict[int, str]:
    """Benefit id -> the words for the advocate's latest claim on it (one query, plus one per
    waitlisted claim for its position: a home page shows a handful of benefits)."""
    if not benefit_ids:
        return {}
    latest = (
        sa.select(sa.func.max(Claim.id))
        .where(Claim.advocate_id == advocate.id, Claim.benefit_id.in_(benefit_ids))
        .group_by(Claim.benefit_id)
    )
    claims = db.session.scalars(sa.select(Claim).where(Claim.id.in_(latest))).all()
    return {claim.benefit_id: claim_words(claim) for claim in claims}


def requester_home(user) -> dict:
    requests = db.session.scalars(
        sa.select(ReferenceRequest)
        .where(ReferenceRequest.requester_id == user.id)
        .order_by(ReferenceRequest.created_at.desc())
        .limit(20)
    ).all()
    return {"requests": requests}


CSM_HOME_ACCOUNTS = 25  # a CSM may look after hundreds of accounts: the home page pages them


def csm_accounts_query(user) -> sa.Select:
    """The accounts `user` looks after as their CSM, by name."""
    return sa.select(Account).where(Account.csm_id == user.id).order_by(Account.name, Account.id)


def csm_home(user, page_number: int = 1) -> dict:
    """The CSM's home: a page of their accounts, each with its advocates and active advocates
    counted (one grouped query for the page, whatever the number of accounts), and their own
    requests."""
    page = db.paginate(
        csm_accounts_query(user), page=page_number, per_page=CSM_HOME_ACCOUNTS, error_out=False
    )
    counts: dict[int, tuple[int, int]] = {}
    if page.items:
        counted = db.session.execute(
            sa.select(
                Advocate.account_id,
                sa.func.count(Advocate.id),
                sa.func.count(Advocate.id).filter(Advocate.status == "active"),
            )
            .where(Advocate.account_id.in_([account.id for account in page.items]))
            .group_by(Advocate.account_id)
        )
        counts = {account_id: (total, active) for account_id, total, active in counted}
    rows = [(account, *counts.get(account.id, (0, 0))) for account in page.items]
    return {"accounts": rows, "page": page, **requester_home(user)}


def program_figures() -> dict:
    """The program page's cards; each counts exactly what the list it links to shows. One
    statement: each card a scalar subquery."""
    return db.session.execute(_figures_statement()).one()._asdict()


@functools.cache
def _figures_statement() -> sa.Select:
    """`program_figures`' statement, built once (the same for every request)."""

    def count(model, condition):
        return sa.select(sa.func.count()).select_from(model).where(condition).scalar_subquery()

    cards = {
        "active_advocates": count(Advocate, Advocate.status == "active"),
        "nominated_advocates": count(Advocate, Advocate.status == "nominated"),
        "invited_advocates": count(Advocate, Advocate.status == "invited"),
        "active_accounts": count(Account, Account.status == "active"),
        "open_requests": count(
            ReferenceRequest, ReferenceRequest.status.in_(OPEN_REQUEST_STATUSES)
        ),
        "pending_asks": count(Ask, Ask.status == "pending"),
        "claims_to_decide": count(Claim, Claim.status == "requested"),
    }
    return sa.select(*(c.label(k) for k, c in cards.items()))


def requests_due(limit: int = 10) -> list[ReferenceRequest]:
    return db.session.scalars(_due_statement(limit)).all()


@functools.cache
def _due_statement(limit: int) -> sa.Select:
    """The open requests needed soonest, with their requesters (built once per `limit`)."""
    return (
        sa.select(ReferenceRequest)
        .options(sa.orm.joinedload(ReferenceRequest.requester))
        .where(ReferenceRequest.status.in_(OPEN_REQUEST_STATUSES))
        .order_by(ReferenceRequest.needed_by)
        .limit(limit)
    )


def asks_query(status: str | None) -> sa.Select:
    """Every ask (the program team's list behind the "asks awaiting an answer" card), oldest
    answer date first, with its request and advocate."""
    query = (
        sa.select(Ask)
        .options(
            sa.orm.joinedload(Ask.request).joinedload(ReferenceRequest.requester),
            sa.orm.joinedload(Ask.advocate).joinedload(Advocate.account),
        )
        .order_by(Ask.respond_by, Ask.id)
    )
    if status:
        query = query.where(Ask.status == status)
    return query
