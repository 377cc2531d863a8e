"""The lookups behind the program team's search fields (blueprint `lookup`): a few accounts or
advocates whose name contains what was typed, as JSON [{"id", "label"}]."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask_login import current_user

from portal.accounts import lookup
from portal.auth.permissions import require

bp = Blueprint("lookup", __name__, url_prefix="/program/lookup")


@bp.get("/accounts")
@require("program.manage")
def accounts():
    matches = lookup.suggest_accounts(current_user, request.args.get("q"))
    return jsonify([m.as_json() for m in matches])


@bp.get("/advocates")
@require("program.manage")
def advocates():
    """`?active=1`: active advocates only (those a benefit may be offered to)."""
    active_only = request.args.get("active") == "1"
    matches = lookup.suggest_advocates(current_user, request.args.get("q"), active_only=active_only)
    return jsonify([m.as_json() for m in matches])
