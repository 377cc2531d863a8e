"""Give and get: what each advocate gave against what they got back, who to thank first, and
the benefits nobody claims."""

from __future__ import annotations

import csv
import io

import pytest

from portal.benefits.models import Claim
from portal.errors import Forbidden
from portal.reports.exchange import give_and_get
from tests.factories import (
    AccountFactory,
    AdvocateFactory,
    AskFactory,
    BenefitFactory,
    LedgerEntryFactory,
    ReferenceRequestFactory,
    UserFactory,
    advocate_with_login,
)


def _completed(advocate, activity_type, points=None):
    ask = AskFactory(
        advocate=advocate,
        status="completed",
        request=ReferenceRequestFactory(activity_type=activity_type),
    )
    if points is not None:
        LedgerEntryFactory(advocate=advocate, delta=points, reason="activity", ask_id=ask.id)
    return ask


def _claim(db, advocate, benefit, status, *entries):
    claim = Claim(benefit=benefit, advocate=advocate, status=status, details={})
    db.session.add(claim)
    db.session.flush()
    for delta, reason in entries:
        LedgerEntryFactory(advocate=advocate, delta=delta, reason=reason, claim_id=claim.id)
    return claim


@pytest.fixture
def program(db):
    """Alice gave 3 and got 1; Bob gave 1 and got 2; Carol gave 2 and got nothing; Dan did
    neither. Two open benefits have no live claim, one closed benefit has none either."""
    account = AccountFactory(name="Northwind Bank")
    alice = AdvocateFactory(name="Alice Archer", account=account)
    bob = AdvocateFactory(name="Bob Brown", account=account)
    carol = AdvocateFactory(name="Carol Chen")
    dan = AdvocateFactory(name="Dan Dorn")

    _completed(alice, "reference_call", 30)
    _completed(alice, "reference_call", 30)
    _completed(alice, "case_study", 50)
    AskFactory(advocate=alice, status="pending")  # not given yet
    AskFactory(advocate=dan, status="declined")
    _completed(bob, "site_visit", 20)
    _completed(carol, "quote")
    _completed(carol, "quote")
    LedgerEntryFactory(advocate=carol, delta=500, reason="adjustment")  # not earned by activity

    summit = BenefitFactory(title="Summit keynote", points_cost=40)
    declined_only = BenefitFactory(title="Beta early access", kind="early_access", points_cost=20)
    BenefitFactory(title="Charity gift", kind="charity_donation")
    BenefitFactory(title="Old pass", kind="conference_pass", status="closed")
    course = BenefitFactory(title="Training course", kind="training", points_cost=10)
    invite = BenefitFactory(title="User group", kind="user_group", points_cost=0)
    held = BenefitFactory(title="Advisory seat", kind="advisory_board", points_cost=15)

    _claim(db, alice, summit, "approved", (-40, "claim"))
    _claim(db, alice, declined_only, "declined", (-20, "claim"), (20, "refund"))
    _claim(db, bob, invite, "approved")
    _claim(db, bob, course, "fulfilled", (-10, "claim"))
    _claim(db, bob, held, "requested", (-15, "claim"))  # held, not yet received
    db.session.commit()
    return {"alice": alice, "bob": bob, "carol": carol, "dan": dan}


def test_give_and_get_counts_activities_given_and_benefits_received(db, program):
    report = give_and_get(UserFactory(role="manager"))
    rows = {row.name: row for row in report.rows}

    assert list(rows) == ["Alice Archer", "Bob Brown", "Carol Chen"]  # Dan neither gave nor got
    alice, bob, carol = rows["Alice Archer"], rows["Bob Brown"], rows["Carol Chen"]
    assert alice.activities == {"case_study": 1, "reference_call": 2}
    assert (alice.given, alice.points_earned, alice.received, alice.points_spent) == (3, 110, 1, 40)
    assert alice.account == "Northwind Bank"
    assert (bob.given, bob.points_earned, bob.received, bob.points_spent) == (1, 20, 2, 10)
    assert carol.activities == {"quote": 2}
    assert (carol.given, carol.points_earned, carol.received, carol.points_spent) == (2, 0, 0, 0)


def test_thank_first_lists_who_gave_most_and_got_least(db, program):
    report = give_and_get(UserFactory(role="admin"))

    # Alice and Carol both gave two more than they got; Carol got nothing, so she comes first.
    # Bob got more than he gave and is not listed.
    assert [row.name for row in report.thank_first] == ["Carol Chen", "Alice Archer"]
    assert [row.gap for row in report.thank_first] == [2, 2]


def test_unclaimed_lists_open_benefits_without_a_live_claim(db, program):
    report = give_and_get(UserFactory(role="manager"))

    # A declined claim does not count; a closed benefit is not listed; a requested one counts.
    assert [b.title for b in report.unclaimed] == ["Beta early access", "Charity gift"]


@pytest.mark.parametrize("role", ["csm", "requester", "advocate"])
def test_only_the_program_team_gets_the_give_and_get_figures(db, role):
    with pytest.raises(Forbidden):
        give_and_get(UserFactory(role=role))


def test_manager_sees_the_give_and_get_page(client, auth, db, program):
    manager = UserFactory(role="manager")
    db.session.commit()
    auth.login(manager.email)

    response = client.get("/program/benefits/give-get")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Thank first" in page
    thank = page.split('id="thank-h"')[1].split('id="all-h"')[0]
    assert thank.index("Carol Chen") < thank.index("Alice Archer")
    assert "Bob Brown" not in thank
    assert "Reference call: 2" in page and "Case study: 1" in page
    unclaimed = page.split('id="unclaimed-h"')[1]
    assert "Beta early access" in unclaimed and "Charity gift" in unclaimed
    assert "Summit keynote" not in unclaimed and "Old pass" not in unclaimed
    assert "/program/benefits/give-get.csv" in page
    assert "/program/benefits/give-get" in client.get("/program/benefits/").get_data(as_text=True)


def test_csv_download_has_one_row_per_advocate_with_the_figures(client, auth, db, program):
    admin = UserFactory(role="admin")
    db.session.commit()
    auth.login(admin.email)

    response = client.get("/program/benefits/give-get.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][0] == "Advocate"
    assert rows[1:] == [
        [
            "Alice Archer",
            "Northwind Bank",
            "3",
            "Case study: 1; Reference call: 2",
            "110",
            "1",
            "40",
        ],
        ["Bob Brown", "Northwind Bank", "1", "Site visit: 1", "20", "2", "10"],
        ["Carol Chen", rows[3][1], "2", "Quote: 2", "0", "0", "0"],
    ]


def test_csv_cells_are_never_read_as_formulas(client, auth, db):
    advocate = AdvocateFactory(name="=HYPERLINK(1)")
    _completed(advocate, "quote")
    manager = UserFactory(role="manager")
    db.session.commit()
    auth.login(manager.email)

    rows = list(
        csv.reader(io.StringIO(client.get("/program/benefits/give-get.csv").get_data(as_text=True)))
    )
    assert rows[1][0] == "'=HYPERLINK(1)"


def test_an_empty_program_says_what_to_do_next(client, auth, db):
    manager = UserFactory(role="manager")
    db.session.commit()
    auth.login(manager.email)

    page = client.get("/program/benefits/give-get").get_data(as_text=True)
    assert "Nothing given or received yet" in page
    assert "Download CSV" not in page


def test_requester_and_advocate_may_not_see_give_and_get(client, auth, db):
    requester = UserFactory(role="requester")
    _, advocate_user = advocate_with_login()
    db.session.commit()

    for user in (requester, advocate_user):
        auth.login(user.email)
        assert client.get("/program/benefits/give-get").status_code == 403
        assert client.get("/program/benefits/give-get.csv").status_code == 403
        auth.logout()
