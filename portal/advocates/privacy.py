"""An advocate's personal data: the export of all the program holds about them, and erasure
(asked by the advocate, confirmed by the program team)."""

from __future__ import annotations

import sqlalchemy as sa

from portal.advocates.models import Advocate
from portal.advocates.preferences import asking_preferences
from portal.advocates.self_service import LIVE_ASKS, leave_program
from portal.advocates.service import _self_or_program
from portal.asks import asks as asks_service
from portal.asks.models import Ask
from portal.audit import service as audit
from portal.auth.permissions import demand
from portal.benefits.models import Claim, LedgerEntry
from portal.database import now_utc
from portal.errors import DomainError, Forbidden
from portal.extensions import db
from portal.i18n import gettext
from portal.program import terms


def _iso(value):
    return value.isoformat() if value is not None else None


def export_data(actor, advocate: Advocate) -> dict:
    """Everything the program holds about the advocate, as JSON-ready data."""
    _self_or_program(actor, advocate)
    asks = db.session.scalars(
        sa.select(Ask)
        .where(Ask.advocate_id == advocate.id)
        .options(sa.orm.joinedload(Ask.request))
        .order_by(Ask.asked_at, Ask.id)
    ).all()
    claims = db.session.scalars(
        sa.select(Claim)
        .where(Claim.advocate_id == advocate.id)
        .options(sa.orm.joinedload(Claim.benefit))
        .order_by(Claim.created_at)
    ).all()
    entries = db.session.scalars(
        sa.select(LedgerEntry)
        .where(LedgerEntry.advocate_id == advocate.id)
        .order_by(LedgerEntry.created_at, LedgerEntry.id)
    ).all()
    audit.record(actor, "advocate.data_exported", advocate, {})
    return {
        "exported_at": _iso(now_utc()),
        "profile": {
            "id": advocate.id,
            "name": advocate.name,
            "email": advocate.email,
            "account": advocate.account.name,
            "title": advocate.title,
            "seniority": advocate.seniority,
            "products": list(advocate.products or []),
            "use_cases": list(advocate.use_cases or []),
            "languages": list(advocate.languages or []),
            "timezone": advocate.timezone,
            "bio": advocate.bio,
            "status": advocate.status,
            "nomination_reason": advocate.nomination_reason,
            "custom_fields": dict(advocate.custom_fields or {}),
            "created_at": _iso(advocate.created_at),
        },
        "preferences": {
            **asking_preferences(advocate),
            "paused_until": _iso(advocate.paused_until),
        },
        "blackouts": [
            {"start": _iso(b.start), "end": _iso(b.end), "reason": b.reason}
            for b in advocate.blackouts
        ],
        "consent": {
            "consent_at": _iso(advocate.consent_at),
            "consent_version": advocate.consent_version,
            "erasure_requested_at": _iso(advocate.erasure_requested_at),
            "terms_accepted": [
                {"version": a.version, "accepted_at": _iso(a.accepted_at)}
                for a in terms.acceptances_of(advocate)
            ],
        },
        "asks": [
            {
                "id": a.id,
                "activity_type": a.request.activity_type,
                "prospect_company": a.request.prospect_company,
                "status": a.status,
                "asked_at": _iso(a.asked_at),
                "respond_by": _iso(a.respond_by),
                "responded_at": _iso(a.responded_at),
                "decline_reason": a.decline_reason,
                "note": a.note,
                "personal_note": a.personal_note,
                "proposed_times": a.proposed_times,
                "scheduled_at": _iso(a.scheduled_at),
                "completed_at": _iso(a.completed_at),
                "advocate_feedback": a.advocate_feedback,
            }
            for a in asks
        ],
        "claims": [
            {
                "id": c.id,
                "benefit": c.benefit.title,
                "kind": c.benefit.kind,
                "status": c.status,
                "created_at": _iso(c.created_at),
                "decided_at": _iso(c.decided_at),
            }
            for c in claims
        ],
        "ledger": [
            {
                "id": e.id,
                "delta": e.delta,
                "reason": e.reason,
                "memo": e.memo,
                "ask_id": e.ask_id,
                "claim_id": e.claim_id,
                "created_at": _iso(e.created_at),
            }
            for e in entries
        ],
        "points_balance": sum(e.delta for e in entries),
    }


def request_erasure(actor, advocate: Advocate) -> None:
    """The advocate asks to be forgotten: they leave the program; a manager then confirms."""
    _self_or_program(actor, advocate)
    if actor.role != "advocate":
        raise Forbidden(gettext("Only the advocate asks for their own erasure."))
    if advocate.erasure_requested_at is not None:
        raise DomainError(
            gettext("You already asked for erasure; the program team will confirm it.")
        )
    if advocate.status not in ("retired", "declined"):
        leave_program(actor, advocate, "Asked for erasure.")
    advocate.erasure_requested_at = now_utc()
    audit.record(actor, "advocate.erasure_requested", advocate, {})


def confirm_erasure(actor, advocate: Advocate) -> None:
    """A manager confirms an erasure request: the person is anonymized; their asks, claims
    and points entries stay (without their name) so program counts stay true."""
    demand(actor, "program.manage", gettext("Only the program team confirms an erasure."))
    if advocate.anonymized_at is not None:
        raise DomainError(gettext("This advocate was already anonymized."))
    if advocate.erasure_requested_at is None:
        raise DomainError(gettext("The advocate has not asked for erasure."))
    if advocate.status not in ("retired", "declined"):
        old = advocate.status
        advocate.status = "retired"
        audit.record(actor, "advocate.status_changed", advocate, {"from": old, "to": "retired"})
    for ask in db.session.scalars(
        sa.select(Ask).where(Ask.advocate_id == advocate.id, Ask.status.in_(LIVE_ASKS))
    ):
        asks_service.withdraw_for_leaving(actor, ask)
    advocate.name = f"Former advocate #{advocate.id}"
    advocate.email = f"erased-{advocate.id}@invalid"
    advocate.title = None
    advocate.bio = None
    advocate.nomination_reason = None
    advocate.custom_fields = {}  # administrators' own fields may hold personal data too
    advocate.blackouts.clear()
    user = advocate.user
    if user is not None:
        user.active = False
        user.email = f"erased-user-{user.id}@invalid"
        user.name = f"Former advocate #{advocate.id}"
        user.password_hash = None
    advocate.anonymized_at = now_utc()
    # The audit event names no one: only ids remain.
    audit.record(actor, "advocate.anonymized", advocate, {"user_id": advocate.user_id})
