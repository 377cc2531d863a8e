"""Advocate self-service: accepting the program terms, their own profile, answering their
asks, leaving the program, and their history."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from portal.advocates.models import Advocate
from portal.advocates.preferences import local_today
from portal.advocates.service import ABOUT_FIELDS, _self_or_program
from portal.asks import asks as asks_service
from portal.asks.models import Ask, ReferenceRequest
from portal.asks.overuse import has_current_consent, zone_of
from portal.audit import service as audit
from portal.benefits.models import Claim, LedgerEntry
from portal.database import now_utc
from portal.errors import DomainError, Forbidden
from portal.extensions import db
from portal.i18n import LOCALES, gettext
from portal.program import terms
from portal.program.service import get_setting, taxonomy_values
from portal.validation import Checker
from portal.vocab import CONTACT_CHANNELS, DECLINE_REASONS, SENIORITIES

PROFILE_FIELDS = (*ABOUT_FIELDS, "preferred_contact", "bio", "locale")
ANSWER_NOTE_MAX = 2000
PROPOSED_TIMES_MAX = 500
LEAVE_REASON_MAX = 1000
LIVE_ASKS = ("pending", "accepted")


def needs_consent(advocate: Advocate | None) -> bool:
    """Whether the advocate still has to accept the current program terms."""
    if advocate is None:
        return False
    return not has_current_consent(advocate)


def accept_terms(actor, advocate: Advocate, version: str | None = None) -> None:
    """Record the advocate's consent to the current terms (the version they read)."""
    _self_or_program(actor, advocate)
    if actor.role != "advocate":
        raise Forbidden(gettext("Only the advocate can accept the program terms."))
    current = get_setting("terms_version")
    if version is not None and version != current:
        raise DomainError(
            gettext("The terms changed while you were reading them; please read the new version."),
            field="version",
        )
    again = advocate.consent_at is not None and advocate.consent_version == current
    advocate.consent_at = now_utc()
    advocate.consent_version = current
    if not again:  # one acceptance per version on record, kept when newer versions come
        terms.record_acceptance(advocate, current, actor)
    audit.record(actor, "advocate.consented", advocate, {"version": current})


def update_profile(actor, advocate: Advocate, data: dict) -> dict:
    """The advocate's own profile (title, seniority, products, ... bio); {field: [old, new]}."""
    _self_or_program(actor, advocate)
    c = Checker(data, allowed=PROFILE_FIELDS, partial=True)
    c.text("title", max_length=120)
    c.choice("seniority", SENIORITIES)
    c.choices("products", taxonomy_values("product", advocate))
    c.choices("use_cases", taxonomy_values("use_case", advocate))
    c.choices("languages", taxonomy_values("language", advocate))
    c.timezone("timezone")
    c.choice("preferred_contact", CONTACT_CHANNELS)
    c.text("bio", max_length=2000)
    c.plain("title", "bio")
    c.choice("locale", LOCALES)  # the language of their pages and messages; None: the browser's
    clean = c.done()
    for name in ("products", "use_cases", "languages"):
        if name in clean and clean[name] is None:
            clean[name] = []
    if "timezone" in clean and clean["timezone"] is None:
        clean["timezone"] = "UTC"
    if "preferred_contact" in clean and clean["preferred_contact"] is None:
        clean["preferred_contact"] = "email"
    changed = audit.changes(advocate, clean)
    if "timezone" in changed and advocate.user is not None:
        advocate.user.timezone = advocate.timezone  # the portal shows dates in this zone
    if changed:
        audit.record(actor, "advocate.profile_updated", advocate, changed)
    return changed


def answer_my_ask(actor, ask: Ask, data: dict, *, accept: bool) -> Ask:
    """Check an answer's text (page or API) and record it through the ask workflow."""
    allowed = ("proposed_times", "note") if accept else ("reason", "note")
    c = Checker(data, allowed=allowed)
    c.text("note", max_length=ANSWER_NOTE_MAX)
    if accept:
        c.text("proposed_times", max_length=PROPOSED_TIMES_MAX)
    else:
        c.choice("reason", DECLINE_REASONS, required=True)
    c.plain("note", "proposed_times")
    clean = c.done()
    return asks_service.answer_ask(
        actor,
        ask,
        accept=accept,
        reason=clean.get("reason"),
        note=clean.get("note"),
        proposed_times=clean.get("proposed_times"),
    )


def leave_program(actor, advocate: Advocate, reason: str | None = None) -> int:
    """The advocate retires: live asks are withdrawn and their requesters told. Returns how
    many asks were withdrawn."""
    _self_or_program(actor, advocate)
    c = Checker({"reason": reason}, allowed=("reason",))
    c.text("reason", max_length=LEAVE_REASON_MAX)
    c.plain("reason")
    reason = c.done().get("reason")
    if advocate.status in ("retired", "declined"):
        raise DomainError(gettext("You are no longer part of the program."))
    old = advocate.status
    advocate.status = "retired"
    audit.record(
        actor, "advocate.status_changed", advocate, {"from": old, "to": "retired", "reason": reason}
    )
    audit.record(actor, "advocate.left", advocate, {"reason": reason})
    live = db.session.scalars(
        sa.select(Ask).where(Ask.advocate_id == advocate.id, Ask.status.in_(LIVE_ASKS))
    ).all()
    for ask in live:
        asks_service.withdraw_for_leaving(actor, ask)
    return len(live)


def live_asks(advocate: Advocate) -> list[Ask]:
    """Asks still open or agreed (what leaving withdraws)."""
    return db.session.scalars(
        sa.select(Ask)
        .where(Ask.advocate_id == advocate.id, Ask.status.in_(LIVE_ASKS))
        .order_by(Ask.asked_at)
    ).all()


def history_years(advocate: Advocate) -> list[int]:
    """The years with anything in the advocate's history, newest first (this year always)."""
    firsts = [
        db.session.scalar(sa.select(sa.func.min(column)).where(owner == advocate.id))
        for column, owner in (
            (Ask.asked_at, Ask.advocate_id),
            (Claim.created_at, Claim.advocate_id),
            (LedgerEntry.created_at, LedgerEntry.advocate_id),
        )
    ]
    this_year = local_today(advocate).year
    years = [
        first.year if isinstance(first, dt.datetime) else int(str(first)[:4])
        for first in firsts
        if first is not None
    ]
    start = min(years, default=this_year)
    return list(range(this_year, min(start, this_year) - 1, -1))


def _year_bounds(advocate: Advocate, year: int) -> tuple[dt.datetime, dt.datetime]:
    zone = zone_of(advocate)
    start = dt.datetime(year, 1, 1, tzinfo=zone).astimezone(dt.UTC)
    end = dt.datetime(year + 1, 1, 1, tzinfo=zone).astimezone(dt.UTC)
    return start, end


def history(advocate: Advocate, *, year: int | None = None, activity_type: str | None = None):
    """Every ask with its outcome, activities completed, benefits claimed and points entries;
    `year` (in the advocate's zone) filters all four, `activity_type` asks and activities."""
    asks_q = (
        sa.select(Ask)
        .join(Ask.request)
        .where(Ask.advocate_id == advocate.id, Ask.not_held())
        .options(sa.orm.contains_eager(Ask.request))
        .order_by(Ask.asked_at.desc(), Ask.id.desc())
    )
    claims_q = (
        sa.select(Claim)
        .where(Claim.advocate_id == advocate.id)
        .options(sa.orm.joinedload(Claim.benefit))
        .order_by(Claim.created_at.desc(), Claim.id.desc())
    )
    ledger_q = (
        sa.select(LedgerEntry)
        .where(LedgerEntry.advocate_id == advocate.id)
        .order_by(LedgerEntry.created_at.desc(), LedgerEntry.id.desc())
    )
    if year is not None:
        start, end = _year_bounds(advocate, year)
        asks_q = asks_q.where(Ask.asked_at >= start, Ask.asked_at < end)
        claims_q = claims_q.where(Claim.created_at >= start, Claim.created_at < end)
        ledger_q = ledger_q.where(LedgerEntry.created_at >= start, LedgerEntry.created_at < end)
    if activity_type is not None:
        asks_q = asks_q.where(ReferenceRequest.activity_type == activity_type)
    asks = db.session.scalars(asks_q).all()
    ledger = db.session.scalars(ledger_q).all()
    return {
        "asks": asks,
        "completed": [a for a in asks if a.status == "completed"],
        "claims": db.session.scalars(claims_q).all(),
        "ledger": ledger,
        "points": sum(e.delta for e in ledger),
    }
