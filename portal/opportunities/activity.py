"""Reference activity for the CRM: one row per accepted or completed ask on a request that
supports a CRM deal, in columns a CRM's activity (task) import accepts, so a deal shows which
customers spoke for it. `flask --app portal export-activity` and the program team's download.

The activity date is the ask's completed date, else its scheduled date, else the day it was
accepted (else asked), as a UTC calendar date. Rows come by that date, then by ask id.
"""

from __future__ import annotations

import datetime as dt
import sys

import click
import sqlalchemy as sa
from flask import request
from flask.cli import with_appcontext
from flask_login import current_user

from portal import csvio
from portal.accounts.models import Account
from portal.advocates.models import Advocate
from portal.asks.models import Ask, ReferenceRequest
from portal.auth.permissions import can, require
from portal.errors import DomainError, Forbidden
from portal.extensions import db
from portal.opportunities.models import Opportunity
from portal.opportunities.views import bp
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


def _filename(since, until) -> str:
    period = "-".join(day.isoformat() for day in (since, until) if day)
    return f"reference-activity{'-' + period if period else ''}.csv"


@bp.get("/activity.csv")
@require("program.manage")
def activity_csv():
    """The reference activity as a CSV download; ?since= and ?until= (YYYY-MM-DD) narrow it."""
    since, until = check_period(request.args.get("since"), request.args.get("until"))
    rows = activity_rows(current_user, since, until)
    record_export(current_user, rows, since, until, via="page")
    db.session.commit()  # audited before a byte leaves
    return csvio.download(csvio.lines(COLUMNS, rows), _filename(since, until))


@click.command("export-activity")
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), help="First day (YYYY-MM-DD).")
@click.option("--until", type=click.DateTime(formats=["%Y-%m-%d"]), help="Last day (YYYY-MM-DD).")
@click.option(
    "--output",
    type=click.File("w", encoding="utf-8", lazy=True),
    default="-",
    help="The CSV file to write (default: standard output).",
)
@with_appcontext
def export_activity_command(since, until, output):
    """Write reference activity on CRM deals as CSV, one row per accepted or completed ask, for
    the CRM's activity import."""
    since = since.date() if since else None
    until = until.date() if until else None
    try:
        rows = activity_rows(None, since, until)
    except DomainError as error:
        db.session.rollback()
        click.echo(f"Error: {error.message}", err=True)
        sys.exit(1)
    record_export(None, rows, since, until, via="cli")
    db.session.commit()  # audited before a byte is written
    for chunk in csvio.lines(COLUMNS, rows):
        output.write(chunk)
    if output.name != "<stdout>":
        click.echo(f"{len(rows)} activit{'y' if len(rows) == 1 else 'ies'} written.", err=True)
