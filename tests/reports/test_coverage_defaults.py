"""The coverage report shows targets still to reach by default (due next month, next year),
and its "between 2000 and next year" date check means the end of next year."""

from __future__ import annotations

import datetime as dt

import pytest

from portal.database import now_utc
from portal.errors import ValidationFailed
from portal.recruiting.models import Target
from portal.reports import registry
from portal.reports.params import parse_params
from tests.helpers import sign_in


def _next_month(today: dt.date) -> dt.date:
    first = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    return first + dt.timedelta(days=9)


@pytest.fixture
def targets(db):
    today = now_utc().date()
    soon = Target(region="apac", target_count=3, due_on=_next_month(today))
    later = Target(region="latam", target_count=2, due_on=dt.date(today.year + 1, 11, 30))
    db.session.add_all([soon, later])
    db.session.commit()
    return soon, later


def test_coverage_by_default_lists_targets_due_next_month_and_next_year(targets):
    report = registry.build("coverage", parse_params("coverage", {}))

    assert [row[1] for row in report.rows] == [t.due_on.isoformat() for t in targets]
    assert report.figures["total_gap"] == 5


def test_coverage_page_without_dates_shows_the_open_gaps(targets, db, client, auth):
    sign_in(db, auth, "manager")

    page = client.get("/reports/coverage").get_data(as_text=True)

    assert "3 active advocates: APAC" in page
    assert "2 active advocates: Latin America" in page


def test_program_page_links_to_coverage_with_its_own_default_range(targets, db, client, auth):
    sign_in(db, auth, "manager")

    page = client.get("/reports/").get_data(as_text=True)

    assert 'href="/reports/coverage"' in page


def test_other_reports_keep_the_last_12_months_by_default():
    params = parse_params("funnel", {}, today=dt.date(2026, 3, 10))

    assert (params.start, params.end) == (dt.date(2025, 3, 11), dt.date(2026, 3, 10))


def test_coverage_default_runs_from_this_year_start_to_next_year_end():
    params = parse_params("coverage", {}, today=dt.date(2026, 3, 10))

    assert (params.start, params.end) == (dt.date(2026, 1, 1), dt.date(2027, 12, 31))


def test_an_end_in_december_next_year_is_allowed_as_the_message_says():
    params = parse_params(
        "coverage", {"start": "2026-01-01", "end": "2027-12-31"}, today=dt.date(2026, 1, 15)
    )

    assert params.end == dt.date(2027, 12, 31)


def test_an_end_after_next_year_is_refused_with_the_next_year_message():
    with pytest.raises(ValidationFailed) as refused:
        parse_params(
            "coverage", {"start": "2026-01-01", "end": "2028-01-01"}, today=dt.date(2026, 12, 30)
        )

    assert refused.value.fields["end"] == "Choose dates between 2000 and next year."
