"""Advocates: visibility (manager all, CSM own accounts, advocate self), data checks, status."""

from __future__ import annotations

import sqlalchemy as sa

from portal.accounts.models import Account
from portal.advocates.models import Advocate
from portal.audit import service as audit
from portal.auth.permissions import PROGRAM, can
from portal.errors import DomainError, Forbidden, NotFound
from portal.extensions import db
from portal.program.service import taxonomy_values
from portal.validation import Checker
from portal.vocab import ACTIVITY_TYPES, ADVOCATE_STATUSES, CONTACT_CHANNELS, SENIORITIES

FIELDS = (
    "account_id", "name", "email", "title", "seniority", "products", "use_cases", "languages",
    "timezone", "bio", "status", "nomination_reason", "activity_types", "preferred_contact",
)

# The advocate lifecycle: which status may follow which.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "nominated": ("invited", "active", "declined", "retired"),
    "invited": ("active", "declined", "retired", "nominated"),
    "active": ("paused", "retired"),
    "paused": ("active", "retired"),
    "retired": ("nominated", "active"),
    "declined": ("nominated",),
}


def check_advocate_data(data: dict, *, partial: bool = False) -> dict:
    """Clean advocate input (pages, API, imports) or raise ValidationFailed naming the fields."""
    c = Checker(data, allowed=FIELDS, partial=partial)
    c.integer("account_id", minimum=1, required=True)
    c.text("name", max_length=120, required=True)
    c.email("email", required=True)
    c.text("title", max_length=120)
    c.choice("seniority", SENIORITIES)
    c.choices("products", taxonomy_values("product"))
    c.choices("use_cases", taxonomy_values("use_case"))
    c.choices("languages", taxonomy_values("language"))
    c.timezone("timezone")
    c.text("bio", max_length=2000)
    c.choice("status", ADVOCATE_STATUSES)
    c.text("nomination_reason", max_length=2000)
    c.choices("activity_types", ACTIVITY_TYPES)
    c.choice("preferred_contact", CONTACT_CHANNELS)
    clean = c.done()
    if clean.get("account_id") is not None and db.session.get(Account, clean["account_id"]) is None:
        c.error("account_id", "No such account.")
    return c.done()


def _check_unique_email(clean: dict, advocate: Advocate | None = None) -> None:
    email = clean.get("email")
    if not email:
        return
    other = db.session.scalar(sa.select(Advocate).where(Advocate.email == email))
    if other is not None and other is not advocate:
        raise DomainError("Another advocate has this e-mail.", field="email")


def _may_manage_account(actor, account_id: int) -> bool:
    if actor.role in PROGRAM:
        return True
    account = db.session.get(Account, account_id)
    return actor.role == "csm" and account is not None and account.csm_id == actor.id


def can_see_advocate(actor, advocate: Advocate) -> bool:
    if actor is None or not actor.is_authenticated:
        return False
    if actor.role == "advocate":
        return advocate.user_id == actor.id
    if actor.role in PROGRAM:
        return True
    return actor.role == "csm" and advocate.account.csm_id == actor.id


def can_edit_advocate(actor, advocate: Advocate) -> bool:
    return can(actor, "advocates.edit") and can_see_advocate(actor, advocate)


def create_advocate(actor, data: dict) -> Advocate:
    """Add an advocate. A CSM nominates contacts of the accounts they look after."""
    clean = check_advocate_data(data)
    _check_unique_email(clean)
    if actor.role not in PROGRAM:
        if not _may_manage_account(actor, clean["account_id"]):
            raise Forbidden("You can only nominate contacts at accounts you look after.")
        clean["status"] = "nominated"
    clean["status"] = clean.get("status") or "nominated"
    clean["timezone"] = clean.get("timezone") or "UTC"
    clean["preferred_contact"] = clean.get("preferred_contact") or "email"
    for name in ("products", "use_cases", "languages", "activity_types"):
        clean[name] = clean.get(name) or []
    advocate = Advocate(**clean, nominated_by_id=actor.id)
    db.session.add(advocate)
    audit.record(actor, "advocate.created", advocate, clean)
    return advocate


def update_advocate(actor, advocate: Advocate, data: dict) -> dict:
    """Apply a partial update (status through the lifecycle); return {field: [old, new]}."""
    if not can_edit_advocate(actor, advocate):
        raise Forbidden("You can't change this advocate.")
    clean = check_advocate_data(data, partial=True)
    _check_unique_email(clean, advocate)
    for required in ("account_id", "name", "email"):
        if required in clean and clean[required] is None:
            raise DomainError("This field is required.", field=required)
    if "account_id" in clean and not _may_manage_account(actor, clean["account_id"]):
        raise Forbidden("You can only move advocates to accounts you look after.")
    for name in ("products", "use_cases", "languages", "activity_types"):
        if name in clean and clean[name] is None:
            clean[name] = []
    status = clean.pop("status", None)
    changed = audit.changes(advocate, clean)
    if changed:
        audit.record(actor, "advocate.updated", advocate, changed)
    if status and status != advocate.status:
        change_status(actor, advocate, status)
        changed["status"] = [advocate.status, status]
    return changed


def allowed_statuses(advocate: Advocate) -> tuple[str, ...]:
    return TRANSITIONS[advocate.status]


def change_status(actor, advocate: Advocate, status: str, reason: str | None = None) -> None:
    """Move an advocate along the lifecycle; a move the lifecycle forbids is refused."""
    if actor.role not in PROGRAM:
        raise Forbidden("Only the program team changes an advocate's status.")
    if status not in ADVOCATE_STATUSES:
        raise DomainError(f"Unknown status {status!r}.", field="status")
    if status not in TRANSITIONS[advocate.status]:
        allowed = ", ".join(TRANSITIONS[advocate.status])
        raise DomainError(
            f"An advocate who is {advocate.status} can't become {status} (allowed: {allowed}).",
            field="status",
        )
    old = advocate.status
    advocate.status = status
    audit.record(
        actor, "advocate.status_changed", advocate, {"from": old, "to": status, "reason": reason}
    )


def get_advocate(actor, advocate_id: int) -> Advocate:
    """An advocate the actor may see; another's advocate answers NotFound, never its data."""
    advocate = db.session.get(Advocate, advocate_id)
    if advocate is None or not can_see_advocate(actor, advocate):
        raise NotFound("No such advocate.")
    return advocate


def advocate_query(
    actor,
    *,
    q: str | None = None,
    account_id: int | None = None,
    status: str | None = None,
    seniority: str | None = None,
    industry: str | None = None,
    region: str | None = None,
    updated_since=None,
    sort: str = "name",
) -> sa.Select:
    """Advocates the actor may see, filtered, for lists on pages and in the API."""
    query = sa.select(Advocate).join(Advocate.account)
    if actor.role == "advocate":
        query = query.where(Advocate.user_id == actor.id)
    elif actor.role == "csm":
        query = query.where(Account.csm_id == actor.id)
    elif actor.role not in PROGRAM:
        raise Forbidden("You can't see advocates.")
    if q:
        like = f"%{q.strip()}%"
        query = query.where(
            sa.or_(Advocate.name.ilike(like), Advocate.email.ilike(like), Account.name.ilike(like))
        )
    for column, value in (
        (Advocate.account_id, account_id),
        (Advocate.status, status),
        (Advocate.seniority, seniority),
        (Account.industry, industry),
        (Account.region, region),
    ):
        if value:
            query = query.where(column == value)
    if updated_since is not None:
        query = query.where(Advocate.updated_at >= updated_since)
    order = {
        "name": Advocate.name,
        "account": Account.name,
        "-updated": Advocate.updated_at.desc(),
    }.get(sort, Advocate.name)
    return query.order_by(order, Advocate.id)
