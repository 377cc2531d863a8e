"""Advocates as staff manage them: visibility (manager all, CSM own accounts, advocate self),
data checks, status. What advocates change themselves: `self_service`, `preferences`,
`privacy`."""

from __future__ import annotations

import re
from collections.abc import Container

import sqlalchemy as sa

from portal.accounts.models import Account
from portal.advocates.models import Advocate
from portal.asks.overuse import has_current_consent
from portal.audit import service as audit
from portal.auth.permissions import can, demand
from portal.database import where_equal, where_text
from portal.errors import DomainError, Forbidden, NotFound, get_or_not_found
from portal.extensions import db
from portal.i18n import gettext
from portal.nominations.objections import refuse_while_objected
from portal.program import custom_field_values
from portal.program.service import Vocabulary
from portal.validation import Checker
from portal.vocab import ACTIVITY_TYPES, ADVOCATE_STATUSES, CONTACT_CHANNELS, SENIORITIES

# What the advocate tells about themselves (and may change on their own profile page).
ABOUT_FIELDS = (
    "title",
    "seniority",
    "products",
    "use_cases",
    "languages",
    "timezone",
)
FIELDS = (
    "account_id",
    "name",
    "email",
    *ABOUT_FIELDS,
    "bio",
    "status",
    "nomination_reason",
    "activity_types",
    "preferred_contact",
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


# Plain ASCII addresses that the e-mail validator accepts as they are (lower-cased); anything
# else goes through the validator. Validating 50,000 addresses of an import fully costs ~20 s.
PLAIN_EMAIL = re.compile(
    r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+([a-z]{2,63})"
)
SPECIAL_USE = frozenset({"arpa", "invalid", "local", "localhost", "onion", "test"})
TIMEZONE_HELP = "Use a time zone name such as Europe/Berlin."


def _plain_email(value) -> str | None:
    """`value` lower-cased when it is such a plain address, else None."""
    if not isinstance(value, str):
        return None
    email = value.strip().lower()
    match = PLAIN_EMAIL.fullmatch(email)
    if match is None or len(email) > 254 or match.group(4) in SPECIAL_USE:
        return None
    if len(email.split("@")[0]) > 64:
        return None
    return email


def _check_timezone(c: Checker, vocabulary: Vocabulary) -> None:
    """Checker.timezone's rule and message, with the zone names read once and only when a
    zone is given."""
    value = c.data.get("timezone")
    if isinstance(value, str):
        value = value.strip()
    if value is None or value == "":
        c.choice("timezone", ())  # missing or blank: as any optional field
    elif isinstance(value, str) and value in vocabulary.timezones:
        c.clean["timezone"] = value
    else:
        c.error("timezone", TIMEZONE_HELP)


def check_advocate_data(
    data: dict,
    *,
    partial: bool = False,
    vocabulary: Vocabulary | None = None,
    account_ids: Container[int] | None = None,
    keep=None,
) -> dict:
    """Clean advocate input (pages, API, imports) or raise ValidationFailed naming the fields.

    An import passes one `vocabulary` for all its rows, and the `account_ids` it found, so
    that no row reads the database; without them each check reads what it needs. `keep`: the
    advocate being changed, whose retired taxonomy values stay allowed.
    """
    if vocabulary is None:
        vocabulary = Vocabulary(keep=keep)
    c = Checker(data, allowed=FIELDS, partial=partial)
    c.integer("account_id", minimum=1, required=True)
    c.text("name", max_length=120, required=True)
    plain = _plain_email(c.data.get("email"))
    if plain is None:
        c.email("email", required=True)
    else:
        c.clean["email"] = plain
    c.text("title", max_length=120)
    c.choice("seniority", SENIORITIES)
    c.choices("products", vocabulary.values("product"))
    c.choices("use_cases", vocabulary.values("use_case"))
    c.choices("languages", vocabulary.values("language"))
    _check_timezone(c, vocabulary)
    c.text("bio", max_length=2000)
    c.choice("status", ADVOCATE_STATUSES)
    c.text("nomination_reason", max_length=2000)
    c.choices("activity_types", ACTIVITY_TYPES)
    c.choice("preferred_contact", CONTACT_CHANNELS)
    c.plain("name", "title", "bio", "nomination_reason")
    account_id = c.clean.get("account_id")
    if account_id is not None:
        if account_ids is not None:
            exists = account_id in account_ids
        else:
            exists = db.session.get(Account, account_id) is not None
        if not exists:
            c.error("account_id", "No such account.")
    return c.done()


def _check_unique_email(clean: dict, advocate: Advocate | None = None) -> None:
    email = clean.get("email")
    if not email:
        return
    other = db.session.scalar(sa.select(Advocate).where(Advocate.email == email))
    if other is not None and other is not advocate:
        raise DomainError(gettext("Another advocate has this e-mail."), field="email")


def _may_manage_account(actor, account_id: int) -> bool:
    if can(actor, "program.manage"):
        return True
    account = db.session.get(Account, account_id)
    return actor.role == "csm" and account is not None and account.csm_id == actor.id


def can_see_advocate(actor, advocate: Advocate) -> bool:
    if actor is None or not actor.is_authenticated:
        return False
    if actor.role == "advocate":
        return advocate.user_id == actor.id
    if can(actor, "program.manage"):
        return True
    return actor.role == "csm" and advocate.account.csm_id == actor.id


def can_edit_advocate(actor, advocate: Advocate) -> bool:
    return can(actor, "advocates.edit") and can_see_advocate(actor, advocate)


def _self_or_program(actor, advocate: Advocate) -> None:
    """The advocate themself or the program team; anyone else learns nothing (404)."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise NotFound(gettext("No such advocate."))
    if can(actor, "program.manage"):
        return
    if actor.role == "advocate" and advocate.user_id == actor.id:
        return
    raise NotFound(gettext("No such advocate."))


def create_advocate(actor, data: dict) -> Advocate:
    """Add an advocate. A CSM nominates contacts of the accounts they look after."""
    clean = custom_field_values.check_record("advocate", data, check_advocate_data, creating=True)
    _check_unique_email(clean)
    if not can(actor, "program.manage"):
        if not _may_manage_account(actor, clean["account_id"]):
            raise Forbidden(gettext("You can only nominate contacts at accounts you look after."))
        clean["status"] = "nominated"
    clean["status"] = clean.get("status") or "nominated"
    check_initial_status(clean["name"], clean["status"])
    clean["timezone"] = clean.get("timezone") or "UTC"
    clean["preferred_contact"] = clean.get("preferred_contact") or "email"
    for name in ("products", "use_cases", "languages", "activity_types"):
        clean[name] = clean.get(name) or []
    # Who nominated them, as portal/nominations records it.
    source = "program" if can(actor, "program.manage") else "csm"
    advocate = Advocate(**clean, nominated_by_id=actor.id, nomination_source=source)
    db.session.add(advocate)
    audit.record(actor, "advocate.created", advocate, clean)
    return advocate


def update_advocate(actor, advocate: Advocate, data: dict) -> dict:
    """Apply a partial update (status through the lifecycle); return {field: [old, new]}."""
    if not can_edit_advocate(actor, advocate):
        raise Forbidden(gettext("You can't change this advocate."))
    clean = custom_field_values.check_record(
        "advocate",
        data,
        lambda own: check_advocate_data(own, partial=True, keep=advocate),
        advocate.custom_fields,
        creating=False,
    )
    _check_unique_email(clean, advocate)
    for required in ("account_id", "name", "email"):
        if required in clean and clean[required] is None:
            raise DomainError(gettext("This field is required."), field=required)
    if "account_id" in clean and not _may_manage_account(actor, clean["account_id"]):
        raise Forbidden(gettext("You can only move advocates to accounts you look after."))
    for name in ("products", "use_cases", "languages", "activity_types"):
        if name in clean and clean[name] is None:
            clean[name] = []
    status = clean.pop("status", None)
    if status and status != advocate.status:
        check_move(advocate, status)  # before anything changes: a refused move writes nothing
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
    demand(actor, "program.manage", gettext("Only the program team changes an advocate's status."))
    move_status(actor, advocate, status, reason)


def check_move(advocate: Advocate, status: str) -> None:
    """Refuse a move the lifecycle forbids, saying which moves are allowed."""
    if status not in ADVOCATE_STATUSES:
        raise DomainError(f"Unknown status {status!r}.", field="status")
    if status not in TRANSITIONS[advocate.status]:
        allowed = ", ".join(TRANSITIONS[advocate.status])
        raise DomainError(
            f"An advocate who is {advocate.status} can't become {status} (allowed: {allowed}).",
            field="status",
        )
    if status == "active" and not has_current_consent(advocate):
        raise _not_consented(advocate.name)
    if status == "invited":
        refuse_while_objected(advocate)  # the account CSM's objection holds the invitation


def check_initial_status(name: str, status: str | None) -> None:
    """A new advocate (page, API, import) has accepted no terms yet: they can't start active."""
    if status == "active":
        raise _not_consented(name)


def _not_consented(name: str) -> DomainError:
    """No one is made active before accepting the current program terms (they do it through
    the invitation, or at their next sign-in after the terms changed)."""
    return DomainError(
        f"{name} can't be made active before accepting the program terms; "
        "send the invitation instead.",
        field="status",
    )


def move_status(actor, advocate: Advocate, status: str, reason: str | None = None) -> None:
    """Apply a lifecycle move after the caller's own permission check (e.g. the advocate
    accepting an invitation: invited -> active)."""
    check_move(advocate, status)
    old = advocate.status
    advocate.status = status
    audit.record(
        actor, "advocate.status_changed", advocate, {"from": old, "to": status, "reason": reason}
    )


def get_advocate(actor, advocate_id: int) -> Advocate:
    """An advocate the actor may see; another's advocate answers NotFound, never its data."""
    return get_or_not_found(
        Advocate,
        advocate_id,
        gettext("No such advocate."),
        lambda advocate: can_see_advocate(actor, advocate),
    )


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
    elif not can(actor, "program.manage"):
        raise Forbidden(gettext("You can't see advocates."))
    query = where_text(query, q, (Advocate.name, Advocate.email, Account.name))
    query = where_equal(
        query,
        (
            (Advocate.account_id, account_id),
            (Advocate.status, status),
            (Advocate.seniority, seniority),
            (Account.industry, industry),
            (Account.region, region),
        ),
    )
    if updated_since is not None:
        query = query.where(Advocate.updated_at >= updated_since)
    order = {
        "name": Advocate.name,
        "account": Account.name,
        "-updated": Advocate.updated_at.desc(),
    }.get(sort, Advocate.name)
    return query.order_by(order, Advocate.id)
