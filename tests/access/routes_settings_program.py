"""Access to the settings hub, the program policy page, its weights preview and its API
(administrators only)."""

from __future__ import annotations

from tests.access.common import ADMIN_ONLY, expect

ROUTES = [
    ("GET", "/admin/settings/", expect(200, **ADMIN_ONLY)),
    ("GET", "/admin/settings/program", expect(200, **ADMIN_ONLY)),
    ("POST", "/admin/settings/program", expect(422, **ADMIN_ONLY)),  # a bad limit: refused
    ("GET", "/admin/settings/program/preview", expect(200, **ADMIN_ONLY)),
    ("GET", "/api/v1/settings/program", expect(200, anonymous=401, **ADMIN_ONLY)),
    ("PATCH", "/api/v1/settings/program", expect(422, anonymous=401, **ADMIN_ONLY)),
]

BODIES = {
    ("POST", "/admin/settings/program"): {"default_max_per_month": "-1"},
    ("PATCH", "/api/v1/settings/program"): {"match_weights": {"industry": -1}},
}
