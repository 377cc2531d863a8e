"""GET /api/v1/reports/summary: the headline figures, for the program team only."""

from __future__ import annotations

from portal.auth.service import create_api_token
from tests.factories import UserFactory
from tests.reports.program import build_program

FIRST_VALUE_KEYS = (
    "opportunities_with_reference",
    "win_rate_with_reference",
    "opportunities_without_reference",
    "win_rate_without_reference",
    "influenced_revenue",
)


def _token(db, role):
    user = UserFactory(role=role)
    token = create_api_token(None, user)[1]
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def test_summary_has_the_hand_computed_figures(app, client, db):
    build_program(db)
    headers = _token(db, "manager")
    answer = client.get("/api/v1/reports/summary?start=2026-01-01&end=2026-06-30", headers=headers)
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["start"] == "2026-01-01" and body["end"] == "2026-06-30"
    assert body["requests"]["submitted"] == 7 and body["requests"]["completed"] == 2
    assert body["requests"]["median_days_to_first_accept"] == 3.0
    # The keys API clients have read since issue 9 (issue 19 adds more: test_value_opportunities).
    assert {key: body["business_value"][key] for key in FIRST_VALUE_KEYS} == {
        "opportunities_with_reference": 2,
        "win_rate_with_reference": 50.0,
        "opportunities_without_reference": 3,
        "win_rate_without_reference": 33.3,
        "influenced_revenue": 100000.0,
    }
    assert body["advocates"] == {"active": 4, "at_limit_now": 1, "never_asked": 1}
    assert body["value_exchange"]["points_earned"] == 150


def test_summary_refuses_bad_ranges_and_other_roles(app, client, db):
    headers = _token(db, "admin")
    bad = client.get("/api/v1/reports/summary?start=2026-06-01&end=2026-01-01", headers=headers)
    assert bad.status_code == 400
    assert bad.get_json()["error"]["fields"] == {"start": "The start is after the end: swap them."}
    unknown = client.get("/api/v1/reports/summary?team=sales", headers=headers)
    assert unknown.status_code == 400 and "team" in unknown.get_json()["error"]["fields"]
    assert client.get("/api/v1/reports/summary", headers=_token(db, "requester")).status_code == 403
