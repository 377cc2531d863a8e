"""Access to the custom fields settings: the pages and the API, administrators only."""

from __future__ import annotations

from tests.access.common import ADMIN_ONLY, expect

BASE = "/admin/settings/custom-fields"
API = "/api/v1/settings/custom-fields"

ROUTES = [
    ("GET", f"{BASE}/", expect(200, **ADMIN_ONLY)),
    ("GET", f"{BASE}/new", expect(200, **ADMIN_ONLY)),
    ("POST", f"{BASE}/new", expect(422, **ADMIN_ONLY)),  # no label: refused
    ("GET", f"{BASE}/{{custom_field}}", expect(200, **ADMIN_ONLY)),
    ("POST", f"{BASE}/{{custom_field}}", expect(422, **ADMIN_ONLY)),  # a blank label: refused
    ("GET", f"{BASE}/999999", expect(404, **ADMIN_ONLY)),
    ("POST", f"{BASE}/{{custom_field}}/retire", expect(302, **ADMIN_ONLY)),
    ("POST", f"{BASE}/{{custom_field}}/restore", expect(302, **ADMIN_ONLY)),
    ("GET", API, expect(200, anonymous=401, **ADMIN_ONLY)),
    ("POST", API, expect(422, anonymous=401, **ADMIN_ONLY)),
    ("PATCH", f"{API}/{{custom_field}}", expect(422, anonymous=401, **ADMIN_ONLY)),
]

BODIES = {
    ("POST", f"{BASE}/new"): {"entity": "advocate", "type": "text", "label": ""},
    ("POST", f"{BASE}/{{custom_field}}"): {"label": ""},
    ("POST", API): {"entity": "advocate", "type": "text"},
    ("PATCH", f"{API}/{{custom_field}}"): {"label": ""},
}


def make_ids(users, ids) -> dict:
    from portal.extensions import db
    from portal.program.models import CustomField

    field = CustomField(entity="advocate", key="hobby", label="Hobby", type="text")
    db.session.add(field)
    db.session.flush()
    return {"custom_field": field.id}
