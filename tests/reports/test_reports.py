"""Each report's figures against the hand-computed program in conftest.py, bad parameters
refused, the pages and CSVs, and a query count that does not grow with the data."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from portal.errors import ValidationFailed
from portal.extensions import db as _db
from portal.reports import registry
from portal.reports.coverage import coverage as coverage_report
from portal.reports.exchange import exchange as exchange_report
from portal.reports.fulfilment import fulfilment as fulfilment_report
from portal.reports.funnel import FUNNEL_STAGES
from portal.reports.funnel import funnel as funnel_report
from portal.reports.params import REPORTS, Params, Report, parse_params
from portal.reports.utilization import utilization as utilization_report
from portal.reports.value import report as value_report
from tests.factories import UserFactory
from tests.queries import QueryCounter
from tests.reports.program import RANGE, build_program


@pytest.fixture
def program(db):
    return build_program(db)


def rows_by_first(report):
    return {row[0]: row for row in report.rows}


def test_funnel_counts_and_median_time_to_first_accept(program):
    report = funnel_report(RANGE)
    # Non-draft requests created in the range: R1 R2 R3 R4 R5 R8 R9 (R6 draft, R7 before).
    # Matched: all but R4 (no ask, submitted) and R9 (expired, no ask). Accepted: R1 R2 R5 R8.
    # Completed: R1 and R8 (a completed ask). Median wait to first accept: R1 2 d, R2 4 d,
    # R5 6 d, R8 2 d -> (2 + 4) / 2 = 3.0 days.
    assert report.figures == {
        "submitted": 7,
        "matched": 5,
        "asked": 5,
        "accepted": 4,
        "completed": 2,
        "median_days_to_first_accept": 3.0,
    }
    rows = {(row[0], row[1]): row[2:] for row in report.rows}
    assert rows[("Sales", "Reference call")] == [5, 4, 4, 4, 2, 3.0]
    assert rows[("Sales", "Case study")] == [1, 1, 1, 0, 0, None]
    assert rows[("PR", "Press interview")] == [1, 0, 0, 0, 0, None]
    assert "<svg" in report.chart and "<script" not in report.chart


def test_funnel_filtered_by_team(program):
    report = funnel_report(Params(RANGE.start, RANGE.end, {"team": "pr"}))
    assert report.figures["submitted"] == 1 and report.figures["asked"] == 0


def test_fulfilment_rate_and_decline_reasons(program):
    figures = fulfilment_report(RANGE).figures
    # Fulfilled or completed: R1 R5 R8 of 7 = 42.9 %; R3 cancelled and R9 expired.
    assert figures["submitted"] == 7 and figures["fulfilled"] == 3
    assert figures["fulfilment_rate"] == 42.9
    assert figures["cancelled_or_expired"] == 2
    assert figures["declined_asks"] == 2
    assert figures["decline_reasons"]["too_busy"] == 1
    assert figures["decline_reasons"]["timing"] == 1
    assert figures["decline_reasons"]["not_a_fit"] == 0


def test_utilization_distribution_limits_and_never_asked(program):
    report = utilization_report(RANGE)
    # Asks from 1 Jul 2025 to 30 Jun 2026: adv1 2, adv2 3 (enterprise); adv3 1, adv4 0 (smb).
    rows = rows_by_first(report)
    buckets = dict(zip(report.columns[2:8], rows["Enterprise"][2:8], strict=True))
    assert rows["Enterprise"][1] == 2 and buckets["2 asks"] == 1 and buckets["3 asks"] == 1
    assert rows["Enterprise"][8:] == [1, 0]  # adv1 at a limit now; nobody never asked
    assert rows["SMB"][1] == 2 and rows["SMB"][2] == 1 and rows["SMB"][3] == 1
    assert rows["SMB"][8:] == [0, 1]  # adv4 never asked
    assert report.figures["active_advocates"] == 4
    assert report.figures["distribution"] == {"0": 1, "1": 1, "2": 1, "3": 1, "4-5": 0, "6+": 0}
    smb = utilization_report(Params(RANGE.start, RANGE.end, {"segment": "smb"}))
    assert smb.figures["active_advocates"] == 2


def test_business_value_win_rates_and_influenced_revenue(program):
    report = value_report(RANGE)
    # Opportunities closed in the range: OPP1 (R1 and R5: one opportunity, won, referenced,
    # 100,000), OPP8 (lost, referenced), OPP2 (lost), OPP3 (won, 70,000), OPP9 (lost).
    # With a reference: 1 of 2 won = 50 %; without: 1 of 3 won = 33.3 %.
    assert report.figures == {
        "opportunities_with_reference": 2,
        "won_with_reference": 1,
        "lost_with_reference": 1,
        "win_rate_with_reference": 50.0,
        "opportunities_without_reference": 3,
        "won_without_reference": 1,
        "lost_without_reference": 2,
        "win_rate_without_reference": 33.3,
        "influenced_revenue": 100000.0,
        "won_revenue": 170000.0,
        # Issue 19: none of these deals is loaded as an Opportunity (no open deal, no opened-on
        # date), so they count as before, in the program's currency, with no cycle length.
        "currency": "USD",
        "influenced_revenue_by_currency": {"USD": 100000.0},
        "won_revenue_by_currency": {"USD": 170000.0},
        "influenced_pipeline": 0.0,
        "influenced_pipeline_by_currency": {"USD": 0.0},
        "open_with_reference": 0,
        "median_cycle_days_with_reference": None,
        "cycle_sample_with_reference": 0,
        "median_cycle_days_without_reference": None,
        "cycle_sample_without_reference": 0,
    }
    quarters = rows_by_first(report)
    assert quarters["2026 Q1"][1:5] == [2, 1, 1, 50.0] and quarters["2026 Q1"][5] == 0
    assert quarters["2026 Q2"][1] == 0 and quarters["2026 Q2"][5:9] == [3, 1, 2, 33.3]
    by_industry = rows_by_first(value_report(Params(RANGE.start, RANGE.end, {"by": "industry"})))
    assert by_industry["Banking"][1:3] == [2, 1] and by_industry["Banking"][5] == 1
    assert by_industry["Insurance"][5:7] == [2, 1]
    assert by_industry["Insurance"][9] == 0.0 and by_industry["Banking"][9] == 100000.0
    by_team = rows_by_first(value_report(Params(RANGE.start, RANGE.end, {"by": "team"})))
    assert list(by_team) == ["Sales"]
    only_insurance = value_report(Params(RANGE.start, RANGE.end, {"industry": "insurance"}))
    assert only_insurance.figures["opportunities_without_reference"] == 2


def test_value_exchange_points_claims_and_give_get(program):
    report = exchange_report(RANGE)
    assert report.figures == {
        "points_earned": 150,
        "points_spent": 40,  # 60 held for a claim, 20 refunded
        "points_adjusted": -5,
        "activities_completed": 2,
        "advocates_who_gave": 2,
        "benefits_received": 2,
        "gave_without_getting": 1,  # adv2: completed R8's ask, only waitlisted
        "give_get_ratio": 1.0,
    }
    rows = rows_by_first(report)
    statuses = report.columns[1:]
    assert dict(zip(statuses, rows["Speaking slot"][1:], strict=True))["Approved"] == 1
    training = dict(zip(statuses, rows["Training"][1:], strict=True))
    assert training["Waitlisted"] == 1 and training["Fulfilled"] == 1
    assert training["Approved"] == 0


def test_coverage_uses_the_target_gaps(program, db):
    from portal.recruiting.models import Target

    db.session.add(Target(industry="banking", target_count=5, due_on=dt.date(2026, 6, 1)))
    db.session.add(Target(segment="smb", target_count=1))
    db.session.add(Target(region="apac", target_count=3, due_on=dt.date(2027, 6, 1)))  # later
    db.session.commit()
    report = coverage_report(RANGE)
    assert [row[2:5] for row in report.rows] == [[5, 2, 3], [1, 2, 0]]
    assert report.figures == {"targets": 2, "targets_met": 1, "total_gap": 3}


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ({"start": "2026-06-01", "end": "2026-01-01"}, "start"),
        ({"start": "1900-01-01"}, "start"),
        ({"start": "2010-01-01", "end": "2026-01-01"}, "start"),
        ({"end": "2999-01-01"}, "end"),
        ({"start": "yesterday"}, "start"),
        ({"colour": "red"}, "colour"),
        ({"team": "marketing"}, "team"),
        ({"segment": "smb"}, "segment"),  # not a filter of the funnel
    ],
)
def test_bad_ranges_and_unknown_filters_are_refused(db, args, field):
    with pytest.raises(ValidationFailed) as refused:
        parse_params("funnel", args, today=dt.date(2026, 11, 30))
    assert field in refused.value.fields


def test_default_range_is_the_last_12_months(db):
    params = parse_params("funnel", {}, today=dt.date(2026, 11, 30))
    assert (params.start, params.end) == (dt.date(2025, 12, 1), dt.date(2026, 11, 30))


def test_report_pages_and_csv(app, client, auth, db, program):
    manager = UserFactory(role="manager", email="boss@example.com")
    db.session.commit()
    auth.login(manager.email)
    args = "start=2026-01-01&end=2026-06-30"
    for name in REPORTS:
        page = client.get(f"/reports/{name}?{args}")
        assert page.status_code == 200, name
        shown = page.get_data(as_text=True)
        assert ("<svg" in shown) if name != "coverage" else ("Nothing to show" in shown)
    csv_text = client.get(f"/reports/value.csv?{args}&by=industry").get_data(as_text=True)
    lines = csv_text.strip().splitlines()
    assert lines[0].startswith("Industry,Opportunities with a reference,Won")
    assert lines[1].startswith("Banking,2,1,1,50.0,1,0,1,0.0,100000.0")
    refused = client.get("/reports/funnel?start=2026-06-01&end=2026-01-01")
    assert refused.status_code == 422
    assert "The start is after the end" in refused.get_data(as_text=True)
    assert client.get("/reports/funnel.csv?colour=red").status_code == 422
    overview = client.get(f"/reports/?{args}")
    assert overview.status_code == 200 and "100,000" in overview.get_data(as_text=True)


def test_csv_cells_never_start_a_formula():
    report = Report("x", "X", RANGE, ["a", "b"], [["=HYPERLINK(1)", -5]])
    assert report.csv().splitlines()[1] == "'=HYPERLINK(1),-5"


def _counts(app, client) -> dict[str, int]:
    counts = {}
    with app.app_context():
        for name in REPORTS:
            with QueryCounter(_db.engine) as counter:
                registry.build(name, RANGE)
            counts[name] = counter.count
        with QueryCounter(_db.engine) as counter:
            registry.summary(RANGE)
        counts["summary"] = counter.count
        _db.session.remove()
        engine = _db.engine
    for name in REPORTS:
        with QueryCounter(engine) as counter:
            assert client.get(f"/reports/{name}?start=2026-01-01&end=2026-06-30").status_code == 200
        counts[f"page:{name}"] = counter.count
    return counts


def test_query_count_does_not_grow_with_the_data(app, client, auth, db):
    from portal.recruiting.models import Target

    build_program(db, prefix="a")
    db.session.add(Target(industry="banking", target_count=5))
    manager = UserFactory(role="manager", email="boss@example.com")
    db.session.commit()
    auth.login(manager.email)
    small = _counts(app, client)
    for n in range(4):  # five times the program
        build_program(db, prefix=f"b{n}")
    assert db.session.scalar(sa.text("SELECT count(*) FROM asks")) == 5 * 7
    large = _counts(app, client)
    assert small == large, (small, large)
    assert all(small[name] <= 4 for name in REPORTS)  # "one or a few" queries
    assert small["summary"] <= 12


def test_utilization_up_to_today_reads_the_eligibility_counts(program, db):
    from portal.asks.models import AdvocateEligibility
    from portal.database import now_utc

    adv1, adv2, adv3, adv4 = program["advocates"]
    for advocate, count in ((adv1, 7), (adv2, 4), (adv3, 0), (adv4, 0)):
        db.session.execute(
            sa.update(AdvocateEligibility)
            .where(AdvocateEligibility.advocate_id == advocate.id)
            .values(asks_12m=count)
        )
    db.session.commit()
    today = now_utc().date()
    report = utilization_report(Params(today - dt.timedelta(days=30), today))
    assert report.figures["distribution"] == {"0": 2, "1": 0, "2": 0, "3": 0, "4-5": 1, "6+": 1}
    assert report.figures["never_asked"] == 1 and report.figures["at_limit_now"] == 1


def test_summary_agrees_with_every_report(program, db):
    """The program page computes each report's totals without the breakdowns: the same
    figures as the reports themselves, by the same definitions."""
    summary = registry.summary(RANGE)
    funnel = funnel_report(RANGE)
    for stage in FUNNEL_STAGES:
        assert summary["requests"][stage] == funnel.figures[stage]
    assert (
        summary["requests"]["median_days_to_first_accept"]
        == (funnel.figures["median_days_to_first_accept"])
    )
    fulfilment = fulfilment_report(RANGE).figures
    assert summary["requests"]["fulfilment_rate"] == fulfilment["fulfilment_rate"]
    assert summary["requests"]["declined_asks"] == fulfilment["declined_asks"]
    utilization = utilization_report(RANGE).figures
    assert summary["advocates"] == {
        "active": utilization["active_advocates"],
        "at_limit_now": utilization["at_limit_now"],
        "never_asked": utilization["never_asked"],
    }
    value = value_report(RANGE).figures
    assert summary["business_value"] == {key: value[key] for key in registry.SUMMARY_VALUE}
    exchange = exchange_report(RANGE).figures
    assert summary["value_exchange"] == {key: exchange[key] for key in registry.SUMMARY_EXCHANGE}
    # And the fixture is not empty, so the comparison says something.
    assert summary["requests"]["submitted"] == 7 and summary["value_exchange"]["points_earned"]


@pytest.mark.parametrize(
    ("waits", "median"),
    [((1, 2, 5), 2.0), ((1, 2, 5, 10), 3.5), ((4,), 4.0)],
    ids=["odd", "even", "one"],
)
def test_median_wait_is_the_middle_one_or_the_mean_of_the_middle_two(db, waits, median):
    """The median days to a first accept, per group and overall, on the funnel and the
    program page (each database computes it its own way): an odd count takes the middle
    wait, an even count the mean of the middle two; a request never accepted is left out."""
    from tests.factories import AdvocateFactory
    from tests.reports.program import at, make_ask, make_request

    sales = UserFactory(role="requester", team="sales")
    pr = UserFactory(role="requester", team="pr")
    advocate = AdvocateFactory()
    for i, days in enumerate(reversed(waits)):  # filed out of order on purpose
        created = at("2026-02-01") + dt.timedelta(days=10 * i)
        request = make_request(sales, created, "in_progress")
        make_ask(request, advocate, "accepted", created, created + dt.timedelta(days=days))
    make_ask(
        make_request(sales, at("2026-03-01"), "in_progress"), advocate, "pending", at("2026-03-01")
    )
    slow = make_request(pr, at("2026-03-01"), "in_progress")  # another group, slower
    make_ask(slow, advocate, "accepted", at("2026-03-01"), at("2026-03-31"))
    _db.session.flush()
    funnel = funnel_report(RANGE)
    rows = {(row[0], row[1]): row[-1] for row in funnel.rows}
    assert rows[("Sales", "Reference call")] == median
    assert rows[("PR", "Reference call")] == 30.0
    overall = sorted([*waits, 30])
    middle = overall[(len(overall) - 1) // 2 : len(overall) // 2 + 1]
    expected = sum(middle) / len(middle)
    assert funnel.figures["median_days_to_first_accept"] == expected
    assert registry.summary(RANGE)["requests"]["median_days_to_first_accept"] == expected
