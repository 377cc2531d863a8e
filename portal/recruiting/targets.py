"""Recruiting targets (goals per segment and activity) and their gaps."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import load_only

from portal.accounts.models import Account
from portal.advocates.models import Advocate
from portal.asks.eligibility_row import ACTIVITY_BITS
from portal.asks.models import AdvocateEligibility
from portal.audit import service as audit
from portal.errors import get_or_not_found
from portal.extensions import db
from portal.program.service import taxonomy_values
from portal.recruiting.models import Target
from portal.recruiting.pipeline import PIPELINE, has_product, program_only
from portal.validation import Checker
from portal.vocab import ACTIVITY_TYPES, REGIONS, SEGMENTS, label

TARGET_FIELDS = (
    "industry",
    "product",
    "region",
    "segment",
    "activity_type",
    "target_count",
    "due_on",
)


def check_target_data(data: dict) -> dict:
    c = Checker(data, allowed=TARGET_FIELDS)
    c.choice("industry", taxonomy_values("industry"))
    c.choice("product", taxonomy_values("product"))
    c.choice("region", REGIONS)
    c.choice("segment", SEGMENTS)
    c.choice("activity_type", ACTIVITY_TYPES)
    c.integer("target_count", minimum=1, maximum=100_000, required=True)
    c.date("due_on")
    return c.done()


def create_target(actor, data: dict) -> Target:
    """A goal such as '12 active banking advocates in EMEA for reference calls by Q3'."""
    program_only(actor)
    clean = check_target_data(data)
    target = Target(**clean, created_by_id=actor.id)
    db.session.add(target)
    audit.record(actor, "target.created", target, clean)
    return target


def delete_target(actor, target: Target) -> None:
    program_only(actor)
    audit.record(actor, "target.deleted", target, {"target_count": target.target_count})
    db.session.delete(target)


def get_target(actor, target_id: int) -> Target:
    program_only(actor)
    return get_or_not_found(Target, target_id, "No such target.")


def _account_criteria(target: Target) -> list:
    """SQL conditions on the Account for the target's industry, region and segment."""
    pairs = (
        (Account.industry, target.industry),
        (Account.region, target.region),
        (Account.segment, target.segment),
    )
    return [column == value for column, value in pairs if value]


def _matches_segment(target: Target) -> list:
    """SQL conditions on Advocate (joined to Account) for the target's segment."""
    found = _account_criteria(target)
    if target.product:
        found.append(has_product(target.product))
    return found


# Nominations shown per target (the page names a few and counts the rest).
NOMINATIONS_SHOWN = 5


@dataclass
class TargetGap:
    target: Target
    active: int
    gap: int
    nominations: list[Advocate]  # the first NOMINATIONS_SHOWN by name
    nominated: int = 0  # all of them

    @property
    def closable(self) -> bool:
        return self.nominated >= self.gap


def _active_counts(targets: list[Target]) -> list[int]:
    """Per target, the active advocates (at active accounts) it counts: one pass over the
    advocates for every target, each target a filtered count. Criteria are read from the
    eligibility row (the account's products framed with the advocate's, the opted-in activities
    as bits); an advocate without one matches no product or activity criterion."""
    e = AdvocateEligibility

    def conditions(target: Target) -> list:
        found = _account_criteria(target)
        if target.product:
            found.append(e.products.contains(f"|{target.product}|", autoescape=True))
        if target.activity_type:
            found.append(e.activity_bits.op("&")(ACTIVITY_BITS[target.activity_type]) != 0)
        return found

    row = db.session.execute(
        sa.select(
            *(
                sa.func.count().filter(sa.and_(sa.true(), *conditions(t))).label(f"t{t.id}")
                for t in targets
            )
        )
        .select_from(Advocate)
        .join(Account, Advocate.account_id == Account.id)
        .outerjoin(e, e.advocate_id == Advocate.id)
        .where(Advocate.status == "active", Account.status == "active")
    ).one()
    return [int(n) for n in row]


def target_gaps() -> list[TargetGap]:
    """Per target: matching active advocates (active account too), the gap, and the nominated or
    invited advocates who would close it (how many, and the first few by name). Three queries,
    whatever the number of advocates."""
    targets = db.session.scalars(
        sa.select(Target).order_by(Target.due_on.is_(None), Target.due_on, Target.id)
    ).all()
    if not targets:
        return []
    counts = _active_counts(targets)
    # Nominations carry no opted-in activities yet: they match on the segment alone.
    pipeline = sa.union_all(
        *[
            sa.select(sa.literal(t.id).label("target_id"), Advocate.id.label("advocate_id"))
            .join(Account, Advocate.account_id == Account.id)
            .where(
                Advocate.status.in_(PIPELINE),
                Account.status.in_(("candidate", "active")),
                *_matches_segment(t),
            )
            for t in targets
        ]
    ).subquery()
    per_target = {"partition_by": pipeline.c.target_id}
    by_name = (Advocate.name, Advocate.id)
    ranked = (
        sa.select(
            pipeline.c.target_id,
            pipeline.c.advocate_id,
            sa.func.row_number().over(**per_target, order_by=by_name).label("n"),
            sa.func.count().over(**per_target).label("total"),
        )
        .join(Advocate, Advocate.id == pipeline.c.advocate_id)
        .subquery()
    )
    nominated: dict[int, list[Advocate]] = {t.id: [] for t in targets}
    totals: dict[int, int] = {}
    for target_id, total, advocate in db.session.execute(
        sa.select(ranked.c.target_id, ranked.c.total, Advocate)
        .options(load_only(Advocate.name, Advocate.status))
        .join(Advocate, Advocate.id == ranked.c.advocate_id)
        .where(ranked.c.n <= NOMINATIONS_SHOWN)
        .order_by(ranked.c.target_id, ranked.c.n)
    ):
        nominated[target_id].append(advocate)
        totals[target_id] = int(total)
    gaps = []
    for target, active in zip(targets, counts, strict=True):
        gap = max(target.target_count - int(active), 0)
        gaps.append(
            TargetGap(target, int(active), gap, nominated[target.id], totals.get(target.id, 0))
        )
    return gaps


def target_label(target: Target) -> str:
    """'12 active advocates: banking, EMEA, reference calls'."""
    parts = [
        label(v) if v else None
        for v in (target.industry, target.product, target.region, target.segment)
    ]
    if target.activity_type:
        parts.append(f"for {label(target.activity_type).lower()}")
    words = ", ".join(p for p in parts if p) or "any segment"
    return f"{target.target_count} active advocates: {words}"
