"""The work-in-progress page and the sharing forms: what each role reads, filters in the URL,
the join and link forms with their errors, the request pages' shared activities, the menu,
and the same number of statements with few or many accounts."""

from __future__ import annotations

import re

import sqlalchemy as sa

from portal.work.models import AskShare
from tests.factories import AccountFactory, AdvocateFactory, AskFactory, UserFactory
from tests.queries import QueryCounter
from tests.work.conftest import days


def text(client, path, **args) -> str:
    response = client.get(path, query_string=args)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_pr_requester_sees_the_activity_without_the_advocates_name_or_contact(world, client, auth):
    auth.login(world.pia.email)
    body = text(client, "/work/")
    assert "Acme Bank" in body and "Case study" in body and "an advocate at Acme Bank" in body
    assert "Ada Lovelace" not in body and "ada@acme.example" not in body
    assert "Beta Insurance" not in body and "Gamma Retail" not in body
    assert "Join this activity" in body and 'href="/work/"' in body  # the menu entry


def test_sales_requester_sees_the_name_on_her_own_request(world, client, auth):
    auth.login(world.sue.email)
    body = text(client, "/work/")
    assert "Ada Lovelace" in body and "ada@acme.example" not in body
    assert "Join this activity" not in body  # her own activity: a link to the request instead
    assert f'href="/requests/{world.case_study.id}"' in body


def test_filters_stay_in_the_url_and_an_empty_result_says_so(world, client, auth):
    auth.login(world.manager.email)
    body = text(client, "/work/", team="ar", status="pending")
    assert "Beta Insurance" in body and "Acme Bank</h2>" not in body
    assert re.search(r'<option value="ar"\s+selected', body)
    assert "Clear filters" in body
    assert "Nothing planned matches these filters." in text(client, "/work/", status="accepted")


def test_executive_reads_everything_and_cannot_join(world, client, auth):
    executive = UserFactory(role="executive", email="exec@v.example")
    world.db.session.commit()
    auth.login(executive.email)
    body = text(client, "/work/")
    assert "Acme Bank" in body and "Beta Insurance" in body and "Join this activity" not in body
    assert "an advocate at Acme Bank" in body
    response = client.post(f"/work/asks/{world.interview.id}/join", data={"request_id": "1"})
    assert response.status_code == 403


def test_requester_joins_from_the_page_and_sees_it_on_her_request(world, client, auth, db):
    auth.login(world.pia.email)
    response = client.post(
        f"/work/asks/{world.interview.id}/join", data={"request_id": world.pia_quote.id}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/requests/{world.pia_quote.id}#shared")
    body = text(client, f"/requests/{world.pia_quote.id}")
    assert "Shared activities" in body and "Case study" in body and "Scheduled" in body
    assert "an advocate at Acme Bank" in body and "Ada Lovelace" not in body
    # Joining someone else's request is refused with the reason, and writes nothing more.
    response = client.post(
        f"/work/asks/{world.interview.id}/join",
        data={"request_id": world.case_study.id},
        follow_redirects=True,
    )
    assert "Choose one of your own open requests." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AskShare)) == 1


def test_requester_cannot_join_an_activity_outside_their_teams_accounts(world, client, auth):
    world.beta_ask.status = "accepted"
    world.db.session.commit()
    auth.login(world.pia.email)
    response = client.post(
        f"/work/asks/{world.beta_ask.id}/join", data={"request_id": world.pia_quote.id}
    )
    assert response.status_code == 404


def test_joining_with_an_out_of_range_request_id_is_refused_not_a_server_error(world, client, auth):
    auth.login(world.pia.email)
    response = client.post(
        f"/work/asks/{world.interview.id}/join",
        data={"request_id": "99999999999999999999"},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "Choose one of your open requests." in response.get_data(as_text=True)


def test_junk_filters_are_named_as_not_applied(world, client, auth):
    auth.login(world.manager.email)
    body = text(client, "/work/", page="abc", account_id="99999999999", status="a\x00b")
    assert "was not applied" in body and "“account”" in body and "“page”" in body
    assert "Acme Bank" in body and "Beta Insurance" in body  # the filters fell back to all


def test_manager_links_from_the_request_page_and_sees_the_errors(world, client, auth):
    auth.login(world.manager.email)
    page = text(client, f"/program/requests/{world.pia_quote.id}")
    assert "Serve with an activity already planned" in page
    assert f'<option value="{world.interview.id}">Case study at Acme Bank with Ada Lovelace' in page
    response = client.post(
        f"/work/requests/{world.pia_quote.id}/shared-asks",
        data={"ask_id": world.interview.id, "note": "Quotes for the PR launch"},
        follow_redirects=True,
    )
    body = response.get_data(as_text=True)
    assert "The activity now serves this request too." in body
    assert "Quotes for the PR launch" in body
    again = client.post(
        f"/work/requests/{world.pia_quote.id}/shared-asks",
        data={"ask_id": world.interview.id},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "This activity already serves this request." in again
    own = client.post(
        f"/work/requests/{world.case_study.id}/shared-asks",
        data={"ask_id": world.interview.id},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "placed for this request already" in own


def test_statements_do_not_grow_with_accounts(world, client, auth, db):
    auth.login(world.manager.email)

    def statements() -> int:
        with QueryCounter(db.engine) as counter:
            text(client, "/work/")
        return counter.count

    def grow(n):
        for _ in range(n):
            advocate = AdvocateFactory(account=AccountFactory())
            AskFactory(advocate=advocate, status="accepted", scheduled_at=days(3))
            AskFactory(advocate=advocate, status="pending")
        db.session.commit()

    grow(2)
    few = statements()
    grow(12)
    assert statements() == few


def test_every_join_form_offers_the_viewers_open_requests(world, client, auth):
    world.beta_ask.status = "accepted"
    world.db.session.commit()
    auth.login(world.pia.email)
    body = text(client, "/work/")
    selects = re.findall(r'<select[^>]*name="request_id">(.*?)</select>', body, re.S)
    assert selects
    assert all(f'<option value="{world.pia_quote.id}">Quote for ' in s for s in selects)
