"""Report pages (blueprint `reports`): the read-only program page with the headline figures,
one page per report with its chart and table, and each table as CSV."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import current_user

from portal import csvio
from portal.auth.permissions import require
from portal.boundary import committing
from portal.errors import DomainError, ValidationFailed
from portal.reports.params import (
    FILTERS,
    NO_TEAM,
    REPORTS,
    VALUE_DIMENSIONS,
    parse_params,
    record_csv_download,
)
from portal.reports.registry import build, summary
from portal.vocab import ACTIVITY_TYPES, REGIONS, SEGMENTS, TEAMS

bp = Blueprint("reports", __name__, url_prefix="/reports")
NAMES = "any(" + ",".join(REPORTS) + ")"


@bp.get("/")
@require("reports.view")
def index():
    try:
        params = parse_params(None, request.args)
    except ValidationFailed as error:
        return render_template("reports/index.html", error=error, params=None), 422
    return render_template(
        "reports/index.html",
        params=params,
        summary=summary(params),
        reports=REPORTS,
        error=None,
    )


def _options(params):
    from portal.program.service import taxonomy_choices

    return {
        "team": [(t, None) for t in (*TEAMS, NO_TEAM)],
        "activity_type": [(a, None) for a in ACTIVITY_TYPES],
        "segment": [(s, None) for s in SEGMENTS],
        "region": [(r, None) for r in REGIONS],
        "industry": [(c.value, c.label) for c in taxonomy_choices("industry")],
        "by": [(d, None) for d in VALUE_DIMENSIONS],
    }


@bp.get(f"/<{NAMES}:name>")
@require("reports.view")
def report(name: str):
    try:
        params = parse_params(name, request.args)
    except ValidationFailed as error:
        return render_template(
            "reports/report.html",
            name=name,
            title=REPORTS[name],
            error=error,
            report=None,
            filters=FILTERS[name],
            options=_options(None),
            args=request.args,
        ), 422
    return render_template(
        "reports/report.html",
        name=name,
        title=REPORTS[name],
        report=build(name, params),
        error=None,
        filters=FILTERS[name],
        options=_options(params),
        args=params.query_args(),
    )


@bp.get(f"/<{NAMES}:name>.csv")
@require("reports.view")
def report_csv(name: str):
    try:
        params = parse_params(name, request.args)
    except ValidationFailed as error:
        abort(422, description=error.message)
    built = build(name, params)
    with committing(raises=DomainError):
        record_csv_download(current_user, built)
    filename = f"{name}-{params.start.isoformat()}-{params.end.isoformat()}.csv"
    return csvio.download(built.csv_lines(), filename)
