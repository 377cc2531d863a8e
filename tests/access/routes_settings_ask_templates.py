"""Access to the ask templates settings page: administrators only (the templates are also in
GET and PATCH /api/v1/settings/program, whose rows are in routes_settings_program)."""

from __future__ import annotations

from tests.access.common import ADMIN_ONLY, expect

ROUTES = [
    ("GET", "/admin/settings/ask-templates", expect(200, **ADMIN_ONLY)),
    ("POST", "/admin/settings/ask-templates", expect(422, **ADMIN_ONLY)),  # a bad text: refused
]

BODIES = {
    ("POST", "/admin/settings/ask-templates"): {"case_study": "<b>Bold</b> claims"},
}
