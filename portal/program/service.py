"""Program settings (with defaults) and the managed taxonomy."""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Iterable
from functools import cached_property
from zoneinfo import available_timezones

import sqlalchemy as sa
from flask import g, has_app_context, has_request_context
from sqlalchemy.orm import aliased
from wtforms.fields.choices import SelectChoice

from portal.audit import service as audit
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.program.ask_template_texts import DEFAULT_ASK_TEMPLATES
from portal.program.models import ProgramSetting, TaxonomyTerm
from portal.program.taxonomy import held_values
from portal.validation import Checker
from portal.vocab import ACTIVITY_TYPES

DEFAULTS: dict[str, object] = {
    # None: the configured PROGRAM_NAME (one name on pages, e-mails and calendars; read it with
    # program.policy.program_name()).
    "program_name": None,
    # The display name in the From header of e-mails (the address stays PORTAL_MAIL_FROM's);
    # None: PORTAL_MAIL_FROM as configured.
    "sender_name": None,
    "terms_version": "2026-01",
    "default_max_per_month": 2,
    "default_max_per_quarter": 4,
    "default_max_per_year": 12,
    "default_min_days_between": 14,
    "respond_within_days": 5,
    # Days before an ask's answer time ends that the advocate is reminded; None: the
    # configured ASK_REMINDER_DAYS.
    "ask_reminder_days": None,
    "points_by_activity": {
        "reference_call": 50,
        "site_visit": 150,
        "case_study": 300,
        "quote": 40,
        "video_testimonial": 250,
        "press_interview": 150,
        "analyst_briefing": 150,
        "speaking": 300,
        "webinar": 200,
        "peer_review": 60,
        "advisory_board": 200,
        "beta_program": 100,
        "social_post": 20,
        "referral": 100,
    },
    "match_weights": {
        "industry": 3,
        "product": 3,
        "use_case": 2,
        "region": 2,
        "segment": 1,
        "seniority": 1,
        "language": 1,
        # Each requested custom field (portal.program.custom_field_matching) the advocate shares.
        "custom": 2,
    },
    "self_service_activity_types": ["peer_review", "quote"],
    # Points expire this many months after they were earned; None: never.
    "points_expiry_months": None,
    # Team chat (Slack or Microsoft Teams incoming webhook); no URL: off. See notifications/chat.
    "chat_webhook_url": None,
    "chat_flavour": "slack",
    "chat_events": ["request_submitted", "ask_accepted", "request_fulfilled", "claim_to_decide"],
    # Advocates hear what a won deal they helped achieved (per deal, when a manager switches it
    # on), and with the deal's amount only when this second setting is on (portal/thanks).
    "share_outcomes_with_advocates": False,
    "share_outcome_amounts": False,
    # Managers and admins must use two-step sign-in (portal/auth/mfa.py); single sign-on exempt.
    "require_mfa_for_staff": False,
    # Live asks per account (all its advocates together) per calendar month and quarter; None: off.
    "account_max_per_month": 4,
    "account_max_per_quarter": 8,
    # Accounts whose NPS (customer success's record) is below this are not asked; None: off.
    "account_min_nps": None,
    # Hours the account's CSM may veto an ask to one of their contacts before the advocate
    # hears of it (asks.placing.veto_ask); None: off.
    "csm_veto_hours": None,
    # Minimum notice in working days (Mon-Fri) a request gives per activity type; inside it a
    # request is accepted only as a rush with a reason (portal/asks/lead_time.py); 0: none.
    "lead_time_days": {
        "reference_call": 5,
        "site_visit": 15,
        "case_study": 30,
        "quote": 10,
        "video_testimonial": 30,
        "press_interview": 10,
        "analyst_briefing": 10,
        "speaking": 30,
        "webinar": 20,
        "peer_review": 5,
        "advisory_board": 10,
        "beta_program": 10,
        "social_post": 10,
        "referral": 10,
    },
    # The program's text per activity type that goes with every ask ("" for none; see
    # portal/program/ask_templates.py).
    "ask_templates": DEFAULT_ASK_TEMPLATES,
    # Recognition (portal/recognition): the leaderboard shown to all staff (managers switch it
    # on), and how often executives get the summary e-mail (off | weekly | monthly).
    "leaderboard_enabled": False,
    "executive_summary_frequency": "monthly",
    # Days the account's CSM may object to another team's nomination (portal/nominations).
    "nomination_objection_days": 5,
    # The public self-nomination page /nominate, opt-in (the demo switches it on); off: 404.
    "self_nomination_enabled": False,
}


# session.info key: {setting key: value} held for a bulk or read path (`settings_in_memory`).
_HELD = "portal.settings.held"


def get_setting(key: str):
    """The program's value for `key`, or its default."""
    held = db.session.info.get(_HELD)
    if held is not None and key in held:
        return held[key]
    row = db.session.get(ProgramSetting, key)
    if row is not None:
        return row.value
    return copy.deepcopy(DEFAULTS[key])


@contextlib.contextmanager
def settings_in_memory(stored: dict | None = None, keys: Iterable[str] = tuple(DEFAULTS)):
    """Settings read without a query each (bulk and read paths).

    get_setting() asks the session for the row: a key without a row costs a SELECT every time
    (four per advocate in the overuse limits), and so does a key with one once nothing holds
    the row (the identity map keeps only what is referenced). Inside this block `get_setting`
    answers each of `keys` from memory: the value as stored (`stored`: {key: value} of
    program_settings, when read already; else read here in one statement) or its default.
    `set_setting` inside the block changes the held value too. Inside another call this one
    has nothing to do: the outer one holds them.
    """
    if db.session.info.get(_HELD) is not None:
        yield
        return
    if stored is None:
        stored = dict(db.session.execute(sa.select(ProgramSetting.key, ProgramSetting.value)).all())
    db.session.info[_HELD] = {
        key: stored[key] if key in stored else copy.deepcopy(DEFAULTS[key]) for key in keys
    }
    try:
        yield
    finally:
        db.session.info.pop(_HELD, None)


# The limits of asks per period, shortest period first: each may allow no more than the next.
LIMIT_PERIODS = (
    ("month", "max_per_month"),
    ("quarter", "max_per_quarter"),
    ("year", "max_per_year"),
)
LIMIT_MAX = 50  # as the advocates table allows
COOLDOWN_MAX = 365
HOURS = {"csm_veto_hours": (1, 168)}  # at most a week
DEFAULT_LIMIT_KEYS = (*(f"default_{name}" for _, name in LIMIT_PERIODS), "default_min_days_between")
NOMINATION_KEYS = ("nomination_objection_days", "self_nomination_enabled")  # portal/nominations


def limit_order_errors(own: dict, defaults: dict, prefix: str = "") -> dict[str, str]:
    """Month <= quarter <= year, compared on the effective limits (`own`, else `defaults`;
    both keyed max_per_month, ...). {field: why}: the longer period's field when it is set
    there, else the shorter one's; `prefix` is put before each field name."""
    effective = {}
    for _, name in LIMIT_PERIODS:
        value = own.get(name)
        effective[name] = value if value is not None else defaults.get(name)
    errors: dict[str, str] = {}
    for i, (short, short_name) in enumerate(LIMIT_PERIODS):
        for long, long_name in LIMIT_PERIODS[i + 1 :]:
            low, high = effective[short_name], effective[long_name]
            if low is None or high is None or low <= high:
                continue
            if own.get(long_name) is not None:
                field = prefix + long_name
                why = f"A {long} can't allow fewer asks than a {short} ({low})."
            elif own.get(short_name) is not None:
                field = prefix + short_name
                why = (
                    f"A {short} can't allow more asks than a {long} ({high}, the program default)."
                )
            else:
                continue
            errors.setdefault(field, why)
    return errors


def _check_setting(key: str, value, pending: dict | None = None) -> None:
    """The default limits: whole numbers in range, month <= quarter <= year (with the other
    defaults as they are, or as `pending` sets them)."""
    if key in ("account_max_per_month", "account_max_per_quarter", "account_min_nps", *HOURS):
        low, high = HOURS.get(key) or ((-100, 100) if key == "account_min_nps" else (1, LIMIT_MAX))
        c = Checker({key: value}, allowed=(key,))
        c.integer(key, minimum=low, maximum=high)
        c.done()
        return
    if key in NOMINATION_KEYS:
        _check_nomination_setting(key, value)
        return
    if key not in DEFAULT_LIMIT_KEYS:
        return
    top = COOLDOWN_MAX if key == "default_min_days_between" else LIMIT_MAX
    c = Checker({key: value}, allowed=(key,))
    c.integer(key, minimum=0, maximum=top, required=True)
    c.done()
    if key == "default_min_days_between":
        return
    values = {k: get_setting(k) for k in DEFAULT_LIMIT_KEYS}
    values.update(pending or {})
    values[key] = value
    own = {name: values[f"default_{name}"] for _, name in LIMIT_PERIODS}
    errors = limit_order_errors(own, {}, prefix="default_")
    if errors:
        raise ValidationFailed(next(iter(errors.values())), fields=errors)


def _check_nomination_setting(key: str, value) -> None:
    """The CSM's objection window: 1 to 30 days; the self-nomination page: on or off."""
    c = Checker({key: value}, allowed=(key,))
    if key == "nomination_objection_days":
        c.integer(key, minimum=1, maximum=30, required=True)
    elif not isinstance(value, bool):
        c.error(key, "Must be true or false.")
    c.done()


def update_default_limits(actor, data: dict) -> dict:
    """Set the program's default limits and cooldown together (so that they may move past each
    other in one change); returns {key: [old, new]}. Nothing is written when one is wrong."""
    c = Checker(data, allowed=DEFAULT_LIMIT_KEYS, partial=True)
    for key in DEFAULT_LIMIT_KEYS:
        top = COOLDOWN_MAX if key == "default_min_days_between" else LIMIT_MAX
        c.integer(key, minimum=0, maximum=top, required=True)
    clean = c.done()
    for key, value in clean.items():
        _check_setting(key, value, pending=clean)
    changed = {k: [get_setting(k), v] for k, v in clean.items() if get_setting(k) != v}
    for key in changed:
        set_setting(actor, key, clean[key], pending=clean)
    return changed


def set_setting(actor, key: str, value, *, pending: dict | None = None) -> None:
    """Set one program setting (checked where it has a rule: the default limits)."""
    if key not in DEFAULTS:
        raise KeyError(key)
    _check_setting(key, value, pending)
    if has_app_context():
        g.pop(f"portal.setting.{key}", None)  # a per-request copy (policy.program_name) is stale
    row = db.session.get(ProgramSetting, key)
    old = row.value if row else DEFAULTS[key]
    if row is None:
        row = ProgramSetting(key=key, value=value)
        db.session.add(row)
    else:
        row.value = value
    held = db.session.info.get(_HELD)
    if held is not None and key in held:
        held[key] = value
    db.session.flush()
    audit.record(actor, "setting.changed", _SettingRef(key), {"key": key, "from": old, "to": value})


class _SettingRef:
    """Lets settings (keyed by name, not id) be audited like any entity."""

    __tablename__ = "program_settings"

    def __init__(self, key: str) -> None:
        self.key = key
        self.id = None


def _not_a_group():
    """SQL: the term has no members (advocates, accounts and content hold concrete terms;
    only request criteria name groups)."""
    member = aliased(TaxonomyTerm)
    return ~sa.exists().where(member.group_id == TaxonomyTerm.id)


_TERMS = "portal.taxonomy.terms"


def _all_terms() -> tuple[list[TaxonomyTerm], frozenset[int]]:
    """Every term in the administrators' order and the ids of the groups, read once per web
    request: a form or list asks for several kinds, their labels and their groups. A flush
    that writes a term drops the copy (see `_forget_terms`), and terms added or changed but
    not yet flushed are read from the database as before."""
    cached = has_request_context() and not any(
        isinstance(row, TaxonomyTerm) for row in (*db.session.new, *db.session.dirty)
    )
    if cached and _TERMS in g:
        return g.get(_TERMS)
    terms = list(
        db.session.scalars(
            sa.select(TaxonomyTerm).order_by(
                TaxonomyTerm.kind, TaxonomyTerm.position, TaxonomyTerm.label
            )
        )
    )
    found = (terms, frozenset(t.group_id for t in terms if t.group_id is not None))
    if cached:
        setattr(g, _TERMS, found)
    return found


def _forget_terms(session, _context) -> None:
    if has_request_context() and _TERMS in g:
        changed = (*session.new, *session.dirty, *session.deleted)
        if any(isinstance(row, TaxonomyTerm) for row in changed):
            g.pop(_TERMS, None)


def listen() -> None:
    """Forget the request's cached terms when a flush changes one: a hook on every session
    (the factory's `register_listeners`; installed once, however often this is called)."""
    if not sa.event.contains(sa.orm.Session, "after_flush", _forget_terms):
        sa.event.listen(sa.orm.Session, "after_flush", _forget_terms)


def taxonomy(kind: str, *, groups: bool = False) -> list[TaxonomyTerm]:
    """Active terms of one kind, in the administrators' order; with `groups`, the groups too."""
    terms, group_ids = _all_terms()
    return [
        term
        for term in terms
        if term.kind == kind and term.active and (groups or term.id not in group_ids)
    ]


def taxonomy_values(kind: str, keep=None, *, groups: bool = False) -> set[str]:
    """The values new input may use: active terms (groups only for request criteria), plus
    the (retired) values `keep`, the record being changed, already holds, so saving an old
    record keeps them."""
    return {term.value for term in taxonomy(kind, groups=groups)} | held_values(keep, kind)


class Vocabulary:
    """The allowed values of the managed taxonomy (active terms) and the time zone names, read
    once. Checking many records (a CSV import) passes one to every check; a single check reads
    its own."""

    def __init__(self, keep=None) -> None:
        self._keep = keep  # the record being changed: its retired values stay allowed
        self.labels: dict[str, dict[str, str]] = {}
        for kind, value, text in db.session.execute(
            sa.select(TaxonomyTerm.kind, TaxonomyTerm.value, TaxonomyTerm.label).where(
                TaxonomyTerm.active.is_(True), _not_a_group()
            )
        ):
            self.labels.setdefault(kind, {})[value] = text
        self._values = {kind: frozenset(terms) for kind, terms in self.labels.items()}

    def values(self, kind: str) -> frozenset[str]:
        """The active values of one taxonomy kind (industry, product, use_case, language)."""
        return self._values.get(kind, frozenset()) | held_values(self._keep, kind)

    @cached_property
    def timezones(self) -> frozenset[str]:
        # Read from the tz database on first use: ~20 ms, too slow to repeat per record.
        return frozenset(available_timezones())


def taxonomy_choices(
    kind: str, blank: str | None = None, keep=None, *, groups: bool = False
) -> list[SelectChoice]:
    """Options for a select field of one taxonomy kind; `blank` adds an empty first option.
    `keep`: the value(s) the field holds; retired ones among them are offered too (marked),
    so that saving an old record doesn't drop them. `groups`: offer groups of terms too
    (request criteria)."""
    options = [SelectChoice("", blank)] if blank is not None else []
    if groups:
        concrete = {term.id for term in taxonomy(kind)}
        options += [
            SelectChoice(term.value, term.label if term.id in concrete else f"{term.label} (group)")
            for term in taxonomy(kind, groups=True)
        ]
    else:
        options += [SelectChoice(term.value, term.label) for term in taxonomy(kind)]
    held = [keep] if isinstance(keep, str) else list(keep or [])
    offered = {option.value for option in options}
    retired = [v for v in dict.fromkeys(held) if isinstance(v, str) and v and v not in offered]
    if retired:
        labels = taxonomy_labels()
        for value in retired:
            text = labels.get((kind, value), value)
            options.append(SelectChoice(value, f"{text} (retired)"))
    return options


def taxonomy_labels() -> dict[tuple[str, str], str]:
    """(kind, value) -> label for every term, active or not, to show stored values."""
    return {(t.kind, t.value): t.label for t in _all_terms()[0]}


def term_labeller():
    """A template helper: the taxonomy label of a stored value (retired terms included)."""
    labels = taxonomy_labels()
    return lambda kind, value: labels.get((kind, value), value or "")


POINTS_MAX = 10_000


def update_points_by_activity(actor, data: dict) -> dict:
    """Set the points each completed activity type earns; returns {type: [old, new]}."""
    c = Checker(data, allowed=ACTIVITY_TYPES)
    for activity_type in ACTIVITY_TYPES:
        c.integer(activity_type, minimum=0, maximum=POINTS_MAX, required=True)
    clean = c.done()
    current = get_setting("points_by_activity")
    changed = {k: [current.get(k), v] for k, v in clean.items() if current.get(k) != v}
    if changed:
        set_setting(actor, "points_by_activity", {**current, **clean})
    return changed
