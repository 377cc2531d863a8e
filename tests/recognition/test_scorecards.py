"""Scorecards against a hand-computed fixture: nominations, activations and references per
nominator, and the CSMs' account figures, for Q3 2026; who sees what; the leaderboard switch;
a constant number of queries; the API."""

from __future__ import annotations

import datetime as dt

import pytest

from portal.auth.service import create_api_token
from portal.errors import Forbidden, ValidationFailed
from portal.extensions import db as _db
from portal.program.service import set_setting
from portal.recognition import service
from tests.factories import (
    AccountFactory,
    AdvocateFactory,
    AskFactory,
    LedgerEntryFactory,
    UserFactory,
)
from tests.queries import QueryCounter

Q3 = service.parse_period("2026-Q3", today=dt.date(2026, 12, 6))


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def completed(advocate, when: str):
    return AskFactory(advocate=advocate, status="completed", completed_at=at(when))


def build_program():
    """The fixture; the comments give each row's part in the expected figures (Q3 2026 is
    1 July to 30 September, UTC)."""
    people = {
        "sam": UserFactory(name="Sam Seller", role="requester", team="sales"),
        "pat": UserFactory(name="Pat Press", role="requester", team="pr"),
        "cara": UserFactory(name="Cara CSM", role="csm"),
        "dan": UserFactory(name="Dan CSM", role="csm"),
        "mia": UserFactory(name="Mia Manager", role="manager"),
        "eve": UserFactory(name="Eve Exec", role="executive"),
    }
    a1_acct = AccountFactory(csm=people["cara"])
    a2_acct = AccountFactory(csm=people["cara"])
    b_acct = AccountFactory(csm=people["dan"])
    n_acct = AccountFactory(csm=None)

    def adv(account, by, created, status):
        return AdvocateFactory(
            account=account, nominated_by=people.get(by), created_at=at(created), status=status
        )

    a1 = adv(a1_acct, "sam", "2026-07-10T09:00", "active")  # sam nom+act; cara acct act
    adv(a1_acct, "sam", "2026-08-01T09:00", "nominated")  # sam nom
    a3 = adv(b_acct, "sam", "2026-09-30T23:00", "paused")  # sam nom+act; dan acct act
    adv(a2_acct, "cara", "2026-07-02T09:00", "invited")  # cara nom
    a5 = adv(b_acct, "cara", "2026-06-30T09:00", "active")  # Q2: no nomination in Q3
    a6 = adv(n_acct, "pat", "2026-10-01T00:00", "active")  # Q4: outside
    a7 = adv(a2_acct, None, "2026-08-15T09:00", "active")  # nobody's; cara acct act
    a8 = adv(a1_acct, "pat", "2026-07-20T09:00", "retired")  # pat nom+act; cara acct act
    a8.consent_at = at("2026-07-25T09:00")  # joined, then left: activated all the same
    adv(b_acct, "dan", "2026-08-05T09:00", "declined")  # dan nom

    completed(a1, "2026-08-10T10:00")  # sam ref; cara acct ref
    completed(a1, "2026-09-15T10:00")  # sam ref; cara acct ref
    AskFactory(advocate=a1, status="accepted")  # not completed
    completed(a5, "2026-07-05T10:00")  # cara ref (nominated in Q2); dan acct ref
    completed(a5, "2026-06-29T10:00")  # Q2
    completed(a7, "2026-08-20T10:00")  # cara acct ref
    completed(a3, "2026-10-01T00:00")  # Q4
    completed(a8, "2026-08-01T10:00")  # pat ref; cara acct ref
    completed(a6, "2026-12-01T10:00")  # Q4

    for advocate, delta, reason, when in (
        (a1, 50, "activity", "2026-08-10T10:00"),  # cara
        (a1, 300, "activity", "2026-09-15T10:00"),  # cara
        (a5, 50, "activity", "2026-07-05T10:00"),  # dan
        (a7, 40, "activity", "2026-08-20T10:00"),  # cara
        (a8, 50, "activity", "2026-08-01T10:00"),  # cara
        (a1, 100, "adjustment", "2026-08-11T10:00"),  # not earned by an activity
        (a5, 50, "activity", "2026-06-29T10:00"),  # Q2
    ):
        LedgerEntryFactory(advocate=advocate, delta=delta, reason=reason, created_at=at(when))
    _db.session.commit()
    return people


# name: (nominations, activated, references, acct activated, acct references, acct points)
EXPECTED = {
    "Cara CSM": (1, 0, 1, 3, 4, 440),
    "Dan CSM": (1, 0, 0, 1, 1, 50),
    "Pat Press": (1, 1, 1, 0, 0, 0),
    "Sam Seller": (3, 2, 2, 0, 0, 0),
}


def figures(card):
    return (
        card.nominations,
        card.activated,
        card.references,
        card.account_activated,
        card.account_references,
        card.account_points,
    )


def test_scorecards_match_the_hand_computed_fixture(db):
    people = build_program()
    for viewer in ("mia", "eve"):
        board = service.scorecards(people[viewer], Q3)
        assert board.everyone
        assert {card.user.name: figures(card) for card in board.cards} == EXPECTED
        assert board.totals == {"nominations": 6, "activated": 3, "references": 4}


def test_staff_see_only_their_own_scorecard(db):
    people = build_program()
    [own] = service.scorecards(people["cara"], Q3).cards
    assert own.user.name == "Cara CSM" and figures(own) == EXPECTED["Cara CSM"]
    [own] = service.scorecards(people["sam"], Q3).cards
    assert figures(own)[:3] == (3, 2, 2) and not own.is_csm
    assert own.as_dict() == {
        "user_id": people["sam"].id,
        "name": "Sam Seller",
        "role": "requester",
        "team": "sales",
        "nominations": 3,
        "activated": 2,
        "references_delivered": 2,
        "accounts": None,
    }


def test_an_advocate_sees_no_scorecards(db):
    build_program()
    advocate_user = UserFactory(role="advocate")
    with pytest.raises(Forbidden):
        service.scorecards(advocate_user, Q3)


def test_the_leaderboard_shows_to_staff_only_when_switched_on(db):
    people = build_program()
    assert service.scorecards(people["sam"], Q3).leaderboard is None
    everyone = service.scorecards(people["mia"], Q3).leaderboard  # the program team: always
    assert [c.user.name for c in everyone["references"]] == ["Sam Seller", "Cara CSM", "Pat Press"]

    service.update_recognition_settings(
        people["mia"], {"leaderboard_enabled": True, "executive_summary_frequency": "monthly"}
    )
    _db.session.commit()
    board = service.scorecards(people["sam"], Q3).leaderboard
    assert [c.user.name for c in board["references"]] == ["Sam Seller", "Cara CSM", "Pat Press"]
    assert [(c.user.name, c.activated) for c in board["activations"]] == [
        ("Sam Seller", 2),
        ("Pat Press", 1),
    ]


def test_recognition_settings_refuse_bad_values_and_non_program_users(db):
    people = build_program()
    with pytest.raises(ValidationFailed) as refused:
        service.update_recognition_settings(
            people["mia"], {"leaderboard_enabled": "yes", "executive_summary_frequency": "daily"}
        )
    assert set(refused.value.fields) == {"leaderboard_enabled", "executive_summary_frequency"}
    with pytest.raises(Forbidden):
        service.update_recognition_settings(
            people["eve"], {"leaderboard_enabled": True, "executive_summary_frequency": "off"}
        )
    assert service.leaderboard_enabled() is False


def test_scorecards_run_the_same_queries_however_many_people(db):
    people = build_program()
    set_setting(people["mia"], "leaderboard_enabled", True)
    _db.session.commit()

    def count(viewer):
        _db.session.expire_all()
        with QueryCounter(_db.engine) as counter:
            service.scorecards(viewer, Q3)
        return counter.count

    before = {name: count(people[name]) for name in ("mia", "sam")}
    for _ in range(5):
        nominator = UserFactory(role="requester", team="ar")
        csm = UserFactory(role="csm")
        advocate = AdvocateFactory(
            account=AccountFactory(csm=csm), nominated_by=nominator, created_at=at("2026-08-01")
        )
        completed(advocate, "2026-08-02T10:00")
    _db.session.commit()
    after = {name: count(people[name]) for name in ("mia", "sam")}
    assert after == before
    assert before["mia"] <= 8


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2026-Q4", dt.date(2026, 10, 1), dt.date(2027, 1, 1)),
        ("2026-02", dt.date(2026, 2, 1), dt.date(2026, 3, 1)),
        ("2025", dt.date(2025, 1, 1), dt.date(2026, 1, 1)),
        ("", dt.date(2026, 10, 1), dt.date(2027, 1, 1)),
    ],
)
def test_periods_parse(text, start, end):
    period = service.parse_period(text, today=dt.date(2026, 12, 6))
    assert (period.start, period.end) == (start, end)
    assert period.shifted(1).start == end


@pytest.mark.parametrize("text", ["2026-Q5", "2026-13", "1999", "next year", "2028"])
def test_bad_periods_are_refused_naming_the_field(text):
    with pytest.raises(ValidationFailed) as refused:
        service.parse_period(text, today=dt.date(2026, 12, 6))
    assert "period" in refused.value.fields


def test_the_scorecards_page_shows_the_figures(app, client, auth):
    with app.app_context():
        emails = {user.name: user.email for user in build_program().values()}
    auth.login(emails["Eve Exec"])
    page = client.get("/recognition/?period=2026-Q3").get_data(as_text=True)
    assert "Q3 2026" in page and "Cara CSM" in page and ">440<" in page
    auth.logout()
    auth.login(emails["Cara CSM"])
    page = client.get("/recognition/?period=2026-Q3").get_data(as_text=True)
    assert "Your scorecard" in page and "Sam Seller" not in page
    assert "References from your accounts" in page
    assert client.get("/recognition/?period=2026-Q9").status_code == 422


def test_the_api_gives_own_or_all_scorecards(app, client):
    with app.app_context():
        people = build_program()
        tokens = {k: create_api_token(None, people[k])[1] for k in ("sam", "eve")}
        _db.session.commit()
    body = client.get(
        "/api/v1/scorecards?period=2026-Q3", headers={"Authorization": f"Bearer {tokens['sam']}"}
    ).get_json()
    assert body["total"] == 1 and body["items"][0]["references_delivered"] == 2
    assert (body["period"], body["start"], body["end"]) == ("2026-Q3", "2026-07-01", "2026-09-30")
    body = client.get(
        "/api/v1/scorecards?period=2026-Q3&per_page=2&page=1",
        headers={"Authorization": f"Bearer {tokens['eve']}"},
    ).get_json()
    assert body["total"] == 4 and [i["name"] for i in body["items"]] == ["Cara CSM", "Dan CSM"]
    assert body["items"][0]["accounts"] == {
        "activated": 3,
        "references_delivered": 4,
        "points_earned": 440,
    }
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "/scorecards" in spec["paths"] or "/api/v1/scorecards" in spec["paths"]


def test_the_first_period_has_no_link_to_a_period_before_it(app, client, auth):
    with app.app_context():
        manager = UserFactory(role="manager")
        _db.session.commit()
        email = manager.email
    auth.login(email)
    first = client.get("/recognition/?period=2000-Q1").get_data(as_text=True)
    assert 'rel="prev"' not in first
    second = client.get("/recognition/?period=2000-Q2").get_data(as_text=True)
    assert "period=2000-Q1" in second and 'rel="prev"' in second
