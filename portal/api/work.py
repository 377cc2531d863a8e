"""Shared work in progress: the page's data, and sharing an activity with another request."""

from __future__ import annotations

from flask import jsonify, url_for
from marshmallow import Schema, fields
from marshmallow.validate import Length, OneOf, Range

from portal.api.auth import allow, api_user
from portal.api.blueprint import bp
from portal.api.common import created, json_body, query_args, takes
from portal.api.schemas.common import PageArgsSchema, PageSchema, WholeId
from portal.asks import requests
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.vocab import ACTIVITY_TYPES, TEAMS
from portal.webhooks.payloads import AnswerSchema
from portal.work import progress, sharing
from portal.work.progress import WORK_STATUSES
from portal.work.sharing import NOTE_MAX


class WorkArgsSchema(PageArgsSchema):
    team = fields.String(validate=OneOf(TEAMS), metadata={"description": "The asking team."})
    account_id = fields.Integer(validate=Range(min=1))
    account = fields.String(
        validate=Length(max=200), metadata={"description": "Part of the account's name."}
    )
    activity_type = fields.String(validate=OneOf(ACTIVITY_TYPES))
    status = fields.String(
        validate=OneOf(WORK_STATUSES),
        metadata={"description": "pending, accepted (no date yet), scheduled, completed, open."},
    )


class WorkItemSchema(AnswerSchema):
    kind = fields.String(metadata={"description": "ask (an activity) or request (still open)."})
    ask_id = fields.Integer(allow_none=True)
    request_id = fields.Integer()
    activity_type = fields.String()
    team = fields.String(allow_none=True, metadata={"description": "The asking team."})
    status = fields.String(metadata={"description": "One of the `status` filter's values."})
    scheduled_at = fields.DateTime(allow_none=True)
    completed_at = fields.DateTime(allow_none=True)
    needed_by = fields.Date(allow_none=True)
    advocate = fields.String(
        allow_none=True,
        metadata={"description": 'A name where you may see it, else "an advocate at <Account>".'},
    )
    shared_with = fields.Integer(metadata={"description": "Other requests it serves too."})


class WorkAccountSchema(AnswerSchema):
    account_id = fields.Integer()
    account = fields.String(attribute="account_name")
    items = fields.List(fields.Nested(WorkItemSchema))


class WorkListSchema(PageSchema):
    items = fields.List(fields.Nested(WorkAccountSchema), required=True)


class ShareInputSchema(Schema):
    ask_id = WholeId(required=True, problem="Give the id of an ask.")
    note = fields.String(allow_none=True, validate=Length(max=NOTE_MAX))


class ShareSchema(AnswerSchema):
    id = fields.Integer()
    ask_id = fields.Integer()
    request_id = fields.Integer()
    added_by = fields.Integer(allow_none=True)
    added_at = fields.DateTime()
    note = fields.String(allow_none=True)


@bp.get("/work")
@allow("work.view", message="Work in progress is for the staff of the program.")
def list_work():
    """List the work in progress.
    ---
    get:
      tags: [work]
      summary: Activities planned and under way, and open requests, at the accounts your team
        works with (the program team and executives see all), one item per account.
      description: Accounts are listed by name and paginated; each carries its asks (pending,
        accepted, scheduled, or completed in the last 30 days) and its open requests. An
        advocate is named only where your role already may see them; contact details never.
      parameters:
        - in: query
          schema: WorkArgsSchema
      responses:
        200:
          description: One page of accounts.
          content:
            application/json:
              schema: WorkListSchema
    """
    actor = api_user()
    args = query_args(WorkArgsSchema())
    filters = progress.Filters(
        team=args.get("team"),
        account_id=args.get("account_id"),
        account=progress.account_words(args.get("account")),
        activity_type=args.get("activity_type"),
        status=args.get("status"),
    )
    page = progress.work_in_progress(actor, filters, page=args["page"], per_page=args["per_page"])
    body = {"items": page.items, "page": page.page, "per_page": page.per_page, "total": page.total}
    return jsonify(WorkListSchema().dump(body))


@bp.post("/requests/<int:request_id>/shared-asks")
@allow("program.manage", message="Only the program team links activities to requests here.")
@takes(ShareInputSchema)
def share_ask(request_id: int):
    """Serve a request with an activity already planned.
    ---
    post:
      tags: [requests]
      summary: Link an accepted, scheduled or completed ask of another request to this one
        (the program team). No ask is placed and no limit of the advocate is touched.
      description: 409 says why a link is refused (the request's own ask, a link that exists,
        an ask pending, declined, expired or withdrawn, a closed request), naming `ask_id` or
        `request_id`; nothing is written.
      responses:
        201:
          description: The link; `Location` is the request it serves.
          headers:
            Location:
              schema: {type: string}
          content:
            application/json:
              schema: ShareSchema
        404: NotFound
        409: Conflict
    """
    actor = api_user()
    found = requests.get_request(actor, request_id)
    data = json_body()
    ask = sharing.get_ask_for_share(data["ask_id"])
    if ask is None:
        raise ValidationFailed("ask_id: No such ask.", field="ask_id")
    share = sharing.share_ask(actor, found, ask, data.get("note"))
    db.session.commit()
    return created(ShareSchema().dump(share), url_for("api.get_request", request_id=found.id))
