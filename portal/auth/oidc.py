"""Staff sign-in with OpenID Connect (authorization code flow with PKCE, state and nonce).

The client is built per app from PORTAL_OIDC_* settings and kept in `app.extensions`; nothing
talks to the provider until someone signs in (the discovery document is fetched then).
"""

from __future__ import annotations

from authlib.integrations.base_client import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user
from joserfc.errors import JoseError
from requests import RequestException

from portal.auth import service, sso
from portal.auth.session import start_session
from portal.boundary import committing
from portal.urls import is_safe_next

bp = Blueprint("sso", __name__, url_prefix="/auth/sso")

_EXTENSION = "portal.oidc"
_NEXT = "sso_next"


class SsoFailed(Exception):
    """The callback can't be trusted (state, nonce, issuer, signature) or the provider refused."""


def init_app(app: Flask) -> None:
    """Register the provider's client when an issuer is configured (no network here)."""
    issuer = app.config.get("OIDC_ISSUER")
    if not issuer:
        return
    oauth = OAuth(app)
    oauth.register(
        "portal_oidc",
        client_id=app.config["OIDC_CLIENT_ID"],
        client_secret=app.config["OIDC_CLIENT_SECRET"],
        server_metadata_url=issuer.rstrip("/") + "/.well-known/openid-configuration",
        client_kwargs={"scope": app.config["OIDC_SCOPES"], "code_challenge_method": "S256"},
    )
    app.extensions[_EXTENSION] = oauth


def _client():
    oauth = current_app.extensions.get(_EXTENSION)
    if oauth is None:
        abort(404)
    return oauth.portal_oidc


def _claims(client) -> dict:
    """Exchange the code and return the verified claims; raise SsoFailed on anything amiss."""
    issuer = current_app.config["OIDC_ISSUER"]
    try:
        metadata = client.load_server_metadata()
        if metadata.get("issuer") != issuer:
            raise SsoFailed("issuer mismatch")
        token = client.authorize_access_token(
            claims_options={"iss": {"essential": True, "values": [issuer]}}
        )
        if not token.get("userinfo"):
            raise SsoFailed("no id_token")  # without one the nonce was never checked
        claims = dict(token["userinfo"])
        # The id_token may carry only `sub`: the rest comes from the userinfo endpoint.
        extra = client.userinfo(token=token)
        if extra.get("sub") != claims.get("sub"):
            raise SsoFailed("userinfo for another subject")
        claims.update(extra)
        return claims
    except (OAuthError, JoseError, RequestException, KeyError, ValueError) as error:
        raise SsoFailed(type(error).__name__) from error


@bp.get("/")
def start():
    """Send the visitor to the identity provider."""
    client = _client()
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.home"))
    target = request.args.get("next")
    session[_NEXT] = target if is_safe_next(target) else None
    try:
        return client.authorize_redirect(url_for("sso.callback", _external=True))
    except (OAuthError, RequestException, ValueError, RuntimeError):
        current_app.logger.warning("single sign-on: the provider can't be reached")
        return render_template("auth/sso_problem.html", reason="unreachable"), 502


@bp.get("/callback")
def callback():
    """The provider sends the visitor back here with a code (or an error)."""
    client = _client()
    try:
        claims = _claims(client)
    except SsoFailed as error:
        # The reason goes to the log, never to the page.
        current_app.logger.warning("single sign-on refused: %s", error)
        return render_template("auth/sso_problem.html", reason="failed"), 400
    # A provisioned user awaiting a role is kept for the admin, though refused.
    with committing(show=False, catches=sso.SsoRefused, keep_refused=True) as attempt:
        user = sso.sign_in_with_sso(current_app.config["OIDC_ISSUER"], claims)
        # Single sign-on is exempt from the portal's two-step sign-in: the provider runs its own.
        start_session(user, "sso")
        service.record_sign_in(user, "sso")
    if attempt.refused:
        error = attempt.error
        return render_template("auth/sso_problem.html", reason="refused", error=error), 403
    flash(f"Signed in as {user.email}.", "success")
    target = session.pop(_NEXT, None)
    return redirect(target if is_safe_next(target) else url_for("dashboard.home"))
