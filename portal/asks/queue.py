"""The program team's request queue: its filters, bulk actions on the ticked requests (all or
nothing, each through the single-request rule), and each manager's saved filters."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import sqlalchemy as sa

from portal.asks import request_queries, requests
from portal.asks.models import ReferenceRequest
from portal.asks.queue_models import SavedFilter
from portal.audit import service as audit
from portal.auth.models import User
from portal.auth.permissions import can, demand
from portal.database import lock_row
from portal.errors import DomainError, ValidationFailed, get_or_not_found
from portal.extensions import db
from portal.filters import MAX_ID, MAX_TEXT, ListFilters
from portal.validation import Checker
from portal.vocab import ACTIVITY_TYPES, label

VIEWS = {
    "new": "New",
    "due_soon": "Due soon",
    "overdue": "Overdue",
    "assigned": "Assigned to me",
    "open": "All open",
    "all": "Everything",
}
DEFAULT_VIEW = "new"
FILTER_KEYS = ("view", "q", "activity_type")
PAGE = "queue"
SAVED_FILTERS_MAX = 20
NAME_MAX = 60
BULK_ACTIONS = ("assign_me", "assign", "reject")
BULK_MAX = 100


def _require_program(actor) -> None:
    demand(actor, "program.manage", "Only the reference team works the request queue.")


# -- filters ----------------------------------------------------------------------------------


def read_filters(args: ListFilters) -> dict[str, str]:
    """The queue's filters from a query string or a saved filter: only its known keys, each
    with a valid value; anything else falls back to its default and is named in `args.ignored`."""
    return {
        "view": args.choice("view", VIEWS, default=DEFAULT_VIEW),
        "q": args.text("q"),
        "activity_type": args.choice("activity_type", ACTIVITY_TYPES),
    }


def filter_args(filters: Mapping[str, str]) -> dict[str, str]:
    """The filters as URL arguments, the empty ones left out."""
    return {key: filters[key] for key in FILTER_KEYS if filters.get(key)}


def queue_query(actor, filters: Mapping[str, str]) -> sa.Select:
    """The requests the filters select, in the queue's order (the service's own list query)."""
    view = filters.get("view") or DEFAULT_VIEW
    query = request_queries.requests_query(
        actor, {"view": None if view == "all" else view, "q": filters.get("q")}
    )
    if filters.get("activity_type"):
        query = query.where(ReferenceRequest.activity_type == filters["activity_type"])
    return query


# -- bulk actions -----------------------------------------------------------------------------


class BulkRefused(DomainError):
    """Some ticked requests refused the action; `refused` is [(request in words, why)]."""

    def __init__(self, refused: list[tuple[str, str]]):
        count = len(refused)
        super().__init__(
            f"Nothing was changed: {count} of the ticked requests "
            f"{'refuses' if count == 1 else 'refuse'} this action."
        )
        self.refused = refused


def request_words(request: ReferenceRequest) -> str:
    """A request as the queue names it: 'Reference call for Nordbank (#12)'."""
    return (
        f"{label(request.activity_type)} for {request.prospect_company or 'a prospect'} "
        f"(#{request.id})"
    )


def _request_ids(raw: Iterable) -> list[int]:
    ids = []
    for value in raw:
        text = str(value).strip()
        if not text.isdecimal() or len(text) > 10 or not 1 <= int(text) <= MAX_ID:
            raise ValidationFailed("Tick requests from the list.", field="request_id")
        ids.append(int(text))
    ids = list(dict.fromkeys(ids))
    if not ids:
        raise ValidationFailed("Tick at least one request.", field="request_id")
    if len(ids) > BULK_MAX:
        raise ValidationFailed(f"Tick at most {BULK_MAX} requests at a time.", field="request_id")
    return ids


def _chosen_manager(actor, action: str, manager_id) -> User | None:
    if action == "assign_me":
        return actor
    if action != "assign":
        return None
    raw = str(manager_id or "").strip()
    manager = db.session.get(User, int(raw)) if raw.isdecimal() and len(raw) <= 10 else None
    if not can(manager, "program.manage") or not manager.active:
        raise ValidationFailed("Choose a reference manager.", field="manager_id")
    return manager


def bulk_update(
    actor, request_ids: Iterable, action: str, *, manager_id=None, reason: str | None = None
) -> list[ReferenceRequest]:
    """Assign the ticked requests (to the actor, or to a chosen manager) or reject them with a
    reason, each through the single-request service call and its audit event. If any request
    refuses, BulkRefused names each one and why: the caller rolls back and none is changed."""
    _require_program(actor)
    if action not in BULK_ACTIONS:
        raise ValidationFailed("Choose what to do with the ticked requests.", field="action")
    ids = _request_ids(request_ids)
    manager = _chosen_manager(actor, action, manager_id)
    # Locked in id order (PostgreSQL): a second bulk action on the same requests waits, then
    # sees this one's result, so a request is never rejected twice.
    found = {
        request.id: request
        for request in db.session.scalars(
            sa.select(ReferenceRequest)
            .where(ReferenceRequest.id.in_(ids))
            .order_by(ReferenceRequest.id)
            .with_for_update()
        )
    }
    refused: list[tuple[str, str]] = []
    for request_id in ids:
        request = found.get(request_id)
        if request is None:
            refused.append((f"Request #{request_id}", "No such request."))
            continue
        requests.refresh_request(request)  # an overdue request is expired first, as on its page
        try:
            if action == "reject":
                requests.reject_request(actor, request, reason)
            else:
                requests.assign_request(actor, request, manager)
        except ValidationFailed:
            raise  # the input (the reason) is wrong for every request alike: said once
        except DomainError as error:
            refused.append((request_words(request), error.message))
    if refused:
        raise BulkRefused(refused)
    return [found[request_id] for request_id in ids]


# -- saved filters ----------------------------------------------------------------------------


def saved_filters(actor) -> list[SavedFilter]:
    """The actor's saved filters of the queue, by name."""
    _require_program(actor)
    return db.session.scalars(
        sa.select(SavedFilter)
        .where(SavedFilter.user_id == actor.id, SavedFilter.page == PAGE)
        .order_by(sa.func.lower(SavedFilter.name), SavedFilter.id)
    ).all()


def saved_query(saved: SavedFilter) -> dict[str, str]:
    """A saved filter's arguments, checked again as they are used: a value that is no longer
    valid (or a key the queue no longer knows) is left out."""
    stored = saved.query if isinstance(saved.query, dict) else {}
    args = ListFilters({key: value for key, value in stored.items() if isinstance(value, str)})
    return filter_args(read_filters(args))


def get_saved_filter(actor, filter_id: int) -> SavedFilter:
    """One of the actor's own saved filters, else NotFound (another's is never shown)."""
    _require_program(actor)
    return get_or_not_found(
        SavedFilter,
        filter_id,
        "No such saved filter.",
        lambda saved: saved.user_id == actor.id and saved.page == PAGE,
    )


def save_filter(actor, name: str, args: Mapping) -> SavedFilter:
    """Save the queue's current filters (`args`: its view, search and activity type; other
    keys are not stored) under a name, unique for the actor, at most SAVED_FILTERS_MAX each."""
    _require_program(actor)
    data = {"name": name, **{key: args.get(key) for key in FILTER_KEYS if args.get(key)}}
    checker = Checker(data, allowed=("name", *FILTER_KEYS))
    checker.text("name", max_length=NAME_MAX, required=True)
    checker.plain("name")
    checker.choice("view", VIEWS)
    checker.text("q", max_length=MAX_TEXT)
    checker.choice("activity_type", ACTIVITY_TYPES)
    clean = checker.done()
    # One writer per user at a time, so two saves at once can neither pass the limit nor both
    # take a name.
    lock_row(User, actor.id)
    mine = db.session.scalars(
        sa.select(SavedFilter.name).where(SavedFilter.user_id == actor.id, SavedFilter.page == PAGE)
    ).all()
    if any(existing.lower() == clean["name"].lower() for existing in mine):
        raise ValidationFailed(
            "You already have a saved filter with this name: choose another.", field="name"
        )
    if len(mine) >= SAVED_FILTERS_MAX:
        raise ValidationFailed(
            f"You have {SAVED_FILTERS_MAX} saved filters, the most there may be: delete one first.",
            field="name",
        )
    query = {"view": DEFAULT_VIEW, **{key: clean[key] for key in FILTER_KEYS if key in clean}}
    saved = SavedFilter(user_id=actor.id, page=PAGE, name=clean["name"], query=query)
    db.session.add(saved)
    db.session.flush()
    audit.record(actor, "saved_filter.created", saved, {"name": saved.name, "query": query})
    return saved


def delete_saved_filter(actor, saved: SavedFilter) -> None:
    """Remove one of the actor's own saved filters."""
    saved = get_saved_filter(actor, saved.id)
    audit.record(actor, "saved_filter.deleted", saved, {"name": saved.name, "query": saved.query})
    db.session.delete(saved)
    db.session.flush()
