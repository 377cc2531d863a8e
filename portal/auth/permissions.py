"""Who may do what: one table of permissions, used by pages, API and services alike."""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user

from portal.errors import Forbidden
from portal.extensions import login_manager

STAFF = frozenset({"requester", "csm", "manager", "admin"})
PROGRAM = frozenset({"manager", "admin"})
# Read-only: the program's figures and scorecards; no requests, advocates or content management.
EXECUTIVE = frozenset({"executive"})

# permission -> roles that hold it. Object-level checks (own advocate, own account) are in
# the services on top of these.
PERMISSIONS: dict[str, frozenset[str]] = {
    "accounts.view": frozenset({"csm"}) | PROGRAM,
    "accounts.edit": frozenset({"csm"}) | PROGRAM,
    "advocates.view": frozenset({"csm"}) | PROGRAM,
    "advocates.create": PROGRAM,
    "advocates.edit": frozenset({"csm"}) | PROGRAM,
    # Touchpoints, follow-ups and health flags (customer success: its own accounts' advocates).
    "advocates.nurture": frozenset({"csm"}) | PROGRAM,
    "advocate.self": frozenset({"advocate"}),
    "requests.create": STAFF,
    # Any staff member nominates a contact and follows their own nominations.
    "advocates.nominate": STAFF,
    "program.manage": PROGRAM,
    "users.manage": frozenset({"admin"}),
    # The program's settings: policy, taxonomy, custom fields, terms, lead times, ask templates.
    "settings.manage": frozenset({"admin"}),
    "audit.view": frozenset({"admin"}),
    "tokens.own": STAFF | EXECUTIVE | {"advocate"},
    "tokens.manage": frozenset({"admin"}),
    "webhooks.manage": frozenset({"admin"}),
    "content.browse": STAFF | EXECUTIVE,  # approved stories only, as requesters
    "content.manage": PROGRAM,
    "reports.view": PROGRAM | EXECUTIVE,
    # Scorecards (portal.recognition): staff their own, the program team and executives all.
    "recognition.view": STAFF | EXECUTIVE,
    "recognition.all": PROGRAM | EXECUTIVE,
    # Planning: every team and executives read the plan; staff plan (own needs; program: all).
    "planning.view": STAFF | EXECUTIVE,
    "planning.edit": STAFF,
    # Work in progress (portal.work): each team its accounts; program and executives all.
    "work.view": STAFF | EXECUTIVE,
    "work.all": PROGRAM | EXECUTIVE,
}


def roles_holding(permission: str) -> frozenset[str]:
    """The roles that hold `permission`: for a query of the people who may do it."""
    return PERMISSIONS[permission]


def can(user, permission: str) -> bool:
    """True when `user` (possibly anonymous) holds `permission`."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return user.role in PERMISSIONS[permission]


def demand(actor, permission: str, refusal: str) -> None:
    """The services' guard: raise Forbidden with `refusal` (for a person) unless `actor` holds
    `permission`."""
    if not can(actor, permission):
        raise Forbidden(refusal)


def allow_only(allowed: bool) -> None:
    """A page's object-level check (a service's `may_...` answer): the 403 page unless allowed."""
    if not allowed:
        abort(403)


def own_advocate():
    """The signed-in advocate's record, on a page that requires `advocate.self`; a login
    without one gets the 403 page."""
    advocate = current_user.advocate
    allow_only(advocate is not None)
    return advocate


def require(permission: str):
    """Decorate a view: 401 for visitors (redirect to sign-in), 403 without the permission."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not can(current_user, permission):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
