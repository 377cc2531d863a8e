"""The opportunities pages' blueprint: its routes are in `staff_views` (the program team's
list and deal pages) and `import_views` (the CRM import), which the factory imports."""

from flask import Blueprint

bp = Blueprint("opportunities", __name__, url_prefix="/program/opportunities")
