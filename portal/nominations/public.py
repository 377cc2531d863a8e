"""Self-nominations from the public page: a visitor offers to be an advocate.

Nothing enters the pipeline before the visitor follows the signed link e-mailed to them. The
page answers the same whatever the e-mail or company (known or not); only confirmation looks
them up: an e-mail domain that is an account's makes an advocate (source `self`) at once, any
other waits for the program team, who attach it to an account or discard it. An e-mail that is
already an advocate's never makes a second one.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app

from portal.accounts.models import Account
from portal.advocates.models import Advocate
from portal.audit import service as audit
from portal.auth.links import LinkError, issue_link_token, peek_link_token, use_link_token
from portal.auth.permissions import demand
from portal.database import lock_row, now_utc
from portal.errors import DomainError, get_or_not_found
from portal.extensions import db
from portal.nominations import service
from portal.nominations.models import SelfNomination
from portal.notifications.service import program_name, queue_email
from portal.program.service import get_setting, set_setting
from portal.urls import external_url
from portal.validation import Checker
from portal.vocab import ACTIVITY_TYPES, label

PURPOSE = "self-nomination"
FIELDS = ("name", "email", "company", "title", "activity_types", "consent")


def enabled() -> bool:
    return bool(get_setting("self_nomination_enabled"))


def _max_age() -> int:
    return int(current_app.config.get("SELF_NOMINATION_LINK_MAX_AGE", 3 * 24 * 3600))


def check_self_nomination(data: dict) -> dict:
    """Clean the public form's input or raise ValidationFailed naming the fields."""
    c = Checker(data, allowed=FIELDS)
    c.text("name", max_length=120, required=True)
    c.email("email", required=True)
    c.text("company", max_length=200, required=True)
    c.text("title", max_length=120)
    c.choices("activity_types", ACTIVITY_TYPES)
    c.plain("name", "company", "title")
    if data.get("consent") is not True:
        c.error("consent", "Tick the box to let the program team contact you about this.")
    clean = c.done()
    clean.pop("consent", None)
    return clean


def submit_self_nomination(data: dict) -> SelfNomination:
    """Record the offer, unconfirmed, and e-mail the confirmation link. Known or unknown
    address and company alike: the same work, the same answer."""
    clean = check_self_nomination(data)
    row = SelfNomination(**clean, consent_at=now_utc(), status="unconfirmed")
    db.session.add(row)
    audit.record(None, "self_nomination.submitted", row, {"company": row.company})
    token = issue_link_token(None, PURPOSE, _max_age(), target_id=row.id)
    queue_email(
        "self_nomination_confirm",
        row.email,
        f"Confirm your e-mail for {program_name()}",
        nomination=row,
        link=external_url("nominate.confirm", token=token),
        days=_max_age() // 86400,
        in_app_link=None,
    )
    return row


def check_confirm_link(token: str) -> SelfNomination:
    """The self-nomination a confirmation link is for; LinkError when expired, used or bad."""
    link = peek_link_token(token, PURPOSE, _max_age())
    row = db.session.get(SelfNomination, link.target_id)
    if row is None or row.status != "unconfirmed":
        raise LinkError("used", "This link has already been used.")
    return row


def confirm_self_nomination(token: str) -> SelfNomination:
    """Spend the link; then an advocate when the e-mail's domain is an account's, a duplicate
    when the e-mail is already known, else wait for the program team's review."""
    row = check_confirm_link(token)
    use_link_token(token, PURPOSE, _max_age())
    row.confirmed_at = now_utc()
    existing = _known_advocate(row.email)
    if existing is not None:
        row.status, row.advocate_id = "duplicate", existing.id
    elif _waiting_with_same_email(row):
        row.status = "duplicate"
    else:
        account = account_for_email(row.email)
        if account is None:
            row.status = "to_review"
        else:
            _make_advocate(None, row, account)
    audit.record(None, "self_nomination.confirmed", row, {"outcome": row.status})
    return row


def _known_advocate(email: str) -> Advocate | None:
    return db.session.scalar(sa.select(Advocate).where(sa.func.lower(Advocate.email) == email))


def _waiting_with_same_email(row: SelfNomination) -> bool:
    return (
        db.session.scalar(
            sa.select(SelfNomination.id).where(
                SelfNomination.email == row.email,
                SelfNomination.id != row.id,
                SelfNomination.status == "to_review",
            )
        )
        is not None
    )


def _domains(email: str) -> list[str]:
    """eu.nordbank.example -> [eu.nordbank.example, nordbank.example]: an account's domain may
    be the address's or a parent of it (never a bare top-level domain)."""
    host = email.rpartition("@")[2].lower()
    parts = host.split(".")
    return [".".join(parts[i:]) for i in range(len(parts) - 1)]


def account_for_email(email: str) -> Account | None:
    """The one nominable account whose domain is the e-mail's (longest match); None when none,
    or several accounts share it (the program team decides)."""
    domains = _domains(email)
    if not domains:
        return None
    accounts = db.session.scalars(
        sa.select(Account).where(sa.func.lower(Account.domain).in_(domains), service._nominable())
    ).all()
    for domain in domains:
        found = [a for a in accounts if (a.domain or "").lower() == domain]
        if found:
            return found[0] if len(found) == 1 else None
    return None


def _make_advocate(actor, row: SelfNomination, account: Account) -> Advocate:
    wants = ", ".join(label(t).lower() for t in row.activity_types) or "not said yet"
    advocate = service.add_nominee(
        actor,
        account,
        name=row.name,
        email=row.email,
        title=row.title,
        nominated_by_id=None,
        reason=f"Nominated themselves on the public page. Willing to: {wants}.",
        source="self",
        activity_types=row.activity_types,
        audited={"self_nomination_id": row.id},
    )
    row.status, row.account_id, row.advocate_id = "attached", account.id, advocate.id
    service.tell_csm(actor, advocate)
    return advocate


# The program team's review ------------------------------------------------------------------------


def _program_only(actor) -> None:
    demand(actor, "program.manage", "Only the program team reviews self-nominations.")


def review_query(actor) -> sa.Select:
    """Confirmed self-nominations no account's domain matched, oldest first."""
    _program_only(actor)
    return (
        sa.select(SelfNomination)
        .where(SelfNomination.status == "to_review")
        .order_by(SelfNomination.confirmed_at, SelfNomination.id)
    )


def get_to_review(actor, row_id: int) -> SelfNomination:
    _program_only(actor)
    return get_or_not_found(SelfNomination, row_id, "No such self-nomination.")


def _lock(row: SelfNomination) -> None:
    lock_row(SelfNomination, row.id, refresh=row)
    if row.status != "to_review":
        raise DomainError(f"This self-nomination was already {label(row.status).lower()}.")


def attach_self_nomination(actor, row: SelfNomination, account_name) -> Advocate:
    """Make the nominee an advocate (nominated, source self) at the account the team picked."""
    _program_only(actor)
    account, errors = service._account_of({"account": account_name})
    if errors:
        raise DomainError(errors["account"], field="account")
    _lock(row)
    if _known_advocate(row.email) is not None:
        raise DomainError(
            "This e-mail is already an advocate's: discard this self-nomination.", field="account"
        )
    row.decided_by_id, row.decided_at = actor.id, now_utc()
    advocate = _make_advocate(actor, row, account)
    audit.record(actor, "self_nomination.attached", row, {"account_id": account.id})
    return advocate


def discard_self_nomination(actor, row: SelfNomination) -> None:
    _program_only(actor)
    _lock(row)
    row.status = "discarded"
    row.decided_by_id, row.decided_at = actor.id, now_utc()
    audit.record(actor, "self_nomination.discarded", row, {"company": row.company})


def update_nomination_settings(actor, *, enabled: bool, objection_days) -> dict:
    """The public page on or off and the CSM's objection window; {key: [old, new]}."""
    _program_only(actor)
    wanted = {"self_nomination_enabled": enabled, "nomination_objection_days": objection_days}
    changed = {}
    for key, value in wanted.items():
        old = get_setting(key)
        if old != value:
            set_setting(actor, key, value)
            changed[key] = [old, value]
    return changed
