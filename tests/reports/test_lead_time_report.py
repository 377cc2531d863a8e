"""The lead-time report: notice given and rush requests by team, worked out by hand."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.reports import registry
from portal.reports.facts import rebuild_request_facts
from portal.reports.lead_time import lead_time as lead_time_report
from portal.reports.models import RequestFacts
from portal.reports.params import Params
from tests.factories import UserFactory
from tests.reports.program import RANGE, at, make_request


@pytest.fixture
def program(db):
    """Sales: notice 2 (rush), 10, 20. PR: 1 (rush), 3 (rush, a case study). No team: 7.
    Left out: a draft, a request before the range, one with no notice recorded."""
    sales = UserFactory(role="requester", team="sales")
    pr = UserFactory(role="requester", team="pr")
    loner = UserFactory(role="requester", team=None)

    def filed(user, day, notice, rush=False, **fields):
        reason = "The board meets on Friday." if rush else None
        return make_request(
            user, at(day), "submitted", notice_days=notice, rush=rush, rush_reason=reason, **fields
        )

    filed(sales, "2026-02-01", 2, rush=True)
    filed(sales, "2026-03-01", 10)
    filed(sales, "2026-04-01", 20)
    filed(pr, "2026-02-15", 1, rush=True)
    filed(pr, "2026-05-01", 3, rush=True, activity="case_study")
    filed(loner, "2026-06-01", 7)
    make_request(sales, at("2026-03-03"), "draft", notice_days=0, rush=True)  # a draft
    filed(sales, "2025-12-31", 0, rush=True)  # before the range
    make_request(pr, at("2026-03-05"), "submitted", notice_days=None)  # filed before lead times
    db.session.commit()


def test_lead_time_figures_and_rows_by_team(program):
    report = lead_time_report(RANGE)
    # Notices 1 2 3 7 10 20: median (3 + 7) / 2 = 5.0; rushes 3 of 6 = 50.0 %.
    assert report.figures == {
        "requests": 6,
        "rush": 3,
        "rush_share": 50.0,
        "median_notice_days": 5.0,
    }
    assert report.rows == [
        ["Sales", 3, 1, 33.3, 10.0],  # 2 10 20
        ["PR", 2, 2, 100.0, 2.0],  # 1 3
        ["No team", 1, 0, 0.0, 7.0],
    ]
    assert "<svg" in report.chart and "<script" not in report.chart


def test_lead_time_filtered_by_team_and_activity(program):
    pr = lead_time_report(Params(RANGE.start, RANGE.end, {"team": "pr"}))
    assert pr.figures == {"requests": 2, "rush": 2, "rush_share": 100.0, "median_notice_days": 2.0}
    cases = lead_time_report(Params(RANGE.start, RANGE.end, {"activity_type": "case_study"}))
    assert cases.figures["requests"] == 1 and cases.figures["median_notice_days"] == 3.0
    nobody = lead_time_report(Params(RANGE.start, RANGE.end, {"team": "none"}))
    assert nobody.figures["requests"] == 1 and nobody.figures["rush_share"] == 0.0


def test_lead_time_with_no_requests_has_no_median(db):
    report = lead_time_report(RANGE)
    assert report.figures == {
        "requests": 0,
        "rush": 0,
        "rush_share": None,
        "median_notice_days": None,
    }
    assert report.rows == []


def test_the_facts_rows_copy_notice_and_rush_and_a_rebuild_agrees(db, program):
    def facts():
        return sorted(
            db.session.execute(
                sa.select(RequestFacts.request_id, RequestFacts.notice_days, RequestFacts.rush)
            ).all()
        )

    kept = facts()
    assert [(n, r) for _, n, r in kept].count((2, True)) == 1
    assert rebuild_request_facts() == len(kept)
    assert facts() == kept


def test_the_summary_carries_the_lead_time_figures_as_a_new_key(program):
    summary = registry.summary(RANGE)
    assert summary["lead_time"] == {
        "requests": 6,
        "rush": 3,
        "rush_share": 50.0,
        "median_notice_days": 5.0,
    }
    assert summary["requests"]["submitted"] >= 6  # the existing keys are all still there


def test_the_report_page_csv_and_api(client, auth, db, program):
    manager = UserFactory(role="manager", email="lead@example.com")
    db.session.commit()
    auth.login(manager.email)
    args = "start=2026-01-01&end=2026-06-30"
    page = client.get(f"/reports/lead_time?{args}")
    assert page.status_code == 200
    assert "Median notice (working days)" in page.get_data(as_text=True)
    index = client.get(f"/reports/?{args}").get_data(as_text=True)
    assert "/reports/lead_time" in index and "50.0 %" in index
    csv = client.get(f"/reports/lead_time.csv?{args}").get_data(as_text=True)
    assert csv.splitlines()[1].startswith("Sales,3,1,33.3,10.0")
    bad = client.get(f"/reports/lead_time?{args}&team=martians")
    assert bad.status_code == 422
