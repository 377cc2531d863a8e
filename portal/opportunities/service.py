"""Opportunities: the one place that creates, changes and links CRM deals.

An opportunity is keyed by its CRM id. It is written by a CRM import (CSV presets), by the API
(`PUT /api/v1/opportunities/<crm_id>`), by a manager on its page, or, when a request names a
CRM id nobody has loaded yet, by that request. Requests that support a deal link to it and their
`opportunity_*` fields mirror it, so an outcome set once (by the CRM or on any of its requests)
is what every request and every report reads.

Who sees a deal: the reference team sees every one; a requester sees the deals they own in the
CRM (`owner_email`), deals with no owner, and deals one of their own requests already supports.
A requester may link a request only to a deal they see, so a guessed CRM id reveals nothing.
"""

from __future__ import annotations

import re

import sqlalchemy as sa

from portal.accounts.models import Account
from portal.asks.models import ReferenceRequest
from portal.audit import service as audit
from portal.auth.models import User
from portal.auth.permissions import can, demand
from portal.database import now_utc
from portal.errors import NotFound, ValidationFailed
from portal.extensions import db
from portal.opportunities.models import Opportunity
from portal.validation import Checker
from portal.vocab import (
    CURRENCY_DEFAULT,
    OPPORTUNITY_OUTCOMES,
    OPPORTUNITY_SOURCES,
    STAGE_GROUPS,
)

FIELDS = (
    "name",
    "account_name",
    "account_crm_id",
    "amount",
    "currency",
    "stage",
    "stage_group",
    "close_date",
    "opened_on",
    "outcome",
    "owner_email",
)
# A request's field -> the opportunity's field it mirrors.
MIRRORED = {
    "opportunity_name": "name",
    "opportunity_crm_id": "crm_id",
    "opportunity_amount": "amount",
    "opportunity_stage": "stage",
    "opportunity_close_date": "close_date",
    "opportunity_outcome": "outcome",
}
CRM_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:\-]{0,63}")
CURRENCY = re.compile(r"[A-Z]{3}")
CRM_ID_RULE = "Use the CRM's id: letters, digits, '.', '_', ':' or '-', at most 64 characters."


def is_program(actor) -> bool:
    return can(actor, "program.manage")


def _program_only(actor) -> None:
    demand(actor, "program.manage", "Only the reference team manages opportunities.")


def check_crm_id(value, field: str = "crm_id") -> str:
    value = value.strip() if isinstance(value, str) else value
    if not isinstance(value, str) or not CRM_ID.fullmatch(value):
        raise ValidationFailed(f"{field}: {CRM_ID_RULE}", field=field)
    return value


def check_data(data: dict, *, partial: bool) -> dict:
    """Cleaned opportunity fields, or ValidationFailed naming each bad one."""
    checker = Checker(data, allowed=FIELDS, partial=partial)
    checker.text("name", max_length=200, required=True)
    checker.text("account_name", max_length=200)
    checker.text("account_crm_id", max_length=64)
    checker.text("stage", max_length=64)
    checker.plain("name", "account_name", "account_crm_id", "stage")
    checker.money("amount")
    checker.choice("stage_group", STAGE_GROUPS)
    checker.choice("outcome", OPPORTUNITY_OUTCOMES, required=True)
    checker.date("close_date")
    checker.date("opened_on")
    checker.email("owner_email")
    if "currency" in checker.data:
        currency = checker.data["currency"]
        currency = currency.strip().upper() if isinstance(currency, str) else currency
        if currency in (None, ""):
            checker.clean["currency"] = CURRENCY_DEFAULT
        elif not isinstance(currency, str) or not CURRENCY.fullmatch(currency):
            checker.error("currency", "Use the three-letter ISO 4217 code, such as USD or EUR.")
        else:
            checker.clean["currency"] = currency
    opened, closed = checker.clean.get("opened_on"), checker.clean.get("close_date")
    if opened and closed and closed < opened:
        checker.error("close_date", "Must not be before the date the opportunity was opened.")
    return checker.done()


def _match_account(values: dict) -> int | None:
    """The program's account this deal is with: by the account's CRM id, else its exact name
    (one match, any case); None when it is not a customer of the program (a prospect)."""
    if values.get("account_crm_id"):
        found = db.session.scalar(
            sa.select(Account.id).where(Account.crm_id == values["account_crm_id"])
        )
        if found is not None:
            return found
    if values.get("account_name"):
        found = db.session.scalars(
            sa.select(Account.id)
            .where(sa.func.lower(Account.name) == values["account_name"].lower())
            .limit(2)
        ).all()
        if len(found) == 1:
            return found[0]
    return None


def find(crm_id: str) -> Opportunity | None:
    if "\x00" in crm_id:  # no CRM id holds one, and PostgreSQL refuses it in text
        return None
    return db.session.scalar(sa.select(Opportunity).where(Opportunity.crm_id == crm_id))


def save(actor, opportunity: Opportunity | None, crm_id: str, clean: dict, *, source: str) -> str:
    """Create or change one opportunity from cleaned values: "created", "updated" or
    "unchanged" (nothing written, nothing audited). Requests that support it follow; an outcome
    change is its own audited event (`opportunity.outcome_changed`, a webhook event)."""
    if source not in OPPORTUNITY_SOURCES:
        raise ValueError(source)
    values = dict(clean)
    if "account_name" in values or "account_crm_id" in values:
        merged = {
            "account_name": values.get("account_name", getattr(opportunity, "account_name", None)),
            "account_crm_id": values.get(
                "account_crm_id", getattr(opportunity, "account_crm_id", None)
            ),
        }
        values["account_id"] = _match_account(merged)
    if values.get("outcome") in ("won", "lost"):
        values.setdefault("stage_group", None)
    if opportunity is None:
        given = {k: v for k, v in values.items() if v is not None}
        opportunity = Opportunity(
            crm_id=crm_id,
            source=source,
            **{"currency": CURRENCY_DEFAULT, "outcome": "open", **given},
        )
        if opportunity.outcome != "open":
            opportunity.outcome_changed_at = now_utc()
        db.session.add(opportunity)
        db.session.flush()
        audit.record(
            actor, "opportunity.created", opportunity, {"source": source, **_audited(values)}
        )
        if opportunity.outcome != "open":
            audit.record(
                actor,
                "opportunity.outcome_changed",
                opportunity,
                {"from": None, "to": opportunity.outcome, "source": source},
            )
        return "created"
    changed = audit.changes(opportunity, values)
    if not changed:
        return "unchanged"
    if "outcome" in changed:
        opportunity.outcome_changed_at = now_utc()
    audit.record(actor, "opportunity.updated", opportunity, {"source": source, **changed})
    if "outcome" in changed:
        old, new = changed["outcome"]
        audit.record(
            actor,
            "opportunity.outcome_changed",
            opportunity,
            {"from": old, "to": new, "source": source},
        )
    mirror(opportunity)
    return "updated"


def _audited(values: dict) -> dict:
    return {k: v for k, v in values.items() if v is not None}


def upsert(actor, crm_id, data: dict, *, source: str = "api") -> tuple[Opportunity, str]:
    """Create the opportunity `crm_id` or change the fields sent (fields not sent stay as
    they are): the API's PUT and the CRM import's rows. Sending the same values twice writes
    nothing the second time."""
    _program_only(actor)
    crm_id = check_crm_id(crm_id)
    opportunity = find(crm_id)
    clean = check_data(data, partial=opportunity is not None)
    action = save(actor, opportunity, crm_id, clean, source=source)
    return opportunity or find(crm_id), action


def mirror(opportunity: Opportunity) -> None:
    """Copy the deal onto every request that supports it (through the ORM, so the reports'
    facts of those requests follow in the same flush)."""
    for request in opportunity.requests:
        for request_field, field in MIRRORED.items():
            value = getattr(opportunity, field)
            if getattr(request, request_field) != value:
                setattr(request, request_field, value)


# Who sees a deal --------------------------------------------------------------------------


def _own_request_deals(actor):
    return sa.select(ReferenceRequest.opportunity_id).where(
        ReferenceRequest.requester_id == actor.id, ReferenceRequest.opportunity_id.is_not(None)
    )


def visible_condition(actor):
    """SQL: the opportunities `actor` may see."""
    if is_program(actor):
        return sa.true()
    if actor is None or getattr(actor, "role", None) not in ("requester", "csm"):
        return sa.false()
    return sa.or_(
        Opportunity.owner_email.is_(None),
        sa.func.lower(Opportunity.owner_email) == (actor.email or "").lower(),
        Opportunity.id.in_(_own_request_deals(actor)),
    )


def may_see(actor, opportunity: Opportunity) -> bool:
    if is_program(actor):
        return True
    return bool(
        db.session.scalar(
            sa.select(sa.literal(True)).where(
                Opportunity.id == opportunity.id, visible_condition(actor)
            )
        )
    )


def get(actor, crm_id: str) -> Opportunity:
    """The opportunity with that CRM id, if the actor may see it; else NotFound."""
    opportunity = find(crm_id) if isinstance(crm_id, str) else None
    if opportunity is None or not may_see(actor, opportunity):
        raise NotFound("No such opportunity.")
    return opportunity


def _may_edit(actor, opportunity: Opportunity) -> bool:
    """The team, or the deal's owner, may change it from a request."""
    return is_program(actor) or (
        opportunity.owner_email is not None
        and actor is not None
        and opportunity.owner_email.lower() == (actor.email or "").lower()
    )


def opportunities_query(actor, filters: dict | None = None) -> sa.Select:
    """The opportunities the actor sees, newest change first; filters: q (name, account or CRM
    id), outcome, stage_group, updated_since (an aware datetime), account_id."""
    filters = filters or {}
    query = sa.select(Opportunity).where(visible_condition(actor))
    if filters.get("q"):
        q = filters["q"]
        query = query.where(
            sa.or_(
                Opportunity.name.icontains(q, autoescape=True),
                Opportunity.account_name.icontains(q, autoescape=True),
                Opportunity.crm_id.icontains(q, autoescape=True),
            )
        )
    if filters.get("outcome"):
        query = query.where(Opportunity.outcome == filters["outcome"])
    if filters.get("stage_group"):
        query = query.where(Opportunity.stage_group == filters["stage_group"])
    if filters.get("account_id"):
        query = query.where(Opportunity.account_id == filters["account_id"])
    if filters.get("updated_since") is not None:
        query = query.where(Opportunity.updated_at >= filters["updated_since"])
        return query.order_by(Opportunity.updated_at, Opportunity.id)
    return query.order_by(Opportunity.updated_at.desc(), Opportunity.id.desc())


# Requests that name a deal ------------------------------------------------------------------

KEEP = object()  # the request's link stays as it is


def link_for_request(actor, clean: dict, *, request: ReferenceRequest | None, requester) -> object:
    """Resolve the deal a request's cleaned fields name, and make `clean` carry the deal's
    values. Returns the Opportunity to link, None to unlink, or KEEP.

    - A CRM id nobody has loaded creates the deal from the request (owned by the requester).
    - A known deal is linked if the actor may see it; the fields typed on the request change
      the deal when the actor may edit it (the team or its owner), else fill only its blanks.
    - No CRM id unlinks: the request keeps its own typed values, as before deals were kept.
    """
    if "opportunity_crm_id" not in clean:
        current = request.opportunity if request is not None else None
        if current is None:
            return KEEP
        crm_id = current.crm_id
    else:
        crm_id = clean["opportunity_crm_id"]
        if not crm_id:
            return None
        crm_id = check_crm_id(crm_id, "opportunity_crm_id")
    typed = {
        field: clean[name]
        for name, field in MIRRORED.items()
        if name in clean and field not in ("crm_id", "outcome")
    }
    opportunity = find(crm_id)
    if opportunity is None:
        values = {k: v for k, v in typed.items() if v is not None}
        values.setdefault(
            "name", clean.get("prospect_company") or getattr(request, "prospect_company", None)
        )
        values["name"] = values["name"] or crm_id
        account = clean.get("prospect_company") or getattr(request, "prospect_company", None)
        if account:
            values["account_name"] = account
        values["owner_email"] = getattr(requester, "email", None)
        save(actor, None, crm_id, values, source="request")
        opportunity = find(crm_id)
    else:
        linked = request is not None and request.opportunity_id == opportunity.id
        if not linked and not may_see(actor, opportunity):
            raise ValidationFailed(
                "opportunity_crm_id: That opportunity belongs to another seller in the CRM; "
                "ask its owner or the reference team to file the request.",
                field="opportunity_crm_id",
            )
        if _may_edit(actor, opportunity):
            changes = {k: v for k, v in typed.items() if v is not None or k != "name"}
        else:
            changes = {
                k: v for k, v in typed.items() if v is not None and getattr(opportunity, k) is None
            }
        if changes:
            save(actor, opportunity, crm_id, changes, source="form")
    for name, field in MIRRORED.items():
        clean[name] = getattr(opportunity, field)
    return opportunity


def apply_link(request: ReferenceRequest, link) -> None:
    if link is not KEEP:
        request.opportunity = link


def set_outcome(actor, opportunity: Opportunity, outcome: str, amount=KEEP) -> str:
    """Won, lost or open again (and the amount), from a request's page or the API."""
    data = {"outcome": outcome}
    if amount is not KEEP:
        data["amount"] = amount
    clean = check_data(data, partial=True)
    if "outcome" not in clean or clean["outcome"] is None:
        raise ValidationFailed("outcome: This field is required.", field="outcome")
    return save(actor, opportunity, opportunity.crm_id, clean, source="form")


def owner_of(email: str | None) -> User | None:
    if not email:
        return None
    return db.session.scalar(sa.select(User).where(sa.func.lower(User.email) == email.lower()))
