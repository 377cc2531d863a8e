"""Access to the taxonomy pages and API (administrators only)."""

from __future__ import annotations

from tests.access.common import ADMIN_ONLY, expect

API_ADMIN_ONLY = {**ADMIN_ONLY, "anonymous": 401}

ROUTES = [
    ("GET", "/admin/settings/taxonomies/", expect(200, **ADMIN_ONLY)),
    ("POST", "/admin/settings/taxonomies/", expect(422, **ADMIN_ONLY)),  # no name: refused
    ("GET", "/admin/settings/taxonomies/{industry_kind}", expect(200, **ADMIN_ONLY)),
    ("GET", "/admin/settings/taxonomies/{missing_kind}", expect(404, **ADMIN_ONLY)),
    ("POST", "/admin/settings/taxonomies/{industry_kind}", expect(422, **ADMIN_ONLY)),  # no name
    ("POST", "/admin/settings/taxonomies/{industry_kind}/terms", expect(422, **ADMIN_ONLY)),
    (
        "GET",
        "/admin/settings/taxonomies/{industry_kind}/terms/{industry_term}",
        expect(200, **ADMIN_ONLY),
    ),
    (
        "GET",
        "/admin/settings/taxonomies/{product_kind}/terms/{industry_term}",
        expect(404, **ADMIN_ONLY),
    ),
    (
        "POST",
        "/admin/settings/taxonomies/{industry_kind}/terms/{industry_term}",
        expect(422, **ADMIN_ONLY),
    ),
    (
        "POST",
        "/admin/settings/taxonomies/{industry_kind}/terms/{industry_term}/move",
        expect(302, **ADMIN_ONLY),
    ),
    (
        "POST",
        "/admin/settings/taxonomies/{industry_kind}/terms/{industry_term}/active",
        expect(302, **ADMIN_ONLY),
    ),
    (
        "POST",
        "/admin/settings/taxonomies/{industry_kind}/terms/{industry_term}/merge",
        expect(422, **ADMIN_ONLY),  # nothing picked to merge into
    ),
    ("GET", "/api/v1/settings/taxonomies", expect(200, **API_ADMIN_ONLY)),
    ("POST", "/api/v1/settings/taxonomies", expect(422, **API_ADMIN_ONLY)),
    ("POST", "/api/v1/settings/taxonomies/{industry_kind}/terms", expect(422, **API_ADMIN_ONLY)),
    (
        "PATCH",
        "/api/v1/settings/taxonomies/{industry_kind}/terms/{industry_term}",
        expect(422, **API_ADMIN_ONLY),
    ),
    (
        "POST",
        "/api/v1/settings/taxonomies/{industry_kind}/terms/{industry_term}/merge",
        expect(422, **API_ADMIN_ONLY),
    ),
]

BODIES = {
    ("POST", "/admin/settings/taxonomies/"): {"label": ""},
    ("POST", "/admin/settings/taxonomies/{industry_kind}"): {"kind-label": ""},
    ("POST", "/admin/settings/taxonomies/{industry_kind}/terms"): {"term-label": ""},
    ("POST", "/admin/settings/taxonomies/{industry_kind}/terms/{industry_term}"): {"label": ""},
    ("POST", "/admin/settings/taxonomies/{industry_kind}/terms/{industry_term}/move"): {
        "direction": "down"
    },
    ("POST", "/admin/settings/taxonomies/{industry_kind}/terms/{industry_term}/merge"): {
        "merge-into": ""
    },
    ("POST", "/api/v1/settings/taxonomies"): {"label": ""},
    ("POST", "/api/v1/settings/taxonomies/{industry_kind}/terms"): {"label": ""},
    ("PATCH", "/api/v1/settings/taxonomies/{industry_kind}/terms/{industry_term}"): {"label": ""},
    ("POST", "/api/v1/settings/taxonomies/{industry_kind}/terms/{industry_term}/merge"): {
        "into": "banking"
    },
}


def make_ids(users, ids) -> dict:
    import sqlalchemy as sa

    from portal.extensions import db
    from portal.program.models import TaxonomyTerm

    term = db.session.scalar(
        sa.select(TaxonomyTerm).where(
            TaxonomyTerm.kind == "industry", TaxonomyTerm.value == "energy"
        )
    )
    return {
        "industry_term": term.id,
        "industry_kind": "industry",
        "product_kind": "product",
        "missing_kind": "no_such_kind",
    }
