"""Reference activity for the CRM: one row per accepted or completed ask on a request that
supports a CRM deal, in columns a CRM's activity (task) import accepts, so a deal shows which
customers spoke for it: what `flask --app portal export-activity` and the program team's download
(opportunities/staff_views.py) write.

The activity date is the ask's completed date, else its scheduled date, else the day it was
accepted (else asked), as a UTC calendar date. Rows come by that date, then by ask id.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from portal import csvio
from portal.accounts.models import Account
from portal.advocates.models import Advocate
from portal.asks.models import Ask, ReferenceRequest
from portal.auth.permissions import can
from portal.errors import Forbidden
from portal.extensions import db
from portal.opportunities.models import Opportunity
from portal.validation import Checker
from portal.vocab import label

COLUMNS = (
    "Opportunity ID",
    "Subject",
    "Activity Date",
    "Status",
    "Advocate",
    "Advocate Email",
    "Advocate Account",
    "Activity Type",
    "Request ID",
    "Portal Ask ID",
)
EXPORTED = ("accepted", "completed")


def check_period(since, until) -> tuple[dt.date | None, dt.date | None]:
    """The period's first and last day (either may be open), or ValidationFailed naming the
    bad one; dates or 'YYYY-MM-DD' text."""
    c = Checker({"since": since, "until": until}, allowed=("since", "until"))
    c.date("since")
    c.date("until")
    clean = c.done()
    first, last = clean.get("since"), clean.get("until")
    if first and last and last < first:
        c.error("until", "Must not be before since.")
        c.done()
    return first, last


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


def activity_rows(actor, since=None, until=None) -> list[tuple]:
    """The activity rows in COLUMNS order for the period (program team only; `actor` None is
    the command line)."""
    if actor is not None and not can(actor, "program.manage"):
        raise Forbidden("Only the reference team exports reference activity.")
    first, last = check_period(since, until)
    crm_id = sa.func.coalesce(
        Opportunity.crm_id, sa.func.nullif(ReferenceRequest.opportunity_crm_id, "")
    )
    when = sa.func.coalesce(Ask.completed_at, Ask.scheduled_at, Ask.responded_at, Ask.asked_at)
    query = (
        sa.select(
            Ask.id,
            Ask.status,
            Ask.completed_at,
            Ask.scheduled_at,
            Ask.responded_at,
            Ask.asked_at,
            ReferenceRequest.id,
            ReferenceRequest.activity_type,
            crm_id,
            Advocate.name,
            Advocate.email,
            Account.name,
        )
        .join(ReferenceRequest, Ask.request_id == ReferenceRequest.id)
        .join(Advocate, Ask.advocate_id == Advocate.id)
        .join(Account, Advocate.account_id == Account.id)
        .outerjoin(Opportunity, ReferenceRequest.opportunity_id == Opportunity.id)
        .where(Ask.status.in_(EXPORTED), crm_id.is_not(None))
    )
    if first is not None:
        query = query.where(when >= _midnight(first))
    if last is not None and last < dt.date.max:  # the last day there is has no day after
        query = query.where(when < _midnight(last + dt.timedelta(days=1)))
    rows = []
    for (
        ask_id,
        status,
        completed,
        scheduled,
        accepted,
        asked,
        request_id,
        activity_type,
        crm,
        advocate,
        email,
        account,
    ) in db.session.execute(query):
        moment = completed or scheduled or accepted or asked
        activity = label(activity_type)
        rows.append(
            (
                crm,
                f"{activity}: {advocate} ({account})",
                moment.astimezone(dt.UTC).date(),
                "Completed" if status == "completed" else "Planned",
                advocate,
                email,
                account,
                activity,
                request_id,
                ask_id,
            )
        )
    rows.sort(key=lambda row: (row[2], row[9]))
    return rows


def record_export(actor, rows: list, since, until, *, via: str) -> None:
    """Audit the download (who, the period, how many rows); the caller commits first."""
    filters = {
        name: value.isoformat() for name, value in (("since", since), ("until", until)) if value
    }
    csvio.record_export(actor, "activity", rows=len(rows), filters=filters, via=via)


def filename(since, until) -> str:
    """The download's name, with the period it covers."""
    period = "-".join(day.isoformat() for day in (since, until) if day)
    return f"reference-activity{'-' + period if period else ''}.csv"
