"""A search box takes what is typed literally: `%` and `_` are characters to find, not SQL
wildcards that match every row (each list's search, in its service or view)."""

from __future__ import annotations

import pytest

from portal.accounts.service import account_query
from portal.advocates.service import advocate_query
from portal.asks.request_queries import requests_query
from tests.factories import (
    AccountFactory,
    AdvocateFactory,
    ReferenceRequestFactory,
    UserFactory,
)


@pytest.fixture
def program(db):
    manager = UserFactory(role="manager", name="Mia Manager", email="mia@vendor.example")
    admin = UserFactory(role="admin", email="root@vendor.example")
    account = AccountFactory(name="Nordbank", domain="nordbank.example", crm_id="001A")
    AccountFactory(name="Save_50%", domain="save.example", crm_id="001B")
    AdvocateFactory(name="Jana Novak", account=account, email="jana@nordbank.example")
    ReferenceRequestFactory(prospect_company="Acme Freight", opportunity_name="Acme renewal")
    db.session.commit()
    return manager, admin


@pytest.mark.parametrize(
    ("typed", "found"), [("%", ["Save_50%"]), ("_", ["Save_50%"]), ("ord", ["Nordbank"])]
)
def test_account_search_is_literal(db, program, typed, found):
    manager, _ = program
    names = [a.name for a in db.session.scalars(account_query(manager, q=typed))]
    assert names == found


@pytest.mark.parametrize("typed", ["%", "_", "%%"])
def test_wildcards_match_no_advocate_request_or_user(db, client, auth, program, typed):
    manager, admin = program
    assert db.session.scalars(advocate_query(manager, q=typed)).all() == []
    assert db.session.scalars(requests_query(manager, {"q": typed})).all() == []
    auth.login("root@vendor.example")
    users = client.get("/admin/users/", query_string={"q": typed}).get_data(as_text=True)
    assert "mia@vendor.example" not in users
    audit = client.get("/admin/audit/", query_string={"actor": typed}).get_data(as_text=True)
    assert "root@vendor.example" not in audit.split("<tbody>")[-1]
