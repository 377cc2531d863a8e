"""Program reports by name (`BUILDERS`, `build`) and the program page's headline figures
(`summary`). Each report is one to three SQL aggregate queries whatever the data size (plus, on
PostgreSQL, a SET of work_mem), a table, a chart of that table and its CSV, in a module of its
own beside this one. The program page computes each report's totals without its breakdowns,
from the same expressions."""

from __future__ import annotations

import sqlalchemy as sa

from portal.content.models import ContentUse
from portal.extensions import db
from portal.reports import value
from portal.reports.aggregates import _rate, _tune
from portal.reports.coverage import coverage
from portal.reports.exchange import _exchange_totals, exchange
from portal.reports.fulfilment import fulfilment
from portal.reports.funnel import FUNNEL_STAGES, _funnel_totals, funnel
from portal.reports.lead_time import _lead_time_figures, _lead_time_rows, lead_time
from portal.reports.params import Params, Report
from portal.reports.utilization import _utilization_totals, utilization

BUILDERS = {
    "funnel": funnel,
    "fulfilment": fulfilment,
    "utilization": utilization,
    "value": value.report,
    "exchange": exchange,
    "coverage": coverage,
    "lead_time": lead_time,
}


def build(name: str, params: Params) -> Report:
    return BUILDERS[name](params)


def summary(params: Params) -> dict:
    """The program's headline figures for the range (the executive page and the API): each
    report's totals, computed without its breakdowns by the same definitions."""
    _tune()
    f = _funnel_totals(params)
    u = _utilization_totals(params)
    v = value.totals(params)
    e = _exchange_totals(params)
    uses = db.session.scalar(
        sa.select(sa.func.count(ContentUse.id)).where(
            ContentUse.used_at >= params.start_at, ContentUse.used_at < params.end_at
        )
    )
    return {
        "start": params.start,
        "end": params.end,
        "requests": {
            **{stage: f[stage] for stage in FUNNEL_STAGES},
            "median_days_to_first_accept": f["median_days_to_first_accept"],
            "fulfilment_rate": _rate(f["fulfilled"], f["submitted"]),
            "declined_asks": f["declined"],
        },
        "advocates": {
            "active": u["active_advocates"],
            "at_limit_now": u["at_limit_now"],
            "never_asked": u["never_asked"],
        },
        "business_value": {key: v[key] for key in SUMMARY_VALUE},
        "value_exchange": {key: e[key] for key in SUMMARY_EXCHANGE},
        "content_uses": int(uses or 0),
        "lead_time": _lead_time_figures(_lead_time_rows(params)),
    }


SUMMARY_VALUE = (
    "opportunities_with_reference",
    "win_rate_with_reference",
    "opportunities_without_reference",
    "win_rate_without_reference",
    "influenced_revenue",
    # Issue 19: added, never renamed (API clients read the keys above).
    "won_with_reference",
    "won_without_reference",
    "won_revenue",
    "currency",
    "influenced_revenue_by_currency",
    "won_revenue_by_currency",
    "influenced_pipeline",
    "influenced_pipeline_by_currency",
    "open_with_reference",
    "median_cycle_days_with_reference",
    "cycle_sample_with_reference",
    "median_cycle_days_without_reference",
    "cycle_sample_without_reference",
)
SUMMARY_EXCHANGE = (
    "points_earned",
    "points_spent",
    "activities_completed",
    "benefits_received",
    "give_get_ratio",
)
