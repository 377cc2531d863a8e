"""Reference requests and their matches: requesters see their own, the program team all."""

from __future__ import annotations

from flask import jsonify, url_for

from portal.api.auth import allow, api_user
from portal.api.blueprint import bp
from portal.api.common import (
    changed_since,
    created,
    filters,
    json_body,
    paginate,
    query_args,
    takes,
)
from portal.api.schemas.requests import (
    MatchArgsSchema,
    MatchListSchema,
    PlaceAskInputSchema,
    RequestArgsSchema,
    RequestChangeSchema,
    RequestInputSchema,
    RequestListSchema,
)
from portal.asks import match_results, matching, placing, request_queries, requests
from portal.asks.models import ReferenceRequest
from portal.auth.permissions import can
from portal.errors import Forbidden
from portal.extensions import db
from portal.webhooks.payloads import AskSchema, RequestSchema
from portal.work.sharing import shared_ask_ids

may_request = allow("requests.create", message="You can't see or file reference requests.")


def _request(actor, request_id: int):
    found = requests.get_request(actor, request_id)
    # The answer shows the true state (an overdue request or ask as expired) and writes nothing:
    # the expire-asks job saves and audits it, as for the pages.
    requests.show_request_expiry(found)
    return found


@bp.get("/requests")
@may_request
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
    """
    args = query_args(RequestArgsSchema())
    since = args.pop("updated_since", None)
    query = changed_since(
        request_queries.requests_query(api_user(), filters(args)), ReferenceRequest, since
    )
    return paginate(query, args, RequestListSchema())


@bp.post("/requests")
@may_request
@takes(RequestInputSchema, unknown_by_service=True)
def create_request():
    """File a reference request.
    ---
    post:
      tags: [requests]
      summary: File a request (or keep it as a draft with "status" "draft").
      description: A filed request must give its activity type's lead time in working days
        (GET /settings/lead-times) or be a rush with `rush_reason`; otherwise 422 names
        `needed_by` (with the earliest date allowed) or `rush_reason`, and nothing is written.
      responses:
        201:
          description: The new request; `Location` is its address.
          headers:
            Location:
              schema: {type: string}
          content:
            application/json:
              schema: RequestSchema
    """
    data = json_body()
    status = data.pop("status", "submitted")
    found = requests.create_request(api_user(), data, submit=status == "submitted")
    db.session.commit()
    return created(RequestSchema().dump(found), url_for("api.get_request", request_id=found.id))


@bp.get("/requests/<int:request_id>")
@may_request
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
        404: NotFound
    """
    found = _request(api_user(), request_id)
    return jsonify({**RequestSchema().dump(found), "shared_ask_ids": shared_ask_ids(found)})


@bp.patch("/requests/<int:request_id>")
@may_request
@takes(RequestChangeSchema)
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
      responses:
        200:
          description: The request after the change.
          content:
            application/json:
              schema: RequestSchema
        404: NotFound
        409: Conflict
    """
    actor = api_user()
    found = _request(actor, request_id)
    data = json_body()
    # A refusal rolls back (the error handler) whatever the change had written.
    requests.change_request(actor, found, data)
    db.session.commit()
    return jsonify(RequestSchema().dump(found))


@bp.get("/requests/<int:request_id>/matches")
@may_request
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
        404: NotFound
    """
    actor = api_user()
    found = _request(actor, request_id)
    if not placing.may_place_ask(actor, found):
        raise Forbidden("Matches are for the reference team (and self-service activity types).")
    args = query_args(MatchArgsSchema())
    result = matching.match(
        found, args["limit"], near_misses=5 if can(actor, "program.manage") else 0
    )
    body = {
        "items": [match_results.match_dict(m) for m in result.matches],
        "near_misses": [match_results.near_miss_dict(n) for n in result.near_misses],
    }
    return jsonify(MatchListSchema().dump(body))


@bp.post("/requests/<int:request_id>/asks")
@may_request
@takes(PlaceAskInputSchema)
def place_ask(request_id: int):
    """Ask an advocate to help with a request.
    ---
    post:
      tags: [requests]
      summary: Place an ask, within the overuse rules; the advocate gets an e-mail.
      responses:
        201:
          description: The ask; `Location` is its address.
          headers:
            Location:
              schema: {type: string}
          content:
            application/json:
              schema: AskSchema
        404: NotFound
        409:
          description: A program rule refuses the ask; the message names the rule (limit,
            cooldown, blackout, pause, opt-in, status, prospect, already asked).
          content:
            application/json:
              schema: ErrorSchema
    """
    actor = api_user()
    found = _request(actor, request_id)
    data = json_body()
    # The ask rule (placing.may_place_ask) refuses first; a requester may ask only the
    # request's offered matches: any other id is refused alike.
    advocate = placing.advocate_to_ask(actor, found, data.get("advocate_id"))
    ask = placing.place_ask(
        actor,
        found,
        advocate,
        respond_by=data.get("respond_by"),
        personal_note=data.get("personal_note"),
    )
    db.session.commit()
    return created(AskSchema().dump(ask), url_for("api.get_ask", ask_id=ask.id))
