"""The program's policy: limits, answer window, match weights, points, its name and sender.

Pages and the API change these settings together through `update_policy`: every value is
checked (with the rules between them: month <= quarter <= year, a reminder within the answer
window), and nothing is written when one is wrong; each changed key is audited by `set_setting`.
`program_name()` is the one name pages, e-mails and calendar invites show.
"""

from __future__ import annotations

import copy
import unicodedata
from email.utils import formataddr, parseaddr

import sqlalchemy as sa
from flask import current_app, g, has_request_context

from portal.auth.permissions import demand
from portal.program import ask_templates
from portal.program.models import ProgramSetting
from portal.program.service import (
    COOLDOWN_MAX,
    DEFAULT_LIMIT_KEYS,
    DEFAULTS,
    HOURS,
    LIMIT_MAX,
    POINTS_MAX,
    get_setting,
    limit_order_errors,
    set_setting,
)
from portal.validation import Checker, has_markup
from portal.vocab import ACTIVITY_TYPES

# Relevance kinds a request's criteria compare, in the order the page shows them.
WEIGHT_KINDS = ("industry", "product", "use_case", "region", "segment", "seniority", "language")
# A requested custom field (portal.program.custom_field_matching) the advocate shares weighs
# `custom`.
WEIGHT_KINDS += ("custom",)
WEIGHT_MAX = 10
NAME_MAX = 80  # the program's name: the navigation bar, subjects, calendar names
SENDER_MAX = 64  # the display name of the From header
RESPOND_DAYS = (1, 60)
POINTS_EXPIRY_MONTHS = (1, 120)
ACCOUNT_CAP_KEYS = ("account_max_per_month", "account_max_per_quarter")
POLICY_KEYS = (
    "program_name",
    "sender_name",
    *DEFAULT_LIMIT_KEYS,
    *ACCOUNT_CAP_KEYS,
    "account_min_nps",
    "csm_veto_hours",
    "respond_within_days",
    "ask_reminder_days",
    "match_weights",
    "self_service_activity_types",
    "points_by_activity",
    "points_expiry_months",
    ask_templates.SETTING,
)
# What the policy page edits directly (weights have a field each; points and ask templates have
# their own pages).
FORM_KEYS = tuple(
    key
    for key in POLICY_KEYS
    if key not in ("match_weights", "points_by_activity", ask_templates.SETTING)
)
_NAME_CACHE = "portal.setting.program_name"  # set_setting drops it when the name changes


def program_name_column() -> sa.ScalarSelect:
    """The stored `program_name` setting (NULL when unset), to read beside another row."""
    return (
        sa.select(ProgramSetting.value)
        .where(ProgramSetting.key == "program_name")
        .scalar_subquery()
    )


def remember_program_name(stored) -> None:
    """Keep for this request the name read with `program_name_column()`."""
    setattr(g, _NAME_CACHE, stored or current_app.config["PROGRAM_NAME"])


def program_name() -> str:
    """The program's name (setting `program_name`, else the configured PROGRAM_NAME), read at
    most once per web request (commands read it where they need it: see `Audience`)."""
    if has_request_context() and _NAME_CACHE in g:
        return g.get(_NAME_CACHE)
    name = get_setting("program_name") or current_app.config["PROGRAM_NAME"]
    if has_request_context():
        setattr(g, _NAME_CACHE, name)
    return name


def mail_from() -> str:
    """The From header: the sender name set by the program with PORTAL_MAIL_FROM's address, or
    PORTAL_MAIL_FROM as configured."""
    configured = current_app.config["MAIL_FROM"]
    name = get_setting("sender_name")
    if not name:
        return configured
    return formataddr((name, parseaddr(configured)[1]))


def ask_reminder_days() -> int:
    """Days before an ask's answer time ends that the advocate is reminded."""
    days = get_setting("ask_reminder_days")
    return int(days if days is not None else current_app.config["ASK_REMINDER_DAYS"])


def require_admin(actor) -> None:
    """Only administrators see and change the program's policy."""
    demand(actor, "users.manage", "Only administrators see and change the program's policy.")


def read_policy(actor) -> dict:
    """Every policy setting with the value in force, for an administrator."""
    require_admin(actor)
    return policy_values()


def stored_values() -> dict:
    """Every policy setting as set (None where the installation's default applies)."""
    return {key: get_setting(key) for key in POLICY_KEYS}


def policy_values() -> dict:
    """Every policy setting with the value in force (name and reminder days resolved)."""
    values = stored_values()
    values["program_name"] = program_name()
    values["ask_reminder_days"] = ask_reminder_days()
    values[ask_templates.SETTING] = ask_templates.ask_templates()
    return values


def _header_safe(c: Checker, name: str) -> None:
    """Text that goes into a mail header or a calendar: no line breaks or control characters
    (header injection), no markup, no address brackets in a display name."""
    value = c.clean.get(name)
    if value is None:
        return
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in value):
        c.error(name, "Use one line of text, without line breaks or control characters.")
    elif has_markup(value) or (name == "sender_name" and any(ch in value for ch in "<>@")):
        c.error(name, "Use a plain name, without <, > or @ (the address is configured).")


def _number(c: Checker, name: str, value, low: float, high: float) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        c.error(name, "Must be a number.")
        return None
    if not low <= value <= high:
        c.error(name, f"Must be from {low:g} to {high:g}.")
        return None
    if abs(value * 10 - round(value * 10)) > 1e-9:
        c.error(name, "Use at most one decimal place.")
        return None
    return int(value) if value == int(value) else round(float(value), 1)


def _weights(c: Checker, data: dict) -> None:
    """match_weights: an object of kind -> 0..10 (kinds left out keep their weight)."""
    if "match_weights" not in data:
        return
    given = data["match_weights"]
    if not isinstance(given, dict):
        c.error("match_weights", f"Send an object of weights: {', '.join(WEIGHT_KINDS)}.")
        return
    weights = dict(get_setting("match_weights") or {})
    ok = True
    for kind, value in given.items():
        name = f"match_weights.{kind}"
        if kind not in WEIGHT_KINDS:
            c.error(name, f"Unknown relevance kind; use one of: {', '.join(WEIGHT_KINDS)}.")
            ok = False
            continue
        number = _number(c, name, value, 0, WEIGHT_MAX)
        if number is None:
            ok = False
        else:
            weights[kind] = number
    if ok and not any(weights.get(kind) for kind in WEIGHT_KINDS):
        c.error(
            "match_weights", "At least one weight must be above 0, or relevance counts for nothing."
        )
    elif ok:
        c.clean["match_weights"] = {kind: weights.get(kind, 0) for kind in WEIGHT_KINDS}


def check_weights(data: dict) -> dict:
    """Candidate match weights ({kind: number}, all kinds) checked as update_policy checks
    them; ValidationFailed naming each bad one."""
    c = Checker({"match_weights": data}, allowed=("match_weights",))
    _weights(c, c.data)
    return c.done()["match_weights"]


def _points(c: Checker, data: dict) -> None:
    if "points_by_activity" not in data:
        return
    given = data["points_by_activity"]
    if not isinstance(given, dict):
        c.error("points_by_activity", "Send an object of activity type -> points.")
        return
    points = dict(get_setting("points_by_activity") or {})
    inner = Checker(given, allowed=ACTIVITY_TYPES, partial=True)
    for activity_type in ACTIVITY_TYPES:
        inner.integer(activity_type, minimum=0, maximum=POINTS_MAX, required=True)
    for name, why in inner.errors.items():
        c.error(f"points_by_activity.{name}", why)
    if not inner.errors:
        c.clean["points_by_activity"] = {**points, **inner.clean}


def _ask_templates(c: Checker, data: dict) -> None:
    """ask_templates: an object of activity type -> text (types left out keep theirs)."""
    if ask_templates.SETTING not in data:
        return
    templates, errors = ask_templates.template_errors(data[ask_templates.SETTING])
    for name, why in errors.items():
        prefix = "" if name == ask_templates.SETTING else f"{ask_templates.SETTING}."
        c.error(prefix + name, why)
    if not errors:
        c.clean[ask_templates.SETTING] = templates


def _check(data: dict) -> dict:
    """The cleaned settings of `data` (any subset of POLICY_KEYS), or ValidationFailed."""
    c = Checker(data, allowed=POLICY_KEYS, partial=True)
    c.text("program_name", max_length=NAME_MAX)
    c.text("sender_name", max_length=SENDER_MAX)
    _header_safe(c, "program_name")
    _header_safe(c, "sender_name")
    for key in DEFAULT_LIMIT_KEYS:
        top = COOLDOWN_MAX if key == "default_min_days_between" else LIMIT_MAX
        c.integer(key, minimum=0, maximum=top, required=True)
    for key in ACCOUNT_CAP_KEYS:
        c.integer(key, minimum=1, maximum=LIMIT_MAX)
    c.integer("account_min_nps", minimum=-100, maximum=100)
    c.integer(
        "csm_veto_hours", minimum=HOURS["csm_veto_hours"][0], maximum=HOURS["csm_veto_hours"][1]
    )
    c.integer(
        "respond_within_days", minimum=RESPOND_DAYS[0], maximum=RESPOND_DAYS[1], required=True
    )
    c.integer("ask_reminder_days", minimum=0, maximum=RESPOND_DAYS[1])
    _weights(c, c.data)
    c.choices("self_service_activity_types", ACTIVITY_TYPES)
    _points(c, c.data)
    _ask_templates(c, c.data)
    low, high = POINTS_EXPIRY_MONTHS
    c.integer("points_expiry_months", minimum=low, maximum=high)
    _check_pairs(c)
    return c.done()


def _after(c: Checker, key: str):
    """The value `key` will have: the change's (when it is clean), else the current one."""
    return c.clean[key] if key in c.clean else get_setting(key)


def _check_pairs(c: Checker) -> None:
    """The rules between settings, on the values they will have after the change."""
    if not any(key in c.errors for key in DEFAULT_LIMIT_KEYS):
        own = {key.removeprefix("default_"): _after(c, key) for key in DEFAULT_LIMIT_KEYS}
        # The error goes to the field that changed (a page sends them all).
        changed = {
            k.removeprefix("default_"): v
            for k, v in c.clean.items()
            if k in DEFAULT_LIMIT_KEYS and v != get_setting(k)
        }
        for name, why in limit_order_errors(changed, own, prefix="default_").items():
            c.error(name, why)
    month, quarter = (_after(c, key) for key in ACCOUNT_CAP_KEYS)
    caps_clean = not any(key in c.errors for key in ACCOUNT_CAP_KEYS)
    if caps_clean and month is not None and quarter is not None and month > quarter:
        if "account_max_per_quarter" in c.clean:
            c.error(
                "account_max_per_quarter",
                f"A quarter can't allow fewer asks per account than a month ({month}).",
            )
        else:
            c.error(
                "account_max_per_month",
                f"A month can't allow more asks per account than a quarter ({quarter}).",
            )
    if "respond_within_days" in c.errors or "ask_reminder_days" in c.errors:
        return
    respond = _after(c, "respond_within_days")
    reminder = _after(c, "ask_reminder_days")
    if reminder is None:
        reminder = current_app.config["ASK_REMINDER_DAYS"]
    if reminder > respond:
        if "ask_reminder_days" in c.clean and c.clean["ask_reminder_days"] is not None:
            c.error("ask_reminder_days", f"Must be at most the answer window ({respond} days).")
        else:
            c.error(
                "respond_within_days",
                f"Must be at least the days of the reminder before it ends ({reminder}).",
            )


def update_policy(actor, data: dict) -> dict:
    """Set any of the policy settings together; returns {key: [old, new]} of those that
    changed. Nothing is written when one is wrong (ValidationFailed names each)."""
    require_admin(actor)
    clean = _check(data)
    changed = {}
    for key, value in clean.items():
        old = get_setting(key)
        if old != value:
            changed[key] = [copy.deepcopy(old), value]
    limits = {key: clean[key] for key in DEFAULT_LIMIT_KEYS if key in clean}
    for key, (_, value) in changed.items():
        set_setting(actor, key, value, pending=limits)
    return changed


def defaults() -> dict:
    """The shipped defaults of the policy settings (the page shows them as help)."""
    return {key: DEFAULTS[key] for key in POLICY_KEYS}
