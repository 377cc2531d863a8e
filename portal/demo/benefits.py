"""The demo's value exchange: the benefits catalog, claims in every state (within capacity,
the rest waitlisted) and the ledger of points earned, spent and refunded."""

from __future__ import annotations

import datetime as dt

from portal.demo.advocates import DemoAdvocate
from portal.demo.base import BaseBuilder
from portal.models import Benefit, Claim, LedgerEntry

# The catalog. Days are counted from today; `share` is the part of active advocates who claim,
# `capacity` the places per expected claim (None: unlimited).
BENEFITS = (
    {
        "kind": "speaking_slot",
        "title": "Speak at Customer Summit 2026",
        "description": "Share your story on the main stage or in a breakout. Travel and hotel "
        "are covered.",
        "event_in": 75,
        "location": "Berlin, Germany",
        "capacity": 0.7,
        "cost": 0,
        "deadline_in": 45,
        "approval": True,
        "status": "open",
        "share": 0.02,
    },
    {
        "kind": "user_group",
        "title": "North America user group: Chicago",
        "description": "An afternoon of customer talks and roadmap news, then dinner.",
        "event_in": 30,
        "location": "Chicago, IL",
        "capacity": 0.9,
        "cost": 0,
        "deadline_in": 25,
        "approval": False,
        "status": "open",
        "share": 0.05,
    },
    {
        "kind": "user_group",
        "title": "EMEA user group: Amsterdam",
        "description": "Customer talks, a product workshop and drinks by the canal.",
        "event_in": 52,
        "location": "Amsterdam, Netherlands",
        "capacity": 0.9,
        "cost": 0,
        "deadline_in": 45,
        "approval": False,
        "status": "open",
        "share": 0.04,
    },
    {
        "kind": "advisory_board",
        "title": "Product advisory board 2026",
        "description": "Three sessions a year with our product leaders to shape the roadmap.",
        "event_in": None,
        "location": "Online",
        "capacity": 0.6,
        "cost": 0,
        "deadline_in": 60,
        "approval": True,
        "status": "open",
        "share": 0.02,
    },
    {
        "kind": "early_access",
        "title": "Early access: Analytics assistant",
        "description": "Try the new assistant in your own environment before general availability.",
        "event_in": None,
        "location": None,
        "capacity": None,
        "cost": 100,
        "deadline_in": None,
        "approval": False,
        "status": "open",
        "share": 0.04,
    },
    {
        "kind": "conference_pass",
        "title": "Full pass to the Data Leaders Forum",
        "description": "A three-day pass to the industry's data conference, with our team as "
        "hosts.",
        "event_in": 110,
        "location": "London, UK",
        "capacity": 0.8,
        "cost": 400,
        "deadline_in": 80,
        "approval": True,
        "status": "open",
        "share": 0.01,
    },
    {
        "kind": "training",
        "title": "Certified administrator training",
        "description": "A two-day course, exam included.",
        "event_in": 40,
        "location": "Online",
        "capacity": 0.9,
        "cost": 250,
        "deadline_in": 30,
        "approval": False,
        "status": "open",
        "share": 0.02,
    },
    {
        "kind": "charity_donation",
        "title": "USD 100 to a charity of your choice",
        "description": "We donate in your name and send you the receipt.",
        "event_in": None,
        "location": None,
        "capacity": None,
        "cost": 150,
        "deadline_in": None,
        "approval": False,
        "status": "open",
        "share": 0.02,
    },
    {
        "kind": "other",
        "title": "Program gift box",
        "description": "A hoodie, a notebook and coffee from our home town.",
        "event_in": None,
        "location": None,
        "capacity": None,
        "cost": 80,
        "deadline_in": None,
        "approval": False,
        "status": "open",
        "share": 0.03,
    },
    {
        "kind": "speaking_slot",
        "title": "Customer Summit 2025 speaker",
        "description": "Speaker slots at last year's summit.",
        "event_in": -160,
        "location": "Chicago, IL",
        "capacity": 0.8,
        "cost": 0,
        "deadline_in": -190,
        "approval": True,
        "status": "closed",
        "share": 0.015,
    },
    {
        "kind": "user_group",
        "title": "APAC user group: Singapore 2025",
        "description": "Last year's APAC user group.",
        "event_in": -95,
        "location": "Singapore",
        "capacity": 1.0,
        "cost": 0,
        "deadline_in": -110,
        "approval": False,
        "status": "closed",
        "share": 0.03,
    },
)
CLAIM_DETAILS = {
    "conference_pass": {"dietary": "vegetarian"},
    "charity_donation": {"charity": "Doctors Without Borders"},
    "other": {"size": "M"},
    "user_group": {"guests": 0},
}


class BenefitsBuilder(BaseBuilder):
    """Adds point adjustments, the catalog, and its claims with their ledger entries."""

    def _adjustments(self) -> None:
        for advocate in self.advocates:
            if advocate.consent_at is None or self.rng.random() > 0.05:
                continue
            at = self._between(advocate.consent_at, self.now)
            delta = self.rng.choice((25, 50, 100))
            self._add(
                LedgerEntry,
                advocate_id=advocate.id,
                delta=delta,
                reason="adjustment",
                ask_id=None,
                claim_id=None,
                memo=self.rng.choice(
                    (
                        "Welcome bonus",
                        "Thank you for the summit keynote",
                        "Goodwill for a rescheduled call",
                    )
                ),
                created_by_id=self.manager_id,
                created_at=at,
            )
            advocate.points.append((at, delta))

    def _benefits_and_claims(self) -> None:
        rng = self.rng
        active = [
            a
            for a in self.advocates
            if a.status == "active" and a.consent_at and a is not self.demo
        ]
        earners = [a for a in active if a.points]
        demo_claims = {  # Avery's own, in every state that moves points
            "North America user group: Chicago": "approved",
            "Speak at Customer Summit 2026": "requested",
            "Certified administrator training": "approved",
            "Program gift box": "cancelled",  # refunded
        }
        for spec in BENEFITS:
            status, cost, title = spec["status"], spec["cost"], spec["title"]
            wanted = max(2, round(spec["share"] * len(active)))
            capacity = (
                None if spec["capacity"] is None else max(2, round(wanted * spec["capacity"]))
            )
            if status == "open":
                opened, closes = self.now - dt.timedelta(days=90), self.now
            else:
                closes = self.now + dt.timedelta(days=spec["deadline_in"])
                opened = closes - dt.timedelta(days=90)
            event_in, deadline_in = spec["event_in"], spec["deadline_in"]
            benefit = self._add(
                Benefit,
                kind=spec["kind"],
                title=title,
                description=spec["description"],
                event_date=None if event_in is None else self.today + dt.timedelta(event_in),
                location=spec["location"],
                capacity=capacity,
                points_cost=cost,
                claim_deadline=None
                if deadline_in is None
                else self.today + dt.timedelta(deadline_in),
                requires_approval=spec["approval"],
                status=status,
                created_at=opened,
                updated_at=closes if status == "closed" else opened,
            )
            claimers: list[tuple[DemoAdvocate, dt.datetime, str | None]] = []
            if title in demo_claims:
                # Early in the claim period, so Avery is first in line (and has the points).
                at = opened + dt.timedelta(days=rng.randint(2, 6), hours=rng.randint(0, 9))
                claimers.append((self.demo, at, demo_claims[title]))
            taken = {self.demo.id}
            candidates = earners if cost else active
            others = []
            for _ in range(wanted * 4):
                if len(others) >= wanted or not candidates:
                    break
                advocate = rng.choice(candidates)
                if advocate.id in taken:
                    continue
                at = self._between(max(opened, advocate.consent_at), closes)
                if cost and not advocate.balance_allows(at, cost):
                    continue
                taken.add(advocate.id)
                others.append((advocate, at, None))
                if cost:
                    advocate.points.append((at, -cost))
            self._claims(benefit, claimers + sorted(others, key=lambda c: c[1]))

    def _claims(self, benefit: dict, claimers: list) -> None:
        """Claims in the order they came in; never more holding a place (requested, approved,
        fulfilled) than the capacity, the rest waitlisted (declined once closed), as
        `claim_benefit` does. A waitlisted claim holds no points until it moves up."""
        rng = self.rng
        capacity = benefit["capacity"]
        closed = benefit["status"] == "closed"
        held = 0
        for advocate, at, forced in claimers:
            if forced:
                status = forced
            elif closed:
                status = self._pick({"fulfilled": 80, "cancelled": 10, "declined": 10})
            elif benefit["requires_approval"]:
                status = self._pick(
                    {"requested": 45, "approved": 35, "declined": 12, "cancelled": 8}
                )
            else:
                status = self._pick({"approved": 90, "cancelled": 10})
            if status in ("requested", "approved", "fulfilled"):
                if capacity is not None and held >= capacity:
                    status = "declined" if closed else "waitlisted"
                else:
                    held += 1
            undated = benefit["event_date"] is None
            if status == "approved" and undated and self.now - at > dt.timedelta(days=14):
                status = "fulfilled"  # delivered: early access granted, donation made
            decided = decider = None
            if status in ("approved", "waitlisted", "declined", "fulfilled"):
                automatic = not benefit["requires_approval"] and status != "declined"
                if automatic:
                    decided = at
                else:
                    decided = self._between(at, min(self.now, at + dt.timedelta(days=3)))
                    decider = rng.choice(self.staff["manager"])
            changed = decided or (self._between(at, self.now) if status == "cancelled" else at)
            claim = self._add(
                Claim,
                benefit_id=benefit["id"],
                advocate_id=advocate.id,
                status=status,
                details=dict(CLAIM_DETAILS.get(benefit["kind"], {})),
                decided_at=decided,
                decided_by_id=decider,
                created_at=at,
                updated_at=changed,
            )
            cost = benefit["points_cost"]
            if not cost or status == "waitlisted":
                continue
            self._add(
                LedgerEntry,
                advocate_id=advocate.id,
                delta=-cost,
                reason="claim",
                ask_id=None,
                claim_id=claim["id"],
                memo=benefit["title"],
                created_by_id=None,
                created_at=at,
            )
            if status in ("declined", "cancelled"):
                self._add(
                    LedgerEntry,
                    advocate_id=advocate.id,
                    delta=cost,
                    reason="refund",
                    ask_id=None,
                    claim_id=claim["id"],
                    memo=benefit["title"],
                    created_by_id=decider,
                    created_at=changed,
                )
