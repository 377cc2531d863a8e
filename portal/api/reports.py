"""The program's headline figures (the same as the program page), for the program team."""

from __future__ import annotations

from flask import jsonify, request
from marshmallow import Schema, fields

from portal.api.auth import allow
from portal.api.blueprint import bp
from portal.api.common import BadRequest
from portal.errors import ValidationFailed
from portal.reports import params as reports_params
from portal.reports import registry
from portal.webhooks.payloads import AnswerSchema


class SummaryArgsSchema(Schema):
    start = fields.Date(metadata={"description": "First day (default: 12 months before `end`)."})
    end = fields.Date(metadata={"description": "Last day (default: today)."})


class RequestFiguresSchema(AnswerSchema):
    submitted = fields.Integer()
    matched = fields.Integer()
    asked = fields.Integer()
    accepted = fields.Integer()
    completed = fields.Integer()
    median_days_to_first_accept = fields.Float(allow_none=True)
    fulfilment_rate = fields.Float(allow_none=True, metadata={"description": "Percent."})
    declined_asks = fields.Integer()


class AdvocateFiguresSchema(AnswerSchema):
    active = fields.Integer()
    at_limit_now = fields.Integer()
    never_asked = fields.Integer()


class ValueFiguresSchema(AnswerSchema):
    opportunities_with_reference = fields.Integer()
    win_rate_with_reference = fields.Float(allow_none=True, metadata={"description": "Percent."})
    opportunities_without_reference = fields.Integer()
    win_rate_without_reference = fields.Float(allow_none=True)
    influenced_revenue = fields.Float(
        metadata={"description": "Won amounts with a reference, in the program's currency."}
    )
    won_with_reference = fields.Integer()
    won_without_reference = fields.Integer()
    won_revenue = fields.Float(
        metadata={"description": "All won amounts, in the program's currency."}
    )
    currency = fields.String(metadata={"description": "The program's currency (ISO 4217)."})
    influenced_revenue_by_currency = fields.Dict(
        keys=fields.String(),
        values=fields.Float(),
        metadata={"description": "Won amounts with a reference, per currency; never converted."},
    )
    won_revenue_by_currency = fields.Dict(keys=fields.String(), values=fields.Float())
    influenced_pipeline = fields.Float(
        metadata={"description": "Open amounts with a reference, in the program's currency."}
    )
    influenced_pipeline_by_currency = fields.Dict(keys=fields.String(), values=fields.Float())
    open_with_reference = fields.Integer()
    median_cycle_days_with_reference = fields.Float(
        allow_none=True, metadata={"description": "Days from opened to closed, won deals."}
    )
    cycle_sample_with_reference = fields.Integer(
        metadata={"description": "Won deals the median is taken over."}
    )
    median_cycle_days_without_reference = fields.Float(allow_none=True)
    cycle_sample_without_reference = fields.Integer()


class ExchangeFiguresSchema(AnswerSchema):
    points_earned = fields.Integer()
    points_spent = fields.Integer()
    activities_completed = fields.Integer()
    benefits_received = fields.Integer()
    give_get_ratio = fields.Float(allow_none=True)


class LeadTimeFiguresSchema(AnswerSchema):
    requests = fields.Integer(metadata={"description": "Requests that recorded their notice."})
    rush = fields.Integer(metadata={"description": "Filed inside their activity's lead time."})
    rush_share = fields.Float(allow_none=True, metadata={"description": "Percent."})
    median_notice_days = fields.Float(
        allow_none=True, metadata={"description": "Working days from filing to needed-by."}
    )


class ReportSummarySchema(AnswerSchema):
    start = fields.Date()
    end = fields.Date()
    requests = fields.Nested(RequestFiguresSchema)
    advocates = fields.Nested(AdvocateFiguresSchema)
    business_value = fields.Nested(ValueFiguresSchema)
    value_exchange = fields.Nested(ExchangeFiguresSchema)
    content_uses = fields.Integer()
    lead_time = fields.Nested(LeadTimeFiguresSchema)


@bp.get("/reports/summary")
@allow("reports.view", message="Only the program team sees the program's figures.")
def report_summary():
    """The program's headline figures.
    ---
    get:
      tags: [reports]
      summary: Requests funnel, advocates, business value and value exchange for a date range.
      description: Unknown query arguments, reversed ranges or ranges over four years are
        refused with 400 naming the argument.
      parameters:
        - in: query
          schema: SummaryArgsSchema
      responses:
        200:
          description: The figures.
          content:
            application/json:
              schema: ReportSummarySchema
    """
    try:
        params = reports_params.parse_params(None, request.args)
    except ValidationFailed as error:
        raise BadRequest(error.message, fields=error.fields) from None
    return jsonify(ReportSummarySchema().dump(registry.summary(params)))
