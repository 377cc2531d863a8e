"""Advocate pages: list, search, filters, nominate/create, edit, status moves and access."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from portal.advocates.models import Advocate, Blackout
from portal.advocates.service import TRANSITIONS
from portal.audit.models import AuditEvent
from portal.benefits.models import LedgerEntry
from portal.extensions import db as _db
from tests.factories import (
    AccountFactory,
    AdvocateFactory,
    AskFactory,
    ReferenceRequestFactory,
    UserFactory,
)
from tests.helpers import count, sign_in
from tests.queries import QueryCounter


def events(db, advocate_id: int) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.entity == "advocates", AuditEvent.entity_id == advocate_id)
            .order_by(AuditEvent.id)
        )
    )


def field_error(page: str, field: str) -> str:
    assert f'id="{field}-error"' in page, f"no error shown next to {field}"
    return page.split(f'id="{field}-error">', 1)[1].split("</div>", 1)[0]


def valid(account: int, /, **changes) -> dict:
    data = {
        "account_id": str(account),
        "name": "Greta Gold",
        "email": "greta@nordbank.example",
        "title": "CFO",
        "seniority": "executive",
        "status": "active",
        "nomination_reason": "Cut onboarding time in half.",
        "products": ["payments"],
        "use_cases": ["fraud_detection", "customer_onboarding"],
        "languages": ["en", "de"],
        "timezone": "Europe/Berlin",
        "activity_types": ["reference_call", "case_study"],
        "preferred_contact": "video",
        "bio": "Finance leader.",
    }
    data.update(changes)
    return data


# Lists


def test_advocate_list_searches_name_email_and_account(db, client, auth):
    AdvocateFactory(
        name="Greta Gold", email="greta@alpha.example", account=AccountFactory(name="Alpha AG")
    )
    AdvocateFactory(
        name="Hans Hart", email="hans@beta.example", account=AccountFactory(name="Beta AG")
    )
    sign_in(db, auth)
    for query in ("greta", "GRETA@ALPHA", "alpha ag"):
        page = client.get("/advocates/", query_string={"q": query}).get_data(as_text=True)
        assert "Greta Gold" in page, query
        assert "Hans Hart" not in page, query


def test_advocate_list_filters_by_status_seniority_industry_and_region(db, client, auth):
    retail_apac = AccountFactory(industry="retail", region="apac")
    AdvocateFactory(
        name="Match Person", account=retail_apac, status="paused", seniority="technical"
    )
    AdvocateFactory(
        name="Wrong Status", account=retail_apac, status="active", seniority="technical"
    )
    AdvocateFactory(name="Wrong Seniority", account=retail_apac, status="paused")
    AdvocateFactory(
        name="Wrong Industry",
        account=AccountFactory(industry="banking", region="apac"),
        status="paused",
        seniority="technical",
    )
    AdvocateFactory(
        name="Wrong Region",
        account=AccountFactory(industry="retail", region="na"),
        status="paused",
        seniority="technical",
    )
    sign_in(db, auth)
    page = client.get(
        "/advocates/",
        query_string={
            "status": "paused",
            "seniority": "technical",
            "industry": "retail",
            "region": "apac",
        },
    ).get_data(as_text=True)
    assert "Match Person" in page
    for other in ("Wrong Status", "Wrong Seniority", "Wrong Industry", "Wrong Region"):
        assert other not in page
    assert '<option value="technical" selected>' in page


def test_advocate_list_shows_account_title_and_status_badge(db, client, auth):
    AdvocateFactory(name="Greta Gold", title="Chief Risk Officer", status="nominated",
                    account=AccountFactory(name="Alpha AG"))  # fmt: skip
    sign_in(db, auth)
    page = client.get("/advocates/").get_data(as_text=True)
    assert "Alpha AG" in page and "Chief Risk Officer" in page
    assert 'text-bg-info state-badge">Nominated' in page


def test_advocate_list_paginates_and_sorts(db, client, auth):
    account = AccountFactory()
    for n in range(27):
        AdvocateFactory(name=f"Person {n:02d}", account=account)
    latest = db.session.scalar(sa.select(Advocate).where(Advocate.name == "Person 26"))
    latest.updated_at = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    sign_in(db, auth)
    first = client.get("/advocates/").get_data(as_text=True)
    assert "Person 24" in first and "Person 25" not in first and "27 in all" in first
    second = client.get("/advocates/?page=2").get_data(as_text=True)
    assert "Person 25" in second and "Person 26" in second and "Person 24" not in second
    recent = client.get("/advocates/?sort=-updated").get_data(as_text=True)
    assert recent.index("Person 26") < recent.index("Person 25")
    assert "Person 00" not in recent


def test_csm_lists_only_advocates_at_their_accounts(db, client, auth):
    csm = UserFactory(role="csm")
    AdvocateFactory(name="My Contact", account=AccountFactory(csm=csm))
    AdvocateFactory(name="Their Contact", account=AccountFactory(csm=UserFactory(role="csm")))
    db.session.commit()
    auth.login(csm.email)
    page = client.get("/advocates/").get_data(as_text=True)
    assert "My Contact" in page
    assert "Their Contact" not in page


def test_empty_advocate_list_says_what_to_do(db, client, auth):
    sign_in(db, auth, role="csm")
    page = client.get("/advocates/").get_data(as_text=True)
    assert "Nominate a happy contact" in page and 'href="/advocates/new"' in page
    filtered = client.get("/advocates/?q=nobody").get_data(as_text=True)
    assert "No advocates match these filters" in filtered


def test_advocate_list_runs_the_same_number_of_queries_for_many_rows(db, client, auth):
    sign_in(db, auth)

    def queries() -> int:
        with QueryCounter(_db.engine) as counter:
            assert client.get("/advocates/").status_code == 200
        return counter.count

    AdvocateFactory()
    db.session.commit()
    few = queries()
    for _ in range(8):
        AdvocateFactory()
    db.session.commit()
    assert queries() == few


@pytest.mark.parametrize("role", ["requester", "advocate"])
def test_requesters_and_advocates_cannot_use_the_staff_advocate_pages(db, client, auth, role):
    advocate = AdvocateFactory()
    sign_in(db, auth, role=role)
    assert client.get("/advocates/").status_code == 403
    assert client.get(f"/advocates/{advocate.id}").status_code == 403
    assert client.get("/advocates/new").status_code == 403


# Create


def test_manager_adds_an_advocate_and_it_is_audited(db, client, auth):
    account = AccountFactory(name="Nordbank AG")
    manager = sign_in(db, auth)
    response = client.post("/advocates/new", data=valid(account.id, status="nominated"))
    assert response.status_code == 302
    advocate = db.session.scalar(
        sa.select(Advocate).where(Advocate.email == "greta@nordbank.example")
    )
    assert response.headers["Location"].endswith(f"/advocates/{advocate.id}")
    assert advocate.account_id == account.id
    assert advocate.status == "nominated"
    assert advocate.languages == ["en", "de"]
    assert advocate.activity_types == ["reference_call", "case_study"]
    assert advocate.preferred_contact == "video"
    assert advocate.nominated_by_id == manager.id
    assert [e.action for e in events(db, advocate.id)] == ["advocate.created"]


def test_the_program_teams_form_types_the_account_instead_of_listing_every_account(
    db, client, auth
):
    """A program has thousands of accounts: the form holds a search field (its suggestions
    come from the account lookup) and only the chosen account's name, not every account."""
    chosen = AccountFactory(name="Nordbank AG")
    others = [AccountFactory(name=f"Other Corp {n}") for n in range(30)]
    sign_in(db, auth)
    page = client.get(f"/advocates/new?account_id={chosen.id}").get_data(as_text=True)
    assert 'name="account_id-text"' in page
    assert 'value="Nordbank AG"' in page
    assert f'id="account_id-id" name="account_id" type="hidden" value="{chosen.id}"' in page
    assert not any(other.name in page for other in others)
    assert "/program/lookup/accounts" in page


def test_the_program_team_adds_an_advocate_at_the_account_it_typed(db, client, auth):
    account = AccountFactory(name="Nordbank AG")
    AccountFactory(name="Nordbank Leasing")
    sign_in(db, auth)
    data = {**valid(account.id, status="nominated"), "account_id": ""}
    data["account_id-text"] = "nordbank ag"
    response = client.post("/advocates/new", data=data)
    assert response.status_code == 302
    advocate = db.session.scalar(
        sa.select(Advocate).where(Advocate.email == "greta@nordbank.example")
    )
    assert advocate.account_id == account.id


def test_an_account_name_that_names_no_account_is_refused_and_writes_nothing(db, client, auth):
    account = AccountFactory(name="Nordbank AG")
    sign_in(db, auth)
    advocates, audit = count(db, Advocate), count(db, AuditEvent)
    data = {**valid(account.id), "account_id": "", "account_id-text": "Southbank"}
    response = client.post("/advocates/new", data=data)
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "account_id")
    assert 'value="Southbank"' in response.get_data(as_text=True)
    assert count(db, Advocate) == advocates
    assert count(db, AuditEvent) == audit


def test_csm_nomination_is_forced_to_nominated(db, client, auth):
    csm = UserFactory(role="csm")
    account = AccountFactory(csm=csm)
    db.session.commit()
    auth.login(csm.email)
    form = client.get(f"/advocates/new?account_id={account.id}").get_data(as_text=True)
    assert 'name="status"' not in form
    assert f'<option selected value="{account.id}">' in form
    response = client.post("/advocates/new", data=valid(account.id, status="active"))
    assert response.status_code == 302
    advocate = db.session.scalar(
        sa.select(Advocate).where(Advocate.email == "greta@nordbank.example")
    )
    assert advocate.status == "nominated"
    assert advocate.nominated_by_id == csm.id
    assert [e.action for e in events(db, advocate.id)] == ["advocate.created"]


def test_csm_cannot_nominate_at_another_csms_account(db, client, auth):
    account = AccountFactory(csm=UserFactory(role="csm"))
    sign_in(db, auth, role="csm")
    before = count(db, Advocate)
    response = client.post("/advocates/new", data=valid(account.id))
    assert response.status_code == 422
    assert "accounts you look after" in field_error(response.get_data(as_text=True), "account_id")
    assert count(db, Advocate) == before


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": ""}, "name", "This field is required."),
        ({"email": "not-an-address"}, "email", "Enter a valid e-mail address."),
        ({"account_id": ""}, "account_id", "This field is required."),
        ({"account_id": "99999"}, "account_id", "No such account."),
        ({"timezone": "Mars/Olympus"}, "timezone", "Use a time zone name"),
        ({"languages": ["klingon"]}, "languages", "Unknown value: klingon."),
        ({"title": "T" * 121}, "title", "Must be at most 120 characters"),
    ],
)
def test_bad_advocate_input_shows_the_message_next_to_the_field_and_writes_nothing(
    db, client, auth, changes, field, message
):
    account = AccountFactory()
    sign_in(db, auth)
    advocates, audit = count(db, Advocate), count(db, AuditEvent)
    response = client.post("/advocates/new", data=valid(account.id, **changes))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in field_error(page, field)
    assert 'value="Greta Gold"' in page or field == "name"
    assert count(db, Advocate) == advocates
    assert count(db, AuditEvent) == audit


def test_duplicate_advocate_email_is_refused_next_to_the_field(db, client, auth):
    existing = AdvocateFactory(email="greta@nordbank.example")
    sign_in(db, auth)
    before = count(db, Advocate)
    response = client.post(
        "/advocates/new", data=valid(existing.account_id, email="Greta@Nordbank.example")
    )
    assert response.status_code == 422
    assert "Another advocate has this e-mail." in field_error(
        response.get_data(as_text=True), "email"
    )
    assert count(db, Advocate) == before


# Edit


def test_manager_edits_an_advocate_and_the_change_is_audited(db, client, auth):
    advocate = AdvocateFactory(title="CFO", status="active")
    sign_in(db, auth)
    form = client.get(f"/advocates/{advocate.id}/edit").get_data(as_text=True)
    assert 'value="CFO"' in form
    data = valid(advocate.account_id, name=advocate.name, email=advocate.email, title="CEO")
    data.pop("status")
    response = client.post(f"/advocates/{advocate.id}/edit", data=data)
    assert response.status_code == 302
    db.session.expire_all()
    assert advocate.title == "CEO"
    assert advocate.status == "active"
    updated = [e for e in events(db, advocate.id) if e.action == "advocate.updated"]
    assert updated and updated[0].data["title"] == ["CFO", "CEO"]


def test_csm_edits_an_advocate_at_their_account_but_cannot_move_it_elsewhere(db, client, auth):
    csm = UserFactory(role="csm")
    advocate = AdvocateFactory(account=AccountFactory(csm=csm), title="CFO")
    elsewhere = AccountFactory(csm=UserFactory(role="csm"))
    db.session.commit()
    auth.login(csm.email)
    data = valid(advocate.account_id, name=advocate.name, email=advocate.email, title="CEO")
    assert client.post(f"/advocates/{advocate.id}/edit", data=data).status_code == 302
    moved = dict(data, account_id=str(elsewhere.id))
    response = client.post(f"/advocates/{advocate.id}/edit", data=moved)
    assert response.status_code == 422
    assert "accounts you look after" in field_error(response.get_data(as_text=True), "account_id")
    db.session.expire_all()
    assert advocate.account_id != elsewhere.id
    assert advocate.title == "CEO"


def test_csm_cannot_see_or_edit_advocates_of_other_accounts(db, client, auth):
    advocate = AdvocateFactory(account=AccountFactory(csm=UserFactory(role="csm")), title="CFO")
    sign_in(db, auth, role="csm")
    response = client.get(f"/advocates/{advocate.id}")
    assert response.status_code == 404
    assert advocate.email not in response.get_data(as_text=True)
    assert client.get(f"/advocates/{advocate.id}/edit").status_code == 404
    data = valid(advocate.account_id, title="Hijacked")
    assert client.post(f"/advocates/{advocate.id}/edit", data=data).status_code == 404
    db.session.expire_all()
    assert advocate.title == "CFO"


def test_unknown_advocate_is_a_404_page(db, client, auth):
    sign_in(db, auth)
    response = client.get("/advocates/424242")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


# Status


def test_manager_moves_an_advocate_and_the_move_is_audited(db, client, auth):
    advocate = AdvocateFactory(status="active")
    sign_in(db, auth)
    response = client.post(
        f"/advocates/{advocate.id}/status", data={"status": "paused", "reason": "Parental leave"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert advocate.status == "paused"
    event = events(db, advocate.id)[-1]
    assert event.action == "advocate.status_changed"
    assert event.data == {"from": "active", "to": "paused", "reason": "Parental leave"}
    assert "is now paused" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_a_move_the_lifecycle_forbids_is_refused_with_the_reason(db, client, auth):
    advocate = AdvocateFactory(status="declined")
    sign_in(db, auth)
    response = client.post(
        f"/advocates/{advocate.id}/status", data={"status": "active"}, follow_redirects=True
    )
    page = response.get_data(as_text=True)
    assert "alert-danger" in page
    assert "An advocate who is declined can&#39;t become active (allowed: nominated)." in page
    db.session.expire_all()
    assert advocate.status == "declined"
    assert events(db, advocate.id) == []


def test_csm_cannot_change_an_advocates_status(db, client, auth):
    csm = UserFactory(role="csm")
    advocate = AdvocateFactory(account=AccountFactory(csm=csm), status="nominated")
    db.session.commit()
    auth.login(csm.email)
    assert (
        client.post(f"/advocates/{advocate.id}/status", data={"status": "active"}).status_code
        == 403
    )
    db.session.expire_all()
    assert advocate.status == "nominated"
    page = client.get(f"/advocates/{advocate.id}").get_data(as_text=True)
    assert f"/advocates/{advocate.id}/status" not in page


@pytest.mark.parametrize("status", sorted(TRANSITIONS))
def test_detail_offers_exactly_the_allowed_moves(db, client, auth, status):
    advocate = AdvocateFactory(status=status)
    sign_in(db, auth)
    page = client.get(f"/advocates/{advocate.id}").get_data(as_text=True)
    offered = {
        chunk.split('"', 1)[0]
        for chunk in page.split('<input type="hidden" name="status" value="')[1:]
    }
    assert offered == set(TRANSITIONS[status])
    if "retired" in TRANSITIONS[status]:
        assert 'data-confirm="Retire this advocate?' in page


# Detail


def test_advocate_detail_shows_profile_preferences_asks_and_balance(db, client, auth):
    advocate = AdvocateFactory(
        name="Greta Gold",
        account=AccountFactory(name="Nordbank AG"),
        languages=["de"],
        use_cases=["customer_onboarding"],
        max_per_month=1,
        max_per_quarter=None,
        min_days_between=None,
        bio="<img src=x onerror=alert(1)>",
    )
    advocate.blackouts.append(
        Blackout(start=dt.date(2026, 8, 1), end=dt.date(2026, 8, 20), reason="Summer holiday")
    )
    requester = UserFactory(role="requester", team="sales", name="Sam Seller")
    AskFactory(
        advocate=advocate,
        request=ReferenceRequestFactory(requester=requester, prospect_company="Prospect Bank"),
        status="pending",
    )
    AskFactory(advocate=advocate, status="completed")
    db.session.add_all(
        LedgerEntry(advocate_id=advocate.id, delta=delta, reason="adjustment")
        for delta in (150, -40)
    )
    sign_in(db, auth)
    page = client.get(f"/advocates/{advocate.id}").get_data(as_text=True)
    for words in (
        "German",
        "Customer onboarding",
        "Nordbank AG",
        "Europe/Berlin",
        "Reference call",
    ):
        assert words in page
    assert "Prospect Bank" in page and "Sam Seller" in page
    assert "1 in flight, 1 done" in page
    assert '<p class="display-6 mb-0">110</p>' in page
    assert "program default (4)" in page  # quarter: null uses the program default
    assert "program default (14)" in page  # cooldown
    assert "Summer holiday" in page
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page


def test_advocate_detail_without_asks_says_so(db, client, auth):
    advocate = AdvocateFactory(name="Quiet Quinn")
    sign_in(db, auth)
    page = client.get(f"/advocates/{advocate.id}").get_data(as_text=True)
    assert "Nobody has asked Quiet Quinn for a reference yet" in page
    assert '<p class="display-6 mb-0">0</p>' in page
