"""The JSON API under /api/v1.

A resource is one module here (`accounts.py`, `advocates.py`): views on `bp` from
`portal.api.blueprint`, an OpenAPI operation in each view's docstring, schemas in `schemas/`.
Each view states who may call it (`@allow`, `auth.py`) and the body it takes (`@takes`, read
by `json_body()` in `common.py`); the OpenAPI document (`openapi.py`) adds what those imply
(the request body, 400, 401, 403, 422). Import the module below so its routes register.
"""

from portal.api import (  # noqa: F401  (register the routes)
    accounts,
    advocates,
    ask_actions,
    ask_feedback,
    asks,
    auth,
    benefits,
    content,
    directory,
    nominations,
    openapi,
    opportunities,
    planning,
    playbook,
    preferences,
    reports,
    requests,
    scorecards,
    settings_custom_fields,
    settings_lead_times,
    settings_program,
    settings_taxonomy,
    settings_terms,
    slots,
    translations,
    work,
)
from portal.api.blueprint import bp

__all__ = ["bp"]
