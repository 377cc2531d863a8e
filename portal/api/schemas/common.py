"""What the API's schemas share: errors, paging, the `updated_since` argument, and the
fields the API checks itself in a request body (`Checked`)."""

from __future__ import annotations

import datetime as dt

from marshmallow import EXCLUDE, Schema, ValidationError, fields, missing
from marshmallow.validate import Range

from portal.webhooks.payloads import CUSTOM_VALUES, AnswerSchema

CUSTOM_INPUT = (
    CUSTOM_VALUES + " Send the keys to change; null clears one. A bad value is refused with "
    "422 naming `custom_fields.<key>`, and nothing is written."
)


# Errors -----------------------------------------------------------------------------------


class ErrorDetailSchema(Schema):
    code = fields.String(required=True, metadata={"example": "invalid"})
    message = fields.String(required=True, metadata={"description": "Written for a person."})
    # "fields" is a Schema attribute, hence the other name for the field of that name.
    field_errors = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        data_key="fields",
        attribute="fields",
        metadata={"description": "Field name -> what is wrong with it; present when known."},
    )


class ErrorSchema(Schema):
    error = fields.Nested(ErrorDetailSchema, required=True)


# Query arguments --------------------------------------------------------------------------


class Since(fields.DateTime):
    """An ISO 8601 date-time or date; without an offset it is read as UTC."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            text = value.strip()
            # An unencoded "+02:00" arrives as " 02:00".
            for candidate in (text, text.replace(" ", "+")):
                try:
                    parsed = dt.datetime.fromisoformat(candidate)
                except ValueError:
                    continue
                return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
        raise ValidationError("Use an ISO 8601 date or date-time, such as 2026-01-31T09:00:00Z.")


class PageArgsSchema(Schema):
    """?page=&per_page= of every list."""

    class Meta:
        unknown = EXCLUDE

    page = fields.Integer(
        load_default=1, validate=Range(min=1), metadata={"description": "Page number, from 1."}
    )
    per_page = fields.Integer(
        load_default=25,
        validate=Range(min=1, max=100),
        metadata={"description": "Items per page, at most 100."},
    )


# Lists ------------------------------------------------------------------------------------


class PageSchema(AnswerSchema):
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True, metadata={"description": "Items on all pages."})


# Request bodies ------------------------------------------------------------------------------


class Checked:
    """A field of a request body that the API checks itself, by its declaration, before the
    service runs (`portal.api.common.json_body`); the service checks every other field."""


class CheckedString(Checked, fields.String):
    """Text the API checks with the field's own rules (a choice) and messages."""


class SentText(Checked, fields.String):
    """Text that must be sent, null or empty too: the API refuses it left out, the service
    checks the value."""

    default_error_messages = {"required": "This field is required."}

    def deserialize(self, value, attr=None, data=None, **kwargs):
        if value is missing and self.required:
            raise self.make_error("required")
        return value


class WholeId(Checked, fields.Integer):
    """The id of an object, a whole number from 1 (the service looks it up); `problem` says
    what to send when it is missing or is not one."""

    def __init__(self, *, problem: str, **kwargs):
        super().__init__(error_messages={"required": problem, "invalid": problem}, **kwargs)

    def deserialize(self, value, attr=None, data=None, **kwargs):
        if value is missing and not self.required:
            return value
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise self.make_error("invalid")
        return value
