"""Every figure card on each role's home links to the list filtered to exactly what it counts:
follow the link and the list shows the same number; every row links to its object."""

from __future__ import annotations

import datetime as dt
import html
import re

from portal.benefits.models import Claim
from tests.factories import (
    AccountFactory,
    AdvocateFactory,
    AskFactory,
    BenefitFactory,
    LedgerEntryFactory,
    ReferenceRequestFactory,
    advocate_with_login,
)
from tests.helpers import sign_in

CARD = re.compile(r'data-card="([\w-]+)"[^>]*? href="([^"]+)">(\d+)<')


def _cards(page: str) -> dict[str, tuple[str, int]]:
    return {key: (html.unescape(href), int(n)) for key, href, n in CARD.findall(page)}


def _list_shows(client, href: str, expected: int) -> None:
    listed = client.get(href)
    assert listed.status_code == 200, href
    text = listed.get_data(as_text=True)
    if expected:
        assert f"{expected} in all" in text, (href, expected)
    else:
        assert "empty-state" in text, href


def _program(db):
    AdvocateFactory.create_batch(3, status="active")
    AdvocateFactory.create_batch(2, status="nominated", consent_at=None)
    AdvocateFactory(status="invited", consent_at=None)
    AccountFactory(status="paused")
    ReferenceRequestFactory(status="submitted")
    ReferenceRequestFactory(status="in_progress")
    ReferenceRequestFactory(status="completed")
    AskFactory.create_batch(2, status="pending")
    AskFactory(status="declined")
    benefit = BenefitFactory(requires_approval=True)
    first, second = AdvocateFactory(), AdvocateFactory()
    db.session.add_all(
        [
            Claim(benefit=benefit, advocate=first, status="requested"),
            Claim(benefit=benefit, advocate=second, status="approved"),
        ]
    )
    db.session.commit()


def test_each_program_card_links_to_a_list_showing_the_same_number(db, client, auth):
    _program(db)
    sign_in(db, auth, "manager")

    cards = _cards(client.get("/home").get_data(as_text=True))

    assert set(cards) == {
        "active_advocates",
        "nominated_advocates",
        "invited_advocates",
        "active_accounts",
        "open_requests",
        "pending_asks",
        "claims_to_decide",
    }
    assert cards["nominated_advocates"][1] == 2 and cards["invited_advocates"][1] == 1
    assert cards["pending_asks"][1] == 2
    assert cards["claims_to_decide"][1] == 1
    for href, number in cards.values():
        _list_shows(client, href, number)


def test_program_rows_link_to_their_requests(db, client, auth):
    found = ReferenceRequestFactory(status="submitted")
    db.session.commit()
    sign_in(db, auth, "manager")

    page = client.get("/home").get_data(as_text=True)

    assert f'href="/program/requests/{found.id}"' in page
    assert client.get(f"/program/requests/{found.id}").status_code == 200


def test_each_csm_account_count_links_to_that_accounts_advocates(db, client, auth):
    csm = sign_in(db, auth, "csm")
    account = AccountFactory(csm=csm)
    AdvocateFactory.create_batch(2, account=account, status="active")
    AdvocateFactory(account=account, status="nominated", consent_at=None)
    AdvocateFactory(status="active")  # another CSM's account
    db.session.commit()

    cards = _cards(client.get("/home").get_data(as_text=True))

    assert cards[f"advocates-{account.id}"][1] == 3
    assert cards[f"active-{account.id}"][1] == 2
    for href, number in cards.values():
        _list_shows(client, href, number)


def test_requester_rows_link_to_each_request(db, client, auth):
    rep = sign_in(db, auth, "requester", team="sales")
    mine = ReferenceRequestFactory(requester=rep, status="submitted")
    db.session.commit()

    page = client.get("/home").get_data(as_text=True)

    assert f'href="/requests/{mine.id}"' in page
    assert client.get(f"/requests/{mine.id}").status_code == 200
    assert 'href="/requests/"' in page


def _section(page: str, heading_id: str) -> str:
    start = page.index(f'id="{heading_id}"')
    end = page.find("<section", start)
    return page[start : end if end != -1 else len(page)]


def test_each_advocate_card_links_to_what_it_counts(db, client, auth):
    advocate, user = advocate_with_login(max_per_quarter=4)
    now = dt.datetime.now(dt.UTC)
    AskFactory.create_batch(2, advocate=advocate, status="pending", asked_at=now)
    AskFactory(
        advocate=advocate,
        status="accepted",
        asked_at=now,
        scheduled_at=now + dt.timedelta(days=3),
    )
    AskFactory(status="pending")  # someone else's
    LedgerEntryFactory(advocate=advocate, delta=70)
    LedgerEntryFactory(advocate=advocate, delta=-20)
    db.session.commit()
    auth.login(user.email)

    page = client.get("/me/").get_data(as_text=True)
    cards = _cards(page)

    assert cards["waiting"] == ("#waiting-h", 2)
    assert _section(page, "waiting-h").count('class="list-group-item"') == 2
    assert cards["upcoming"] == ("#upcoming-h", 1)
    assert _section(page, "upcoming-h").count('class="list-group-item') == 1
    assert cards["quarter"] == ("#given-h", 3)
    assert "3 of 4 asks this quarter" in _section(page, "given-h")
    href, points = cards["points"]
    assert points == 50
    assert "Balance: <strong>50 points</strong>" in client.get(href).get_data(as_text=True)
