"""The opportunities pages: the program team's list, deal pages and CRM import."""

from flask import Blueprint

bp = Blueprint("opportunities", __name__, url_prefix="/program/opportunities")

from portal.opportunities import import_views, staff_views  # noqa: E402,F401 (their routes)
