"""Access to the program terms pages and API (administrators only)."""

from __future__ import annotations

from tests.access.common import ADMIN_ONLY, expect

API_ADMIN_ONLY = {**ADMIN_ONLY, "anonymous": 401}

ROUTES = [
    ("GET", "/admin/settings/terms/", expect(200, **ADMIN_ONLY)),
    ("GET", "/admin/settings/terms/draft", expect(200, **ADMIN_ONLY)),
    ("POST", "/admin/settings/terms/draft", expect(422, **ADMIN_ONLY)),  # no text: refused
    ("POST", "/admin/settings/terms/draft/discard", expect(302, **ADMIN_ONLY)),
    ("POST", "/admin/settings/terms/publish", expect(422, **ADMIN_ONLY)),  # no version
    ("GET", "/admin/settings/terms/versions/{terms_version}", expect(200, **ADMIN_ONLY)),
    ("GET", "/admin/settings/terms/versions/{missing_terms_version}", expect(404, **ADMIN_ONLY)),
    ("GET", "/api/v1/settings/terms", expect(200, **API_ADMIN_ONLY)),
    ("GET", "/api/v1/settings/terms/{terms_version}", expect(200, **API_ADMIN_ONLY)),
    ("GET", "/api/v1/settings/terms/draft", expect(404, **API_ADMIN_ONLY)),  # none yet
    ("PUT", "/api/v1/settings/terms/draft", expect(422, **API_ADMIN_ONLY)),
    ("POST", "/api/v1/settings/terms/publish", expect(422, **API_ADMIN_ONLY)),
]

BODIES = {
    ("POST", "/admin/settings/terms/draft"): {"body_markdown": "", "save": "Save draft"},
    ("POST", "/admin/settings/terms/publish"): {"version": ""},
    ("PUT", "/api/v1/settings/terms/draft"): {"body_markdown": ""},
    ("POST", "/api/v1/settings/terms/publish"): {"version": "bad version!"},
}


def make_ids(users, ids) -> dict:
    return {"terms_version": "2026-01", "missing_terms_version": "1999-01"}
