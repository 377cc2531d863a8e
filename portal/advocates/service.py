"""Advocates: visibility (manager all, CSM own accounts, advocate self), data checks, status."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Container

import sqlalchemy as sa

from portal.accounts.models import Account
from portal.advocates.models import Advocate, Blackout
from portal.asks import asks as asks_service
from portal.asks.models import Ask, ReferenceRequest
from portal.asks.overuse import has_current_consent, zone_of
from portal.audit import service as audit
from portal.auth.permissions import PROGRAM, can
from portal.benefits.models import Claim, LedgerEntry
from portal.database import now_utc
from portal.errors import DomainError, Forbidden, NotFound, ValidationFailed
from portal.extensions import db
from portal.i18n import LOCALES, gettext
from portal.nominations.objections import refuse_while_objected
from portal.program import custom_fields, terms
from portal.program.service import (
    Vocabulary,
    get_setting,
    limit_order_errors,
    taxonomy_values,
)
from portal.validation import Checker
from portal.vocab import (
    ACTIVITY_TYPES,
    ADVOCATE_STATUSES,
    CONTACT_CHANNELS,
    DECLINE_REASONS,
    SENIORITIES,
)

FIELDS = (
    "account_id",
    "name",
    "email",
    "title",
    "seniority",
    "products",
    "use_cases",
    "languages",
    "timezone",
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
    clean = custom_fields.check_record("advocate", data, check_advocate_data, creating=True)
    _check_unique_email(clean)
    if actor.role not in PROGRAM:
        if not _may_manage_account(actor, clean["account_id"]):
            raise Forbidden(gettext("You can only nominate contacts at accounts you look after."))
        clean["status"] = "nominated"
    clean["status"] = clean.get("status") or "nominated"
    check_initial_status(clean["name"], clean["status"])
    clean["timezone"] = clean.get("timezone") or "UTC"
    clean["preferred_contact"] = clean.get("preferred_contact") or "email"
    for name in ("products", "use_cases", "languages", "activity_types"):
        clean[name] = clean.get(name) or []
    source = "program" if actor.role in PROGRAM else "csm"  # portal/nominations: who nominated
    advocate = Advocate(**clean, nominated_by_id=actor.id, nomination_source=source)
    db.session.add(advocate)
    audit.record(actor, "advocate.created", advocate, clean)
    return advocate


def update_advocate(actor, advocate: Advocate, data: dict) -> dict:
    """Apply a partial update (status through the lifecycle); return {field: [old, new]}."""
    if not can_edit_advocate(actor, advocate):
        raise Forbidden(gettext("You can't change this advocate."))
    clean = custom_fields.check_record(
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
    if actor.role not in PROGRAM:
        raise Forbidden(gettext("Only the program team changes an advocate's status."))
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
    advocate = db.session.get(Advocate, advocate_id)
    if advocate is None or not can_see_advocate(actor, advocate):
        raise NotFound(gettext("No such advocate."))
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
        raise Forbidden(gettext("You can't see advocates."))
    if q:
        text = q.strip()  # % and _ are letters of the search, not wildcards
        query = query.where(
            sa.or_(
                *(
                    column.icontains(text, autoescape=True)
                    for column in (Advocate.name, Advocate.email, Account.name)
                )
            )
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


# Self-service: what an advocate changes about themselves ------------------------------------

PROFILE_FIELDS = (
    "title",
    "seniority",
    "products",
    "use_cases",
    "languages",
    "timezone",
    "preferred_contact",
    "bio",
    "locale",
)
PREFERENCE_FIELDS = (
    "activity_types",
    "max_per_month",
    "max_per_quarter",
    "max_per_year",
    "min_days_between",
    "preferred_contact",
    "blackouts",
    "paused_until",
)
LIMIT_FIELDS = ("max_per_month", "max_per_quarter", "max_per_year")
LIMIT_MAX = 50
COOLDOWN_MAX = 365
BLACKOUT_FIELDS = ("start", "end", "reason")
BLACKOUT_REASON_MAX = 200
BLACKOUTS_MAX = 50
ANSWER_NOTE_MAX = 2000
PROPOSED_TIMES_MAX = 500
LEAVE_REASON_MAX = 1000
LIVE_ASKS = ("pending", "accepted")


def _self_or_program(actor, advocate: Advocate) -> None:
    """The advocate themself or the program team; anyone else learns nothing (404)."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise NotFound(gettext("No such advocate."))
    if actor.role in PROGRAM:
        return
    if actor.role == "advocate" and advocate.user_id == actor.id:
        return
    raise NotFound(gettext("No such advocate."))


def local_today(advocate: Advocate, at: dt.datetime | None = None) -> dt.date:
    """Today in the advocate's time zone (limits, blackouts and pauses count in it)."""
    return (at or now_utc()).astimezone(zone_of(advocate)).date()


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


def _limit_value(value):
    """A limit as typed in a form: '3' -> 3, '' -> None; anything else as is, for the check."""
    if isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"[+-]?\d{1,6}", text):
            return int(text)
        return text or None
    return value


def _check_blackout(item, today: dt.date, prefix: str, c: Checker) -> dict | None:
    """One blackout {start, end, reason}: errors go to `c` as `<prefix>start` and so on."""
    if not isinstance(item, dict):
        c.error(prefix.rstrip("."), "Send an object with start, end and reason.")
        return None
    inner = Checker(item, allowed=BLACKOUT_FIELDS)
    inner.date("start", required=True)
    inner.date("end", required=True)
    inner.text("reason", max_length=BLACKOUT_REASON_MAX)
    inner.plain("reason")
    start, end = inner.clean.get("start"), inner.clean.get("end")
    if end is not None and end < today:
        inner.error("end", "A blackout must not end in the past.")
    if start is not None and end is not None and end < start:
        inner.error("end", "The end must be on or after the start.")
    for name, message in inner.errors.items():
        c.error(f"{prefix}{name}", message)
    if inner.errors:
        return None
    return {"start": start, "end": end, "reason": inner.clean.get("reason")}


def _check_limit_order(advocate: Advocate, c: Checker, partial: bool) -> None:
    """Month <= quarter <= year on what the limits will be (a limit left out of a partial
    change keeps its stored value; a null one is the program default)."""
    own = {}
    for name in LIMIT_FIELDS:
        if name in c.clean:
            own[name] = c.clean[name]
        elif partial:
            own[name] = getattr(advocate, name)
    defaults = {name: int(get_setting(f"default_{name}")) for name in LIMIT_FIELDS}
    for name, why in limit_order_errors(own, defaults).items():
        c.error(name, why)


def check_preferences(advocate: Advocate, data: dict, *, partial: bool = False) -> dict:
    """Clean preference input (page or API) or raise ValidationFailed naming each field."""
    data = dict(data) if isinstance(data, dict) else data
    if isinstance(data, dict):
        for name in (*LIMIT_FIELDS, "min_days_between"):
            if name in data:
                data[name] = _limit_value(data[name])
    c = Checker(data, allowed=PREFERENCE_FIELDS, partial=partial)
    c.choices("activity_types", ACTIVITY_TYPES)
    for name in LIMIT_FIELDS:
        c.integer(name, minimum=0, maximum=LIMIT_MAX)
    c.integer("min_days_between", minimum=0, maximum=COOLDOWN_MAX)
    c.choice("preferred_contact", CONTACT_CHANNELS)
    c.date("paused_until")
    today = local_today(advocate)
    if c.clean.get("paused_until") is not None and c.clean["paused_until"] <= today:
        c.error("paused_until", "Pick a date after today.")
    if isinstance(data, dict) and "blackouts" in data:
        items = data["blackouts"] if data["blackouts"] is not None else []
        if not isinstance(items, list):
            c.error("blackouts", "Must be a list of blackout periods.")
        elif len(items) > BLACKOUTS_MAX:
            c.error("blackouts", gettext("At most %(most)s blackout periods.", most=BLACKOUTS_MAX))
        else:
            checked = [
                _check_blackout(i, today, f"blackouts[{n}].", c) for n, i in enumerate(items)
            ]
            c.clean["blackouts"] = checked
    if partial and "preferred_contact" in c.clean and c.clean["preferred_contact"] is None:
        c.error("preferred_contact", "Choose how we should contact you.")
    if not any(name in c.errors for name in LIMIT_FIELDS):
        _check_limit_order(advocate, c, partial)
    clean = c.done()
    if not partial:
        for name in (*LIMIT_FIELDS, "min_days_between"):
            clean.setdefault(name, None)
        clean.setdefault("activity_types", [])
        if clean.get("preferred_contact") is None:
            clean["preferred_contact"] = "email"
    if "activity_types" in clean and clean["activity_types"] is None:
        clean["activity_types"] = []
    return clean


def update_preferences(actor, advocate: Advocate, data: dict, *, partial: bool = False) -> dict:
    """Set what the advocate accepts and how often; `blackouts` (if sent) replaces the
    advocate's current and future blackout periods. Returns {field: [old, new]}."""
    _self_or_program(actor, advocate)
    clean = check_preferences(advocate, data, partial=partial)
    blackouts = clean.pop("blackouts", None)
    changed = audit.changes(advocate, clean)
    if blackouts is not None:
        today = local_today(advocate)
        current = [b for b in advocate.blackouts if b.end >= today]
        old = [_blackout_dict(b) for b in current]
        new = [dict(b, id=None) for b in blackouts]
        if [(b["start"], b["end"], b["reason"]) for b in old] != [
            (b["start"], b["end"], b["reason"]) for b in new
        ]:
            for blackout in current:
                advocate.blackouts.remove(blackout)
            for item in blackouts:
                advocate.blackouts.append(Blackout(**item))
            changed["blackouts"] = [
                [_blackout_text(b) for b in old],
                [_blackout_text(b) for b in new],
            ]
    if changed:
        audit.record(actor, "advocate.preferences_updated", advocate, changed)
    return changed


def _blackout_dict(blackout: Blackout) -> dict:
    return {
        "id": blackout.id,
        "start": blackout.start,
        "end": blackout.end,
        "reason": blackout.reason,
    }


def _blackout_text(item: dict) -> str:
    why = f" ({item['reason']})" if item.get("reason") else ""
    return f"{item['start'].isoformat()} to {item['end'].isoformat()}{why}"


def current_blackouts(advocate: Advocate) -> list[Blackout]:
    """Blackout periods that have not ended yet, by start."""
    today = local_today(advocate)
    return [b for b in advocate.blackouts if b.end >= today]


def add_blackout(actor, advocate: Advocate, data: dict) -> Blackout:
    """Add one blackout period (start, end, reason)."""
    _self_or_program(actor, advocate)
    c = Checker({}, allowed=())
    item = _check_blackout(data, local_today(advocate), "", c)
    c.done()
    if len(current_blackouts(advocate)) >= BLACKOUTS_MAX:
        raise ValidationFailed(
            gettext("At most %(most)s blackout periods.", most=BLACKOUTS_MAX), field="start"
        )
    blackout = Blackout(**item)
    advocate.blackouts.append(blackout)
    db.session.flush()
    audit.record(actor, "advocate.blackout_added", advocate, _blackout_dict(blackout))
    return blackout


def remove_blackout(actor, advocate: Advocate, blackout_id: int) -> None:
    """Remove one of the advocate's blackout periods; another's is not found."""
    _self_or_program(actor, advocate)
    blackout = db.session.get(Blackout, blackout_id)
    if blackout is None or blackout.advocate_id != advocate.id:
        raise NotFound(gettext("No such blackout period."))
    data = _blackout_dict(blackout)
    advocate.blackouts.remove(blackout)
    db.session.delete(blackout)
    audit.record(actor, "advocate.blackout_removed", advocate, data)


def pause(actor, advocate: Advocate, until) -> None:
    """'Pause me until': no asks before `until` (a date after today)."""
    _self_or_program(actor, advocate)
    c = Checker({"until": until}, allowed=("until",))
    c.date("until", required=True)
    if c.clean.get("until") is not None and c.clean["until"] <= local_today(advocate):
        c.error("until", "Pick a date after today.")
    clean = c.done()
    old = advocate.paused_until
    advocate.paused_until = clean["until"]
    audit.record(actor, "advocate.paused", advocate, {"from": old, "until": clean["until"]})


def unpause(actor, advocate: Advocate) -> bool:
    """Resume: the advocate may be asked again (within the other rules). False if not paused."""
    _self_or_program(actor, advocate)
    if advocate.paused_until is None:
        return False
    old = advocate.paused_until
    advocate.paused_until = None
    audit.record(actor, "advocate.resumed", advocate, {"was_paused_until": old})
    return True


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
            "activity_types": list(advocate.activity_types or []),
            "max_per_month": advocate.max_per_month,
            "max_per_quarter": advocate.max_per_quarter,
            "max_per_year": advocate.max_per_year,
            "min_days_between": advocate.min_days_between,
            "preferred_contact": advocate.preferred_contact,
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
    if actor is None or actor.role not in PROGRAM:
        raise Forbidden(gettext("Only the program team confirms an erasure."))
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


def preferences_of(advocate: Advocate) -> dict:
    """An advocate's preferences with the program defaults (for the API)."""
    return {
        "advocate_id": advocate.id,
        "activity_types": list(advocate.activity_types or []),
        "max_per_month": advocate.max_per_month,
        "max_per_quarter": advocate.max_per_quarter,
        "max_per_year": advocate.max_per_year,
        "min_days_between": advocate.min_days_between,
        "preferred_contact": advocate.preferred_contact,
        "paused_until": advocate.paused_until,
        "blackouts": current_blackouts(advocate),
        "defaults": {
            "max_per_month": int(get_setting("default_max_per_month")),
            "max_per_quarter": int(get_setting("default_max_per_quarter")),
            "max_per_year": int(get_setting("default_max_per_year")),
            "min_days_between": int(get_setting("default_min_days_between")),
        },
    }
