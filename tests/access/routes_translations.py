"""Access to the translations of program texts: terms (administrators), ask templates
(administrators), benefit descriptions (the program team); pages and API. Each write is sent a
text its English field refuses, so nothing is written (422)."""

from __future__ import annotations

import sqlalchemy as sa

from portal.extensions import db
from portal.program.terms_models import TermsVersion
from tests.access.common import ADMIN_ONLY, PROGRAM_ONLY, expect

API_ADMIN_ONLY = {**ADMIN_ONLY, "anonymous": 401, "executive": 403}
API_PROGRAM_ONLY = {**PROGRAM_ONLY, "anonymous": 401, "executive": 403}
PAGE_ADMIN_ONLY = {**ADMIN_ONLY, "executive": 403}
PAGE_PROGRAM_ONLY = {**PROGRAM_ONLY, "executive": 403}

TERMS_PAGE = "/admin/settings/terms/translations/{terms_version_id}"
TEMPLATE_PAGE = "/admin/settings/ask-templates/{template_type}/translations"
BENEFIT_PAGE = "/program/benefits/{own_benefit}/translations"
TERMS_API = "/api/v1/settings/terms/{terms_version}/translations"
TEMPLATE_API = "/api/v1/settings/ask-templates/{template_type}/translations"
BENEFIT_API = "/api/v1/benefits/{own_benefit}/translations"

ROUTES = [
    ("GET", TERMS_PAGE, expect(200, **PAGE_ADMIN_ONLY)),
    ("POST", TERMS_PAGE + "/de", expect(422, **PAGE_ADMIN_ONLY)),
    ("GET", "/admin/settings/terms/translations/999999", expect(404, **PAGE_ADMIN_ONLY)),
    ("GET", TEMPLATE_PAGE, expect(200, **PAGE_ADMIN_ONLY)),
    ("POST", TEMPLATE_PAGE + "/de", expect(422, **PAGE_ADMIN_ONLY)),
    ("GET", BENEFIT_PAGE, expect(200, **PAGE_PROGRAM_ONLY)),
    ("POST", BENEFIT_PAGE + "/fr", expect(422, **PAGE_PROGRAM_ONLY)),
    ("GET", TERMS_API, expect(200, **API_ADMIN_ONLY)),
    ("PUT", TERMS_API + "/de", expect(422, **API_ADMIN_ONLY)),
    ("GET", TEMPLATE_API, expect(200, **API_ADMIN_ONLY)),
    ("PUT", TEMPLATE_API + "/ja", expect(422, **API_ADMIN_ONLY)),
    ("GET", BENEFIT_API, expect(200, **API_PROGRAM_ONLY)),
    ("PUT", BENEFIT_API + "/es", expect(422, **API_PROGRAM_ONLY)),
]

BODIES = {
    ("POST", TERMS_PAGE + "/de"): {"de-text": "Nul\x00"},
    ("POST", TEMPLATE_PAGE + "/de"): {"de-text": "<b>Fett</b>"},
    ("POST", BENEFIT_PAGE + "/fr"): {"fr-text": "x" * 5001},
    ("PUT", TERMS_API + "/de"): {"text": 5},
    ("PUT", TEMPLATE_API + "/ja"): {"text": "<b>x</b>"},
    ("PUT", BENEFIT_API + "/es"): {"text": "x" * 5001},
}


def make_ids(users, ids) -> dict:
    version_id = db.session.scalar(
        sa.select(TermsVersion.id).where(TermsVersion.version == "2026-01")
    )
    return {
        "terms_version_id": version_id,
        "terms_version": "2026-01",
        "template_type": "case_study",
    }
