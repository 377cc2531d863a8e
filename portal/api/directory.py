"""The reference directory in the API: the advocates a requester may ask, with what a requester
may see of them (the same search and rules as the page, `portal.directory.service`)."""

from __future__ import annotations

from flask import jsonify, request, url_for
from marshmallow import fields
from marshmallow.validate import Length, OneOf

from portal.api.auth import allow, api_user
from portal.api.blueprint import bp
from portal.api.common import BadRequest, query_args
from portal.api.schemas.common import PageArgsSchema, PageSchema
from portal.directory import service
from portal.errors import ValidationFailed
from portal.vocab import (
    ACTIVITY_TYPES,
    CONTACT_CHANNELS,
    CONTENT_KINDS,
    REGIONS,
    SEGMENTS,
    SENIORITIES,
)
from portal.webhooks.payloads import AnswerSchema


class DirectoryArgsSchema(PageArgsSchema):
    q = fields.String(
        validate=Length(max=service.Q_MAX),
        metadata={"description": "Words in the company's name or the advocate's job title."},
    )
    industry = fields.String(
        metadata={"description": "An industry of the taxonomy (a group: any of its members)."}
    )
    product = fields.String(metadata={"description": "A product of the taxonomy."})
    use_case = fields.String(metadata={"description": "A use case of the taxonomy."})
    language = fields.String(metadata={"description": "A language of the taxonomy."})
    region = fields.String(validate=OneOf(REGIONS))
    segment = fields.String(validate=OneOf(SEGMENTS))
    seniority = fields.String(validate=OneOf(SENIORITIES))
    activity_type = fields.String(
        validate=OneOf(ACTIVITY_TYPES),
        metadata={
            "description": "Advocates who accept this activity; it comes first in `activities`."
        },
    )
    sort = fields.String(
        validate=OneOf(tuple(service.SORTS)),
        metadata={"description": "`best` (default): free now, least asked first; `company`: A-Z."},
    )


class DirectoryStorySchema(AnswerSchema):
    id = fields.Integer()
    kind = fields.String(validate=OneOf(CONTENT_KINDS))
    title = fields.String()
    url = fields.String(allow_none=True)
    page_url = fields.String(metadata={"description": "The story's page in the content library."})


class DirectoryActivitySchema(AnswerSchema):
    activity_type = fields.String(validate=OneOf(ACTIVITY_TYPES))
    how = fields.String(
        validate=OneOf((service.ASK_DIRECTLY, service.THROUGH_PROGRAM)),
        metadata={
            "description": "`ask_directly`: the program lets requesters ask for this activity "
            "themselves (from their request's matches); `through_program`: the reference team "
            "matches and asks."
        },
    )
    request_url = fields.String(
        metadata={"description": "The request form, filled in for this activity."}
    )


class DirectoryContactSchema(AnswerSchema):
    email = fields.String()
    preferred_contact = fields.String(validate=OneOf(CONTACT_CHANNELS))


class DirectoryEntrySchema(AnswerSchema):
    advocate_id = fields.Integer()
    name = fields.String()
    title = fields.String(allow_none=True)
    seniority = fields.String(allow_none=True)
    account_id = fields.Integer()
    company = fields.String()
    industry = fields.String()
    region = fields.String()
    segment = fields.String()
    products = fields.List(fields.String())
    use_cases = fields.List(fields.String())
    languages = fields.List(fields.String())
    timezone = fields.String()
    activities = fields.List(
        fields.Nested(DirectoryActivitySchema),
        metadata={"description": "What they accept to do, and how each is asked."},
    )
    free_now = fields.Boolean()
    next_free = fields.Date(
        allow_none=True,
        metadata={"description": "The first day (theirs) they may be asked again; null: now."},
    )
    stories = fields.List(
        fields.Nested(DirectoryStorySchema),
        metadata={"description": "Their and their company's approved customer stories."},
    )
    contact = fields.Nested(
        DirectoryContactSchema,
        allow_none=True,
        metadata={"description": "Null until one of your asks to them has been accepted."},
    )


class DirectoryListSchema(PageSchema):
    items = fields.List(fields.Nested(DirectoryEntrySchema), required=True)


_ENTRY_FIELDS = tuple(DirectoryEntrySchema().fields)


def _item(entry: service.Entry) -> dict:
    host = request.host_url.rstrip("/")
    return {
        **{name: getattr(entry, name) for name in _ENTRY_FIELDS if hasattr(entry, name)},
        "activities": [
            {"activity_type": a.activity_type, "how": a.how, "request_url": host + a.request_url}
            for a in entry.activities
        ],
        "free_now": entry.next_free is None,
        "stories": [
            {
                "id": s.id,
                "kind": s.kind,
                "title": s.title,
                "url": s.url,
                "page_url": url_for("content.detail", asset_id=s.id, _external=True),
            }
            for s in entry.stories
        ],
        "contact": (
            {"email": entry.email, "preferred_contact": entry.preferred_contact}
            if entry.contact_shown
            else None
        ),
    }


@bp.get("/directory")
@allow("requests.create", message="The reference directory is for the people who file requests.")
def list_directory():
    """Search the reference directory.
    ---
    get:
      tags: [directory]
      summary: Advocates you may ask, with their company, role, stories, the activities they
        accept (and whether you ask directly or through the program) and when they are next free.
      description: Only active advocates who opted into at least one activity appear. Contact
        details (`contact`) stay null until one of your asks to the advocate has been accepted
        (the program team always sees them). Advocates get 403.
      parameters:
        - in: query
          schema: DirectoryArgsSchema
      responses:
        200:
          description: One page of advocates.
          content:
            application/json:
              schema: DirectoryListSchema
    """
    actor = api_user()
    paging = query_args(DirectoryArgsSchema())
    try:
        search = service.check_search(request.args)
    except ValidationFailed as error:
        raise BadRequest(error.message, fields=error.fields) from None
    page = service.search_directory(actor, search, page=paging["page"], per_page=paging["per_page"])
    body = {
        "items": [_item(entry) for entry in page.items],
        "page": page.page,
        "per_page": page.per_page,
        "total": page.total,
    }
    return jsonify(DirectoryListSchema().dump(body))
