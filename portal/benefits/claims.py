"""Claims: claiming a benefit (a place, or the waitlist), the program team's decisions
(approve, decline, fulfil), cancelling, and promotion from the waitlist, first come first
served. Each locks the benefit, then the advocate (`portal.benefits.capacity`); the points a
claim holds are written to the ledger (`portal.benefits.ledger`)."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext

from portal.advocates.models import Advocate
from portal.asks.overuse import lock_advocate
from portal.audit import service as audit
from portal.auth.permissions import can, demand
from portal.benefits.capacity import approval_refusal, lock_benefit, places_taken
from portal.benefits.eligibility import _claim_refusal, _day, _today, have_too_few_points
from portal.benefits.ledger import _entry, balance, claim_holding
from portal.benefits.models import Benefit, Claim
from portal.database import now_utc
from portal.errors import DomainError, Forbidden, NotFound, get_or_not_found
from portal.extensions import db
from portal.i18n import gettext
from portal.notifications.service import queue_email
from portal.validation import Checker
from portal.vocab import in_sentence, label

# A claim in these states is still live: the advocate may not claim the same benefit again.
LIVE_STATUSES = ("requested", "approved", "waitlisted", "fulfilled")
CANCELLABLE = ("requested", "approved", "waitlisted")


# What a claim asks for, by kind: (field, label, max length, required).
CLAIM_DETAILS = {
    "speaking_slot": (
        ("talk_title", "Talk title", 200, True),
        ("abstract", "Abstract", 5000, True),
    ),
    "advisory_board": (("statement", "Short statement", 2000, True),),
}
DEFAULT_DETAILS = (("note", "Note to the team", 2000, False),)


class ClaimRefused(DomainError):
    """The claim breaks a rule (closed, full without a waitlist, too few points...): 409."""


def detail_fields(kind: str):
    return CLAIM_DETAILS.get(kind, DEFAULT_DETAILS)


def live_claim(advocate_id: int, benefit_id: int) -> Claim | None:
    return db.session.scalars(
        sa.select(Claim).where(
            Claim.advocate_id == advocate_id,
            Claim.benefit_id == benefit_id,
            Claim.status.in_(LIVE_STATUSES),
        )
    ).first()


def check_claim_details(kind: str, data: dict | None) -> dict:
    fields = detail_fields(kind)
    c = Checker(data or {}, allowed=[f[0] for f in fields])
    for name, _, length, required in fields:
        c.text(name, max_length=length, required=required)
    return {k: v for k, v in c.done().items() if v is not None}


def claim_benefit(actor, benefit: Benefit, advocate: Advocate, details: dict | None = None):
    """The advocate claims the benefit: approved, requested (approval needed) or waitlisted.

    Refused with the reason when closed, past the deadline or event, not eligible, claimed
    already, or the advocate has fewer points than it costs.
    """
    own = getattr(actor, "advocate", None) if actor.role == "advocate" else None
    if own is None or own.id != advocate.id:
        raise Forbidden(gettext("Advocates claim benefits for themselves."))
    clean = check_claim_details(benefit.kind, details)
    benefit = lock_benefit(benefit.id)
    lock_advocate(advocate.id)
    existing = live_claim(advocate.id, benefit.id)
    refusal = _claim_refusal(advocate, benefit, existing)
    if refusal:
        short = have_too_few_points(advocate, benefit, existing)
        field = "points" if short else "benefit_id"
        raise ClaimRefused(
            gettext("You can't claim %(title)s: %(why)s.", title=benefit.title, why=refusal),
            field=field,
        )
    full = benefit.capacity is not None and places_taken(benefit.id) >= benefit.capacity
    claim = Claim(
        benefit_id=benefit.id,
        advocate_id=advocate.id,
        details=clean,
        status="waitlisted" if full else "requested",
    )
    db.session.add(claim)
    if full:
        claim.status = "waitlisted"
        db.session.flush()
    else:
        _take_place(claim, benefit)
    audit.record(
        actor,
        "claim.created",
        claim,
        {"benefit_id": benefit.id, "status": claim.status, "cost": benefit.points_cost},
    )
    return claim


def _take_place(claim: Claim, benefit: Benefit, actor=None) -> None:
    """The claim takes a place: hold its cost, then requested or (no approval) approved."""
    claim.status = "requested" if benefit.requires_approval else "approved"
    if claim.status == "approved":
        claim.decided_at = now_utc()
    db.session.flush()
    if benefit.points_cost:
        _entry(
            claim.advocate_id,
            -benefit.points_cost,
            "claim",
            actor,
            claim_id=claim.id,
            memo=benefit.title[:500],
        )


def _release(claim: Claim, actor, memo: str) -> int:
    """Refund whatever the claim still holds; the points refunded."""
    held = claim_holding(claim.id)
    if held:
        _entry(claim.advocate_id, held, "refund", actor, claim_id=claim.id, memo=memo[:500])
    return held


def promote_waitlisted(actor, benefit: Benefit) -> list[Claim]:
    """Fill free places from the waitlist, first come first served; call with the benefit
    locked. A waiting advocate who can't afford the cost now keeps their place in line."""
    promoted = []
    # A closed benefit takes no new claims, but those already waiting still move up.
    if benefit.event_date and _today() >= benefit.event_date:
        return promoted
    free = None if benefit.capacity is None else benefit.capacity - places_taken(benefit.id)
    if free is not None and free <= 0:
        return promoted
    waiting = db.session.scalars(
        sa.select(Claim)
        .where(Claim.benefit_id == benefit.id, Claim.status == "waitlisted")
        .order_by(Claim.id)
    ).all()
    for claim in waiting:
        if free is not None and free <= 0:
            break
        lock_advocate(claim.advocate_id)
        if balance(claim.advocate_id) < benefit.points_cost:
            continue
        _take_place(claim, benefit, actor)
        audit.record(actor, "claim.promoted", claim, {"status": claim.status})
        _tell(
            claim, "claim_promoted", lazy_gettext("A place opened: %(title)s", title=benefit.title)
        )
        promoted.append(claim)
        if free is not None:
            free -= 1
    return promoted


def _tell(claim: Claim, template: str, subject) -> None:
    advocate = claim.advocate
    if advocate is None or not advocate.email:
        return
    queue_email(
        template,
        advocate.email,
        subject,
        advocate=advocate,
        claim=claim,
        benefit=claim.benefit,
    )


def _may_decide(actor) -> None:
    demand(actor, "program.manage", gettext("Only the program team decides claims."))


def _note(note) -> str | None:
    c = Checker({"note": note}, allowed=("note",))
    c.text("note", max_length=2000)
    return c.done().get("note")


def _locked(claim: Claim) -> tuple[Claim, Benefit]:
    benefit = lock_benefit(claim.benefit_id)
    db.session.refresh(claim)
    return claim, benefit


def approve_claim(actor, claim: Claim, note=None) -> Claim:
    """Approve a requested claim: its held points become spent (nothing more is written)."""
    _may_decide(actor)
    note = _note(note)
    claim, benefit = _locked(claim)
    if claim.status != "requested":
        raise DomainError(
            f"This claim is {label(claim.status).lower()}; only a requested one is approved."
        )
    # Under the benefit's lock, as claiming: never more approved claims than places.
    refusal = approval_refusal(claim, benefit)
    if refusal:
        raise DomainError(refusal)
    claim.status = "approved"
    claim.decided_at = now_utc()
    claim.decided_by_id = actor.id
    claim.decision_note = note
    audit.record(actor, "claim.approved", claim, {"note": note})
    _tell(claim, "claim_decided", lazy_gettext("Approved: %(title)s", title=benefit.title))
    return claim


def decline_claim(actor, claim: Claim, note=None) -> Claim:
    """Decline a requested or waitlisted claim: refund what it holds, promote the next."""
    _may_decide(actor)
    note = _note(note)
    claim, benefit = _locked(claim)
    if claim.status not in ("requested", "waitlisted"):
        raise DomainError(
            f"This claim is {label(claim.status).lower()}; only a requested or waitlisted "
            "one is declined."
        )
    old = claim.status
    claim.status = "declined"
    claim.decided_at = now_utc()
    claim.decided_by_id = actor.id
    claim.decision_note = note
    refunded = _release(claim, actor, f"Declined: {benefit.title}")
    audit.record(actor, "claim.declined", claim, {"from": old, "note": note, "refund": refunded})
    _tell(claim, "claim_decided", lazy_gettext("Declined: %(title)s", title=benefit.title))
    promote_waitlisted(actor, benefit)
    return claim


def cancel_claim(actor, claim: Claim, note=None) -> Claim:
    """Cancel before the event (the advocate's own, or the program team): refund, promote."""
    own = actor.role == "advocate" and getattr(actor, "advocate", None) is not None
    own = own and actor.advocate.id == claim.advocate_id
    if not own and not can(actor, "program.manage"):
        if actor.role == "advocate":
            raise NotFound(gettext("No such claim."))
        raise Forbidden(gettext("You can't cancel this claim."))
    note = _note(note)
    claim, benefit = _locked(claim)
    if claim.status not in CANCELLABLE:
        raise DomainError(
            gettext(
                "This claim is %(status)s; it can't be cancelled.", status=in_sentence(claim.status)
            )
        )
    if benefit.event_date and _today() >= benefit.event_date:
        raise DomainError(
            gettext("The event was on %(day)s; too late to cancel.", day=_day(benefit.event_date))
        )
    old = claim.status
    claim.status = "cancelled"
    claim.decided_at = now_utc()
    claim.decided_by_id = actor.id
    if note:
        claim.decision_note = note
    refunded = _release(claim, actor, f"Cancelled: {benefit.title}")
    audit.record(actor, "claim.cancelled", claim, {"from": old, "refund": refunded})
    if not own:
        _tell(claim, "claim_decided", lazy_gettext("Cancelled: %(title)s", title=benefit.title))
    promote_waitlisted(actor, benefit)
    return claim


def fulfil_claim(actor, claim: Claim) -> Claim:
    """After the event: the approved claim was delivered."""
    _may_decide(actor)
    claim, _ = _locked(claim)
    if claim.status != "approved":
        raise DomainError(
            f"This claim is {label(claim.status).lower()}; only an approved one is fulfilled."
        )
    claim.status = "fulfilled"
    audit.record(actor, "claim.fulfilled", claim, {})
    return claim


def approve_claims(actor, claim_ids: list[int], note=None) -> tuple[list[Claim], dict[int, str]]:
    """Bulk approve: (approved claims, {claim id: why not}); each checked alone."""
    _may_decide(actor)
    approved, refused = [], {}
    for claim_id in claim_ids:
        claim = db.session.get(Claim, claim_id)
        if claim is None:
            refused[claim_id] = "No such claim."
            continue
        try:
            approve_claim(actor, claim, note)  # refuses before it writes anything
        except DomainError as error:
            refused[claim_id] = error.message
        else:
            approved.append(claim)
    return approved, refused


def get_claim(actor, claim_id: int) -> Claim:
    """A claim the actor may see: the program team any, an advocate only their own (404)."""
    claim = get_or_not_found(Claim, claim_id, gettext("No such claim."))
    if can(actor, "program.manage"):
        return claim
    advocate = getattr(actor, "advocate", None) if actor.role == "advocate" else None
    if advocate is None or claim.advocate_id != advocate.id:
        raise NotFound(gettext("No such claim."))
    return claim


def claim_query(actor, *, status=None, benefit_id=None, advocate_id=None) -> sa.Select:
    """Claims the actor may see, oldest first (waitlist order)."""
    query = sa.select(Claim)
    if not can(actor, "program.manage"):
        advocate = getattr(actor, "advocate", None) if actor.role == "advocate" else None
        if advocate is None:
            raise Forbidden(gettext("You can't see claims."))
        query = query.where(Claim.advocate_id == advocate.id)
    elif advocate_id:
        query = query.where(Claim.advocate_id == advocate_id)
    if status:
        query = query.where(Claim.status == status)
    if benefit_id:
        query = query.where(Claim.benefit_id == benefit_id)
    return query.options(
        sa.orm.joinedload(Claim.benefit), sa.orm.joinedload(Claim.advocate)
    ).order_by(Claim.id)


def waitlist_position(claim: Claim) -> int | None:
    """1 for the first waiting claim of its benefit."""
    if claim.status != "waitlisted":
        return None
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Claim)
        .where(
            Claim.benefit_id == claim.benefit_id,
            Claim.status == "waitlisted",
            Claim.id <= claim.id,
        )
    )
