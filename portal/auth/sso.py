"""Single sign-on rules: map an identity from the OpenID Connect provider to a portal user.

A first sign-in links an existing user by verified e-mail, or provisions a staff user whose
role comes from a claim (`PORTAL_OIDC_ROLE_CLAIM`, mapped with `PORTAL_OIDC_ROLE_MAP`) or the
e-mail domain (`PORTAL_OIDC_DOMAIN_ROLES`). Without a mapping the new user has no access
(inactive, awaiting a role) until an admin grants one on the users page.

Roles are read again at every sign-in: when the provider's groups map to a role, that role
applies (promotion or demotion); when they map to none and the user's role came from the provider,
the e-mail domain's role applies, or none (the user is deactivated, awaiting an admin). A role an
admin set stands until the groups map to one. A changed role ends the user's other sessions.
Single sign-on is exempt from the portal's two-step sign-in (the provider runs its own).
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app

from portal.audit import service as audit
from portal.auth.models import User
from portal.auth.service import find_user, normalize_email, staff_passwords_off
from portal.auth.session import revoke_sessions
from portal.auth.sso_models import SsoIdentity
from portal.database import now_utc
from portal.errors import DomainError
from portal.extensions import db

# Most privileged first: with several mapped groups a user gets the highest role.
STAFF_ROLES = ("admin", "manager", "csm", "executive", "requester")


class SsoRefused(DomainError):
    """The provider vouched for someone the portal does not let in (this way)."""

    status = 403
    code = "sso_refused"


def sso_enabled() -> bool:
    return bool(current_app.config.get("OIDC_ISSUER"))


def sso_only_for_staff() -> bool:
    """Staff may not sign in with a local password (advocates still may)."""
    return staff_passwords_off()


def parse_pairs(text: str | None) -> dict[str, str]:
    """'a=manager, b=admin' as {'a': 'manager', 'b': 'admin'}; pairs with a non-staff role drop."""
    pairs = {}
    for item in (text or "").split(","):
        key, sep, role = item.partition("=")
        key, role = key.strip(), role.strip().lower()
        if sep and key and role in STAFF_ROLES:
            pairs[key] = role
    return pairs


def claim_role(claims: dict) -> str | None:
    """The highest staff role the role claim's values map to, or None."""
    values = claims.get(current_app.config["OIDC_ROLE_CLAIM"]) or []
    if isinstance(values, str):
        values = [values]
    by_claim = parse_pairs(current_app.config.get("OIDC_ROLE_MAP"))
    roles = {by_claim[v] for v in values if isinstance(v, str) and v in by_claim}
    return next((r for r in STAFF_ROLES if r in roles), None)


def domain_role(email: str) -> str | None:
    """The staff role of the e-mail address's domain, or None."""
    by_domain = {
        k.lower(): v for k, v in parse_pairs(current_app.config["OIDC_DOMAIN_ROLES"]).items()
    }
    return by_domain.get(email.rpartition("@")[2])


def mapped_role(claims: dict, email: str) -> str | None:
    """The staff role the claims grant (role claim first, then e-mail domain), or None."""
    return claim_role(claims) or domain_role(email)


def sync_role(identity: SsoIdentity, user: User, claims: dict, email: str) -> None:
    """Apply the role the provider grants now; raise SsoRefused when it grants none any more."""
    new = claim_role(claims)
    if new is None:
        if identity.granted_role is None or identity.granted_role != user.role:
            return  # the role is an admin's choice: it stands
        new = domain_role(email)
    identity.granted_role = new
    if new == user.role:
        return
    old = user.role
    if new is None:
        user.active = False
        identity.awaiting_role = True
        ended = revoke_sessions(user, "role_removed")
        audit.record(
            None,
            "user.role_changed_by_sso",
            user,
            {"role": [old, None], "active": [True, False], "sessions_ended": ended},
        )
        raise SsoRefused(
            "Your identity provider no longer grants you a role here: ask an administrator."
        )
    user.role = new
    ended = revoke_sessions(user, "role_changed")
    audit.record(
        None, "user.role_changed_by_sso", user, {"role": [old, new], "sessions_ended": ended}
    )


def awaiting_role_ids(user_ids: list[int]) -> set[int]:
    """Which of these users came in through single sign-on and still wait for a role."""
    if not user_ids:
        return set()
    return set(
        db.session.scalars(
            sa.select(SsoIdentity.user_id).where(
                SsoIdentity.user_id.in_(user_ids), SsoIdentity.awaiting_role.is_(True)
            )
        )
    )


def sign_in_with_sso(issuer: str, claims: dict) -> User:
    """The user these verified claims belong to, linked or provisioned; raise SsoRefused."""
    subject = str(claims.get("sub") or "")
    email = normalize_email(claims.get("email") or "")
    if not subject or "@" not in email or claims.get("email_verified") is not True:
        raise SsoRefused("Your identity provider did not confirm a verified e-mail address.")
    identity = db.session.scalar(
        sa.select(SsoIdentity).where(SsoIdentity.issuer == issuer, SsoIdentity.subject == subject)
    )
    if identity is None:
        identity = _link_or_provision(issuer, subject, email, claims)
    user = identity.user
    if user.role == "advocate":
        raise SsoRefused("Single sign-on is for staff: advocates sign in with an e-mail link.")
    if identity.awaiting_role and not user.active:
        raise SsoRefused(
            "You are known now, but have no access yet: an administrator must grant you a role."
        )
    if not user.active:
        raise SsoRefused("Your account is deactivated: ask an administrator.")
    sync_role(identity, user, claims, email)
    identity.awaiting_role = False
    identity.last_sign_in_at = now_utc()
    identity.email = email
    return user


def _link_or_provision(issuer: str, subject: str, email: str, claims: dict) -> SsoIdentity:
    user = find_user(email)
    awaiting = False
    provisioned = user is None
    role = None
    if user is None:
        role = mapped_role(claims, email)
        awaiting = role is None
        name = str(claims.get("name") or email.split("@")[0]).strip()[:120]
        # Without a mapped role the user exists but is inactive: no access until an admin acts.
        user = User(email=email, name=name, role=role or "requester", active=not awaiting)
        db.session.add(user)
        db.session.flush()
        audit.record(
            None,
            "user.provisioned_by_sso",
            user,
            {"email": email, "role": role, "awaiting_role": awaiting},
        )
    elif user.role == "advocate":
        raise SsoRefused("Single sign-on is for staff: advocates sign in with an e-mail link.")
    identity = SsoIdentity(
        user_id=user.id,
        issuer=issuer,
        subject=subject,
        email=email,
        awaiting_role=awaiting,
        granted_role=role if provisioned else None,
    )
    db.session.add(identity)
    db.session.flush()
    identity.user = user
    audit.record(None, "user.sso_linked", user, {"issuer": issuer})
    return identity
