"""Access matrix rows for sessions, two-step sign-in and the sign-in security setting."""

from tests.access.common import ADMIN_ONLY, expect

ROUTES = [
    # Without a password step first, the second step sends everyone back to sign in.
    ("GET", "/auth/sign-in/code", expect(302, anonymous=302, executive=302)),
    ("POST", "/auth/sign-in/code", expect(302, anonymous=302, executive=302)),
    ("GET", "/auth/sign-in/enrol", expect(302, anonymous=302, executive=302)),
    ("POST", "/auth/sign-in/enrol", expect(302, anonymous=302, executive=302)),
    ("GET", "/auth/sessions", expect(200, executive=200)),
    (
        "POST",
        "/auth/sessions/999999/revoke",
        expect(302, executive=302),
    ),  # not theirs: "already gone"
    (
        "POST",
        "/auth/sessions/revoke-all",
        expect(302, executive=302),
    ),  # signs out: the matrix signs in again
    ("GET", "/auth/mfa", expect(200, executive=200)),
    ("POST", "/auth/mfa", expect(422, executive=422)),  # no code
    ("POST", "/auth/mfa/disable", expect(302, executive=302)),
    ("POST", "/auth/mfa/recovery-codes", expect(302, executive=302)),
    ("GET", "/admin/settings/security", expect(200, **ADMIN_ONLY)),
    ("POST", "/admin/settings/security", expect(302, **ADMIN_ONLY)),
]
