"""The program terms for administrators: versions, the draft, publishing a new version."""

from __future__ import annotations

from flask import jsonify, url_for
from marshmallow import Schema, fields

from portal.api.auth import allow, api_user
from portal.api.blueprint import bp
from portal.api.common import created, json_body, query_args, takes
from portal.api.schemas.common import PageArgsSchema, PageSchema
from portal.errors import NotFound
from portal.extensions import db
from portal.program import terms
from portal.webhooks.payloads import AnswerSchema

# Only administrators read drafts and old versions, and change the terms (and translate them).
may_manage = allow("settings.manage", message="Only administrators change the program terms.")


class TermsVersionSummarySchema(AnswerSchema):
    id = fields.Integer()
    version = fields.String(
        allow_none=True, metadata={"description": "The version's name; null for the draft."}
    )
    status = fields.String(metadata={"enum": ["draft", "published"]})
    current = fields.Boolean(metadata={"description": "Advocates must have accepted this one."})
    published_at = fields.DateTime(allow_none=True)
    published_by = fields.Integer(allow_none=True, metadata={"description": "A user id."})
    acceptances = fields.Integer(
        metadata={"description": "Advocates who accepted this version (on record for good)."}
    )
    updated_at = fields.DateTime()


class TermsVersionSchema(TermsVersionSummarySchema):
    body_markdown = fields.String()
    body_html = fields.String(
        metadata={"description": "The Markdown rendered and sanitised, as advocates read it."}
    )


class TermsVersionListSchema(PageSchema):
    current_version = fields.String(metadata={"description": "The terms_version setting."})
    items = fields.List(fields.Nested(TermsVersionSummarySchema))


class TermsDraftInputSchema(Schema):
    body_markdown = fields.String(
        required=True, metadata={"description": "At most 100,000 characters."}
    )


class TermsPublishInputSchema(Schema):
    version = fields.String(
        required=True,
        metadata={
            "description": "A new name (at most 32 characters): " + terms.VERSION_HELP,
            "example": "2027-01",
        },
    )


class TermsPublishedSchema(TermsVersionSchema):
    notified = fields.Integer(metadata={"description": "Advocates e-mailed about it."})


def _dump(row, schema, **extra) -> dict:
    body = {
        "id": row.id,
        "version": row.version,
        "status": row.status,
        "current": row.status == "published" and row.version == terms.current_version(),
        "published_at": row.published_at,
        "published_by": row.published_by,
        "acceptances": terms.acceptance_counts().get(row.version, 0) if row.version else 0,
        "updated_at": row.updated_at,
        "body_markdown": row.body_markdown,
        "body_html": str(terms.render_markdown(row.body_markdown)),
        **extra,
    }
    return schema.dump(body)


@bp.get("/settings/terms")
@may_manage
def list_terms():
    """List the terms versions.
    ---
    get:
      tags: [settings]
      summary: Every version of the program terms, the draft first, then the published ones
        newest first, with how many advocates accepted each. Administrators only.
      parameters:
      - in: query
        schema: PageArgsSchema
      responses:
        200:
          description: One page of versions, and the current version's name.
          content:
            application/json:
              schema: TermsVersionListSchema
    """
    versions = terms.list_versions(api_user())
    args = query_args(PageArgsSchema())
    page, per_page = args["page"], args["per_page"]
    counts = terms.acceptance_counts()
    current = terms.current_version()
    items = [
        {
            "id": v.id,
            "version": v.version,
            "status": v.status,
            "current": v.status == "published" and v.version == current,
            "published_at": v.published_at,
            "published_by": v.published_by,
            "acceptances": counts.get(v.version, 0) if v.version else 0,
            "updated_at": v.updated_at,
        }
        for v in versions[(page - 1) * per_page : page * per_page]
    ]
    body = {
        "current_version": current,
        "items": items,
        "page": page,
        "per_page": per_page,
        "total": len(versions),
    }
    return jsonify(TermsVersionListSchema().dump(body))


@bp.get("/settings/terms/<version>")
@may_manage
def get_terms(version: str):
    """Show one published version.
    ---
    get:
      tags: [settings]
      summary: A published version's Markdown and its rendered, sanitised HTML. Administrators
        only.
      responses:
        200:
          description: The version.
          content:
            application/json:
              schema: TermsVersionSchema
        404: NotFound
    """
    row = terms.get_published(api_user(), version)
    return jsonify(_dump(row, TermsVersionSchema()))


@bp.get("/settings/terms/draft")
@may_manage
def get_terms_draft():
    """Show the draft.
    ---
    get:
      tags: [settings]
      summary: The draft of the next version, rendered as advocates will read it (a preview).
        Administrators only.
      responses:
        200:
          description: The draft.
          content:
            application/json:
              schema: TermsVersionSchema
        404: NotFound
    """
    draft = terms.get_draft(api_user())
    if draft is None:
        raise NotFound("There is no draft: PUT one first.")
    return jsonify(_dump(draft, TermsVersionSchema()))


@bp.put("/settings/terms/draft")
@may_manage
@takes(TermsDraftInputSchema, unknown_by_service=True)
def put_terms_draft():
    """Write the draft.
    ---
    put:
      tags: [settings]
      summary: Create or replace the draft of the next version (Markdown). Advocates see
        nothing until it is published. Administrators only.
      responses:
        200:
          description: The draft, with its preview.
          content:
            application/json:
              schema: TermsVersionSchema
    """
    draft = terms.save_draft(api_user(), json_body())
    db.session.commit()
    return jsonify(_dump(draft, TermsVersionSchema()))


@bp.post("/settings/terms/publish")
@may_manage
@takes(TermsPublishInputSchema, unknown_by_service=True)
def publish_terms():
    """Publish the draft.
    ---
    post:
      tags: [settings]
      summary: Publish the draft under a new version name. It becomes the current terms at
        once; advocates must accept it again before they are asked, and each active or
        paused advocate is e-mailed. Published versions never change. Administrators only.
      responses:
        201:
          description: The published version.
          content:
            application/json:
              schema: TermsPublishedSchema
    """
    row, notified = terms.publish_terms(api_user(), json_body())
    db.session.commit()
    return created(
        _dump(row, TermsPublishedSchema(), notified=notified),
        url_for("api.get_terms", version=row.version),
    )
