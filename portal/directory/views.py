"""The reference directory page (blueprint `directory`): find advocates to ask, see what a
requester may see of them, and file a request for one in a click."""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask_login import current_user

from portal.auth.permissions import require
from portal.directory import service
from portal.filters import ListFilters

bp = Blueprint("directory", __name__, url_prefix="/directory")


@bp.get("/")
@require("requests.create")
def index():
    args = ListFilters(request.args)
    search = service.Search(
        q=args.text("q", max_length=service.Q_MAX),
        filters={
            name: value
            for name in service.FILTERS
            if (value := args.choice(name, service.allowed_values(name)))
        },
        sort=args.choice("sort", service.SORTS, "best"),
    )
    number = args.page()
    args.announce({**service.FILTERS, "q": "Search", "sort": "Sort by"})
    page = service.search_directory(current_user, search, page=number)
    words = service.labeller()
    return render_template(
        "directory/index.html",
        page=page,
        search=search,
        options=service.filter_options(),
        chips=_chips(search, words),
        filtered=bool(search.q or search.filters),
        filters=service.FILTERS,
        sorts=service.SORTS,
        words=words,
        new_request_url=service.request_url(
            search.filters.get("activity_type", "reference_call"),
            search.filters.get("industry"),
            search.filters.get("product"),
        ),
    )


def _chips(search: service.Search, words) -> list[tuple[str, str]]:
    """Each filter applied, in words, with the address of the same search without it."""
    kept = {name: value for name, value in request.args.items() if name != "page"}
    chips = []
    for name, value in search.filters.items():
        others = {k: v for k, v in kept.items() if k != name}
        text = f"{service.FILTERS[name]}: {words(name, value)}"
        chips.append((text, url_for("directory.index", **others)))
    if search.q:
        others = {k: v for k, v in kept.items() if k != "q"}
        chips.append((f"“{search.q}”", url_for("directory.index", **others)))
    return chips
