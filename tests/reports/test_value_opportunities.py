"""Business value from every opportunity (issue 19): the win-rate baseline counts closed deals
without requests, influenced pipeline and revenue per currency, cycle lengths, each rate with
its sample size; checked against a program worked out by hand."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portal.asks.models import ReferenceRequest
from portal.auth.models import User
from portal.auth.service import create_api_token
from portal.extensions import db as _db
from portal.opportunities import service as opportunities
from portal.opportunities.models import Opportunity
from portal.reports import registry
from portal.reports.params import Params, parse_params
from portal.reports.value import report as value_report
from portal.reports.value import totals as value_totals
from tests.factories import AccountFactory, AdvocateFactory, UserFactory
from tests.queries import QueryCounter
from tests.reports.program import RANGE, at, make_ask, make_request

# Deals closed from 1 Jan to 30 Jun 2026 (cycle = close - opened, in days):
#   with a reference (a completed ask on one of its requests)
#     D1  won  USD 100,000  opened 01-01 closed 02-10 (40)  sales, banking
#     D2  won  USD  50,000  opened 02-01 closed 04-01 (59)  sales + pr requests -> pr, insurance
#     D3  lost USD  80,000                    closed 03-20  sales, banking
#     R   won  USD  12,000  a request with no CRM id, closed 05-05 (no opened-on date), sales,
#                           insurance
#   without a reference
#     D4  won  USD  30,000  opened 01-10 closed 03-01 (50)  no request: owner seller (sales),
#                           account bank (banking)
#     D5  won  EUR  20,000  opened 2025-12-01 closed 05-20 (170)  no request: owner unknown
#                           (no team), account insurer (insurance)
#     D6  lost USD  10,000                    closed 04-15  no request: seller, no account
#     D7  lost USD  15,000                    closed 06-10  no request: seller, account insurer
#     D8  lost USD   5,000                    closed 02-28  no request: owner the PR person
#                           (e-mail in other case) -> pr, no account
#     D9  won  USD  40,000  opened 03-01 closed 03-31 (30)  a request (declined ask only):
#                           sales, banking (its request's industry beats its account's)
#   open: O1 USD 60,000 with a reference (pipeline, expected to close 09-30, outside the range);
#         O2 USD 70,000 without (not pipeline)
#   outside the range: X1 won with a reference 2025-12-31; X2 lost without 2026-07-01
#
# With a reference: D1 D2 D3 R = 4, won 3 -> 75.0 %. Without: D4..D9 = 6, won D4 D5 D9 = 3 ->
# 50.0 %. Influenced revenue USD 100,000 + 50,000 + 12,000 = 162,000; EUR 0. All won revenue
# USD 162,000 + 30,000 + 40,000 = 232,000; EUR 20,000. Pipeline USD 60,000 (n = 1), EUR 0.
# Cycle with: D1 40, D2 59 -> median 49.5 (n = 2; R has no deal dates). Without: D4 50, D5 170,
# D9 30 -> median 50.0 (n = 3).
EXPECTED = {
    "opportunities_with_reference": 4,
    "won_with_reference": 3,
    "lost_with_reference": 1,
    "win_rate_with_reference": 75.0,
    "opportunities_without_reference": 6,
    "won_without_reference": 3,
    "lost_without_reference": 3,
    "win_rate_without_reference": 50.0,
    "influenced_revenue": 162000.0,
    "won_revenue": 232000.0,
    "currency": "USD",
    "influenced_revenue_by_currency": {"USD": 162000.0, "EUR": 0.0},
    "won_revenue_by_currency": {"USD": 232000.0, "EUR": 20000.0},
    "influenced_pipeline": 60000.0,
    "influenced_pipeline_by_currency": {"USD": 60000.0, "EUR": 0.0},
    "open_with_reference": 1,
    "median_cycle_days_with_reference": 49.5,
    "cycle_sample_with_reference": 2,
    "median_cycle_days_without_reference": 50.0,
    "cycle_sample_without_reference": 3,
}


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def add_deal(crm_id, outcome, amount, close, opened=None, currency="USD", owner=None, account=None):
    deal = Opportunity(
        crm_id=crm_id,
        name=f"Deal {crm_id}",
        amount=Decimal(amount),
        currency=currency,
        outcome=outcome,
        close_date=day(close) if close else None,
        opened_on=day(opened) if opened else None,
        owner_email=owner,
        account_id=account.id if account else None,
        source="csv",
    )
    _db.session.add(deal)
    _db.session.flush()
    return deal


def support(deal, requester, industry, advocate, ask_status, created="2026-01-05"):
    """A request for `deal` (linked, its fields mirroring the deal) with one ask."""
    request = make_request(
        requester,
        at(created),
        "completed" if ask_status == "completed" else "in_progress",
        opportunity=deal,
        criteria={"industries": [industry]},
    )
    opportunities.mirror(deal)
    done = at(created) + dt.timedelta(days=3) if ask_status == "completed" else None
    responded = at(created) + dt.timedelta(days=1) if ask_status != "pending" else None
    reason = "too_busy" if ask_status == "declined" else None
    make_ask(request, advocate, ask_status, at(created), responded, done, reason)
    return request


@pytest.fixture
def deals(db):
    sales = UserFactory(role="requester", team="sales", email="sara@example.com")
    pr = UserFactory(role="requester", team="pr", email="priya@example.com")
    seller = UserFactory(role="requester", team="sales", email="seller@example.com")
    bank = AccountFactory(industry="banking")
    insurer = AccountFactory(industry="insurance")
    advocate = AdvocateFactory(account=bank)
    d1 = add_deal("D1", "won", 100000, "2026-02-10", "2026-01-01", owner=sales.email)
    support(d1, sales, "banking", advocate, "completed")
    d2 = add_deal("D2", "won", 50000, "2026-04-01", "2026-02-01", owner=sales.email)
    support(d2, sales, "insurance", advocate, "completed")
    support(d2, pr, "insurance", advocate, "pending", created="2026-02-15")
    d3 = add_deal("D3", "lost", 80000, "2026-03-20", owner=sales.email)
    support(d3, sales, "banking", advocate, "completed")
    solo = make_request(
        sales,
        at("2026-03-01"),
        "completed",
        opportunity_outcome="won",
        opportunity_amount=Decimal(12000),
        opportunity_close_date=day("2026-05-05"),
        criteria={"industries": ["insurance"]},
    )
    make_ask(solo, advocate, "completed", at("2026-03-02"), at("2026-03-03"), at("2026-03-10"))
    add_deal("D4", "won", 30000, "2026-03-01", "2026-01-10", owner=seller.email, account=bank)
    add_deal(
        "D5",
        "won",
        20000,
        "2026-05-20",
        "2025-12-01",
        currency="EUR",
        owner="nobody@example.com",
        account=insurer,
    )
    add_deal("D6", "lost", 10000, "2026-04-15", owner=seller.email)
    add_deal("D7", "lost", 15000, "2026-06-10", owner=seller.email, account=insurer)
    add_deal("D8", "lost", 5000, "2026-02-28", owner="Priya@Example.com")
    d9 = add_deal(
        "D9", "won", 40000, "2026-03-31", "2026-03-01", owner=sales.email, account=insurer
    )
    support(d9, sales, "banking", advocate, "declined")
    o1 = add_deal("O1", "open", 60000, "2026-09-30", "2026-04-01", owner=sales.email)
    support(o1, sales, "banking", advocate, "completed", created="2026-05-01")
    o2 = add_deal("O2", "open", 70000, "2026-08-31", owner=sales.email)
    support(o2, sales, "banking", advocate, "pending", created="2026-05-01")
    x1 = add_deal("X1", "won", 999999, "2025-12-31", "2025-10-01", owner=sales.email)
    support(x1, sales, "banking", advocate, "completed", created="2025-11-01")
    add_deal("X2", "lost", 1000, "2026-07-01", owner=seller.email)
    _db.session.commit()
    return {"sales": sales, "pr": pr, "seller": seller, "advocate": advocate}


def rows_by_first(report) -> dict:
    return {row[0]: dict(zip(report.columns, row, strict=True)) for row in report.rows}


def test_value_counts_every_closed_deal_with_and_without_requests(deals):
    report = value_report(RANGE)
    assert report.figures == EXPECTED
    # The program's currency first, then the others: one line each on the page.
    assert list(report.figures["won_revenue_by_currency"]) == ["USD", "EUR"]


def test_value_breaks_down_by_quarter_with_open_deals_under_their_expected_close(deals):
    rows = rows_by_first(value_report(RANGE))
    # Q1: D1 won and D3 lost with; D4 D9 won and D8 lost without. Q2: D2 R won with; D5 won,
    # D6 D7 lost without. O1's pipeline under its expected close, 2026 Q3.
    q1, q2, q3 = rows["2026 Q1"], rows["2026 Q2"], rows["2026 Q3"]
    assert [q1["Opportunities with a reference"], q1["Won"], q1["Win rate with %"]] == [2, 1, 50.0]
    assert [q1["Opportunities without"], q1["Won without"], q1["Win rate without %"]] == [
        3,
        2,
        66.7,
    ]
    assert q1["Influenced revenue (USD)"] == 100000.0 and q1["All won revenue (USD)"] == 170000.0
    # Cycles in Q1: D1 40 with; D4 50 and D9 30 without -> 40.0.
    assert [q1["Median cycle days with"], q1["Cycle sample with"]] == [40.0, 1]
    assert [q1["Median cycle days without"], q1["Cycle sample without"]] == [40.0, 2]
    assert [q2["Opportunities with a reference"], q2["Win rate with %"]] == [2, 100.0]
    assert [q2["Opportunities without"], q2["Win rate without %"]] == [3, 33.3]
    assert q2["All won revenue (EUR)"] == 20000.0 and q2["All won revenue (USD)"] == 62000.0
    assert q3["Opportunities with a reference"] == 0 and q3["Win rate with %"] is None
    assert q3["Open with a reference"] == 1 and q3["Influenced pipeline (USD)"] == 60000.0
    assert set(rows) == {"2026 Q1", "2026 Q2", "2026 Q3"}


def test_value_filters_and_groups_by_team(deals):
    # Team: the requesters' (D2: sales and pr -> pr), else the deal owner's (D8: the PR person's
    # e-mail in other case; D5's owner is nobody here -> no team).
    sales = value_report(Params(RANGE.start, RANGE.end, {"team": "sales"})).figures
    # With: D1 won, D3 lost, R won -> 2 of 3; without: D4 D9 won, D6 D7 lost -> 2 of 4.
    assert sales["opportunities_with_reference"] == 3 and sales["win_rate_with_reference"] == 66.7
    assert sales["opportunities_without_reference"] == 4
    assert sales["win_rate_without_reference"] == 50.0
    assert sales["influenced_revenue_by_currency"] == {"USD": 112000.0}
    assert sales["won_revenue_by_currency"] == {"USD": 182000.0}
    assert sales["influenced_pipeline"] == 60000.0
    pr = value_report(Params(RANGE.start, RANGE.end, {"team": "pr"})).figures
    assert (pr["opportunities_with_reference"], pr["win_rate_with_reference"]) == (1, 100.0)
    assert (pr["opportunities_without_reference"], pr["win_rate_without_reference"]) == (1, 0.0)
    nobody = value_report(Params(RANGE.start, RANGE.end, {"team": "none"})).figures
    assert nobody["opportunities_without_reference"] == 1
    assert nobody["won_revenue_by_currency"] == {"USD": 0.0, "EUR": 20000.0}
    by_team = rows_by_first(value_report(Params(RANGE.start, RANGE.end, {"by": "team"})))
    assert set(by_team) == {"Sales", "PR", "No team"}
    assert by_team["PR"]["Median cycle days with"] == 59.0  # D2
    assert by_team["No team"]["Median cycle days without"] == 170.0  # D5


def test_value_filters_and_groups_by_industry(deals):
    # Industry: its requests' first industry, else its account's (D9: banking, not insurance).
    banking = value_report(Params(RANGE.start, RANGE.end, {"industry": "banking"})).figures
    # With: D1 won, D3 lost; without: D4 won (account), D9 won (request); pipeline O1.
    assert (banking["opportunities_with_reference"], banking["win_rate_with_reference"]) == (
        2,
        50.0,
    )
    assert banking["opportunities_without_reference"] == 2
    assert banking["win_rate_without_reference"] == 100.0
    assert banking["influenced_pipeline_by_currency"] == {"USD": 60000.0}
    # Cycles: D1 40 with; D4 50 and D9 30 without -> 40.0.
    assert banking["median_cycle_days_without_reference"] == 40.0
    insurance = value_report(Params(RANGE.start, RANGE.end, {"industry": "insurance"})).figures
    # With: D2 won, R won; without: D5 won (EUR), D7 lost.
    assert insurance["opportunities_with_reference"] == 2
    assert insurance["win_rate_with_reference"] == 100.0
    assert insurance["opportunities_without_reference"] == 2
    assert insurance["win_rate_without_reference"] == 50.0
    assert insurance["won_revenue_by_currency"] == {"USD": 62000.0, "EUR": 20000.0}
    assert insurance["influenced_pipeline"] == 0.0
    by_industry = rows_by_first(value_report(Params(RANGE.start, RANGE.end, {"by": "industry"})))
    assert set(by_industry) == {"Banking", "Insurance", "No industry"}
    # No industry: D6 and D8, both lost without a reference.
    assert by_industry["No industry"]["Opportunities without"] == 2
    assert by_industry["No industry"]["Win rate without %"] == 0.0


def _token(db, role):
    user = UserFactory(role=role)
    token = create_api_token(None, user)[1]
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def test_summary_api_has_the_same_hand_computed_figures(client, db, deals):
    answer = client.get(
        "/api/v1/reports/summary?start=2026-01-01&end=2026-06-30", headers=_token(db, "manager")
    )
    assert answer.status_code == 200
    value = answer.get_json()["business_value"]
    assert value == {key: EXPECTED[key] for key in registry.SUMMARY_VALUE}
    assert set(registry.SUMMARY_VALUE) >= {
        "opportunities_with_reference",
        "win_rate_with_reference",
        "opportunities_without_reference",
        "win_rate_without_reference",
        "influenced_revenue",
        "influenced_revenue_by_currency",
        "influenced_pipeline_by_currency",
        "median_cycle_days_with_reference",
        "median_cycle_days_without_reference",
    }


def test_summary_and_report_agree(deals):
    summary = registry.summary(RANGE)["business_value"]
    assert summary == {key: EXPECTED[key] for key in registry.SUMMARY_VALUE}
    filtered = Params(RANGE.start, RANGE.end, {"team": "sales"})
    assert value_totals(filtered) == value_report(filtered).figures


def test_win_rate_baseline_moves_when_deals_without_requests_are_imported(db):
    """Issue 19's "done when": only deals that filed a request made the baseline before."""
    manager = UserFactory(role="manager")
    sales = UserFactory(role="requester", team="sales")
    advocate = AdvocateFactory()
    for crm_id, outcome, ask in (("A1", "won", "completed"), ("A2", "won", "declined")):
        deal = add_deal(crm_id, outcome, 10000, "2026-03-01", owner=sales.email)
        support(deal, sales, "banking", advocate, ask)
    db.session.commit()
    before = value_report(RANGE).figures
    # Without a reference: A2 alone, won -> 1 of 1 = 100 %.
    assert (before["opportunities_without_reference"], before["win_rate_without_reference"]) == (
        1,
        100.0,
    )
    for n in range(3):  # a CRM export of three lost deals nobody asked a reference for
        opportunities.upsert(
            manager,
            f"CRM-{n}",
            {"name": f"Deal {n}", "outcome": "lost", "close_date": f"2026-04-0{n + 1}"},
            source="csv",
        )
    db.session.commit()
    after = value_report(RANGE).figures
    # Without: A2 won, three lost -> 1 of 4 = 25 %; with a reference: A1 alone, unchanged.
    assert (after["opportunities_without_reference"], after["win_rate_without_reference"]) == (
        4,
        25.0,
    )
    assert (after["opportunities_with_reference"], after["win_rate_with_reference"]) == (1, 100.0)


def test_a_deal_without_a_close_date_counts_by_its_requests_needed_by(db):
    """As before deals were kept (and as deals migrated from requests may be)."""
    sales = UserFactory(role="requester", team="sales")
    deal = add_deal("NC1", "lost", 1000, None, owner=sales.email)
    request = support(deal, sales, "banking", AdvocateFactory(), "completed")
    request.needed_by = day("2026-05-01")
    add_deal("NC2", "won", 1000, None)  # no request, no close date: left out
    db.session.commit()
    figures = value_report(RANGE).figures
    assert figures["opportunities_with_reference"] == 1 and figures["lost_with_reference"] == 1
    assert figures["opportunities_without_reference"] == 0


def test_report_page_and_csv_show_sample_sizes_cycles_and_each_currency(client, auth, db, deals):
    manager = UserFactory(role="manager", email="boss@example.com")
    db.session.commit()
    auth.login(manager.email)
    page = client.get("/reports/value?start=2026-01-01&end=2026-06-30").get_data(as_text=True)
    assert "n = 4 (3 won, 1 lost)" in page and "n = 6 (3 won, 3 lost)" in page
    assert "49.5 days" in page and "n = 2 won deals" in page
    assert '<th scope="row">EUR</th>' in page and "232,000" in page and "60,000" in page
    overview = client.get("/reports/?start=2026-01-01&end=2026-06-30").get_data(as_text=True)
    assert "n = 4 closed opportunities" in overview and "USD 60,000" in overview
    assert "Also EUR 0" in overview  # no EUR influenced revenue, but a EUR deal was won
    lines = (
        client.get("/reports/value.csv?start=2026-01-01&end=2026-06-30&by=industry")
        .get_data(as_text=True)
        .splitlines()
    )
    assert lines[0] == (
        "Industry,Opportunities with a reference,Won,Lost,Win rate with %,Opportunities without,"
        "Won without,Lost without,Win rate without %,Influenced revenue (USD),"
        "All won revenue (USD),Open with a reference,Influenced pipeline (USD),"
        "Median cycle days with,Cycle sample with,Median cycle days without,"
        "Cycle sample without,Influenced revenue (EUR),All won revenue (EUR),"
        "Influenced pipeline (EUR)"
    )
    # Banking: D1 won D3 lost with; D4 D9 won without; O1 open; cycles D1 40 | D4 50, D9 30.
    assert lines[1] == (
        "Banking,2,1,1,50.0,2,2,0,100.0,100000.0,170000.0,1,60000.0,40.0,1,40.0,2,0.0,0.0,0.0"
    )


def test_value_runs_the_same_statements_whatever_the_number_of_deals(app, db, deals):
    def statements() -> int:
        with QueryCounter(_db.engine) as counter:
            value_report(Params(RANGE.start, RANGE.end, {"by": "team"}))
            registry.summary(RANGE)
        return counter.count

    small = statements()
    for n in range(20):
        add_deal(f"MORE{n}", ("won", "lost", "open")[n % 3], 1000 + n, "2026-02-01", "2026-01-01")
    _db.session.commit()
    assert statements() == small


def test_demo_links_each_request_to_its_deal_and_adds_deals_without_requests(db, runner):
    result = runner.invoke(args=["seed-demo", "--advocates", "40"])
    assert result.exit_code == 0, result.output
    named = db.session.scalars(
        sa.select(ReferenceRequest).where(ReferenceRequest.opportunity_crm_id.is_not(None))
    ).all()
    assert named
    for request in named:
        deal = request.opportunity
        assert deal is not None and deal.crm_id == request.opportunity_crm_id, request.id
        assert (deal.outcome, deal.amount, deal.close_date) == (
            request.opportunity_outcome,
            request.opportunity_amount,
            request.opportunity_close_date,
        )
        assert deal.opened_on < request.created_at.date()
    deals = db.session.scalars(sa.select(Opportunity)).all()
    alone = [deal for deal in deals if not deal.requests]
    assert len(alone) == 3 * len({r.opportunity_id for r in named})
    sellers = set(db.session.scalars(sa.select(User.email).where(User.team == "sales")))
    currencies = Counter(deal.currency for deal in alone)
    assert currencies.most_common(1)[0][0] == "USD" and {"EUR", "GBP"} <= set(currencies)
    for deal in alone:
        assert 20 <= (deal.close_date - deal.opened_on).days <= 200, deal.crm_id
        assert deal.owner_email in sellers
    assert {deal.outcome for deal in alone} == {"won", "lost", "open"}
    figures = value_report(parse_params("value", {})).figures
    assert figures["opportunities_without_reference"] > figures["opportunities_with_reference"]
