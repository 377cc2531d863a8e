"""Planning: planned needs (every team plans its own; the program team all) and the gap between
planned demand and the advocates who can supply it, month by month."""

from __future__ import annotations

import datetime as dt

from flask import jsonify, request, url_for
from marshmallow import EXCLUDE, Schema, ValidationError, fields
from marshmallow.validate import Length, OneOf, Range

from portal.api.auth import allow, api_user
from portal.api.blueprint import bp
from portal.api.common import BadRequest, created, json_body, paginate, query_args, takes
from portal.api.schemas.common import PageArgsSchema, PageSchema
from portal.errors import DomainError
from portal.extensions import db
from portal.planning import gap, months, needs
from portal.planning.models import PLANNING_TEAMS
from portal.vocab import ACTIVITY_TYPES, REGIONS, SEGMENTS
from portal.webhooks.payloads import TAXONOMY, AnswerSchema

# Every member of staff and executives read the plan; whoever may change a need is the service's.
may_view = allow("planning.view", message="You can't see the plan.")

_MONTH = "A month as YYYY-MM."


class Month(fields.String):
    """'2027-01': loaded as the first day of that month."""

    def _deserialize(self, value, attr, data, **kwargs):
        month = months.parse_month(value)
        if month is None:
            raise ValidationError("Use a month like 2027-01.")
        return month


class PlannedNeedSchema(AnswerSchema):
    """A planned need: so many activities of a type, matching optional criteria, by a date."""

    id = fields.Integer()
    title = fields.String()
    initiative_id = fields.Integer(allow_none=True)
    target_id = fields.Integer(allow_none=True, metadata={"description": "A program target."})
    activity_type = fields.String(validate=OneOf(ACTIVITY_TYPES))
    count_needed = fields.Integer(metadata={"description": "Activities needed, 1 to 10000."})
    needed_by = fields.Date(metadata={"description": "The need counts in this date's month."})
    industry = fields.String(allow_none=True, metadata={"description": TAXONOMY.format("industry")})
    segment = fields.String(allow_none=True, validate=OneOf(SEGMENTS))
    region = fields.String(allow_none=True, validate=OneOf(REGIONS))
    product = fields.String(allow_none=True, metadata={"description": TAXONOMY.format("product")})
    owner_id = fields.Integer(allow_none=True, metadata={"description": "The user who owns it."})
    owner_team = fields.String(validate=OneOf(PLANNING_TEAMS))
    notes = fields.String(allow_none=True)
    created_by_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class PlannedNeedListSchema(PageSchema):
    items = fields.List(fields.Nested(PlannedNeedSchema), required=True)


class PlannedNeedArgsSchema(PageArgsSchema):
    team = fields.String(validate=OneOf(PLANNING_TEAMS), metadata={"description": "owner_team"})
    initiative_id = fields.Integer(validate=Range(min=1))
    owner_id = fields.Integer(validate=Range(min=1))
    start = Month(data_key="from", metadata={"description": "Needed in this month or later."})
    end = Month(data_key="to", metadata={"description": "Needed in this month or earlier."})


class PlannedNeedInputSchema(Schema):
    """POST /planned-needs needs `title`, `activity_type`, `count_needed` and `needed_by`;
    PATCH changes the fields sent. `owner_id` defaults to you (only the program team may name
    another owner) and `owner_team` to the owner's team."""

    title = fields.String(validate=Length(min=1, max=200))
    activity_type = fields.String(validate=OneOf(ACTIVITY_TYPES))
    count_needed = fields.Integer(validate=Range(min=1, max=10_000))
    needed_by = fields.Date()
    initiative_id = fields.Integer(allow_none=True)
    target_id = fields.Integer(allow_none=True)
    industry = fields.String(allow_none=True, metadata={"description": TAXONOMY.format("industry")})
    segment = fields.String(allow_none=True, validate=OneOf(SEGMENTS))
    region = fields.String(allow_none=True, validate=OneOf(REGIONS))
    product = fields.String(allow_none=True, metadata={"description": TAXONOMY.format("product")})
    owner_id = fields.Integer(allow_none=True)
    owner_team = fields.String(allow_none=True, validate=OneOf(PLANNING_TEAMS))
    notes = fields.String(allow_none=True, validate=Length(max=5000))


class GapFiguresSchema(AnswerSchema):
    demand = fields.Integer(metadata={"description": "Activities planned."})
    supply = fields.Integer(metadata={"description": "Capacity of the advocates who fit."})
    gap = fields.Integer(metadata={"description": "Demand beyond supply; 0 when covered."})
    surplus = fields.Integer(metadata={"description": "Supply beyond demand; 0 when short."})


class GapMonthSchema(GapFiguresSchema):
    month = fields.String(metadata={"description": _MONTH})


class GapNeedSchema(GapFiguresSchema):
    need_id = fields.Integer()
    title = fields.String()
    month = fields.String(metadata={"description": _MONTH})
    owner_team = fields.String()
    advocates = fields.Integer(metadata={"description": "Advocates who fit with room that month."})


class GapDimensionSchema(AnswerSchema):
    value = fields.String(allow_none=True, metadata={"description": "null: needs setting none."})
    months = fields.List(fields.Nested(GapMonthSchema))
    total = fields.Nested(GapFiguresSchema)


class GapBreakdownSchema(AnswerSchema):
    segment = fields.List(fields.Nested(GapDimensionSchema))
    industry = fields.List(fields.Nested(GapDimensionSchema))
    product = fields.List(fields.Nested(GapDimensionSchema))
    activity_type = fields.List(fields.Nested(GapDimensionSchema))


class PlanGapSchema(AnswerSchema):
    start = fields.String(data_key="from", metadata={"description": _MONTH})
    end = fields.String(data_key="to", metadata={"description": _MONTH})
    total = fields.Nested(GapFiguresSchema)
    months = fields.List(fields.Nested(GapMonthSchema))
    needs = fields.List(fields.Nested(GapNeedSchema))
    by = fields.Nested(GapBreakdownSchema, metadata={"description": "Per value and month."})


class PlanGapArgsSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    team = fields.String(validate=OneOf(PLANNING_TEAMS), metadata={"description": "owner_team"})
    initiative_id = fields.Integer(validate=Range(min=1))
    start = fields.String(data_key="from", metadata={"description": _MONTH + " Default: now."})
    end = fields.String(
        data_key="to", metadata={"description": _MONTH + " Default: a quarter; 24 at most."}
    )


def _need(need_id: int):
    return needs.get_need(api_user(), need_id)


@bp.get("/planned-needs")
@may_view
def list_planned_needs():
    """List planned needs.
    ---
    get:
      tags: [planning]
      summary: The plan's needs, by date (every member of staff and executives).
      parameters:
        - in: query
          schema: PlannedNeedArgsSchema
      responses:
        200:
          description: One page of planned needs.
          content:
            application/json:
              schema: PlannedNeedListSchema
    """
    actor = api_user()
    args = query_args(PlannedNeedArgsSchema())
    wanted = ("team", "initiative_id", "owner_id", "start", "end")
    query = needs.needs_query(actor, {k: v for k, v in args.items() if k in wanted})
    return paginate(query, args, PlannedNeedListSchema())


@bp.post("/planned-needs")
@allow("planning.edit", message="You can't change the plan.")
@takes(PlannedNeedInputSchema, unknown_by_service=True)
def create_planned_need():
    """Plan a need.
    ---
    post:
      tags: [planning]
      summary: Add a need to the plan (staff). Audited; a bad field is refused with 422 naming
        it, and nothing is written.
      responses:
        201:
          description: The new need; `Location` is its address.
          headers:
            Location:
              schema: {type: string}
          content:
            application/json:
              schema: PlannedNeedSchema
    """
    need = needs.create_need(api_user(), json_body())
    db.session.commit()
    body = PlannedNeedSchema().dump(need)
    return created(body, url_for("api.get_planned_need", need_id=need.id))


@bp.get("/planned-needs/<int:need_id>")
@may_view
def get_planned_need(need_id: int):
    """Show a planned need.
    ---
    get:
      tags: [planning]
      summary: One planned need.
      responses:
        200:
          description: The need.
          content:
            application/json:
              schema: PlannedNeedSchema
        404: NotFound
    """
    return jsonify(PlannedNeedSchema().dump(_need(need_id)))


@bp.patch("/planned-needs/<int:need_id>")
@may_view
@takes(PlannedNeedInputSchema, unknown_by_service=True)
def update_planned_need(need_id: int):
    """Change a planned need.
    ---
    patch:
      tags: [planning]
      summary: Change the fields sent (its owner or creator; the program team any need).
      responses:
        200:
          description: The need as changed.
          content:
            application/json:
              schema: PlannedNeedSchema
        404: NotFound
    """
    actor = api_user()
    need = needs.get_need(actor, need_id)
    needs.update_need(actor, need, json_body())
    db.session.commit()
    return jsonify(PlannedNeedSchema().dump(need))


@bp.delete("/planned-needs/<int:need_id>")
@may_view
def delete_planned_need(need_id: int):
    """Remove a planned need.
    ---
    delete:
      tags: [planning]
      summary: Take a need off the plan (its owner or creator; the program team any need).
      responses:
        204:
          description: Removed.
        404: NotFound
    """
    actor = api_user()
    needs.delete_need(actor, needs.get_need(actor, need_id))
    db.session.commit()
    return "", 204


def _figures(figures, **extra) -> dict:
    return {**extra, **figures.as_dict()}


@bp.get("/planning/gap")
@may_view
def planning_gap():
    """Planned demand against supply.
    ---
    get:
      tags: [planning]
      summary: Demand, supply, gap and surplus per month, per need and per segment, industry,
        product and activity type (every member of staff and executives). The rule is the
        planning service's; at most 24 months.
      parameters:
        - in: query
          schema: PlanGapArgsSchema
      responses:
        200:
          description: The gap of the months asked.
          content:
            application/json:
              schema: PlanGapSchema
    """
    actor = api_user()
    args = query_args(PlanGapArgsSchema())
    try:
        start, end = months.check_range(
            {"from": request.args.get("from"), "to": request.args.get("to")}, dt.date.today()
        )
    except DomainError as error:
        raise BadRequest(error.message, fields=error.fields) from None
    filters = {k: args[k] for k in ("team", "initiative_id") if k in args}
    plan = gap.plan_gap(actor, filters, start, end)
    key = months.month_key
    body = {
        "from": key(start),
        "to": key(end),
        "total": plan.total.as_dict(),
        "months": [_figures(plan.by_month[m], month=key(m)) for m in plan.months],
        "needs": [
            _figures(
                row.figures,
                need_id=row.need.id,
                title=row.need.title,
                month=key(row.month),
                owner_team=row.need.owner_team,
                advocates=row.advocates,
            )
            for row in plan.rows
        ],
        "by": {
            dimension: [
                {
                    "value": row.value,
                    "months": [_figures(row.months[m], month=key(m)) for m in plan.months],
                    "total": row.total.as_dict(),
                }
                for row in rows
            ]
            for dimension, rows in plan.by_dimension.items()
        },
    }
    return jsonify(body)
