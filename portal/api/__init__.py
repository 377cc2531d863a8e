"""The JSON API under /api/v1.

A resource is one module here (`accounts.py`, `advocates.py`): views on `bp` from
`portal.api.blueprint`, an OpenAPI operation in each view's docstring, schemas in `schemas.py`.
Import the module below so its routes register; token auth (`auth.py`), paging and errors
(`common.py`) and the OpenAPI document (`openapi.py`) apply to it without more wiring.
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
