"""Nominations from everyone: any staff member nominates a contact at a customer account, the
account's CSM is told and may object within the program's window, the program team decides an
objection; every nominator follows what became of their nominations.

Self-nominations from the public page are in `portal.nominations.public`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from portal.accounts.models import Account
from portal.advocates import service as advocates_service
from portal.advocates.models import Advocate
from portal.audit import service as audit
from portal.audit.models import AuditEvent
from portal.auth.models import User
from portal.auth.permissions import can, demand
from portal.database import lock_row, now_utc
from portal.errors import DomainError, Forbidden, NotFound, ValidationFailed, get_or_not_found
from portal.extensions import db
from portal.filters import MAX_ID
from portal.nominations.models import NominationObjection
from portal.nominations.objections import objections_of, standing_objection
from portal.notifications.service import notify
from portal.program.service import get_setting
from portal.recruiting.models import Referenceability
from portal.urls import external_url
from portal.validation import Checker
from portal.vocab import label

# Accounts whose contacts may be nominated (paused, retired and do-not-contact accounts not).
NOMINABLE_STATUSES = ("candidate", "active")
REASON_MAX = 2000
SUGGESTED = 10  # the account picker's suggestions as one types
STAGES = ("nominated", "objected", "invited", "active", "paused", "retired", "declined")
SOURCE_WORDS = {
    "csm": "customer success",
    "requester": "a requester",
    "program": "the program team",
    "self": "themselves (public page)",
    "import": "an import",
    "suggestion": "a suggested candidate",
}


def may_nominate(actor) -> bool:
    """Every staff role nominates (`advocates.nominate`); an executive only reads."""
    return can(actor, "advocates.nominate")


def source_of(actor) -> str:
    """The nomination source a nomination by `actor` carries."""
    if can(actor, "program.manage"):
        return "program"
    return "csm" if actor.role == "csm" else "requester"


# Accounts ---------------------------------------------------------------------------------------


def _nominable():
    """SQL: the account may have contacts nominated (its status, and customer success has not
    marked it not referenceable)."""
    return sa.and_(
        Account.status.in_(NOMINABLE_STATUSES),
        ~sa.exists().where(
            Referenceability.account_id == Account.id,
            Referenceability.status == "not_referenceable",
        ),
    )


def suggest_account_names(actor, q) -> list[str]:
    """Names of at most SUGGESTED accounts that take nominations and whose name contains `q`
    (those starting with it first): the account picker's suggestions as a nominator types."""
    if not may_nominate(actor):
        raise Forbidden("Only staff members nominate contacts.")
    q = (q or "").strip()[:200] if isinstance(q, str) else ""
    if len(q) < 2 or "\x00" in q:  # PostgreSQL refuses a NUL byte in text
        return []
    return list(
        db.session.scalars(
            sa.select(Account.name)
            .where(_nominable(), Account.name.icontains(q, autoescape=True))
            .order_by(
                sa.case((Account.name.istartswith(q, autoescape=True), 0), else_=1),
                sa.func.lower(Account.name),
            )
            .limit(SUGGESTED)
        )
    )


def find_nominable_account(*, account_id=None, name=None) -> Account | None:
    """The account by id, or by its name (any case; a part of it that names one account only),
    when its contacts may be nominated. DomainError naming a few when a part names several."""
    query = sa.select(Account).where(_nominable())
    if account_id is not None:
        return db.session.scalars(query.where(Account.id == account_id).limit(1)).first()
    name = (name or "").strip()
    exact = db.session.scalars(
        query.where(sa.func.lower(Account.name) == name.lower()).order_by(Account.id).limit(1)
    ).first()
    if exact is not None or len(name) < 2:
        return exact
    found = db.session.scalars(
        query.where(Account.name.icontains(name, autoescape=True))
        .order_by(sa.func.lower(Account.name))
        .limit(4)
    ).all()
    if len(found) > 1:
        names = ", ".join(a.name for a in found[:3])
        raise ValidationFailed(
            f"Several accounts match: {names}{'...' if len(found) > 3 else ''}. "
            "Type more of the name.",
            field="account",
        )
    return found[0] if found else None


def _account_of(data: dict) -> tuple[Account | None, dict[str, str]]:
    """The account `data` names (`account_id` from the API, `account` by name from the form)."""
    why = "No customer account with this id takes nominations."
    if data.get("account_id") not in (None, ""):
        c = Checker({"account_id": data["account_id"]}, allowed=("account_id",))
        c.integer("account_id", minimum=1)
        if c.errors:
            return None, c.errors
        account_id = c.clean["account_id"]
        # Past the id column's range no account can have it (PostgreSQL refuses to compare).
        account = find_nominable_account(account_id=account_id) if account_id <= MAX_ID else None
        return account, ({} if account else {"account_id": why})
    name = data.get("account")
    if not isinstance(name, str) or not name.strip():
        return None, {"account": "Pick the customer account."}
    if "\x00" in name:  # PostgreSQL refuses a NUL byte in text
        return None, {"account": "Remove the control character."}
    try:
        account = find_nominable_account(name=name[:200])
    except ValidationFailed as error:
        return None, error.fields
    if account is None:
        return None, {"account": "No customer account by this name takes nominations."}
    return account, {}


# Nominating -----------------------------------------------------------------------------------


def objection_deadline(advocate: Advocate) -> dt.datetime:
    return advocate.created_at + dt.timedelta(days=int(get_setting("nomination_objection_days")))


def csm_reviews(advocate: Advocate) -> bool:
    """The account has a CSM other than the nominator: they are told and may object."""
    csm_id = advocate.account.csm_id
    return csm_id is not None and csm_id != advocate.nominated_by_id


def nominate_contact(actor, data: dict) -> Advocate:
    """Nominate a contact at a customer account: an advocate in status nominated, by `actor`,
    with why. The account's CSM (when someone else) is told and may object."""
    if not may_nominate(actor):
        raise Forbidden("Only staff members nominate contacts.")
    account, errors = _account_of(data)
    fields = {
        "account_id": account.id if account else 1,
        "name": data.get("name"),
        "email": data.get("email"),
        "title": data.get("title"),
        "nomination_reason": data.get("reason"),
    }
    if isinstance(fields["nomination_reason"], str):
        fields["nomination_reason"] = fields["nomination_reason"].strip() or None
    clean = {}
    try:
        clean = advocates_service.check_advocate_data(fields)
    except DomainError as error:
        errors.update(error.fields)
    if "nomination_reason" in errors:
        errors["reason"] = errors.pop("nomination_reason")
    elif not fields["nomination_reason"]:
        errors["reason"] = "Say why this contact would be a good advocate."
    if errors:
        raise ValidationFailed(next(iter(errors.values())), fields=errors)
    email = clean["email"]
    if db.session.scalar(sa.select(Advocate.id).where(sa.func.lower(Advocate.email) == email)):
        raise DomainError(
            "This person is already known to the program, so no second nomination is made.",
            field="email",
        )
    advocate = add_nominee(
        actor,
        account,
        name=clean["name"],
        email=email,
        title=clean.get("title"),
        nominated_by_id=actor.id,
        reason=clean["nomination_reason"],
        source=source_of(actor),
    )
    tell_csm(actor, advocate)
    return advocate


def add_nominee(
    actor,
    account: Account,
    *,
    name: str,
    email: str,
    title: str | None,
    nominated_by_id: int | None,
    reason: str,
    source: str,
    activity_types: list[str] | None = None,
    audited: dict | None = None,
) -> Advocate:
    """A new advocate in status nominated (by staff, or by themselves), with the program's
    defaults, audited (with `audited` added to the record)."""
    advocate = Advocate(
        account_id=account.id,
        account=account,
        name=name,
        email=email,
        title=title,
        status="nominated",
        nominated_by_id=nominated_by_id,
        nomination_reason=reason,
        nomination_source=source,
        timezone="UTC",
        preferred_contact="email",
        products=[],
        use_cases=[],
        languages=[],
        activity_types=list(activity_types or []),
    )
    db.session.add(advocate)
    audit.record(
        actor,
        "advocate.created",
        advocate,
        {
            "account_id": account.id,
            "name": advocate.name,
            "email": email,
            "status": "nominated",
            "nomination_source": source,
            **(audited or {}),
        },
    )
    return advocate


def tell_csm(actor, advocate: Advocate) -> None:
    """In the portal and by e-mail (outbox): the account's CSM hears of the nomination and until
    when they may object."""
    if not csm_reviews(advocate):
        return
    csm = advocate.account.csm
    if csm is None or not csm.active:
        return
    by = actor.name if actor is not None else advocate.name
    notify(
        csm,
        "nomination_received",
        f"New nomination at {advocate.account.name}: {advocate.name}",
        advocate=advocate,
        nominator=actor,
        nominated_by=by,
        deadline=objection_deadline(advocate),
        link=external_url("nominations.object", advocate_id=advocate.id),
    )


# Objections -----------------------------------------------------------------------------------


def may_object(actor, advocate: Advocate) -> bool:
    """The account's own CSM, to a nomination someone else made."""
    return bool(
        actor is not None
        and actor.is_authenticated
        and actor.role == "csm"
        and advocate.account.csm_id == actor.id
        and advocate.nominated_by_id != actor.id
    )


def get_objectable(actor, advocate_id: int) -> Advocate:
    return get_or_not_found(
        Advocate, advocate_id, "No such nomination.", lambda advocate: may_object(actor, advocate)
    )


def object_to_nomination(
    actor, advocate: Advocate, reason, now: dt.datetime | None = None
) -> NominationObjection:
    """The account's CSM objects, saying why: the nomination is held (no invitation) until the
    program team upholds or overrules the objection."""
    if not may_object(actor, advocate):
        raise NotFound("No such nomination.")
    c = Checker({"reason": reason}, allowed=("reason",))
    c.text("reason", max_length=REASON_MAX, required=True)
    c.plain("reason")
    reason = c.done()["reason"]
    # One objection or invitation at a time: lock the advocate's row, then read it again.
    lock_row(Advocate, advocate.id, refresh=advocate)
    now = now or now_utc()
    if advocate.status != "nominated":
        raise DomainError(
            f"{advocate.name} is already {advocate.status}: it is too late to object. "
            "Talk to the program team."
        )
    if now > objection_deadline(advocate):
        raise DomainError("The time to object has passed. Talk to the program team.")
    if standing_objection(advocate.id) is not None:
        raise DomainError("You already objected to this nomination.")
    objection = NominationObjection(
        advocate_id=advocate.id, objected_by_id=actor.id, reason=reason, created_at=now
    )
    db.session.add(objection)
    audit.record(actor, "nomination.objected", advocate, {"reason": reason})
    return objection


def get_objection(actor, objection_id: int) -> NominationObjection:
    if not can(actor, "program.manage"):
        raise NotFound("No such objection.")
    return get_or_not_found(NominationObjection, objection_id, "No such objection.")


def _decide(actor, objection: NominationObjection, resolution: str, note) -> str | None:
    demand(actor, "program.manage", "Only the program team decides objections.")
    c = Checker({"note": note}, allowed=("note",))
    c.text("note", max_length=REASON_MAX, required=resolution == "overruled")
    c.plain("note")
    note = c.done().get("note")
    lock_row(NominationObjection, objection.id, refresh=objection)
    if not objection.standing:
        raise DomainError(f"This objection was already {objection.resolution}.")
    objection.resolution = resolution
    objection.resolved_by_id = actor.id
    objection.resolved_at = now_utc()
    objection.resolution_note = note
    return note


def uphold_objection(actor, objection: NominationObjection, note=None) -> None:
    """The program team agrees with the CSM: the nominee is declined, with the CSM's reason."""
    note = _decide(actor, objection, "upheld", note)
    advocate = objection.advocate
    if advocate.status in ("nominated", "invited"):
        advocates_service.change_status(
            actor, advocate, "declined", f"CSM objection upheld: {objection.reason}"
        )
    audit.record(
        actor,
        "nomination.objection_upheld",
        advocate,
        {"objection_id": objection.id, "reason": objection.reason, "note": note},
    )
    _tell_objector(objection)


def overrule_objection(actor, objection: NominationObjection, note) -> None:
    """The program team goes ahead despite the objection (saying why); the nominee may be
    invited."""
    note = _decide(actor, objection, "overruled", note)
    audit.record(
        actor,
        "nomination.objection_overruled",
        objection.advocate,
        {"objection_id": objection.id, "reason": objection.reason, "note": note},
    )
    _tell_objector(objection)


def _tell_objector(objection: NominationObjection) -> None:
    csm = objection.objected_by
    if csm is None or not csm.active:
        return
    advocate = objection.advocate
    notify(
        csm,
        "nomination_objection_decided",
        f"Your objection to nominating {advocate.name} was {objection.resolution}",
        advocate=advocate,
        objection=objection,
        link=external_url("recruiting.account", account_id=advocate.account_id),
    )


# What became of them ---------------------------------------------------------------------------


@dataclass
class NominationRow:
    advocate: Advocate
    stage: str
    at: dt.datetime
    objection: NominationObjection | None


def nominations_query(actor, *, everyone: bool = False, stage: str | None = None) -> sa.Select:
    """The actor's nominations, newest first; with `everyone` (program team only) all of them."""
    if not may_nominate(actor):
        raise Forbidden("Only staff members have nominations.")
    query = sa.select(Advocate).options(
        joinedload(Advocate.account), joinedload(Advocate.nominated_by)
    )
    if not (everyone and can(actor, "program.manage")):
        query = query.where(Advocate.nominated_by_id == actor.id)
    if stage == "objected":
        query = query.where(
            Advocate.status == "nominated",
            sa.exists().where(
                NominationObjection.advocate_id == Advocate.id,
                NominationObjection.resolution.is_(None),
            ),
        )
    elif stage:
        query = query.where(Advocate.status == stage)
    return query.order_by(Advocate.created_at.desc(), Advocate.id.desc())


def rows_of(advocates: list[Advocate]) -> list[NominationRow]:
    """Each nomination's stage and since when (its last status change), in two queries."""
    ids = [a.id for a in advocates]
    objections = objections_of(ids)
    moved = {}
    if ids:
        moved = dict(
            db.session.execute(
                sa.select(AuditEvent.entity_id, sa.func.max(AuditEvent.at))
                .where(
                    AuditEvent.entity == "advocates",
                    AuditEvent.action == "advocate.status_changed",
                    AuditEvent.entity_id.in_(ids),
                )
                .group_by(AuditEvent.entity_id)
            ).all()
        )
    rows = []
    for advocate in advocates:
        objection = objections.get(advocate.id)
        at = _aware(moved.get(advocate.id)) or advocate.created_at
        stage = advocate.status
        if stage == "nominated" and objection is not None and objection.standing:
            stage, at = "objected", objection.created_at
        rows.append(NominationRow(advocate, stage, at, objection))
    return rows


def _aware(value):
    """SQLite returns aggregates of timestamps untyped."""
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value


def nominator_label(advocate: Advocate) -> str:
    """ "Anna Berg (sales)" or the source's words when no one signed in nominated them."""
    user: User | None = advocate.nominated_by
    if advocate.nomination_source == "self":
        return "Self-nominated"
    if user is None:
        return f"By {SOURCE_WORDS.get(advocate.nomination_source, 'the program team')}"
    team = f" ({label(user.team)})" if user.team else ""
    return f"{user.name}{team}"
