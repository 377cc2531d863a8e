"""The benefits catalog: a benefit's data (checked, created, updated), opening and closing it,
who sees which benefits, and each benefit's offer to an advocate on the catalog page."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from portal.advocates.models import Advocate
from portal.audit import service as audit
from portal.auth.permissions import can, demand
from portal.benefits.capacity import ClaimFigures, lock_benefit, places_taken
from portal.benefits.claims import LIVE_STATUSES, live_claim, promote_waitlisted
from portal.benefits.eligibility import _claim_refusal, completed_activities
from portal.benefits.ledger import balance
from portal.benefits.models import ELIGIBILITY_RULES, Benefit, BenefitAllowedAdvocate, Claim
from portal.errors import NotFound, ValidationFailed
from portal.extensions import db
from portal.i18n import gettext
from portal.validation import Checker
from portal.vocab import BENEFIT_KINDS, BENEFIT_STATUSES

BENEFIT_FIELDS = (
    "kind",
    "title",
    "description",
    "event_date",
    "location",
    "capacity",
    "points_cost",
    "claim_deadline",
    "requires_approval",
    "eligibility",
    "min_completed",
    "allowed_advocate_ids",
)


def _boolean(c: Checker, name: str) -> None:
    if name not in c.data:
        return
    value = c.data[name]
    if isinstance(value, str) and value.lower() in ("true", "false", "y", "n", "1", "0", "on"):
        value = value.lower() in ("true", "y", "1", "on")
    if not isinstance(value, bool):
        c.error(name, "Must be true or false.")
    else:
        c.clean[name] = value


def check_benefit_data(data: dict, *, benefit: Benefit | None = None, partial=False) -> dict:
    """Clean catalog input or raise ValidationFailed naming every bad field."""
    c = Checker(data, allowed=BENEFIT_FIELDS, partial=partial)
    c.choice("kind", BENEFIT_KINDS, required=True)
    c.text("title", max_length=200, required=True)
    c.text("description", max_length=5000)
    c.date("event_date")
    c.text("location", max_length=200)
    c.integer("capacity", minimum=0, maximum=100_000)
    c.integer("points_cost", minimum=0, maximum=1_000_000)
    c.date("claim_deadline")
    _boolean(c, "requires_approval")
    c.choice("eligibility", ELIGIBILITY_RULES)
    c.integer("min_completed", minimum=1, maximum=1000)
    if "allowed_advocate_ids" in c.data:
        ids = c.data["allowed_advocate_ids"] or []
        if not isinstance(ids, list) or not all(
            isinstance(i, int) and not isinstance(i, bool) for i in ids
        ):
            c.error("allowed_advocate_ids", "Must be a list of advocate ids.")
        else:
            ids = list(dict.fromkeys(ids))
            found = set(
                db.session.scalars(sa.select(Advocate.id).where(Advocate.id.in_(ids))).all()
            )
            unknown = [str(i) for i in ids if i not in found]
            if unknown:
                c.error("allowed_advocate_ids", f"No advocate with id {', '.join(unknown[:5])}.")
            else:
                c.clean["allowed_advocate_ids"] = ids

    def value(name):
        if name in c.clean:
            return c.clean[name]
        return getattr(benefit, name, None) if benefit is not None else None

    if "points_cost" not in c.errors and not partial and c.clean.get("points_cost") is None:
        c.clean["points_cost"] = 0
    event, deadline = value("event_date"), value("claim_deadline")
    if event and deadline and deadline > event and "claim_deadline" not in c.errors:
        c.error("claim_deadline", "Must be on or before the event date.")
    capacity = value("capacity")
    if benefit is not None and "capacity" in c.clean and capacity is not None:
        taken = places_taken(benefit.id)
        if capacity < taken:
            c.error(
                "capacity",
                f"{taken} places are taken already; the capacity can't be lower than that.",
            )
    rule = value("eligibility") or "everyone"
    if rule == "min_completed" and not value("min_completed") and "min_completed" not in c.errors:
        c.error("min_completed", "Say how many completed activities an advocate needs.")
    if rule == "chosen" and "allowed_advocate_ids" not in c.errors:
        chosen = c.clean.get("allowed_advocate_ids")
        if chosen is None and benefit is not None:
            chosen = [a.advocate_id for a in benefit.allowed]
        if not chosen:
            c.error("allowed_advocate_ids", "Choose at least one advocate.")
    if rule != "min_completed" and "eligibility" in c.clean:
        c.clean["min_completed"] = None
    return c.done()


def _apply(benefit: Benefit, clean: dict) -> dict:
    ids = clean.pop("allowed_advocate_ids", None)
    changed = audit.changes(benefit, clean)
    if ids is not None:
        old = sorted(a.advocate_id for a in benefit.allowed)
        if old != sorted(ids):
            benefit.allowed = [BenefitAllowedAdvocate(advocate_id=i) for i in ids]
            changed["allowed_advocate_ids"] = [old, sorted(ids)]
    return changed


def create_benefit(actor, data: dict) -> Benefit:
    demand(actor, "program.manage", gettext("Only the program team adds benefits."))
    clean = check_benefit_data(data)
    benefit = Benefit(status="open", requires_approval=False, eligibility="everyone")
    db.session.add(benefit)
    _apply(benefit, clean)
    db.session.flush()
    audit.record(actor, "benefit.created", benefit, {"title": benefit.title})
    return benefit


def update_benefit(actor, benefit: Benefit, data: dict) -> dict:
    """Change the fields sent; more capacity promotes waiting claims at once."""
    demand(actor, "program.manage", gettext("Only the program team edits benefits."))
    benefit = lock_benefit(benefit.id)
    clean = check_benefit_data(data, benefit=benefit, partial=True)
    changed = _apply(benefit, clean)
    db.session.flush()
    if changed:
        audit.record(actor, "benefit.updated", benefit, changed)
    promote_waitlisted(actor, benefit)
    return changed


def set_benefit_status(actor, benefit: Benefit, status: str) -> None:
    """Open or close the benefit for new claims; claims already made stay as they are."""
    demand(actor, "program.manage", gettext("Only the program team opens and closes benefits."))
    if status not in BENEFIT_STATUSES:
        raise ValidationFailed(gettext("status: Must be open or closed."), field="status")
    if benefit.status != status:
        old = benefit.status
        benefit.status = status
        audit.record(
            actor, f"benefit.{'opened' if status == 'open' else 'closed'}", benefit, {"from": old}
        )


def sees_every_benefit(actor) -> bool:
    """The program team sees closed benefits and each benefit's chosen advocates; nobody else."""
    return can(actor, "program.manage")


def _open_or_claimed_by(advocate: Advocate):
    """SQL: the benefit is open, or `advocate` claimed it (what their catalog shows)."""
    claimed = sa.select(Claim.benefit_id).where(Claim.advocate_id == advocate.id)
    return sa.or_(Benefit.status == "open", Benefit.id.in_(claimed))


def _visible_to(actor):
    """SQL: the benefits a non-manager may see: an advocate their catalog's, others open ones."""
    advocate = getattr(actor, "advocate", None) if actor.role == "advocate" else None
    return Benefit.status == "open" if advocate is None else _open_or_claimed_by(advocate)


def get_benefit(actor, benefit_id: int) -> Benefit:
    """A benefit the actor may see (see `_visible_to`); any other is not found."""
    query = sa.select(Benefit).where(Benefit.id == benefit_id)
    if not sees_every_benefit(actor):
        query = query.where(_visible_to(actor))
    benefit = db.session.scalar(query)
    if benefit is None:
        raise NotFound(gettext("No such benefit."))
    return benefit


def visible_benefit_query(actor, *, status: str | None = None, kind: str | None = None):
    """`benefit_query` narrowed to the benefits the actor may see."""
    query = benefit_query(status=status, kind=kind)
    return query if sees_every_benefit(actor) else query.where(_visible_to(actor))


def benefit_for_advocate(advocate: Advocate, benefit_id: int) -> Benefit:
    """An open benefit, or a closed one the advocate claimed; others are not found."""
    benefit = db.session.scalar(
        sa.select(Benefit).where(Benefit.id == benefit_id, _open_or_claimed_by(advocate))
    )
    if benefit is None:
        raise NotFound(gettext("No such benefit."))
    return benefit


def benefit_query(*, status: str | None = None, kind: str | None = None) -> sa.Select:
    query = sa.select(Benefit)
    if status:
        query = query.where(Benefit.status == status)
    if kind:
        query = query.where(Benefit.kind == kind)
    return query.order_by(Benefit.event_date.is_(None), Benefit.event_date, Benefit.id)


@dataclass(frozen=True)
class Offer:
    """How a benefit stands for one advocate: may they claim, would they wait, and why not."""

    benefit: Benefit
    claim: Claim | None
    may_claim: bool
    waitlist: bool
    reason: str | None
    places_left: int | None


def offer(
    advocate: Advocate, benefit: Benefit, *, have: int | None = None, known: dict | None = None
) -> Offer:
    """The catalog's answer for this advocate, in words ("needs 150 points, you have 90").
    `known` (from catalog()) holds what was read once for many benefits."""
    if known is None:
        claim, taken, done = live_claim(advocate.id, benefit.id), places_taken(benefit.id), None
    else:
        claim, taken = known["claims"].get(benefit.id), known["figures"].taken(benefit.id)
        done = known["done"]
    left = None if benefit.capacity is None else max(benefit.capacity - taken, 0)
    reason = _claim_refusal(advocate, benefit, claim, have, done)
    waitlist = left == 0
    if reason is None and waitlist:
        return Offer(benefit, claim, True, True, gettext("full, join the waitlist"), left)
    return Offer(benefit, claim, reason is None, False, reason, left)


CATALOG_PAGE = 24  # cards on a page of the catalog (rows of two and three)


def catalog(advocate: Advocate, page: int = 1):
    """A page of the open benefits and those the advocate claimed, by date, each with its
    offer: (the page, its offers)."""
    have = balance(advocate.id)
    shown = db.paginate(
        sa.select(Benefit)
        .where(_open_or_claimed_by(advocate))
        .options(sa.orm.selectinload(Benefit.allowed))
        .order_by(Benefit.event_date.is_(None), Benefit.event_date, Benefit.id),
        page=page,
        per_page=CATALOG_PAGE,
        error_out=False,
    )
    benefits = shown.items
    ids = [b.id for b in benefits]
    known = {
        "figures": ClaimFigures(ids),
        "claims": {
            claim.benefit_id: claim
            for claim in db.session.scalars(
                sa.select(Claim).where(
                    Claim.advocate_id == advocate.id,
                    Claim.benefit_id.in_(ids),
                    Claim.status.in_(LIVE_STATUSES),
                )
            )
        },
        "done": (
            completed_activities(advocate.id)
            if any(b.eligibility == "min_completed" for b in benefits)
            else None
        ),
    }
    return shown, [offer(advocate, b, have=have, known=known) for b in benefits]
