"""The lookups behind the program team's search fields: a few accounts or advocates by name, the
search taken literally, and only for the program team."""

from __future__ import annotations

import datetime as dt

import pytest

from portal.accounts import lookup
from portal.errors import ValidationFailed
from tests.factories import AccountFactory, AdvocateFactory, UserFactory, advocate_with_login
from tests.helpers import sign_in


def labels(client, kind: str, q: str, **args) -> list[str]:
    response = client.get(f"/program/lookup/{kind}", query_string={"q": q, **args})
    assert response.status_code == 200
    return [match["label"] for match in response.get_json()]


def test_accounts_by_name_in_any_case_those_starting_with_it_first(client, auth, db):
    for name in ("Banco del Norte", "Nordbank", "northwind", "Acme"):
        AccountFactory(name=name)
    sign_in(db, auth)
    assert labels(client, "accounts", "NOR") == ["Nordbank", "northwind", "Banco del Norte"]
    match = client.get("/program/lookup/accounts?q=acme").get_json()
    assert match == [{"id": match[0]["id"], "label": "Acme"}]


def test_lookup_answers_at_most_twenty(client, auth, db):
    for n in range(25):
        AccountFactory(name=f"Bank {n:02d}")
        AdvocateFactory(name=f"Alex Bank {n:02d}")
    sign_in(db, auth)
    assert labels(client, "accounts", "bank") == [f"Bank {n:02d}" for n in range(20)]
    assert len(labels(client, "advocates", "bank")) == 20


@pytest.mark.parametrize(
    ("q", "found"),
    [
        ("100%", ["100% Growth"]),
        ("a_b", ["A_B Testing"]),
        ("a/b", ["A/B Tests"]),
        ("x\\y", ["X\\Y Labs"]),
        ("%", ["100% Growth"]),
        ("_", ["A_B Testing"]),
    ],
)
def test_wildcards_in_the_search_are_taken_literally(client, auth, db, q, found):
    for name in ("100% Growth", "100 Percent", "A_B Testing", "AXB Testing", "A/B Tests"):
        AccountFactory(name=name)
    AccountFactory(name="X\\Y Labs")
    AccountFactory(name="XzY Labs")
    sign_in(db, auth)
    assert labels(client, "accounts", q) == found


def test_empty_search_finds_nothing_and_a_bad_one_is_refused(client, auth, db):
    AccountFactory(name="Nordbank")
    sign_in(db, auth)
    assert labels(client, "accounts", "  ") == []
    too_long = client.get(
        "/program/lookup/accounts",
        query_string={"q": "x" * 201},
        headers={"Accept": "application/json"},
    )
    assert too_long.status_code == 422
    assert "q" in too_long.get_json()["error"]["fields"]
    assert client.get("/program/lookup/advocates?q=a%00b").status_code == 422


def test_advocates_show_their_account_and_never_the_anonymized(client, auth, db):
    nordbank = AccountFactory(name="Nordbank")
    AdvocateFactory(name="Jana Novak", account=nordbank)
    AdvocateFactory(name="Janice Paused", status="paused", account=nordbank)
    AdvocateFactory(name="Janet Gone", anonymized_at=dt.datetime.now(dt.UTC))
    sign_in(db, auth)
    assert labels(client, "advocates", "jan") == [
        "Jana Novak (Nordbank)",
        "Janice Paused (Nordbank)",
    ]
    assert labels(client, "advocates", "jan", active="1") == ["Jana Novak (Nordbank)"]


def test_namesakes_are_told_apart_in_the_suggestions(client, auth, db):
    AccountFactory(name="Acme", domain="acme.example")
    AccountFactory(name="Acme", domain=None, crm_id="CRM-ACME-2")
    AccountFactory(name="Acme Labs")
    acme = AccountFactory(name="Acme Group")
    AdvocateFactory(name="Sam Lee", email="sam.one@acme.example", account=acme)
    AdvocateFactory(name="Sam Lee", email="sam.two@acme.example", account=acme)
    AdvocateFactory(name="Sam Leeds", account=acme)
    sign_in(db, auth)
    assert labels(client, "accounts", "acme") == [
        "Acme (acme.example)",
        "Acme (CRM-ACME-2)",
        "Acme Group",
        "Acme Labs",
    ]
    assert labels(client, "advocates", "sam lee") == [
        "Sam Lee (sam.one@acme.example)",
        "Sam Lee (sam.two@acme.example)",
        "Sam Leeds (Acme Group)",
    ]


@pytest.mark.parametrize("role", ["requester", "csm", "advocate"])
def test_only_the_program_team_may_look_up(client, auth, db, role):
    AccountFactory(name="Nordbank")
    if role == "advocate":
        _, user = advocate_with_login()
    else:
        user = UserFactory(role=role)
    db.session.commit()
    auth.login(user.email)
    for kind in ("accounts", "advocates"):
        response = client.get(f"/program/lookup/{kind}?q=nord")
        assert response.status_code == 403
        assert b"Nordbank" not in response.data


def test_visitors_are_sent_to_sign_in(client, db):
    response = client.get("/program/lookup/accounts?q=nord")
    assert response.status_code == 302 and "/auth/sign-in" in response.headers["Location"]


def test_the_service_refuses_someone_outside_the_program_team(db):
    from portal.errors import Forbidden

    with pytest.raises(Forbidden):
        lookup.suggest_accounts(UserFactory(role="csm"), "nord")


def test_a_typed_name_resolves_to_one_account_or_says_what_to_type(db):
    nordbank = AccountFactory(name="Nordbank")
    first = AccountFactory(name="Acme", domain="acme.example", crm_id="CRM-1")
    second = AccountFactory(name="Acme", domain="acme.test", crm_id="CRM-2")
    assert lookup.resolve_account("  NORDBANK ") == lookup.Match(nordbank.id, "Nordbank")
    assert lookup.resolve_account("acme (ACME.TEST)").id == second.id
    assert lookup.resolve_account("Acme (crm-1)").id == first.id
    assert lookup.resolve_account(f"Acme (#{second.id})").id == second.id
    # A suggestion picked in the browser names the one meant, while the text still names it.
    assert lookup.resolve_account("Acme", picked=second.id).id == second.id
    assert lookup.resolve_account("Nordbank", picked=second.id).id == nordbank.id
    with pytest.raises(ValidationFailed) as ambiguous:
        lookup.resolve_account("acme")
    assert ambiguous.value.fields == {
        "account_id": "2 accounts are called “acme”: add the web domain or CRM id of the one "
        "you mean in brackets, as in “Acme (acme.example)”."
    }
    with pytest.raises(ValidationFailed) as unknown:
        lookup.resolve_account("Nord")
    assert unknown.value.fields["account_id"].startswith("No account is called “Nord”.")


def test_a_typed_name_resolves_to_one_advocate(db):
    nordbank = AccountFactory(name="Nordbank")
    jana = AdvocateFactory(name="Jana Novak", email="jana@nordbank.example", account=nordbank)
    other = AdvocateFactory(name="Jana Novak", email="jana@acme.example")
    paused = AdvocateFactory(name="Pat Paused", status="paused")
    assert lookup.resolve_advocate("jana novak (nordbank)").id == jana.id
    assert lookup.resolve_advocate("JANA@ACME.EXAMPLE").id == other.id
    assert lookup.resolve_advocate("Pat Paused").id == paused.id
    with pytest.raises(ValidationFailed, match="2 advocates are called “Jana Novak”"):
        lookup.resolve_advocate("Jana Novak")
    with pytest.raises(ValidationFailed, match="No active advocate is called “Pat Paused”"):
        lookup.resolve_advocate("Pat Paused", active_only=True)
