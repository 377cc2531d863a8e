"""The program's policy settings (limits, answer window, weights, points, name, sender):
administrators read them and change any subset, checked as the policy page checks them."""

from __future__ import annotations

from flask import jsonify
from marshmallow import Schema, fields
from marshmallow.validate import Length, OneOf, Range

from portal.api.auth import allow, api_user
from portal.api.blueprint import bp
from portal.api.common import json_body, takes
from portal.extensions import db
from portal.program import policy
from portal.program.ask_templates import TEMPLATE_MAX
from portal.program.service import COOLDOWN_MAX, LIMIT_MAX, POINTS_MAX
from portal.vocab import ACTIVITY_TYPES
from portal.webhooks.payloads import AnswerSchema

OFF = " Null: off."
may_manage = allow(
    "settings.manage", message="Only administrators see and change the program's policy."
)


def _weights(required: bool) -> type[Schema]:
    attrs = {
        kind: fields.Float(
            required=required,
            validate=Range(0, policy.WEIGHT_MAX),
            metadata={"description": f"0 to {policy.WEIGHT_MAX}, at most one decimal place."},
        )
        for kind in policy.WEIGHT_KINDS
    }
    name = "MatchWeightsSchema" if required else "MatchWeightsInputSchema"
    return Schema.from_dict(attrs, name=name)


MatchWeightsSchema = _weights(True)
MatchWeightsInputSchema = _weights(False)


def _limit(top: int, description: str, **kwargs):
    return fields.Integer(validate=Range(0, top), metadata={"description": description}, **kwargs)


class ProgramPolicyFields(Schema):
    """The fields of the policy, as answered and as sent (every one optional in a PATCH)."""

    program_name = fields.String(
        allow_none=True,
        validate=Length(1, policy.NAME_MAX),
        metadata={"description": "On every page, e-mail and calendar invite. Null: the default."},
    )
    sender_name = fields.String(
        allow_none=True,
        validate=Length(1, policy.SENDER_MAX),
        metadata={
            "description": "Display name of the From header (with the configured address); "
            "one line, no <, > or @. Null: the configured sender as it is."
        },
    )
    default_max_per_month = _limit(LIMIT_MAX, "Asks per month for advocates without their own.")
    default_max_per_quarter = _limit(LIMIT_MAX, "At least the month's.")
    default_max_per_year = _limit(LIMIT_MAX, "At least the quarter's.")
    default_min_days_between = _limit(COOLDOWN_MAX, "Cooldown in days after an ask.")
    account_max_per_month = fields.Integer(
        allow_none=True,
        validate=Range(1, LIMIT_MAX),
        metadata={"description": "Live asks per account per month." + OFF},
    )
    account_max_per_quarter = fields.Integer(
        allow_none=True,
        validate=Range(1, LIMIT_MAX),
        metadata={"description": "At least the month's cap." + OFF},
    )
    account_min_nps = fields.Integer(
        allow_none=True,
        validate=Range(-100, 100),
        metadata={"description": "Accounts with a lower NPS are not asked." + OFF},
    )
    csm_veto_hours = fields.Integer(
        allow_none=True,
        validate=Range(1, 168),
        metadata={"description": "Hours a CSM may stop an ask first." + OFF},
    )
    respond_within_days = fields.Integer(
        validate=Range(*policy.RESPOND_DAYS), metadata={"description": "Days to answer an ask."}
    )
    ask_reminder_days = fields.Integer(
        allow_none=True,
        validate=Range(0, policy.RESPOND_DAYS[1]),
        metadata={
            "description": "Days before the answer time ends that the advocate is reminded; at "
            "most respond_within_days. Null (in a PATCH): the installation's default."
        },
    )
    self_service_activity_types = fields.List(
        fields.String(validate=OneOf(ACTIVITY_TYPES)),
        metadata={"description": "Activity types requesters ask advocates for themselves."},
    )
    points_by_activity = fields.Dict(
        keys=fields.String(validate=OneOf(ACTIVITY_TYPES)),
        values=fields.Integer(validate=Range(0, POINTS_MAX)),
        metadata={"description": "Points a completed activity earns; types left out keep theirs."},
    )
    points_expiry_months = fields.Integer(
        allow_none=True,
        validate=Range(*policy.POINTS_EXPIRY_MONTHS),
        metadata={"description": "Months after which earned points expire. Null: never."},
    )
    ask_templates = fields.Dict(
        keys=fields.String(validate=OneOf(ACTIVITY_TYPES)),
        values=fields.String(allow_none=True, validate=Length(max=TEMPLATE_MAX)),
        metadata={
            "description": "The program's text per activity type that goes with every ask, "
            "before the asker's personal note: plain text with line breaks, no HTML, at most "
            f"{TEMPLATE_MAX:,} characters; empty: no text. In a PATCH, types left "
            "out keep theirs and null restores the shipped text."
        },
    )


class ProgramPolicySchema(ProgramPolicyFields, AnswerSchema):
    match_weights = fields.Nested(MatchWeightsSchema)


class ProgramPolicyInputSchema(ProgramPolicyFields):
    match_weights = fields.Nested(
        MatchWeightsInputSchema,
        metadata={
            "description": "Weights per relevance kind; kinds left out keep theirs; not all 0."
        },
    )


@bp.get("/settings/program")
@may_manage
def get_program_policy():
    """Show the program's policy.
    ---
    get:
      tags: [settings]
      summary: Every policy setting with the value in force (administrators).
      responses:
        200:
          description: The policy.
          content:
            application/json:
              schema: ProgramPolicySchema
    """
    return jsonify(ProgramPolicySchema().dump(policy.read_policy(api_user())))


@bp.patch("/settings/program")
@may_manage
@takes(ProgramPolicyInputSchema, unknown_by_service=True)
def patch_program_policy():
    """Change any of the program's policy settings.
    ---
    patch:
      tags: [settings]
      summary: Set any subset together (administrators); when one is wrong nothing is saved
        and 422 names each bad field (`match_weights.<kind>`, `points_by_activity.<type>`,
        `ask_templates.<type>`).
        Month limits may not exceed quarter limits, nor quarter limits year limits. Every
        changed setting is audited.
      responses:
        200:
          description: The policy after the change.
          content:
            application/json:
              schema: ProgramPolicySchema
    """
    policy.update_policy(api_user(), json_body())
    db.session.commit()
    return jsonify(ProgramPolicySchema().dump(policy.policy_values()))
