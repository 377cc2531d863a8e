"""The match weights' preview: a sample request's top matches with candidate weights beside
the ranking in force, computed by the real matching and never saved."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from portal.advocates.models import Advocate
from portal.asks.matching import match
from portal.asks.models import ReferenceRequest
from portal.asks.placing import ASKABLE_REQUEST_STATUSES
from portal.auth.permissions import demand
from portal.errors import NotFound
from portal.extensions import db
from portal.program.policy import check_weights
from portal.vocab import label

PREVIEW_SIZE = 10
MAX_ID = 2**31 - 1  # ids are 32-bit on every database
SAMPLE_CHOICES = 50  # the most recent open requests offered as samples


@dataclass
class PreviewRow:
    advocate: Advocate
    rank: int
    score: float
    was_rank: int | None  # None: not in the top before
    was_score: float | None

    @property
    def moved(self) -> int | None:
        """Places up (positive) or down (negative); None for a newcomer."""
        return None if self.was_rank is None else self.was_rank - self.rank


@dataclass
class Preview:
    request: ReferenceRequest
    rows: list[PreviewRow]
    dropped: list[Advocate] = field(default_factory=list)  # in the top now, not with the weights

    @property
    def changed(self) -> bool:
        return bool(self.dropped) or any(row.moved != 0 for row in self.rows)


def sample_requests() -> list[ReferenceRequest]:
    """Open requests to preview with, most recent first."""
    return list(
        db.session.scalars(
            sa.select(ReferenceRequest)
            .where(ReferenceRequest.status.in_(ASKABLE_REQUEST_STATUSES))
            .order_by(ReferenceRequest.id.desc())
            .limit(SAMPLE_CHOICES)
        )
    )


def sample_label(request: ReferenceRequest) -> str:
    """'#12 Reference call for Acme Bank' as the sample list shows it."""
    text = f"#{request.id} {label(request.activity_type)}"
    return f"{text} for {request.prospect_company}" if request.prospect_company else text


def preview_weights(actor, request_id: int, weights: dict) -> Preview:
    """The top matches of an open request with candidate `weights` ({kind: weight}, checked as
    the policy checks them) and where each stood with the weights in force. Writes nothing."""
    demand(actor, "users.manage", "Only administrators change the match weights.")
    candidate = check_weights(weights)
    valid_id = isinstance(request_id, int) and not isinstance(request_id, bool)
    request = (
        db.session.get(ReferenceRequest, request_id)
        if valid_id and 0 < request_id <= MAX_ID
        else None
    )
    if request is None or request.status not in ASKABLE_REQUEST_STATUSES:
        raise NotFound("No such open request.", field="request_id")
    before = match(request, PREVIEW_SIZE, near_misses=0).matches
    after = match(request, PREVIEW_SIZE, near_misses=0, weights=candidate).matches
    was = {m.advocate.id: (rank, m.score) for rank, m in enumerate(before, 1)}
    rows = [
        PreviewRow(m.advocate, rank, m.score, *was.get(m.advocate.id, (None, None)))
        for rank, m in enumerate(after, 1)
    ]
    kept = {m.advocate.id for m in after}
    dropped = [m.advocate for m in before if m.advocate.id not in kept]
    return Preview(request, rows, dropped)
