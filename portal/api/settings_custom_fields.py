"""Custom field definitions on accounts and advocates, for administrators."""

from __future__ import annotations

from flask import jsonify, url_for
from marshmallow import Schema, fields
from marshmallow.validate import OneOf

from portal.api.auth import allow, api_user
from portal.api.blueprint import bp
from portal.api.common import created, json_body, takes
from portal.extensions import db
from portal.program import custom_fields

may_manage = allow("settings.manage", message="Only administrators change custom fields.")


class CustomFieldSchema(Schema):
    id = fields.Integer()
    entity = fields.String(validate=OneOf(custom_fields.ENTITIES))
    key = fields.String(
        metadata={"description": "The stored name: the API's and CSV's name of the value."}
    )
    label = fields.String()
    type = fields.String(validate=OneOf(custom_fields.TYPES))
    taxonomy_kind = fields.String(
        allow_none=True,
        metadata={"description": "Choice fields: the taxonomy whose active terms are options."},
    )
    multiple = fields.Boolean(metadata={"description": "Choice fields: several values."})
    required = fields.Boolean()
    match_criterion = fields.Boolean(
        metadata={"description": "Choice fields: requests may ask for it (criteria.custom)."}
    )
    show_in_list = fields.Boolean(metadata={"description": "A column on the list page."})
    position = fields.Integer()
    active = fields.Boolean(metadata={"description": "false: retired (values kept, not offered)."})


class CustomFieldListSchema(Schema):
    items = fields.List(fields.Nested(CustomFieldSchema), required=True)


class CustomFieldNewSchema(Schema):
    entity = fields.String(required=True, validate=OneOf(custom_fields.ENTITIES))
    key = fields.String(
        metadata={
            "description": "Lower-case letters, digits and _; made from the label if left "
            "out. Never changes."
        }
    )
    label = fields.String(required=True)
    type = fields.String(required=True, validate=OneOf(custom_fields.TYPES))
    taxonomy_kind = fields.String(metadata={"description": "Required for choice fields."})
    multiple = fields.Boolean()
    required = fields.Boolean()
    match_criterion = fields.Boolean()
    show_in_list = fields.Boolean()
    position = fields.Integer()


class CustomFieldChangeSchema(Schema):
    label = fields.String()
    required = fields.Boolean()
    match_criterion = fields.Boolean()
    show_in_list = fields.Boolean()
    position = fields.Integer()
    active = fields.Boolean(metadata={"description": "false retires the field; true restores it."})


@bp.get("/settings/custom-fields")
@may_manage
def list_custom_fields():
    """List custom fields.
    ---
    get:
      tags: [settings]
      summary: Every custom field of accounts and advocates, retired ones too (administrators).
      responses:
        200:
          description: The fields, accounts' first, each in position order.
          content:
            application/json:
              schema: CustomFieldListSchema
    """
    items = [custom_fields.definition_dict(f) for f in custom_fields.definitions()]
    return jsonify({"items": items})


@bp.post("/settings/custom-fields")
@may_manage
@takes(CustomFieldNewSchema, unknown_by_service=True)
def create_custom_field():
    """Add a custom field.
    ---
    post:
      tags: [settings]
      summary: Add a field to accounts or advocates (text, number, choice or date). Audited.
      responses:
        201:
          description: The new field; `Location` is the address to change it.
          headers:
            Location:
              schema: {type: string}
          content:
            application/json:
              schema: CustomFieldSchema
    """
    field = custom_fields.add_field(api_user(), json_body())
    db.session.commit()
    return created(
        custom_fields.definition_dict(field),
        url_for("api.update_custom_field", field_id=field.id),
    )


@bp.patch("/settings/custom-fields/<int:field_id>")
@may_manage
@takes(CustomFieldChangeSchema, unknown_by_service=True)
def update_custom_field(field_id: int):
    """Change a custom field.
    ---
    patch:
      tags: [settings]
      summary: Change a field's label, flags or position, retire it (active false) or restore
        it. Its key, entity, type and options never change. Audited.
      responses:
        200:
          description: The field after the change.
          content:
            application/json:
              schema: CustomFieldSchema
        404: NotFound
    """
    actor = api_user()
    field = custom_fields.get_field(actor, field_id)
    custom_fields.update_field(actor, field, json_body())
    db.session.commit()
    return jsonify(custom_fields.definition_dict(field))
