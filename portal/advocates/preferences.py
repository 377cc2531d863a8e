"""An advocate's preferences: the activities they accept and how often (limits, days between
asks), blackout periods and pauses; set by the advocate or the program team."""

from __future__ import annotations

import datetime as dt
import re

from portal.advocates.models import Advocate, Blackout
from portal.advocates.service import _self_or_program
from portal.asks.overuse import zone_of
from portal.audit import service as audit
from portal.database import now_utc
from portal.errors import ValidationFailed, get_or_not_found
from portal.extensions import db
from portal.i18n import gettext
from portal.program.service import get_setting, limit_order_errors
from portal.validation import Checker
from portal.vocab import ACTIVITY_TYPES, CONTACT_CHANNELS

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


def local_today(advocate: Advocate, at: dt.datetime | None = None) -> dt.date:
    """Today in the advocate's time zone (limits, blackouts and pauses count in it)."""
    return (at or now_utc()).astimezone(zone_of(advocate)).date()


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
    blackout = get_or_not_found(
        Blackout,
        blackout_id,
        gettext("No such blackout period."),
        lambda blackout: blackout.advocate_id == advocate.id,
    )
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


def asking_preferences(advocate: Advocate) -> dict:
    """How the advocate is willing to be asked: the activities, their limits, the days between
    asks and the channel (the pause and blackouts apart)."""
    return {
        "activity_types": list(advocate.activity_types or []),
        "max_per_month": advocate.max_per_month,
        "max_per_quarter": advocate.max_per_quarter,
        "max_per_year": advocate.max_per_year,
        "min_days_between": advocate.min_days_between,
        "preferred_contact": advocate.preferred_contact,
    }


def preferences_of(advocate: Advocate) -> dict:
    """An advocate's preferences with the program defaults (for the API)."""
    return {
        "advocate_id": advocate.id,
        **asking_preferences(advocate),
        "paused_until": advocate.paused_until,
        "blackouts": current_blackouts(advocate),
        "defaults": {
            "max_per_month": int(get_setting("default_max_per_month")),
            "max_per_quarter": int(get_setting("default_max_per_quarter")),
            "max_per_year": int(get_setting("default_max_per_year")),
            "min_days_between": int(get_setting("default_min_days_between")),
        },
    }
