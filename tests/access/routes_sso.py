"""Routes of issue 8 for the access matrix: single sign-on, magic links, webhooks, API tokens."""

from __future__ import annotations

from tests.access.common import ADMIN_ONLY, expect

ROUTES = [
    # Single sign-on is off in the matrix's app: its routes are not there.
    ("GET", "/auth/sso/", expect(404, anonymous=404, executive=404)),
    ("GET", "/auth/sso/callback", expect(404, anonymous=404, executive=404)),
    ("GET", "/auth/link/", expect(302, anonymous=200, executive=302)),
    ("POST", "/auth/link/", expect(302, anonymous=422, executive=302)),
    ("GET", "/auth/link/not-a-token", expect(400, anonymous=400, executive=400)),
    ("POST", "/auth/link/not-a-token", expect(400, anonymous=400, executive=400)),
    ("GET", "/admin/webhooks/", expect(200, **ADMIN_ONLY)),
    ("GET", "/admin/webhooks/new", expect(200, **ADMIN_ONLY)),
    ("POST", "/admin/webhooks/new", expect(422, **ADMIN_ONLY)),
    ("GET", "/admin/webhooks/{webhook}", expect(200, **ADMIN_ONLY)),
    ("GET", "/admin/webhooks/{webhook}/edit", expect(200, **ADMIN_ONLY)),
    ("POST", "/admin/webhooks/{webhook}/edit", expect(422, **ADMIN_ONLY)),
    ("POST", "/admin/webhooks/{webhook}/secret", expect(302, **ADMIN_ONLY)),
    ("POST", "/admin/webhooks/{webhook}/secret/reveal", expect(200, **ADMIN_ONLY)),
    ("POST", "/admin/webhooks/{webhook}/delete", expect(302, **ADMIN_ONLY)),
    ("GET", "/auth/tokens/", expect(200, executive=200)),
    ("POST", "/auth/tokens/", expect(422, executive=422)),
    ("GET", "/admin/tokens/", expect(200, **ADMIN_ONLY)),
    # The requester's token: its owner and admins revoke it; for anyone else it is not there.
    (
        "POST",
        "/auth/tokens/{requester_token}/revoke",
        expect(404, requester=302, admin=302, executive=404),
    ),
]

BODIES = {
    ("POST", "/admin/webhooks/{webhook}/edit"): {"url": "gopher://x", "events": "ask.placed"},
}


def make_ids(users, ids) -> dict:
    from portal.auth.service import create_api_token
    from portal.extensions import db
    from portal.webhooks.models import WebhookEndpoint

    webhook = WebhookEndpoint(
        url="https://crm.example/hook", secret="whsec_matrix-secret", events=["ask.placed"]
    )
    db.session.add(webhook)
    token, _ = create_api_token(None, users["requester"], name="matrix")
    db.session.flush()
    return {"webhook": webhook.id, "requester_token": token.id}
