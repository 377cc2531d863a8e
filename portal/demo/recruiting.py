"""The demo's recruiting and nurturing: touchpoints, program targets, and (after the bulk
load) the accounts' referenceability and the invitations of invited advocates."""

from __future__ import annotations

import datetime as dt
import math

import sqlalchemy as sa

from portal.database import now_utc
from portal.demo.advocates import DemoAdvocate
from portal.demo.base import BaseBuilder
from portal.extensions import db
from portal.models import (
    Account,
    Advocate,
    Invitation,
    Referenceability,
    Target,
    Touchpoint,
    User,
)
from portal.recruiting.pipeline import REMIND_EVERY
from portal.vocab import label

TOUCHPOINTS = {
    "call": "Quarterly check-in call: {first} is happy with {product} and open to more calls.",
    "email": "Sent the program newsletter and the new benefits catalog.",
    "meeting": "Met at the user group; talked about a joint webinar later this year.",
    "event": "Attended the Customer Summit as our guest.",
    "gift": "Sent a program gift box.",
    "note": "Prefers to be asked by e-mail, never at month end.",
}


def _quarter_end(day: dt.date, later: int) -> dt.date:
    """The last day of the quarter `later` quarters after the one holding `day`."""
    month = ((day.month - 1) // 3 + 1 + later) * 3 + 1  # first month of the quarter after
    year = day.year + (month - 1) // 12
    return dt.date(year, (month - 1) % 12 + 1, 1) - dt.timedelta(days=1)


class RecruitingBuilder(BaseBuilder):
    """Adds the touchpoints and the program's targets."""

    def _touchpoints(self) -> None:
        rng = self.rng
        kinds = {"call": 30, "email": 30, "meeting": 15, "event": 10, "gift": 5, "note": 10}
        for advocate in self.advocates:
            account = advocate.account
            author = account["csm_id"] or self.manager_id
            if advocate.status == "invited":
                self._add(
                    Touchpoint,
                    advocate_id=advocate.id,
                    kind="email",
                    occurred_at=self._between(advocate.created_at, self.now),
                    summary="Sent the program invitation.",
                    follow_up_on=self.today + dt.timedelta(days=rng.randint(3, 10)),
                    created_by_id=author,
                )
                continue
            if advocate.status in ("nominated", "declined"):
                continue
            first = advocate.name.split(" ")[0]
            for _ in range(self._pick({0: 35, 1: 35, 2: 20, 3: 10})):
                kind = self._pick(kinds)
                self._add(
                    Touchpoint,
                    advocate_id=advocate.id,
                    kind=kind,
                    occurred_at=self._between(advocate.created_at, self.now),
                    summary=TOUCHPOINTS[kind].format(
                        first=first, product=self.products[advocate.products[0]]
                    ),
                    follow_up_on=self.today + dt.timedelta(days=rng.randint(3, 45))
                    if rng.random() < 0.15
                    else None,
                    created_by_id=author if kind != "event" else self.manager_id,
                )
        for advocate, ask, request in self.completed:
            if rng.random() < 0.5:
                continue
            self._add(
                Touchpoint,
                advocate_id=advocate.id,
                kind="thank_you",
                occurred_at=min(
                    self.now, ask["completed_at"] + dt.timedelta(hours=rng.randint(2, 48))
                ),
                summary=f"Thank-you note for the {label(request['activity_type']).lower()}.",
                follow_up_on=None,
                created_by_id=self.manager_id,
            )

    def _targets(self) -> None:
        industries = list(self.industries)
        products = list(self.products)
        specs = [
            {"industry": industries[0], "region": "emea", "activity_type": "reference_call"},
            {"product": products[min(1, len(products) - 1)], "region": "apac"},
            {"segment": "enterprise", "activity_type": "case_study"},
            {"region": "latam"},
            {"industry": industries[min(2, len(industries) - 1)], "region": "na"},
            {"activity_type": "analyst_briefing"},
        ]
        quarter_ends = (_quarter_end(self.today, 0), _quarter_end(self.today, 1))
        for number, spec in enumerate(specs):
            matching = sum(1 for advocate in self.advocates if self._matches(advocate, spec))
            if number == len(specs) - 1:
                count = max(1, matching - 1)  # one target already met
            else:
                count = matching + max(2, math.ceil(matching * 0.25))
            due = quarter_ends[number % 2]
            created = self._ago(20, 120)
            self._add(
                Target,
                industry=spec.get("industry"),
                product=spec.get("product"),
                region=spec.get("region"),
                segment=spec.get("segment"),
                activity_type=spec.get("activity_type"),
                target_count=count,
                due_on=due,
                created_by_id=self.manager_id,
                created_at=created,
                updated_at=created,
            )

    @staticmethod
    def _matches(advocate: DemoAdvocate, spec: dict) -> bool:
        account = advocate.account
        return (
            advocate.status == "active"
            and account["status"] == "active"
            and spec.get("industry", account["industry"]) == account["industry"]
            and spec.get("region", account["region"]) == account["region"]
            and spec.get("segment", account["segment"]) == account["segment"]
            and (spec.get("product") is None or spec["product"] in advocate.products)
            and (spec.get("activity_type") is None or spec["activity_type"] in advocate.types)
        )


# After the bulk load: the accounts' referenceability and the invitations sent.
DEMO_REASONS = {
    "referenceable": (
        "Live for over a year, measurable results, sponsor is a fan.",
        "Renewed early and expanded; happy to help peers.",
        "Strong champion; presented at our user group.",
    ),
    "not_now": (
        "Mid-implementation: ask again after go-live.",
        "Renewal under negotiation this quarter.",
        "New sponsor since the reorganisation; rebuilding the relationship.",
    ),
    "not_referenceable": ("Legal does not allow the customer to be named.",),
}


def seed_demo_recruiting(now: dt.datetime | None = None) -> dict[str, int]:
    """Demo referenceability for accounts with a CSM, and invitations for invited advocates
    (some reminded, one stale). Core inserts; called by `seed-demo` after the bulk load."""
    now = now or now_utc()
    by_status = {
        "active": "referenceable",
        "candidate": "not_now",
        "paused": "not_now",
        "retired": "not_referenceable",
        "do_not_contact": "not_referenceable",
    }
    health = ("healthy", "healthy", "healthy", "watch", "at_risk")
    refs = []
    for n, (account_id, status, csm_id) in enumerate(
        db.session.execute(
            sa.select(Account.id, Account.status, Account.csm_id)
            .where(Account.csm_id.is_not(None))
            .order_by(Account.id)
        )
    ):
        verdict = by_status.get(status, "not_now")
        reasons = DEMO_REASONS[verdict]
        refs.append(
            {
                "account_id": account_id,
                "status": verdict,
                "reason": reasons[n % len(reasons)],
                "health": health[n % len(health)] if verdict != "not_referenceable" else "watch",
                "nps": (n * 37) % 90 - 10 if n % 3 else None,
                "updated_by_id": csm_id,
                "created_at": now,
                "updated_at": now,
            }
        )
    if refs:
        db.session.execute(sa.insert(Referenceability), refs)
    manager_id = db.session.scalar(
        sa.select(User.id).where(User.role == "manager").order_by(User.id).limit(1)
    )
    invitations = []
    for n, advocate_id in enumerate(
        db.session.scalars(
            sa.select(Advocate.id).where(Advocate.status == "invited").order_by(Advocate.id)
        )
    ):
        reminders = n % 3  # 0, 1 or 2 reminders; the oldest with two is stale
        sent = now - dt.timedelta(days=3 + 7 * reminders + (7 if reminders == 2 else 0))
        invitations.append(
            {
                "advocate_id": advocate_id,
                "invited_by_id": manager_id,
                "sent_at": sent,
                "last_sent_at": sent + REMIND_EVERY * reminders,
                "reminders_sent": reminders,
            }
        )
    if invitations:
        db.session.execute(sa.insert(Invitation), invitations)
    return {"referenceability": len(refs), "invitations": len(invitations)}
