"""Reference requests and their matches: requesters see their own, the program team all."""

from __future__ import annotations

import datetime as dt

from flask import jsonify, url_for

from portal.api.auth import api_user
from portal.api.blueprint import bp
from portal.api.common import (
    changed_since,
    created,
    filters,
    json_body,
    only_fields,
    paginate,
    query_args,
)
from portal.api.schemas import (
    AskSchema,
    MatchArgsSchema,
    MatchListSchema,
    RequestArgsSchema,
    RequestListSchema,
    RequestSchema,
)
from portal.asks import lead_time, match_results, matching, placing, request_queries, requests
from portal.asks.models import ReferenceRequest
from portal.auth.permissions import PROGRAM, can
from portal.errors import Forbidden, ValidationFailed
from portal.extensions import db
from portal.work.sharing import shared_ask_ids


def _may_request(actor) -> None:
    if not can(actor, "requests.create"):
        raise Forbidden("You can't see or file reference requests.")


def _request(actor, request_id: int):
    _may_request(actor)
    found = requests.get_request(actor, request_id)
    if requests.refresh_request(found):
        db.session.commit()  # expiry on read: the answer shows the true state
    return found


@bp.get("/requests")
def list_requests():
    """List reference requests.
    ---
    get:
      tags: [requests]
      summary: Your own requests (the program team sees all), newest first.
      parameters:
        - in: query
          schema: RequestArgsSchema
      responses:
        200:
          description: One page of requests.
          content:
            application/json:
              schema: RequestListSchema
        400: BadRequest
        401: Unauthorized
        403: Forbidden
    """
    actor = api_user()
    _may_request(actor)
    args = query_args(RequestArgsSchema())
    since = args.pop("updated_since", None)
    query = changed_since(
        request_queries.requests_query(actor, filters(args)), ReferenceRequest, since
    )
    return paginate(query, args, RequestListSchema())


@bp.post("/requests")
def create_request():
    """File a reference request.
    ---
    post:
      tags: [requests]
      summary: File a request (or keep it as a draft with "status" "draft").
      description: A filed request must give its activity type's lead time in working days
        (GET /settings/lead-times) or be a rush with `rush_reason`; otherwise 422 names
        `needed_by` (with the earliest date allowed) or `rush_reason`, and nothing is written.
      requestBody:
        required: true
        content:
          application/json:
            schema: RequestInputSchema
      responses:
        201:
          description: The new request; `Location` is its address.
          headers:
            Location:
              schema: {type: string}
          content:
            application/json:
              schema: RequestSchema
        400: BadRequest
        401: Unauthorized
        403: Forbidden
        422: Invalid
    """
    actor = api_user()
    _may_request(actor)
    data = json_body()
    status = data.pop("status", "submitted")
    if status not in ("submitted", "draft"):
        raise ValidationFailed("status: Must be submitted or draft.", field="status")
    found = requests.create_request(actor, data, submit=status == "submitted")
    db.session.commit()
    return created(RequestSchema().dump(found), url_for("api.get_request", request_id=found.id))


@bp.get("/requests/<int:request_id>")
def get_request(request_id: int):
    """Show a reference request.
    ---
    get:
      tags: [requests]
      summary: One request; one that is not yours is not found (the program team sees all).
      responses:
        200:
          description: The request, with the asks of other requests shared with it.
          content:
            application/json:
              schema: RequestDetailSchema
        401: Unauthorized
        403: Forbidden
        404: NotFound
    """
    found = _request(api_user(), request_id)
    return jsonify({**RequestSchema().dump(found), "shared_ask_ids": shared_ask_ids(found)})


@bp.patch("/requests/<int:request_id>")
def update_request(request_id: int):
    """Change a reference request.
    ---
    patch:
      tags: [requests]
      summary: Change the fields sent, keep the others (the requester their own, the program
        team any); or record the deal's outcome.
      description: The fields are those of POST /requests, checked the same way (a filed
        request whose date or activity type changes needs the lead time again, or a rush).
        `opportunity_outcome` (with `opportunity_amount` beside it) records the outcome, also
        on a request that is closed; on a request linked to an opportunity it changes the
        opportunity, which every request of that deal then shows. A bad field is refused with
        422 naming it, and nothing is written.
      requestBody:
        required: true
        content:
          application/json:
            schema: RequestChangeSchema
      responses:
        200:
          description: The request after the change.
          content:
            application/json:
              schema: RequestSchema
        400: BadRequest
        401: Unauthorized
        403: Forbidden
        404: NotFound
        409: Conflict
        422: Invalid
    """
    actor = api_user()
    found = _request(actor, request_id)
    data = json_body()
    only_fields(data, {*requests.REQUEST_FIELDS, *lead_time.RUSH_FIELDS, "opportunity_outcome"})
    # A refusal rolls back (the error handler) whatever the change had written.
    requests.change_request(actor, found, data)
    db.session.commit()
    return jsonify(RequestSchema().dump(found))


@bp.get("/requests/<int:request_id>/matches")
def list_matches(request_id: int):
    """Ranked candidates for a request.
    ---
    get:
      tags: [requests]
      summary: The askable advocates by score with reasons in words, and the near misses.
      description: The program team; a requester only for their own request of a self-service
        activity type.
      parameters:
        - in: query
          schema: MatchArgsSchema
      responses:
        200:
          description: Candidates, best first.
          content:
            application/json:
              schema: MatchListSchema
        400: BadRequest
        401: Unauthorized
        403: Forbidden
        404: NotFound
    """
    actor = api_user()
    found = _request(actor, request_id)
    if not placing.may_place_ask(actor, found):
        raise Forbidden("Matches are for the reference team (and self-service activity types).")
    args = query_args(MatchArgsSchema())
    result = matching.match(found, args["limit"], near_misses=5 if actor.role in PROGRAM else 0)
    body = {
        "items": [match_results.match_dict(m) for m in result.matches],
        "near_misses": [match_results.near_miss_dict(n) for n in result.near_misses],
    }
    return jsonify(MatchListSchema().dump(body))


def _respond_by(value) -> dt.datetime | None:
    if value is None:
        return None
    problem = "Use an ISO 8601 date-time, such as 2026-12-01T17:00:00Z."
    if not isinstance(value, str):
        raise ValidationFailed(f"respond_by: {problem}", field="respond_by")
    try:
        parsed = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValidationFailed(f"respond_by: {problem}", field="respond_by") from None
    if len(value.strip()) == 10:  # a date: the end of that day
        parsed = parsed.replace(hour=23, minute=59)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


@bp.post("/requests/<int:request_id>/asks")
def place_ask(request_id: int):
    """Ask an advocate to help with a request.
    ---
    post:
      tags: [requests]
      summary: Place an ask, within the overuse rules; the advocate gets an e-mail.
      requestBody:
        required: true
        content:
          application/json:
            schema: PlaceAskInputSchema
      responses:
        201:
          description: The ask; `Location` is its address.
          headers:
            Location:
              schema: {type: string}
          content:
            application/json:
              schema: AskSchema
        400: BadRequest
        401: Unauthorized
        403: Forbidden
        404: NotFound
        409:
          description: A program rule refuses the ask; the message names the rule (limit,
            cooldown, blackout, pause, opt-in, status, prospect, already asked).
          content:
            application/json:
              schema: ErrorSchema
        422: Invalid
    """
    actor = api_user()
    found = _request(actor, request_id)
    if not placing.may_place_ask(actor, found):
        raise Forbidden(
            f"{found.activity_type.replace('_', ' ').capitalize()} asks go through the "
            "reference team; a manager places them."
        )
    data = json_body()
    only_fields(data, {"advocate_id", "respond_by", "personal_note"})
    # A requester may ask only the request's offered matches: any other id is refused alike.
    advocate = placing.advocate_to_ask(actor, found, data.get("advocate_id"))
    ask = placing.place_ask(
        actor,
        found,
        advocate,
        respond_by=_respond_by(data.get("respond_by")),
        personal_note=data.get("personal_note"),
    )
    db.session.commit()
    return created(AskSchema().dump(ask), url_for("api.get_ask", ask_id=ask.id))
