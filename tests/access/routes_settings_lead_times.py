"""Access to the lead-time settings: the page and the API, administrators only."""

from __future__ import annotations

from tests.access.common import ADMIN_ONLY, expect

ROUTES = [
    ("GET", "/admin/settings/lead-times", expect(200, **ADMIN_ONLY)),
    ("POST", "/admin/settings/lead-times", expect(422, **ADMIN_ONLY)),  # a bad value: refused
    ("GET", "/api/v1/settings/lead-times", expect(200, anonymous=401, **ADMIN_ONLY)),
    ("PUT", "/api/v1/settings/lead-times", expect(422, anonymous=401, **ADMIN_ONLY)),
]

BODIES = {
    ("POST", "/admin/settings/lead-times"): {"case_study": "-1"},
    ("PUT", "/api/v1/settings/lead-times"): {"case_study": -1},
}
