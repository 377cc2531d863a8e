"""Advocate pages for customer success and the program team."""

from flask import Blueprint

bp = Blueprint("advocates", __name__, url_prefix="/advocates")


@bp.get("/")
def index():
    return "advocates"


@bp.get("/new")
def create():
    return "new"
