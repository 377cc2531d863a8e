"""Suggested candidates: new happy customers the recruiting pipeline should look at, with why.

A suggestion appears when
- a deal closes won (`opportunity.outcome_changed` to "won"): "Closed won on 2026-12-01: Acme -
  Platform expansion, USD 120,000", whether or not the company is one of the program's accounts;
- an account's NPS newly reaches NPS_THRESHOLD, or its relationship health newly becomes the best
  value (`account.referenceability_set`): "NPS 55 (threshold 50)". Only a crossing counts, not
  every save of a high score.

It is not suggested when the account already has an active advocate, is marked do-not-contact or
not referenceable, or already has an open suggestion; and each kind is suggested once per deal
and once per account (unique keys), so a deal flipping won -> open -> won, or a dismissed
suggestion, never comes back. The subscribers run inside the change's transaction and only add
rows (an insert that skips a duplicate, also under concurrency).

Customer success sees the suggestions of its own accounts and the won deals with no account;
the program team sees all. Nominating or dismissing one is audited.
"""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from portal.accounts.models import Account
from portal.advocates.models import Advocate
from portal.audit import service as audit
from portal.auth.permissions import can, demand
from portal.database import now_utc
from portal.errors import DomainError, NotFound
from portal.events import Event, subscribe
from portal.extensions import db
from portal.opportunities.models import Opportunity
from portal.recruiting.models import CandidateSuggestion, Referenceability
from portal.validation import Checker
from portal.vocab import RELATIONSHIP_HEALTH, label

NPS_THRESHOLD = 50  # an account NPS (-100..100) of 50 or more is commonly called excellent
BEST_HEALTH = RELATIONSHIP_HEALTH[0]  # "healthy"
COMPANY_MAX = 200
DISMISS_REASON_MAX = 500


# Creating suggestions (domain event subscribers) ---------------------------------------------


def _amount(value: Decimal) -> str:
    return f"{value:,.0f}" if value == value.to_integral_value() else f"{value:,.2f}"


def won_reason(opportunity: Opportunity) -> str:
    """'Closed won on 2026-12-01: Acme - Platform expansion, USD 120,000'."""
    day = opportunity.close_date or (opportunity.outcome_changed_at or now_utc()).date()
    reason = f"Closed won on {day.isoformat()}: {opportunity.name}"
    if opportunity.amount is not None:
        reason += f", {opportunity.currency} {_amount(opportunity.amount)}"
    return reason


def _account_is_taken(account_id: int) -> bool:
    """Already in the program (an active advocate), off limits, or already suggested."""
    return bool(
        db.session.scalar(
            sa.select(
                sa.or_(
                    sa.exists().where(
                        Advocate.account_id == account_id, Advocate.status == "active"
                    ),
                    sa.exists().where(Account.id == account_id, Account.status == "do_not_contact"),
                    sa.exists().where(
                        Referenceability.account_id == account_id,
                        Referenceability.status == "not_referenceable",
                    ),
                    sa.exists().where(
                        CandidateSuggestion.account_id == account_id,
                        CandidateSuggestion.status == "suggested",
                    ),
                )
            )
        )
    )


def _insert(actor, values: dict) -> CandidateSuggestion | None:
    """Add one suggestion unless its kind is already suggested for the deal or the account
    (INSERT ... ON CONFLICT DO NOTHING: two changes at once add one row, and neither fails)."""
    dialect = db.session.get_bind().dialect.name
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect]
    row = {**values, "status": "suggested", "created_at": now_utc()}
    row["company"] = row["company"][:COMPANY_MAX]
    new_id = db.session.scalar(
        insert(CandidateSuggestion)
        .values(row)
        .on_conflict_do_nothing()
        .returning(CandidateSuggestion.id)
    )
    if new_id is None:
        return None
    suggestion = db.session.get(CandidateSuggestion, new_id)
    audit.record(
        actor,
        "candidate_suggestion.created",
        suggestion,
        {
            "kind": suggestion.kind,
            "reason": suggestion.reason,
            "account_id": suggestion.account_id,
            "opportunity_id": suggestion.opportunity_id,
        },
    )
    return suggestion


def _exists(**where) -> bool:
    return bool(
        db.session.scalar(
            sa.select(
                sa.exists().where(*(getattr(CandidateSuggestion, k) == v for k, v in where.items()))
            )
        )
    )


def suggest_won_customer(event: Event) -> None:
    """A deal closed won: its company is a candidate (see the module's rules)."""
    if event.data.get("to") != "won":
        return
    opportunity: Opportunity = event.obj
    if _exists(kind="won_deal", opportunity_id=opportunity.id):
        return
    account = db.session.get(Account, opportunity.account_id) if opportunity.account_id else None
    if account is not None:
        if _account_is_taken(account.id) or _exists(kind="won_deal", account_id=account.id):
            return
        company = account.name
    else:
        company = opportunity.account_name or opportunity.name
        already = sa.select(
            sa.exists().where(
                CandidateSuggestion.account_id.is_(None),
                CandidateSuggestion.status == "suggested",
                sa.func.lower(CandidateSuggestion.company) == company[:COMPANY_MAX].lower(),
            )
        )
        if db.session.scalar(already):
            return
    _insert(
        event.actor,
        {
            "kind": "won_deal",
            "account_id": account.id if account is not None else None,
            "opportunity_id": opportunity.id,
            "company": company,
            "reason": won_reason(opportunity),
        },
    )


def _before_after(data: dict, field: str) -> tuple | None:
    """(old, new) of `field` in an `account.referenceability_set` event: its data holds the
    values when the rating is first set, and [old, new] pairs of what changed afterwards."""
    if field not in data:
        return None
    value = data[field]
    if isinstance(value, list) and len(value) == 2:
        return value[0], value[1]
    return None, value


def suggest_happy_account(event: Event) -> None:
    """An account's NPS reached the threshold, or its health became the best: a candidate."""
    account: Account = event.obj
    crossed: list[tuple[str, str]] = []  # (kind, why)
    nps = _before_after(event.data, "nps")
    if nps is not None:
        old, new = nps
        if new is not None and new >= NPS_THRESHOLD and (old is None or old < NPS_THRESHOLD):
            crossed.append(("nps", f"NPS {new} (threshold {NPS_THRESHOLD})"))
    health = _before_after(event.data, "health")
    if health is not None:
        old, new = health
        if new == BEST_HEALTH and old != BEST_HEALTH:
            was = f" (was {label(old).lower()})" if old else ""
            crossed.append(("health", f"Relationship health {label(new).lower()}{was}"))
    if not crossed or _account_is_taken(account.id):
        return
    reason = "; ".join(why for _, why in crossed)
    for kind, _ in crossed:
        if not _exists(kind=kind, account_id=account.id):
            _insert(
                event.actor,
                {
                    "kind": kind,
                    "account_id": account.id,
                    "opportunity_id": None,
                    "company": account.name,
                    "reason": reason,
                },
            )
            return


# Seeing and deciding ----------------------------------------------------------------------------


def visible_condition(actor):
    """SQL: the suggestions `actor` sees; Forbidden for whoever is not customer success or the
    program team."""
    demand(
        actor,
        "accounts.edit",
        "Only customer success and the program team see suggested candidates.",
    )
    if can(actor, "program.manage"):
        return sa.true()
    own = sa.select(Account.id).where(Account.csm_id == actor.id)
    return sa.or_(CandidateSuggestion.account_id.is_(None), CandidateSuggestion.account_id.in_(own))


def suggestions_query(actor, status: str = "suggested") -> sa.Select:
    """The suggestions the actor sees in `status`, newest first."""
    return (
        sa.select(CandidateSuggestion)
        .where(visible_condition(actor), CandidateSuggestion.status == status)
        .order_by(CandidateSuggestion.created_at.desc(), CandidateSuggestion.id.desc())
    )


def open_suggestions(actor, limit: int) -> tuple[list[CandidateSuggestion], int]:
    """The newest `limit` open suggestions the actor sees, and how many there are."""
    query = suggestions_query(actor)
    total = db.session.scalar(
        sa.select(sa.func.count()).select_from(query.order_by(None).subquery())
    )
    return list(db.session.scalars(query.limit(limit))), int(total or 0)


def get_suggestion(actor, suggestion_id: int) -> CandidateSuggestion:
    """A suggestion the actor sees; another CSM's answers NotFound."""
    suggestion = db.session.scalar(
        sa.select(CandidateSuggestion).where(
            CandidateSuggestion.id == suggestion_id, visible_condition(actor)
        )
    )
    if suggestion is None:
        raise NotFound("No such suggestion.")
    return suggestion


def _check_open(actor, suggestion: CandidateSuggestion) -> None:
    get_suggestion(actor, suggestion.id)  # the object check, whoever called
    if suggestion.status != "suggested":
        raise DomainError(f"{suggestion.company} was already {suggestion.status}.", field="status")


def _decide(actor, suggestion: CandidateSuggestion, status: str) -> None:
    suggestion.status = status
    suggestion.decided_by_id = actor.id
    suggestion.decided_at = now_utc()


def nominate_suggestion(actor, suggestion: CandidateSuggestion) -> CandidateSuggestion:
    """Customer success takes the candidate on: the suggestion leaves the list as nominated (the
    page then opens the nomination form for its account, or the new-account form)."""
    _check_open(actor, suggestion)
    _decide(actor, suggestion, "nominated")
    audit.record(
        actor,
        "candidate_suggestion.nominated",
        suggestion,
        {"company": suggestion.company, "account_id": suggestion.account_id},
    )
    return suggestion


def dismiss_suggestion(
    actor, suggestion: CandidateSuggestion, reason: str | None = None
) -> CandidateSuggestion:
    """Not a candidate (an optional reason says why); a dismissed suggestion stays dismissed."""
    _check_open(actor, suggestion)
    c = Checker({"reason": reason}, allowed=("reason",))
    c.text("reason", max_length=DISMISS_REASON_MAX)
    c.plain("reason")
    clean = c.done()
    _decide(actor, suggestion, "dismissed")
    suggestion.dismiss_reason = clean.get("reason")
    audit.record(
        actor,
        "candidate_suggestion.dismissed",
        suggestion,
        {"company": suggestion.company, "reason": suggestion.dismiss_reason},
    )
    return suggestion


def register() -> None:
    """Subscribe the candidate suggestions to their events.

    Called by the factory (`portal.register_listeners`); calling it again changes nothing.
    """
    subscribe("opportunity.outcome_changed")(suggest_won_customer)
    subscribe("account.referenceability_set")(suggest_happy_account)
