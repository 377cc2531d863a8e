"""Recruiting pages read a page of rows, not every row: a CSM with many accounts sees them 25
at a time, and a target names its first few nominations and counts the rest."""

from __future__ import annotations

import re

from portal.recruiting import targets
from tests.conftest import PASSWORD
from tests.factories import AccountFactory, AdvocateFactory, UserFactory


def test_a_csm_with_many_accounts_sees_them_25_a_page(db, client, auth):
    csm = UserFactory(role="csm", password=PASSWORD)
    names = [f"Account {n:02d}" for n in range(27)]
    for name in names:
        AccountFactory(name=name, csm=csm)
    AccountFactory(name="Someone else's account")
    db.session.commit()
    auth.login(csm.email)

    first = client.get("/recruiting/accounts").get_data(as_text=True)
    second = client.get("/recruiting/accounts?page=2").get_data(as_text=True)

    shown_first = re.findall(r"Account \d\d", first)
    shown_second = re.findall(r"Account \d\d", second)
    assert shown_first == names[:25] and shown_second == names[25:]
    assert "27 in all" in first and "Someone else" not in first + second


def test_a_target_names_five_nominations_and_counts_them_all(db, client, auth):
    manager = UserFactory(role="manager", password=PASSWORD)
    account = AccountFactory(industry="banking", region="emea")
    for n in range(8):
        AdvocateFactory(account=account, status="nominated", name=f"Nominee {n}")
    targets.create_target(manager, {"target_count": 10, "industry": "banking"})
    db.session.commit()

    (gap,) = targets.target_gaps()
    assert gap.gap == 10 and gap.nominated == 8 and not gap.closable
    assert [a.name for a in gap.nominations] == [f"Nominee {n}" for n in range(5)]

    auth.login(manager.email)
    page = client.get("/recruiting/targets").get_data(as_text=True)
    assert "Nominee 4" in page and "Nominee 5" not in page and "and 3 more" in page


def test_the_csm_home_pages_their_accounts_with_counts_for_each(db, client, auth):
    csm = UserFactory(role="csm", password=PASSWORD)
    names = [f"Account {n:02d}" for n in range(27)]
    accounts = [AccountFactory(name=name, csm=csm) for name in names]
    AdvocateFactory(account=accounts[0], status="active")
    AdvocateFactory(account=accounts[0], status="paused")
    AdvocateFactory(account=accounts[26], status="active")
    AccountFactory(name="Someone else's account")
    db.session.commit()
    auth.login(csm.email)

    first = client.get("/home").get_data(as_text=True)
    second = client.get("/home?page=2").get_data(as_text=True)

    assert re.findall(r">(Account \d\d)<", first) == names[:25]
    assert re.findall(r">(Account \d\d)<", second) == names[25:]
    assert "27 in all" in first and "Someone else" not in first + second
    assert 'aria-label="2 advocates at Account 00"' in first
    assert 'aria-label="1 active advocates at Account 00"' in first
    assert 'aria-label="1 active advocates at Account 26"' in second
    assert 'aria-label="0 advocates at Account 01"' in first
