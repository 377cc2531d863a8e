"""Lead time per activity type: the working days of notice a requester must give.

A working day is Monday to Friday (public holidays are not known to the portal and count as
working days). The notice a request gives is the number of working days after the requester's
today up to and including its needed-by date: a request filed on a Friday for the next Monday
gives 1 working day, one due today gives 0. "Today" is the date in the requester's own time zone
(the one on their user, UTC when it is unset or unknown): the needed-by date is a day in their
calendar, so their today is what they count from.

A request that gives less notice than its activity type's lead time (program setting
`lead_time_days`, 0: no minimum) is accepted only as a rush with a reason. A request with enough
notice is never a rush: `rush` and `rush_reason` sent with it are cleared (every path alike).
"""

from __future__ import annotations

import datetime as dt

from portal.auth.permissions import demand
from portal.errors import ValidationFailed
from portal.program.service import DEFAULTS, get_setting, set_setting
from portal.validation import PLAIN_TEXT, Checker, has_markup
from portal.vocab import ACTIVITY_TYPES, label
from portal.zones import zone

SETTING = "lead_time_days"
LEAD_TIME_MAX = 120
RUSH_REASON_MAX = 500
RUSH_FIELDS = ("rush", "rush_reason")


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days (Monday to Friday) after `start` up to and including `end`; 0 if none."""
    if end <= start:
        return 0
    days = (end - start).days
    weeks, rest = divmod(days, 7)
    count = weeks * 5
    for offset in range(1, rest + 1):
        if (start + dt.timedelta(days=weeks * 7 + offset)).weekday() < 5:
            count += 1
    return count


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The earliest date that gives `days` working days of notice from `start` (0: `start`)."""
    day = start
    while days > 0:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day


def requester_today(user, now: dt.datetime | None = None) -> dt.date:
    """Today in the user's time zone (UTC when it is unset or unknown)."""
    now = now or dt.datetime.now(dt.UTC)
    return now.astimezone(zone(getattr(user, "timezone", None))).date()


def lead_times() -> dict[str, int]:
    """The lead time of every activity type: the program's setting over the defaults."""
    stored = get_setting(SETTING) or {}
    defaults = DEFAULTS[SETTING]
    return {t: int(stored.get(t, defaults.get(t, 0))) for t in ACTIVITY_TYPES}


def check_lead_times(data) -> dict[str, int]:
    """Cleaned lead times ({activity type: 0..120}, every type present) or ValidationFailed."""
    c = Checker(data, allowed=ACTIVITY_TYPES, unknown="Unknown activity type.")
    for activity_type in ACTIVITY_TYPES:
        c.integer(activity_type, minimum=0, maximum=LEAD_TIME_MAX, required=True)
    return c.done()


def clean_rush_fields(data: dict, errors: dict[str, str]) -> dict:
    """`rush` (true or false) and `rush_reason` (plain text, at most 500 characters) from the
    input, as far as they are sent; problems go into `errors` by field."""
    clean: dict = {}
    if "rush" in data:
        value = data["rush"]
        if value is None:
            clean["rush"] = False
        elif isinstance(value, bool):
            clean["rush"] = value
        else:
            errors["rush"] = "Must be true or false."
    if "rush_reason" in data:
        value = data["rush_reason"]
        if isinstance(value, str):
            value = value.strip()
        if value is None or value == "":
            clean["rush_reason"] = None
        elif not isinstance(value, str):
            errors["rush_reason"] = "Must be text."
        elif "\x00" in value:
            errors["rush_reason"] = "Remove the control character."
        elif len(value) > RUSH_REASON_MAX:
            errors["rush_reason"] = (
                f"Must be at most {RUSH_REASON_MAX} characters (it has {len(value)})."
            )
        elif has_markup(value):
            errors["rush_reason"] = PLAIN_TEXT
        else:
            clean["rush_reason"] = value
    return clean


def _activity_phrase(activity_type: str) -> str:
    name = label(activity_type)
    article = "An" if name[:1].lower() in "aeiou" else "A"
    return f"{article} {name.lower()}"


def _date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def check_notice(
    activity_type: str,
    needed_by: dt.date,
    rush: bool,
    rush_reason: str | None,
    today: dt.date,
    times: dict[str, int] | None = None,
) -> dict:
    """The lead-time fields to store ({notice_days, rush, rush_reason}), or ValidationFailed:
    on `needed_by` when the notice is short and no rush is asked for, on `rush_reason` when a
    rush comes without a reason. Enough notice clears the rush."""
    lead = (times or lead_times()).get(activity_type, 0)
    notice = working_days_between(today, needed_by)
    if notice >= lead:
        return {"notice_days": notice, "rush": False, "rush_reason": None}
    if not rush:
        earliest = add_working_days(today, lead)
        days = "working day's" if lead == 1 else "working days'"
        message = (
            f"{_activity_phrase(activity_type)} needs {lead} {days} notice: the earliest date "
            f"is {_date(earliest)}; or mark it as a rush and say why."
        )
        raise ValidationFailed(f"needed_by: {message}", fields={"needed_by": message})
    if not rush_reason:
        message = (
            f"Say why this rush can't wait: it gives {notice} of the {lead} working days' "
            "notice this activity needs."
        )
        raise ValidationFailed(f"rush_reason: {message}", fields={"rush_reason": message})
    return {"notice_days": notice, "rush": True, "rush_reason": rush_reason}


def may_manage_lead_times(actor) -> None:
    """Only administrators read or change the program's lead times (as every setting)."""
    demand(actor, "users.manage", "Only administrators manage the program's lead times.")


def update_lead_times(actor, data) -> dict:
    """Set the lead time of every activity type at once; returns {type: [old, new]}. Nothing is
    written when one is wrong; the change is audited by `set_setting`."""
    may_manage_lead_times(actor)
    clean = check_lead_times(data)
    current = lead_times()
    changed = {k: [current.get(k), v] for k, v in clean.items() if current.get(k) != v}
    if changed:
        set_setting(actor, SETTING, clean)
    return changed
