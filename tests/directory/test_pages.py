"""The reference directory page: filters kept in the URL, result cards with what a requester may
see, the ask-directly or through-the-program button, the empty state, refused filters named,
the menu entry, and the same number of statements with 5 or 50 advocates."""

from __future__ import annotations

import re

from portal.content.models import ContentAsset
from portal.extensions import db as _db
from portal.program.service import set_setting
from tests.factories import (
    AccountFactory,
    AdvocateFactory,
    AskFactory,
    ReferenceRequestFactory,
    UserFactory,
    advocate_with_login,
)
from tests.helpers import sign_in
from tests.queries import QueryCounter


def page_text(client, **args) -> tuple[int, str]:
    response = client.get("/directory/", query_string=args)
    return response.status_code, response.get_data(as_text=True)


def test_requester_finds_an_advocate_with_story_activities_and_no_contact(db, client, auth):
    requester = sign_in(db, auth, role="requester", team="sales")
    set_setting(UserFactory(role="admin"), "self_service_activity_types", ["quote"])
    bank = AccountFactory(name="Nordbank", industry="banking")
    jana = AdvocateFactory(
        account=bank,
        name="Jana Novak",
        title="Head of Payments",
        email="jana@nordbank.example",
        activity_types=["reference_call", "quote"],
    )
    AdvocateFactory(account=AccountFactory(name="Shopwise", industry="retail"), name="Ole Retail")
    db.session.add(
        ContentAsset(
            kind="case_study",
            title="How Nordbank cut fraud losses",
            account=bank,
            approval_status="customer_approved",
        )
    )
    db.session.commit()

    status, html = page_text(client, industry="banking")
    assert status == 200
    assert "Jana Novak" in html and "Head of Payments" in html and "Nordbank" in html
    assert "Ole Retail" not in html
    assert "How Nordbank cut fraud losses" in html
    assert "Free now" in html
    # Reference calls go through the program, quotes are asked directly: both said.
    assert "Request through the program" in html
    assert "Reference call" in html and "Quote" in html
    assert "/requests/new?activity_type=reference_call&amp;industry=banking" in html
    # No contact details before an accepted ask of the requester's own.
    assert "jana@nordbank.example" not in html
    assert "Shared once they accept one of your asks" in html
    # The filter stays in the URL and the form, and can be removed on its own.
    assert re.search(r'<option value="banking"\s+selected', html)
    assert "Industry: Banking" in html

    AskFactory(
        request=ReferenceRequestFactory(requester=requester), advocate=jana, status="accepted"
    )
    db.session.commit()
    _, html = page_text(client, industry="banking", activity_type="quote")
    assert "jana@nordbank.example" in html
    assert "Ask directly" in html
    assert "/requests/new?activity_type=quote&amp;industry=banking" in html


def test_no_result_says_what_to_do_next(db, client, auth):
    sign_in(db, auth, role="requester")
    AdvocateFactory(account=AccountFactory(industry="banking"))
    db.session.commit()
    status, html = page_text(client, industry="retail")
    assert status == 200
    assert "No advocate matches these filters" in html
    assert 'href="/requests/new?activity_type=reference_call&amp;industry=retail"' in html


def test_a_bad_filter_is_not_applied_and_said_so(db, client, auth):
    sign_in(db, auth, role="csm")
    AdvocateFactory(name="Jana Novak")
    db.session.commit()
    status, html = page_text(client, industry="skydiving", page="x")
    assert status == 200
    assert "Jana Novak" in html
    assert "The filter “Industry” was not applied" in html


def test_advocates_get_403_and_visitors_sign_in_first(db, client, auth):
    _, user = advocate_with_login()
    db.session.commit()
    assert client.get("/directory/").status_code == 302
    auth.login(user.email)
    assert client.get("/directory/").status_code == 403


def test_menu_offers_find_references_right_after_requests(db, client, auth):
    sign_in(db, auth, role="requester")
    html = client.get("/requests/").get_data(as_text=True)
    requests_at = html.index('href="/requests/"')
    directory_at = html.index('href="/directory/"')
    assert requests_at < directory_at
    assert "Find references" in html[directory_at : directory_at + 80]


def test_the_page_pages_through_many_results(db, client, auth):
    sign_in(db, auth, role="requester")
    for _ in range(25):
        AdvocateFactory()
    db.session.commit()
    _, first = page_text(client)
    _, second = page_text(client, page=2)
    assert "25 in all" in first
    assert first.count('class="card ') == 20 and second.count('class="card ') == 5
    _, beyond = page_text(client, page=9)
    assert "This page is past the last one" in beyond and 'class="card ' not in beyond


def test_the_program_team_sees_contact_details_and_profile_links(db, client, auth):
    sign_in(db, auth, role="manager")
    jana = AdvocateFactory(email="jana@nordbank.example")
    db.session.commit()
    _, html = page_text(client)
    assert "jana@nordbank.example" in html
    assert f'href="/advocates/{jana.id}"' in html


def _reads(client, path) -> int:
    _db.session.remove()
    with QueryCounter(_db.engine) as queries:
        response = client.get(path)
        response.get_data()
    assert response.status_code == 200
    return len(queries.reads)


def test_the_page_reads_as_many_statements_with_5_or_50_advocates(db, client, auth):
    requester = sign_in(db, auth, role="requester")

    def add(n):
        for i in range(n):
            advocate = AdvocateFactory()
            AskFactory(
                request=ReferenceRequestFactory(requester=requester),
                advocate=advocate,
                status="accepted",
            )
            db.session.add(
                ContentAsset(
                    kind="quote",
                    title=f"Quote {i}",
                    account=advocate.account,
                    approval_status="customer_approved",
                )
            )
        db.session.commit()

    add(5)
    path = "/directory/?product=payments&q=account"
    _reads(client, path)  # warm: the menu, the taxonomy
    small = _reads(client, path)
    add(45)
    large = _reads(client, path)
    assert small == large
