"""The approved content library: requesters and CSMs see what requesters may use; the program
team sees every asset and may filter by approval status."""

from __future__ import annotations

from flask import request
from marshmallow import fields, pre_dump
from marshmallow.validate import Length, OneOf

from portal.api.auth import allow, api_user
from portal.api.blueprint import bp
from portal.api.common import BadRequest, paginate, query_args
from portal.api.schemas.common import PageArgsSchema, PageSchema
from portal.content import approval, uses
from portal.content import search as content_search
from portal.errors import ValidationFailed
from portal.vocab import APPROVAL_STATUSES, CONTENT_KINDS, CONTENT_STAGES, REGIONS
from portal.webhooks.payloads import AnswerSchema


class ContentArgsSchema(PageArgsSchema):
    q = fields.String(
        validate=Length(max=200), metadata={"description": "Words in the title, summary or tags."}
    )
    kind = fields.String(validate=OneOf(CONTENT_KINDS))
    stage = fields.String(validate=OneOf(CONTENT_STAGES))
    industry = fields.String(metadata={"description": "An industry of the taxonomy."})
    product = fields.String(metadata={"description": "A product of the taxonomy."})
    use_case = fields.String(metadata={"description": "A use case of the taxonomy."})
    region = fields.String(validate=OneOf(REGIONS))
    status = fields.String(
        validate=OneOf((*APPROVAL_STATUSES, "live", "lapsed")),
        metadata={"description": "Program team only: approval status, `live` or `lapsed`."},
    )


class ContentAssetSchema(AnswerSchema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True, validate=OneOf(CONTENT_KINDS))
    title = fields.String(required=True)
    url = fields.String(allow_none=True)
    summary = fields.String(allow_none=True)
    account_id = fields.Integer(allow_none=True)
    advocate_id = fields.Integer(allow_none=True)
    stages = fields.List(fields.String(), required=True)
    industries = fields.List(fields.String(), required=True)
    products = fields.List(fields.String(), required=True)
    use_cases = fields.List(fields.String(), required=True)
    regions = fields.List(fields.String(), required=True)
    approval_status = fields.String(required=True, validate=OneOf(APPROVAL_STATUSES))
    approved_on = fields.Date(allow_none=True)
    approved_by_customer = fields.String(allow_none=True)
    approved_until = fields.Date(allow_none=True)
    use_limit = fields.Integer(allow_none=True)
    file_name = fields.String(allow_none=True, metadata={"description": "An uploaded file."})
    file_type = fields.String(allow_none=True)
    file_size = fields.Integer(allow_none=True)
    use_count = fields.Integer(required=True)
    last_used_at = fields.DateTime(allow_none=True)
    page_url = fields.String(
        required=True, metadata={"description": "The asset's page, where a use is logged."}
    )


class ContentListSchema(PageSchema):
    items = fields.List(fields.Nested(ContentAssetSchema), required=True)

    @pre_dump
    def with_use_stats(self, body: dict, **kwargs) -> dict:
        """The page's assets with their use counts and page addresses: one query per page."""
        stats = uses.use_stats(a.id for a in body["items"])
        return {**body, "items": [_item(a, stats) for a in body["items"]]}


def _item(asset, stats) -> dict:
    used = stats.get(asset.id, uses.UseStats())
    body = {
        name: getattr(asset, name) for name in ContentAssetSchema().fields if hasattr(asset, name)
    }
    body.update(
        regions=asset.regions or [],
        use_count=used.count,
        last_used_at=used.last_used_at,
        page_url=f"{request.host_url.rstrip('/')}/content/{asset.id}",
    )
    return body


@bp.get("/content")
@allow("content.browse", message="You can't see the content library.")
def list_content():
    """Search the content library.
    ---
    get:
      tags: [content]
      summary: Approved, current content (the program team sees every asset), newest first.
      description: Unknown query arguments are refused with 400 naming them.
      parameters:
        - in: query
          schema: ContentArgsSchema
      responses:
        200:
          description: One page of assets with their use counts.
          content:
            application/json:
              schema: ContentListSchema
    """
    user = api_user()
    paging = query_args(PageArgsSchema())
    try:
        search = content_search.parse_search(request.args, managers=approval.sees_all(user))
    except ValidationFailed as error:
        raise BadRequest(error.message, fields=error.fields) from None
    return paginate(content_search.search_query(user, search), paging, ContentListSchema())
