"""Account pages for customer success and the program team."""

from flask import Blueprint

bp = Blueprint("accounts", __name__, url_prefix="/accounts")


@bp.get("/")
def index():
    return "accounts"


@bp.get("/new")
def create():
    return "new"


@bp.get("/<int:account_id>")
def detail(account_id):
    return "detail"
