"""The demo's asks: timestamps consistent with their status, the points of a completed one,
and the outcome of an ask placed at a given time."""

from __future__ import annotations

import datetime as dt

from portal.demo.advocates import DemoAdvocate
from portal.demo.base import BaseBuilder
from portal.models import Ask, LedgerEntry
from portal.vocab import label

PROPOSED_TIMES = (
    "Tuesday or Thursday afternoon works best.",
    "Any morning next week, my time.",
    "After 3 pm on weekdays; not Fridays.",
)
UNSCHEDULED = {"quote", "peer_review", "social_post", "referral", "case_study"}
DECLINES = {
    "too_busy": "Quarter-end close, sorry: try me again next month.",
    "timing": "I am out of the office during those weeks.",
    "not_a_fit": "We don't use that part of the product.",
    "topic": "I can't speak about our security set-up in public.",
    "other": "Our legal team has to approve external conversations first.",
}
FEEDBACK = (
    "Good conversation; they asked mostly about the migration effort.",
    "Happy to help again.",
    "The prospect was well prepared, thanks for the briefing.",
    "Went well. Please send the agenda a bit earlier next time.",
    None,
)


class AsksBuilder(BaseBuilder):
    """Adds an ask to a request, with the points of a completed one."""

    def _ask(
        self,
        request: dict,
        advocate: DemoAdvocate,
        asked: dt.datetime,
        outcome: str,
        scheduled: dt.datetime | None = None,
    ) -> dict:
        """Add an ask with timestamps consistent with its status."""
        rng = self.rng
        respond_by = asked + dt.timedelta(days=self.respond_days)
        answer_until = min(respond_by, self.now)
        responded = None
        if outcome in ("accepted", "completed", "declined"):
            earliest = asked + min(dt.timedelta(minutes=20), (answer_until - asked) / 2)
            responded = self._between(earliest, answer_until)
        latest_done = self.now - dt.timedelta(hours=2)
        if outcome == "completed" and responded + dt.timedelta(hours=2) >= latest_done:
            outcome = "accepted"  # too recent to have taken place
        row = self._add(
            Ask,
            request_id=request["id"],
            advocate_id=advocate.id,
            placed_by_id=request["manager_id"] or self.manager_id,
            status=outcome,
            asked_at=asked,
            respond_by=respond_by,
            responded_at=responded,
            decline_reason=None,
            note=None,
            scheduled_at=None,
            completed_at=None,
            requester_rating=None,
            advocate_feedback=None,
            proposed_times=None,
            created_at=asked,
            updated_at=responded or asked,
        )
        timed = request["activity_type"] not in UNSCHEDULED
        if outcome in ("accepted", "completed") and timed and rng.random() < 0.5:
            row["proposed_times"] = rng.choice(PROPOSED_TIMES)
        if outcome == "accepted" and timed:
            row["scheduled_at"] = scheduled or (
                responded + dt.timedelta(days=rng.randint(1, 14), hours=rng.randint(1, 8))
            ).replace(minute=0, second=0)
        elif outcome == "completed":
            done_after = responded
            if timed:
                done_after = self._between(
                    responded + dt.timedelta(hours=1),
                    min(responded + dt.timedelta(days=14), latest_done - dt.timedelta(hours=1)),
                ).replace(minute=0, second=0)
                row["scheduled_at"] = done_after
            row["completed_at"] = self._between(
                done_after + dt.timedelta(minutes=30),
                min(latest_done, done_after + dt.timedelta(days=3)),
            )
            row["updated_at"] = row["completed_at"]
            row["requester_rating"] = self._pick({5: 45, 4: 35, 3: 12, 2: 5, 1: 3})
            row["advocate_feedback"] = rng.choice(FEEDBACK)
            points = int(self.points_by_activity.get(request["activity_type"], 0))
            if points:
                self._add(
                    LedgerEntry,
                    advocate_id=advocate.id,
                    delta=points,
                    reason="activity",
                    ask_id=row["id"],
                    claim_id=None,
                    memo=f"{label(request['activity_type'])} completed",
                    created_by_id=request["requester_id"],
                    created_at=row["completed_at"],
                )
                advocate.points.append((row["completed_at"], points))
            self.completed.append((advocate, row, request))
        elif outcome == "declined":
            reason = self._pick(
                {"too_busy": 40, "timing": 25, "not_a_fit": 15, "topic": 10, "other": 10}
            )
            row["decline_reason"] = reason
            row["note"] = DECLINES[reason] if rng.random() < 0.6 else None
        elif outcome == "expired":
            row["updated_at"] = respond_by
        elif outcome == "withdrawn":
            row["note"] = "The prospect chose to skip the reference stage."
            row["updated_at"] = self._between(asked, min(self.now, respond_by))
        if outcome in ("pending", "accepted", "completed"):
            advocate.book(asked)
            self.account_live.setdefault(advocate.account["id"], []).append(asked)
        return row

    def _outcome(self, asked: dt.datetime) -> str:
        if self.now - asked < dt.timedelta(days=self.respond_days):
            return self._pick({"pending": 60, "accepted": 25, "declined": 15})
        outcome = self._pick(
            {"completed": 50, "accepted": 12, "declined": 20, "expired": 10, "withdrawn": 8}
        )
        if outcome == "accepted" and self.now - asked > dt.timedelta(days=25):
            outcome = "completed"  # an old accepted ask has long taken place
        return outcome
