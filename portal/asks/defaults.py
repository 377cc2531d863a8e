"""What a new request starts from: the usual values of each activity type, and the criteria of
the prospect's own account when it is one of the program's.

The usual needed-by date gives the activity's lead time (the program's `lead_time_days`) plus a
few working days for the reference team to find and ask someone, so a request filed with it is
never a rush. The form sets these values when the requester picks an activity (chips.js), and
the server does for a link that names only the activity type.
"""

from __future__ import annotations

import datetime as dt

from portal.accounts.lookup import resolve_account
from portal.accounts.models import Account
from portal.asks.lead_time import add_working_days, lead_times
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.vocab import ACTIVITY_TYPES

# Working days on top of the activity's lead time.
SLACK_WORKING_DAYS = 3
# How many advocates a request of each type usually wants.
ADVOCATES_NEEDED = {
    "reference_call": 1,
    "site_visit": 1,
    "case_study": 1,
    "quote": 1,
    "video_testimonial": 1,
    "press_interview": 1,
    "analyst_briefing": 1,
    "speaking": 1,
    "webinar": 1,
    "peer_review": 3,
    "advisory_board": 1,
    "beta_program": 1,
    "social_post": 1,
    "referral": 1,
}


def activity_defaults(today: dt.date, times: dict[str, int] | None = None) -> dict[str, dict]:
    """{activity type: {"advocates_needed": "1", "needed_by": "2027-01-15"}}, as the form shows
    them: the usual count, and `today` (the requester's) plus the lead time and the slack."""
    times = lead_times() if times is None else times
    return {
        kind: {
            "advocates_needed": str(ADVOCATES_NEEDED.get(kind, 1)),
            "needed_by": add_working_days(
                today, times.get(kind, 0) + SLACK_WORKING_DAYS
            ).isoformat(),
        }
        for kind in ACTIVITY_TYPES
    }


def prospect_account(deal, prospect: str | None) -> Account | None:
    """The program's account a new request's prospect is: the deal's own account when the CRM
    import matched one, else the one account named exactly as the prospect (any case)."""
    if deal is not None and deal.account_id is not None:
        return db.session.get(Account, deal.account_id)
    if not (prospect or "").strip():
        return None
    try:
        match = resolve_account(prospect)
    except ValidationFailed:  # no account by that name, or several
        return None
    return db.session.get(Account, match.id)


def account_criteria(account: Account | None) -> dict[str, list[str]]:
    """The criteria an account suggests: its industry, products, region and segment."""
    if account is None:
        return {}
    return {
        "industries": [account.industry] if account.industry else [],
        "products": [p for p in account.products or [] if isinstance(p, str)],
        "regions": [account.region] if account.region else [],
        "segments": [account.segment] if account.segment else [],
    }
