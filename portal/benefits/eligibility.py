"""Who may claim a benefit, and why not: active, eligible by the benefit's rule, before its
deadline and event, not claimed already, with the points it costs (the reasons in words)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from portal.advocates.models import Advocate
from portal.asks.models import Ask
from portal.benefits.ledger import balance
from portal.benefits.models import Benefit
from portal.database import now_utc
from portal.extensions import db
from portal.i18n import gettext
from portal.vocab import in_sentence


def completed_activities(advocate_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Ask)
        .where(Ask.advocate_id == advocate_id, Ask.status == "completed")
    )


def _today() -> dt.date:
    return now_utc().date()


def _day(value: dt.date) -> str:
    return f"{value.day} {value:%B %Y}"


def _eligibility_refusal(advocate: Advocate, benefit: Benefit, done: int | None = None):
    if advocate.status != "active":
        return gettext("only active advocates may claim benefits")
    if benefit.eligibility == "min_completed":
        done = completed_activities(advocate.id) if done is None else done
        need = benefit.min_completed or 0
        if done < need:
            return gettext(
                "for advocates with %(need)s completed activities; you have %(done)s",
                need=need,
                done=done,
            )
    chosen = {a.advocate_id for a in benefit.allowed}
    if benefit.eligibility == "chosen" and advocate.id not in chosen:
        return gettext("by invitation only")
    return None


def _claim_refusal(advocate, benefit, claim, have=None, done=None) -> str | None:
    if claim is not None:
        return gettext("you claimed this already (%(status)s)", status=in_sentence(claim.status))
    today = _today()
    if benefit.status != "open":
        return gettext("closed")
    if benefit.claim_deadline and today > benefit.claim_deadline:
        return gettext("closed on %(day)s", day=_day(benefit.claim_deadline))
    if benefit.event_date and today >= benefit.event_date:
        return gettext("the event was on %(day)s", day=_day(benefit.event_date))
    refusal = _eligibility_refusal(advocate, benefit, done)
    if refusal:
        return refusal
    have = balance(advocate.id) if have is None else have
    if benefit.points_cost > have:
        return gettext(
            "needs %(cost)s points, you have %(have)s", cost=benefit.points_cost, have=have
        )
    return None


def have_too_few_points(advocate, benefit, claim) -> bool:
    """Whether a refused claim is refused for its points alone (the field an error names):
    with any balance it would pass."""
    return _claim_refusal(advocate, benefit, claim, have=benefit.points_cost) is None
