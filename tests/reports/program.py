"""A small program whose report figures are worked out by hand (each test says how)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa

from portal.asks.lead_time import working_days_between
from portal.asks.models import AdvocateEligibility, MatchRow
from portal.benefits.models import Claim
from portal.database import now_utc
from portal.reports.params import Params
from tests.factories import (
    AccountFactory,
    AdvocateFactory,
    AskFactory,
    BenefitFactory,
    LedgerEntryFactory,
    ReferenceRequestFactory,
    UserFactory,
)

RANGE = Params(dt.date(2026, 1, 1), dt.date(2026, 6, 30))


def at(day: str, hour: int = 0) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=dt.UTC)


def make_request(requester, created, status, activity="reference_call", **fields):
    needed_by = created.date() + dt.timedelta(days=30)
    # The notice it gave when filed (the lead-time report), unless the test says otherwise.
    fields.setdefault("notice_days", working_days_between(created.date(), needed_by))
    return ReferenceRequestFactory(
        requester=requester,
        activity_type=activity,
        status=status,
        created_at=created,
        updated_at=created,
        needed_by=needed_by,
        **fields,
    )


def make_ask(request, advocate, status, asked, responded=None, completed=None, reason=None):
    return AskFactory(
        request=request,
        advocate=advocate,
        status=status,
        asked_at=asked,
        respond_by=asked + dt.timedelta(days=7),
        responded_at=responded,
        completed_at=completed,
        decline_reason=reason,
    )


def build_program(db, prefix: str = "") -> dict:
    """Requests R1..R9 (R6 a draft, R7 before the range), asks, ledger, claims; see tests."""
    sales = UserFactory(role="requester", team="sales", email=f"{prefix}sales@example.com")
    pr = UserFactory(role="requester", team="pr", email=f"{prefix}pr@example.com")
    bank = AccountFactory(industry="banking", segment="enterprise", region="emea")
    insurer = AccountFactory(industry="insurance", segment="smb", region="na")
    adv1 = AdvocateFactory(account=bank)
    adv2 = AdvocateFactory(account=bank)
    adv3 = AdvocateFactory(account=insurer)
    adv4 = AdvocateFactory(account=insurer)  # never asked
    AdvocateFactory(account=bank, status="paused")  # not active: not in utilization

    def opp(crm, outcome, amount, close, industry):
        return {
            "opportunity_crm_id": f"{prefix}{crm}",
            "opportunity_outcome": outcome,
            "opportunity_amount": Decimal(amount),
            "opportunity_close_date": dt.date.fromisoformat(close),
            "criteria": {"industries": [industry]},
        }

    r1 = make_request(
        sales,
        at("2026-02-01", 10),
        "completed",
        **opp("OPP1", "won", 100000, "2026-03-15", "banking"),
    )
    make_ask(r1, adv1, "completed", at("2026-02-02"), at("2026-02-03", 10), at("2026-02-10"))
    make_ask(r1, adv2, "declined", at("2026-02-02"), at("2026-02-03"), reason="too_busy")
    r2 = make_request(
        sales,
        at("2026-03-01"),
        "in_progress",
        **opp("OPP2", "lost", 50000, "2026-04-10", "banking"),
    )
    make_ask(r2, adv3, "accepted", at("2026-03-02"), at("2026-03-05"))
    r3 = make_request(
        sales,
        at("2026-04-01"),
        "cancelled",
        activity="case_study",
        **opp("OPP3", "won", 70000, "2026-05-01", "insurance"),
    )
    make_ask(r3, adv2, "declined", at("2026-04-01", 12), at("2026-04-02"), reason="timing")
    make_request(pr, at("2026-05-01"), "submitted", activity="press_interview")  # R4
    r5 = make_request(
        sales, at("2026-05-10"), "fulfilled", **opp("OPP1", "won", 100000, "2026-03-15", "banking")
    )
    make_ask(r5, adv1, "accepted", at("2026-05-11"), at("2026-05-16"))
    make_request(sales, at("2026-05-20"), "draft")  # R6: a draft counts nowhere
    r7 = make_request(
        sales, at("2025-06-01"), "completed", **opp("OPP7", "won", 999, "2025-07-01", "banking")
    )
    make_ask(r7, adv3, "completed", at("2025-06-01"), at("2025-06-02"), at("2025-06-20"))
    r8 = make_request(
        sales, at("2026-01-15"), "completed", **opp("OPP8", "lost", 40000, "2026-02-20", "banking")
    )
    make_ask(r8, adv2, "completed", at("2026-01-16"), at("2026-01-17"), at("2026-01-25"))
    make_request(
        sales, at("2026-02-10"), "expired", **opp("OPP9", "lost", 30000, "2026-06-01", "insurance")
    )  # R9

    # Ledger: in range +100 +50 activity, -60 claim, +20 refund, -5 adjustment.
    for advocate, delta, reason, day in (
        (adv1, 100, "activity", "2026-02-05"),
        (adv2, 50, "activity", "2026-01-20"),
        (adv1, -60, "claim", "2026-03-01"),
        (adv1, 20, "refund", "2026-03-10"),
        (adv2, -5, "adjustment", "2026-04-01"),
        (adv1, 999, "activity", "2025-01-01"),
    ):
        LedgerEntryFactory(advocate=advocate, delta=delta, reason=reason, created_at=at(day))
    slot = BenefitFactory(kind="speaking_slot")
    training = BenefitFactory(kind="training")
    for benefit, advocate, status, day in (
        (slot, adv1, "approved", "2026-03-01"),
        (training, adv2, "waitlisted", "2026-03-05"),
        (training, adv3, "fulfilled", "2026-03-06"),
        (slot, adv3, "approved", "2025-01-01"),
    ):
        db.session.add(
            Claim(
                benefit=benefit,
                advocate=advocate,
                status=status,
                details={},
                created_at=at(day),
                updated_at=at(day),
            )
        )
    db.session.flush()
    # adv1 is at a limit now (as the overuse rule would have it); nobody else is.
    limited_until = now_utc() + dt.timedelta(days=10)
    for table in (AdvocateEligibility, MatchRow):  # the row and its narrow part, as the app
        db.session.execute(sa.update(table).values(askable_from=None))
        db.session.execute(
            sa.update(table).where(table.advocate_id == adv1.id).values(askable_from=limited_until)
        )
    db.session.commit()
    return {"sales": sales, "pr": pr, "advocates": [adv1, adv2, adv3, adv4]}
