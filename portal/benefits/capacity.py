"""A benefit's places (program rule 3): the row lock every claim and decision takes first,
the places taken and granted, whether a requested claim may be approved, and the figures a page
of benefits or claims shows.

Capacity: a claim holds a place while it is requested, approved or fulfilled. Every claim and
decision locks the benefit row first (`lock_benefit`), then the advocate (`lock_advocate`), so
concurrent claims are counted one after the other and balances never go below zero.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property

import sqlalchemy as sa

from portal.benefits.models import Benefit, Claim
from portal.database import lock_row
from portal.errors import NotFound
from portal.extensions import db
from portal.i18n import gettext

# Claims in these states hold a place of the benefit's capacity.
PLACE_STATUSES = ("requested", "approved", "fulfilled")


def lock_benefit(benefit_id: int) -> Benefit:
    """Serialize claims and decisions on one benefit until the transaction ends; the benefit
    as it is now."""
    lock_row(Benefit, benefit_id)
    benefit = db.session.scalars(
        sa.select(Benefit).where(Benefit.id == benefit_id).execution_options(populate_existing=True)
    ).one_or_none()
    if benefit is None:
        raise NotFound(gettext("No such benefit."))
    return benefit


def places_taken(benefit_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Claim)
        .where(Claim.benefit_id == benefit_id, Claim.status.in_(PLACE_STATUSES))
    )


def places_granted(benefit_id: int, *, besides: int | None = None) -> int:
    """Approved or fulfilled claims of the benefit (other than claim `besides`)."""
    query = (
        sa.select(sa.func.count())
        .select_from(Claim)
        .where(Claim.benefit_id == benefit_id, Claim.status.in_(("approved", "fulfilled")))
    )
    if besides is not None:
        query = query.where(Claim.id != besides)
    return db.session.scalar(query)


def approval_refusal(claim: Claim, benefit: Benefit) -> str | None:
    """Why the requested claim can't be approved now: every place is granted already."""
    if benefit.capacity is None:
        return None
    if places_granted(benefit.id, besides=claim.id) >= benefit.capacity:
        places = "place is" if benefit.capacity == 1 else "places are"
        return (
            f"All {benefit.capacity} {places} taken: the claim stays requested "
            "(or: move it to the waiting list)."
        )
    return None


def approvable(claim: Claim) -> bool:
    """For pages: offer Approve only on a requested claim that still fits."""
    return claim.status == "requested" and approval_refusal(claim, claim.benefit) is None


class ClaimFigures:
    """What a page of benefits or claims shows of their benefits' claims (places taken, how many
    wait, whether a claim may be approved, a waiting claim's position), read for all of them in
    one statement (and the waiting lists in one more, when a position is asked): a list costs
    the same for one row or fifty. The rules are those of places_taken(), approval_refusal()
    and waitlist_position()."""

    def __init__(self, benefit_ids: Iterable[int]) -> None:
        self.ids = set(benefit_ids)
        self._counts: dict[tuple[int, str], int] = {}
        if self.ids:
            rows = db.session.execute(
                sa.select(Claim.benefit_id, Claim.status, sa.func.count())
                .where(Claim.benefit_id.in_(self.ids))
                .group_by(Claim.benefit_id, Claim.status)
            )
            self._counts = {(benefit_id, status): n for benefit_id, status, n in rows}

    @classmethod
    def of_claims(cls, claims: Iterable[Claim]) -> ClaimFigures:
        return cls({claim.benefit_id for claim in claims})

    def _sum(self, benefit_id: int, statuses) -> int:
        return sum(self._counts.get((benefit_id, status), 0) for status in statuses)

    def taken(self, benefit_id: int) -> int:
        return self._sum(benefit_id, PLACE_STATUSES)

    def waiting(self, benefit_id: int) -> int:
        return self._sum(benefit_id, ("waitlisted",))

    def approvable(self, claim: Claim) -> bool:
        """Offer Approve only on a requested claim that still fits (as approvable())."""
        if claim.status != "requested":
            return False
        capacity = claim.benefit.capacity
        return capacity is None or self._sum(claim.benefit_id, ("approved", "fulfilled")) < capacity

    @cached_property
    def _queues(self) -> dict[int, list[int]]:
        queues: dict[int, list[int]] = {}
        if self.ids:
            for benefit_id, claim_id in db.session.execute(
                sa.select(Claim.benefit_id, Claim.id)
                .where(Claim.benefit_id.in_(self.ids), Claim.status == "waitlisted")
                .order_by(Claim.id)
            ):
                queues.setdefault(benefit_id, []).append(claim_id)
        return queues

    def position(self, claim: Claim) -> int | None:
        """1 for the first waiting claim of its benefit (as waitlist_position())."""
        if claim.status != "waitlisted":
            return None
        queue = self._queues.get(claim.benefit_id, [])
        return queue.index(claim.id) + 1 if claim.id in queue else None


def waiting_count(benefit_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Claim)
        .where(Claim.benefit_id == benefit_id, Claim.status == "waitlisted")
    )
