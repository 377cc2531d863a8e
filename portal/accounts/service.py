"""Accounts: who may see and change them, and the checks on their data."""

from __future__ import annotations

import sqlalchemy as sa

from portal.accounts.models import Account
from portal.audit import service as audit
from portal.auth.models import User
from portal.auth.permissions import can, demand
from portal.database import where_equal, where_text
from portal.errors import DomainError, Forbidden, get_or_not_found
from portal.extensions import db
from portal.program import custom_field_values
from portal.program.service import Vocabulary
from portal.validation import Checker
from portal.vocab import ACCOUNT_STATUSES, REGIONS, SEGMENTS

FIELDS = (
    "name",
    "domain",
    "industry",
    "segment",
    "region",
    "country",
    "employees",
    "arr",
    "crm_id",
    "csm_id",
    "status",
    "products",
    "notes",
)
# The fields given as one word or line of text (the rest: the size, the CSM, the products).
TEXT_FIELDS = tuple(
    name for name in FIELDS if name not in ("employees", "arr", "csm_id", "products")
)


def check_account_data(
    data: dict, *, partial: bool = False, vocabulary: Vocabulary | None = None, keep=None
) -> dict:
    """Clean account input (pages, API, imports) or raise ValidationFailed naming the fields.

    An import passes one `vocabulary` for all its rows; without one the current one is read.
    `keep`: the account being changed, whose retired taxonomy values stay allowed.
    """
    if vocabulary is None:
        vocabulary = Vocabulary(keep=keep)
    c = Checker(data, allowed=FIELDS, partial=partial)
    c.text("name", max_length=200, required=True)
    c.domain("domain")
    c.choice("industry", vocabulary.values("industry"), required=True)
    c.choice("segment", SEGMENTS, required=True)
    c.choice("region", REGIONS, required=True)
    c.country("country")
    c.integer("employees", minimum=0, maximum=10_000_000)
    c.integer("arr", minimum=0, maximum=10**15)
    c.text("crm_id", max_length=64)
    c.integer("csm_id", minimum=1)
    c.choice("status", ACCOUNT_STATUSES)
    c.choices("products", vocabulary.values("product"))
    c.text("notes", max_length=10_000)
    c.plain("name", "notes")
    if c.clean.get("csm_id") is not None:
        # The session's copy when loaded (an import loads its users first): no query per row.
        csm = db.session.get(User, c.clean["csm_id"])
        # Someone who may look after accounts: customer success or the program team.
        if not can(csm, "accounts.edit"):
            c.error("csm_id", "Must be a customer success manager.")
    return c.done()


def _check_unique_crm_id(clean: dict, account: Account | None = None) -> None:
    crm_id = clean.get("crm_id")
    if not crm_id:
        return
    other = db.session.scalar(sa.select(Account).where(Account.crm_id == crm_id))
    if other is not None and other is not account:
        raise DomainError("Another account has this CRM id.", field="crm_id")


def can_edit_account(actor, account: Account) -> bool:
    if not can(actor, "accounts.edit"):
        return False
    return can(actor, "program.manage") or account.csm_id == actor.id


def sees_advocates_of(actor, account: Account) -> bool:
    """Whether `actor` sees who the account's advocates are, or even how many: the program
    team for every account, a CSM for the accounts they look after."""
    return can(actor, "program.manage") or account.csm_id == actor.id


def advocate_counts(actor, accounts: list[Account]) -> dict[int, int | None]:
    """{account id: how many advocates it has} for these accounts (one grouped query); None
    where `actor` may not know (`sees_advocates_of`)."""
    from portal.advocates.models import Advocate

    counted: dict[int, int] = {}
    if accounts:
        counted = dict(
            db.session.execute(
                sa.select(Advocate.account_id, sa.func.count())
                .where(Advocate.account_id.in_([account.id for account in accounts]))
                .group_by(Advocate.account_id)
            ).all()
        )
    return {
        account.id: counted.get(account.id, 0) if sees_advocates_of(actor, account) else None
        for account in accounts
    }


def create_account(actor, data: dict) -> Account:
    clean = custom_field_values.check_record("account", data, check_account_data, creating=True)
    _check_unique_crm_id(clean)
    if actor is not None and actor.role == "csm":
        # A CSM logs accounts they look after.
        clean["csm_id"] = actor.id
    clean["status"] = clean.get("status") or "candidate"
    clean["products"] = clean.get("products") or []
    account = Account(**clean)
    db.session.add(account)
    audit.record(actor, "account.created", account, clean)
    return account


def update_account(actor, account: Account, data: dict) -> dict:
    """Apply a partial update; return {field: [old, new]}."""
    if not can_edit_account(actor, account):
        raise Forbidden("You can only change accounts you look after.")
    clean = custom_field_values.check_record(
        "account",
        data,
        lambda own: check_account_data(own, partial=True, keep=account),
        account.custom_fields,
        creating=False,
    )
    _check_unique_crm_id(clean, account)
    if actor.role == "csm" and "csm_id" in clean and clean["csm_id"] != actor.id:
        raise Forbidden("Only the program team can hand an account to another CSM.")
    if "products" in clean and clean["products"] is None:
        clean["products"] = []
    for required in ("name", "industry", "segment", "region", "status"):
        if required in clean and clean[required] is None:
            raise DomainError("This field is required.", field=required)
    changed = audit.changes(account, clean)
    if changed:
        audit.record(actor, "account.updated", account, changed)
    return changed


def get_account(actor, account_id: int) -> Account:
    """An account the actor may see, or NotFound/Forbidden."""
    demand(actor, "accounts.view", "You can't see accounts.")
    return get_or_not_found(Account, account_id, "No such account.")


def account_query(
    actor,
    *,
    q: str | None = None,
    industry: str | None = None,
    region: str | None = None,
    segment: str | None = None,
    status: str | None = None,
    mine: bool = False,
    updated_since=None,
    sort: str = "name",
) -> sa.Select:
    """Accounts matching the filters, for lists on pages and in the API."""
    demand(actor, "accounts.view", "You can't see accounts.")
    query = where_text(sa.select(Account), q, (Account.name, Account.domain, Account.crm_id))
    query = where_equal(
        query,
        (
            (Account.industry, industry),
            (Account.region, region),
            (Account.segment, segment),
            (Account.status, status),
        ),
    )
    if mine:
        query = query.where(Account.csm_id == actor.id)
    if updated_since is not None:
        query = query.where(Account.updated_at >= updated_since)
    order = {
        "name": Account.name,
        "-updated": Account.updated_at.desc(),
        "arr": Account.arr.desc().nulls_last(),
    }.get(sort, Account.name)
    return query.order_by(order, Account.id)


def csm_choices() -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User).where(User.role == "csm", User.active.is_(True)).order_by(User.name)
        )
    )
