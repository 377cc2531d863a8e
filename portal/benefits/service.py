"""The value exchange: the benefits catalog, claims with real capacity and waitlists, and the
points ledger (program rules 3 and 4).

Capacity: a claim holds a place while it is requested, approved or fulfilled. Every claim and
decision locks the benefit row first (`lock_benefit`), then the advocate (`lock_advocate`), so
concurrent claims are counted one after the other and balances never go below zero.

Ledger: a claim's cost is held (one negative "claim" entry) when it takes a place; approval
turns the hold into the spend without writing more; decline and cancel write a "refund" that
returns whatever the claim still holds. Waitlisted claims hold nothing until promoted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

import sqlalchemy as sa
from flask_babel import LazyString, lazy_gettext, ngettext

from portal.advocates.models import Advocate
from portal.asks.models import Ask
from portal.asks.overuse import lock_advocate
from portal.audit import service as audit
from portal.auth.permissions import can
from portal.benefits.models import (
    ELIGIBILITY_RULES,
    Benefit,
    BenefitAllowedAdvocate,
    Claim,
    LedgerEntry,
)
from portal.database import now_utc
from portal.errors import DomainError, Forbidden, NotFound, ValidationFailed
from portal.extensions import db
from portal.i18n import gettext
from portal.notifications.service import queue_email
from portal.validation import Checker
from portal.vocab import BENEFIT_KINDS, BENEFIT_STATUSES, in_sentence, label

# Claims in these states hold a place of the benefit's capacity.
PLACE_STATUSES = ("requested", "approved", "fulfilled")
# A claim in these states is still live: the advocate may not claim the same benefit again.
LIVE_STATUSES = ("requested", "approved", "waitlisted", "fulfilled")
CANCELLABLE = ("requested", "approved", "waitlisted")

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


# Locks -------------------------------------------------------------------------------------


def lock_benefit(benefit_id: int) -> Benefit:
    """Serialize claims and decisions on one benefit until the transaction ends; the benefit
    as it is now. PostgreSQL: a row lock. SQLite: a no-op UPDATE takes the write lock."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.select(Benefit.id).where(Benefit.id == benefit_id).with_for_update())
    else:
        db.session.execute(
            sa.update(Benefit)
            .where(Benefit.id == benefit_id)
            .values(id=Benefit.id)
            .execution_options(synchronize_session=False)
        )
    benefit = db.session.scalars(
        sa.select(Benefit).where(Benefit.id == benefit_id).execution_options(populate_existing=True)
    ).one_or_none()
    if benefit is None:
        raise NotFound(gettext("No such benefit."))
    return benefit


# Ledger ------------------------------------------------------------------------------------


def balance(advocate_id: int) -> int:
    """The advocate's points: the sum of their ledger entries."""
    return int(
        db.session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(LedgerEntry.delta), 0)).where(
                LedgerEntry.advocate_id == advocate_id
            )
        )
    )


def claim_holding(claim_id: int) -> int:
    """Points the claim holds or spent now (positive): minus the sum of its entries."""
    return -int(
        db.session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(LedgerEntry.delta), 0)).where(
                LedgerEntry.claim_id == claim_id
            )
        )
    )


def ledger_query(advocate_id: int) -> sa.Select:
    """The advocate's entries, newest first."""
    return (
        sa.select(LedgerEntry)
        .where(LedgerEntry.advocate_id == advocate_id)
        .order_by(LedgerEntry.created_at.desc(), LedgerEntry.id.desc())
    )


def _entry(advocate_id: int, delta: int, reason: str, actor=None, **fields) -> LedgerEntry:
    entry = LedgerEntry(
        advocate_id=advocate_id,
        delta=delta,
        reason=reason,
        created_by_id=getattr(actor, "id", None),
        **fields,
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def _points(n: int) -> str:
    return f"{n} point" if n == 1 else f"{n} points"


def adjust_points(actor, advocate: Advocate, delta, memo) -> LedgerEntry:
    """A manager's adjustment with a memo; a balance never goes below zero."""
    if not can(actor, "program.manage"):
        raise Forbidden(gettext("Only the program team adjusts points."))
    c = Checker({"delta": delta, "memo": memo}, allowed=("delta", "memo"))
    c.integer("delta", minimum=-1_000_000, maximum=1_000_000, required=True)
    c.text("memo", max_length=500, required=True)
    if c.clean.get("delta") == 0:
        c.error("delta", "Must not be zero.")
    clean = c.done()
    lock_advocate(advocate.id)
    have = balance(advocate.id)
    if have + clean["delta"] < 0:
        raise ValidationFailed(
            f"{advocate.name} has {_points(have)}; the balance can't go below zero.",
            field="delta",
        )
    entry = _entry(advocate.id, clean["delta"], "adjustment", actor, memo=clean["memo"])
    audit.record(
        actor, "ledger.adjusted", entry, {"advocate_id": advocate.id, **clean, "balance": have}
    )
    return entry


# Catalog -----------------------------------------------------------------------------------


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
    if not can(actor, "program.manage"):
        raise Forbidden(gettext("Only the program team adds benefits."))
    clean = check_benefit_data(data)
    benefit = Benefit(status="open", requires_approval=False, eligibility="everyone")
    db.session.add(benefit)
    _apply(benefit, clean)
    db.session.flush()
    audit.record(actor, "benefit.created", benefit, {"title": benefit.title})
    return benefit


def update_benefit(actor, benefit: Benefit, data: dict) -> dict:
    """Change the fields sent; more capacity promotes waiting claims at once."""
    if not can(actor, "program.manage"):
        raise Forbidden(gettext("Only the program team edits benefits."))
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
    if not can(actor, "program.manage"):
        raise Forbidden(gettext("Only the program team opens and closes benefits."))
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


# Who may claim, and why not -----------------------------------------------------------------


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


# Claims ------------------------------------------------------------------------------------


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
    if not can(actor, "program.manage"):
        raise Forbidden(gettext("Only the program team decides claims."))


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
    claim = db.session.get(Claim, claim_id)
    if claim is None:
        raise NotFound(gettext("No such claim."))
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


def ledger_advocate(actor, advocate_id: int) -> Advocate:
    """The advocate whose ledger the actor may read: self, or any for the program team.

    Others are refused before the lookup, so the answer never tells which ids exist."""
    if not (can(actor, "program.manage") or can(actor, "advocate.self")):
        raise Forbidden(gettext("Only the advocate and the program team see a points ledger."))
    advocate = db.session.get(Advocate, advocate_id)
    if advocate is None:
        raise NotFound(gettext("No such advocate."))
    if can(actor, "program.manage"):
        return advocate
    own = getattr(actor, "advocate", None)
    if own is None or own.id != advocate.id:
        raise NotFound(gettext("No such advocate."))
    return advocate


# Points expiry (program setting "points_expiry_months"; off when empty) --------------------

EXPIRY_MEMO = "Points expired"
WARN_DAYS = 30


def _months_before(day: dt.date, months: int) -> dt.date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    last = (dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(year, month, min(day.day, last))


def _expiring(advocate_id: int, cutoff: dt.date) -> int:
    """Points earned before `cutoff` not yet used, first earned first used (FIFO).

    Earned = positive activity and adjustment entries. Everything else that lowered the
    balance (claims, negative adjustments, earlier expiries; net of refunds) used the oldest
    points first.
    """
    earned = (LedgerEntry.delta > 0) & LedgerEntry.reason.in_(("activity", "adjustment"))
    start = dt.datetime.combine(cutoff, dt.time(), tzinfo=dt.UTC)
    total, old = db.session.execute(
        sa.select(
            sa.func.coalesce(sa.func.sum(sa.case((earned, LedgerEntry.delta), else_=0)), 0),
            sa.func.coalesce(
                sa.func.sum(
                    sa.case((earned & (LedgerEntry.created_at < start), LedgerEntry.delta), else_=0)
                ),
                0,
            ),
        ).where(LedgerEntry.advocate_id == advocate_id)
    ).one()
    used = int(total) - balance(advocate_id)
    return max(0, int(old) - used)


def expire_points(actor=None, today: dt.date | None = None) -> tuple[int, int]:
    """Expire points older than the program's months (a ledger entry each) and tell advocates
    whose points expire within 30 days. (advocates whose points expired, advocates told)."""
    from portal.audit.models import AuditEvent
    from portal.program.service import get_setting

    months = get_setting("points_expiry_months")
    if not months:
        return 0, 0
    today = today or _today()
    cutoff = _months_before(today, int(months))
    warn_cutoff = _months_before(today + dt.timedelta(days=WARN_DAYS), int(months))
    expired = told = 0
    ids = db.session.scalars(sa.select(LedgerEntry.advocate_id).distinct()).all()
    for advocate_id in ids:
        lock_advocate(advocate_id)
        due = _expiring(advocate_id, cutoff)
        if due:
            entry = _entry(advocate_id, -due, "adjustment", actor, memo=EXPIRY_MEMO)
            audit.record(actor, "ledger.expired", entry, {"points": due, "before": cutoff})
            expired += 1
        soon = _expiring(advocate_id, warn_cutoff)
        if not soon:
            continue
        since = now_utc() - dt.timedelta(days=WARN_DAYS)
        warned = db.session.scalar(
            sa.select(AuditEvent.id).where(
                AuditEvent.action == "ledger.expiry_warned",
                AuditEvent.entity == "advocates",
                AuditEvent.entity_id == advocate_id,
                AuditEvent.at >= since,
            )
        )
        advocate = db.session.get(Advocate, advocate_id)
        if warned or advocate is None or not advocate.email:
            continue
        queue_email(
            "claim_points_expiring",
            advocate.email,
            # Lazy: written in the advocate's language when queued (`make i18n-extract` reads
            # ngettext, not lazy_ngettext).
            LazyString(
                lambda n=soon: ngettext(
                    "%(num)s point expire soon", "%(num)s points expire soon", n
                )
            ),
            advocate=advocate,
            points=soon,
            on=today + dt.timedelta(days=WARN_DAYS),
        )
        audit.record(actor, "ledger.expiry_warned", advocate, {"points": soon})
        told += 1
    return expired, told


# Give and get ------------------------------------------------------------------------------

# Claims in these states count as a benefit the advocate received.
RECEIVED_STATUSES = ("approved", "fulfilled")
THANK_FIRST = 10


@dataclass
class GiveGetRow:
    """What one advocate gave (completed activities, points earned) and got (benefits
    approved or fulfilled, the points those claims spent)."""

    advocate_id: int
    name: str
    account: str
    activities: dict[str, int]
    given: int
    points_earned: int
    received: int
    points_spent: int

    @property
    def gap(self) -> int:
        return self.given - self.received


@dataclass
class GiveGet:
    rows: list[GiveGetRow]
    thank_first: list[GiveGetRow]
    unclaimed: list[Benefit]


def give_and_get(actor) -> GiveGet:
    """Per advocate, what they gave against what they got; the advocates to thank first (gave
    the most activities beyond the benefits they received, at least one more); and the open
    benefits without a live claim. Advocates who neither gave nor got are left out."""
    if not can(actor, "program.manage"):
        raise Forbidden(gettext("Only the program team sees give and get."))
    from portal.accounts.models import Account
    from portal.asks.models import ReferenceRequest

    activities: dict[int, dict[str, int]] = {}
    for advocate_id, activity_type, n in db.session.execute(
        sa.select(Ask.advocate_id, ReferenceRequest.activity_type, sa.func.count())
        .join(ReferenceRequest, Ask.request_id == ReferenceRequest.id)
        .where(Ask.status == "completed")
        .group_by(Ask.advocate_id, ReferenceRequest.activity_type)
    ):
        activities.setdefault(advocate_id, {})[activity_type] = n
    earned = dict(
        db.session.execute(
            sa.select(LedgerEntry.advocate_id, sa.func.sum(LedgerEntry.delta))
            .where(LedgerEntry.reason == "activity")
            .group_by(LedgerEntry.advocate_id)
        ).all()
    )
    received = dict(
        db.session.execute(
            sa.select(Claim.advocate_id, sa.func.count())
            .where(Claim.status.in_(RECEIVED_STATUSES))
            .group_by(Claim.advocate_id)
        ).all()
    )
    spent = dict(
        db.session.execute(
            sa.select(Claim.advocate_id, -sa.func.sum(LedgerEntry.delta))
            .join(LedgerEntry, LedgerEntry.claim_id == Claim.id)
            .where(Claim.status.in_(RECEIVED_STATUSES))
            .group_by(Claim.advocate_id)
        ).all()
    )
    ids = set(activities) | set(received)
    people = (
        db.session.execute(
            sa.select(Advocate.id, Advocate.name, Account.name)
            .join(Account, Advocate.account_id == Account.id)
            .where(Advocate.id.in_(ids))
        ).all()
        if ids
        else []
    )
    rows = sorted(
        (
            GiveGetRow(
                advocate_id=advocate_id,
                name=name,
                account=account,
                activities=dict(sorted(activities.get(advocate_id, {}).items())),
                given=sum(activities.get(advocate_id, {}).values()),
                points_earned=int(earned.get(advocate_id) or 0),
                received=int(received.get(advocate_id) or 0),
                points_spent=int(spent.get(advocate_id) or 0),
            )
            for advocate_id, name, account in people
        ),
        key=lambda r: (r.name.lower(), r.advocate_id),
    )
    thank_first = sorted(
        (r for r in rows if r.gap > 0),
        key=lambda r: (-r.gap, r.received, r.points_spent, r.name.lower()),
    )[:THANK_FIRST]
    live = sa.select(Claim.id).where(
        Claim.benefit_id == Benefit.id, Claim.status.in_(LIVE_STATUSES)
    )
    unclaimed = db.session.scalars(
        sa.select(Benefit)
        .where(Benefit.status == "open", ~live.exists())
        .order_by(Benefit.event_date.is_(None), Benefit.event_date, Benefit.id)
    ).all()
    return GiveGet(rows=rows, thank_first=thank_first, unclaimed=list(unclaimed))
