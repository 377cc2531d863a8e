"""The managed taxonomy for administrators: kinds and their terms (add, rename, reorder,
group, retire, restore, merge)."""

from __future__ import annotations

from flask import jsonify, url_for
from marshmallow import Schema, fields

from portal.api.auth import allow, api_user
from portal.api.blueprint import bp
from portal.api.common import created, json_body, takes
from portal.extensions import db
from portal.program import taxonomy, taxonomy_merge
from portal.webhooks.payloads import AnswerSchema

may_manage = allow("settings.manage", message="Only administrators change the taxonomy.")


class TaxonomyTermSchema(AnswerSchema):
    id = fields.Integer()
    kind = fields.String()
    value = fields.String(metadata={"description": "The stored value; it never changes."})
    label = fields.String()
    position = fields.Integer(metadata={"description": "Forms and lists show terms in order."})
    active = fields.Boolean(metadata={"description": "false: retired (kept, not offered)."})
    group_id = fields.Integer(
        allow_none=True, metadata={"description": "The group (a term of this kind) it is in."}
    )
    merged_into_id = fields.Integer(
        allow_none=True, metadata={"description": "The term this one was merged into."}
    )


class TaxonomyKindSchema(AnswerSchema):
    key = fields.String(metadata={"description": "The stored name; it never changes."})
    label = fields.String()
    builtin = fields.Boolean()
    label_only = fields.Boolean(
        metadata={"description": "Region and seniority: fixed keys, labels and order only."}
    )
    position = fields.Integer()
    active = fields.Boolean()
    terms = fields.List(fields.Nested(TaxonomyTermSchema))


class TaxonomyListSchema(AnswerSchema):
    items = fields.List(fields.Nested(TaxonomyKindSchema))


class TaxonomyKindInputSchema(Schema):
    label = fields.String(required=True, metadata={"example": "Competitors replaced"})
    key = fields.String(
        metadata={
            "description": "Lower-case letters, digits and _ (at most 40); made from the "
            "label when left out.",
            "example": "competitor_replaced",
        }
    )


class TaxonomyTermInputSchema(Schema):
    label = fields.String(required=True, metadata={"example": "Financial services"})
    value = fields.String(
        metadata={"description": "Lower-case letters, digits and _; made from the label."}
    )
    group_id = fields.Integer(allow_none=True)


class TaxonomyTermChangeSchema(Schema):
    label = fields.String(metadata={"description": "The stored value stays."})
    position = fields.Integer(metadata={"description": "1 is first."})
    active = fields.Boolean(metadata={"description": "false retires, true restores."})
    group_id = fields.Integer(allow_none=True, metadata={"description": "null: no group."})


class TaxonomyMergeInputSchema(Schema):
    into = fields.Integer(required=True, metadata={"description": "A term of the same kind."})


class TaxonomyMergedSchema(AnswerSchema):
    merged = fields.Nested(TaxonomyTermSchema)
    into = fields.Nested(TaxonomyTermSchema)
    rows = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        metadata={"description": "Rows moved to the new value, per table."},
    )


def _term(term) -> dict:
    return TaxonomyTermSchema().dump(term)


def _kind(kind, terms: list | None = None) -> dict:
    return TaxonomyKindSchema().dump(
        {
            "key": kind.key,
            "label": kind.label,
            "builtin": kind.builtin,
            "label_only": kind.key in taxonomy.LABEL_ONLY_KINDS,
            "position": kind.position,
            "active": kind.active,
            "terms": taxonomy.terms(kind.key) if terms is None else terms,
        }
    )


@bp.get("/settings/taxonomies")
@may_manage
def list_taxonomies():
    """List the taxonomies.
    ---
    get:
      tags: [settings]
      summary: Every taxonomy (industry, product, use case, region, seniority, language and
        those administrators added) with its terms in order, retired ones included.
        Administrators only.
      responses:
        200:
          description: The taxonomies.
          content:
            application/json:
              schema: TaxonomyListSchema
    """
    every = taxonomy.terms_by_kind()
    return jsonify({"items": [_kind(kind, every.get(kind.key, [])) for kind in taxonomy.kinds()]})


@bp.post("/settings/taxonomies")
@may_manage
@takes(TaxonomyKindInputSchema)
def add_taxonomy():
    """Add a taxonomy.
    ---
    post:
      tags: [settings]
      summary: Add a list people pick from, such as job function. Administrators only.
      responses:
        201:
          description: The new taxonomy (no terms yet).
          content:
            application/json:
              schema: TaxonomyKindSchema
    """
    body = json_body()
    kind = taxonomy.add_kind(api_user(), body.get("key"), body.get("label"))
    db.session.commit()
    return created(_kind(kind), url_for("api.list_taxonomies"))


@bp.post("/settings/taxonomies/<kind>/terms")
@may_manage
@takes(TaxonomyTermInputSchema)
def add_taxonomy_term(kind: str):
    """Add a term.
    ---
    post:
      tags: [settings]
      summary: Add a term, last in its taxonomy's order. Region and seniority take none (their
        keys are fixed). Administrators only.
      responses:
        201:
          description: The new term.
          content:
            application/json:
              schema: TaxonomyTermSchema
        404: NotFound
    """
    body = json_body()
    term = taxonomy.add_term(
        api_user(), kind, body.get("value"), body.get("label"), group=body.get("group_id")
    )
    db.session.commit()
    return created(_term(term), url_for("api.list_taxonomies"))


@bp.patch("/settings/taxonomies/<kind>/terms/<int:term_id>")
@may_manage
@takes(TaxonomyTermChangeSchema, unknown_by_service=True)
def change_taxonomy_term(kind: str, term_id: int):
    """Change a term.
    ---
    patch:
      tags: [settings]
      summary: Rename (the stored value stays), move, retire or restore, or group a term. Region
        and seniority terms take a label and a position only. Administrators only.
      responses:
        200:
          description: The term.
          content:
            application/json:
              schema: TaxonomyTermSchema
        404: NotFound
    """
    taxonomy.get_kind(kind)
    term = taxonomy.get_term(kind, term_id)
    taxonomy.update_term(api_user(), term, json_body())
    db.session.commit()
    return jsonify(_term(term))


@bp.post("/settings/taxonomies/<kind>/terms/<int:term_id>/merge")
@may_manage
@takes(TaxonomyMergeInputSchema)
def merge_taxonomy_term(kind: str, term_id: int):
    """Merge a term into another.
    ---
    post:
      tags: [settings]
      summary: Move every account, advocate, request, content asset and target (and custom
        field value) that uses this term to another term of the same taxonomy, in one
        transaction; this term is retired and names the other. Administrators only.
      responses:
        200:
          description: Both terms and the rows moved per table.
          content:
            application/json:
              schema: TaxonomyMergedSchema
        404: NotFound
    """
    rows = taxonomy_merge.merge_terms(api_user(), kind, term_id, json_body().get("into"))
    db.session.commit()
    term = taxonomy.get_term(kind, term_id)
    into = taxonomy.get_term(kind, term.merged_into_id)
    return jsonify({"merged": _term(term), "into": _term(into), "rows": rows})
