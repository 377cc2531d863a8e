"""The opportunity pages: the program team's list, a deal's page (the team, or a seller who
sees the deal), and the team's forms to add and change a deal (issue 19)."""

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portal.asks import requests
from portal.audit.models import AuditEvent
from portal.extensions import db as _db
from portal.opportunities import service
from portal.opportunities.models import Opportunity
from tests.factories import UserFactory, advocate_with_login
from tests.queries import QueryCounter


def in_days(days):
    return (dt.date.today() + dt.timedelta(days=days)).isoformat()


@pytest.fixture
def manager(db):
    return UserFactory(role="manager", name="Maya Manager")


@pytest.fixture
def seller(db):
    return UserFactory(role="requester", team="sales", email="seller@example.com", name="Sam")


@pytest.fixture
def other_seller(db):
    return UserFactory(role="requester", team="sales", email="other@example.com", name="Olga")


def add_deal(manager, crm_id, **fields):
    data = {"name": f"Deal {crm_id}", "outcome": "open", **fields}
    deal, _ = service.upsert(manager, crm_id, data, source="csv")
    return deal


def file_request(actor, crm_id, prospect="Nordbank AG"):
    return requests.create_request(
        actor,
        {
            "activity_type": "reference_call",
            "prospect_company": prospect,
            "needed_by": in_days(20),
            "advocates_needed": 1,
            "opportunity_crm_id": crm_id,
        },
    )


def audits(db, action=None):
    """Audit events about opportunities (sign-ins are audited too)."""
    query = sa.select(sa.func.count()).where(AuditEvent.entity == "opportunities")
    if action:
        query = query.where(AuditEvent.action == action)
    return db.session.scalar(query)


# The list ----------------------------------------------------------------------------------


def test_manager_sees_the_list_with_every_column(client, auth, db, manager, seller):
    add_deal(
        manager,
        "006NORD",
        name="Nordbank platform",
        account_name="Nordbank AG",
        amount="120000",
        currency="EUR",
        stage="Negotiation/Review",
        stage_group="late",
        close_date="2030-03-31",
        owner_email=seller.email,
    )
    file_request(seller, "006NORD")
    file_request(seller, "006NORD", prospect="Nordbank Leasing")
    db.session.commit()
    auth.login(manager.email)
    response = client.get("/program/opportunities/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    row = page.split("006NORD", 1)[1].split("</tr>", 1)[0]
    for shown in ("Nordbank platform", "Nordbank AG", "120,000 EUR", "Negotiation/Review",
                  "(Late)", "31 Mar 2030", "Open"):  # fmt: skip
        assert shown in row
    assert row.rstrip().endswith('<td class="text-end">2</td>')  # its two requests


def test_the_list_filters_by_search_outcome_and_stage_group(client, auth, db, manager):
    add_deal(manager, "006A", name="Alpha bank", stage_group="early")
    add_deal(manager, "006B", name="Beta insurer", stage_group="late")
    add_deal(manager, "006C", name="Gamma retail", outcome="won")
    db.session.commit()
    auth.login(manager.email)

    def shown(query):
        page = client.get(f"/program/opportunities/?{query}").get_data(as_text=True)
        return {crm_id for crm_id in ("006A", "006B", "006C") if f"<code>{crm_id}</code>" in page}

    assert shown("") == {"006A", "006B", "006C"}
    assert shown("q=beta") == {"006B"}
    assert shown("q=006c") == {"006C"}
    assert shown("outcome=won") == {"006C"}
    assert shown("stage_group=early") == {"006A"}
    assert shown("outcome=open&stage_group=late") == {"006B"}
    page = client.get("/program/opportunities/?outcome=maybe").get_data(as_text=True)
    assert "was not applied" in page  # an unknown value is ignored and said so


def test_the_list_pages_past_twenty_five(client, auth, db, manager):
    for n in range(27):
        add_deal(manager, f"006P{n:02d}")
    db.session.commit()
    auth.login(manager.email)
    first = client.get("/program/opportunities/").get_data(as_text=True)
    second = client.get("/program/opportunities/?page=2").get_data(as_text=True)
    assert first.count("<code>006P") == 25 and second.count("<code>006P") == 2
    assert "27 in all" in second


def test_the_list_reads_the_same_statements_for_more_rows(app, client, auth, db, manager):
    def grow(start, more):
        for n in range(start, start + more):
            deal = add_deal(manager, f"006Q{n:02d}", owner_email=f"s{n}@example.com")
            file_request(manager, deal.crm_id, prospect=f"Prospect {n}")
        db.session.commit()

    grow(0, 3)
    auth.login(manager.email)

    def reads():
        _db.session.remove()
        with QueryCounter(_db.engine) as queries:
            assert client.get("/program/opportunities/").status_code == 200
        return len(queries.reads)

    reads()  # warm caches
    few = reads()
    grow(3, 10)
    assert reads() == few


@pytest.mark.parametrize("role", ["requester", "csm"])
def test_the_list_is_for_the_program_team_only(client, auth, db, role):
    user = UserFactory(role=role)
    db.session.commit()
    auth.login(user.email)
    assert client.get("/program/opportunities/").status_code == 403
    assert client.get("/program/opportunities/new").status_code == 403


def test_visitors_are_sent_to_sign_in(client, db, manager):
    add_deal(manager, "006V")
    db.session.commit()
    for path in ("/program/opportunities/", "/program/opportunities/006V"):
        response = client.get(path)
        assert response.status_code == 302 and "/auth/sign-in" in response.headers["Location"]


def test_the_program_menu_links_to_the_list(client, auth, db, manager):
    db.session.commit()
    auth.login(manager.email)
    assert 'href="/program/opportunities/"' in client.get("/home").get_data(as_text=True)


# A deal's page -----------------------------------------------------------------------------


def test_manager_sees_the_deal_its_requests_and_its_history(
    client, auth, db, manager, seller, other_seller
):
    add_deal(manager, "006D", name="Delta deal", amount="5000", owner_email=seller.email)
    mine = file_request(seller, "006D", prospect="Delta GmbH")
    theirs = file_request(manager, "006D", prospect="Delta Holding")
    service.upsert(manager, "006D", {"amount": "7500", "outcome": "won"}, source="api")
    db.session.commit()
    auth.login(manager.email)
    page = client.get("/program/opportunities/006D").get_data(as_text=True)
    assert "Delta deal" in page and "7,500 USD" in page
    assert f'href="/program/requests/{mine.id}"' in page
    assert f'href="/program/requests/{theirs.id}"' in page
    assert "Added by a CRM import" in page
    assert "Changed through the API: Amount 5,000 → 7,500" in page
    assert "Outcome Open → Won (through the API)" in page
    assert 'href="/requests/new?opportunity=006D"' in page  # File a reference request
    assert 'href="/program/opportunities/006D/edit"' in page


def test_a_seller_sees_their_deal_with_only_their_own_requests(
    client, auth, db, manager, seller, other_seller
):
    add_deal(manager, "006S", name="Sigma deal")  # no owner: every seller sees it
    mine = file_request(seller, "006S", prospect="Sigma Own")
    theirs = file_request(other_seller, "006S", prospect="Sigma Theirs")
    db.session.commit()
    auth.login(seller.email)
    response = client.get("/program/opportunities/006S")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f'href="/requests/{mine.id}"' in page
    assert "Sigma Theirs" not in page and f"/requests/{theirs.id}" not in page
    assert "/edit" not in page and "h-timeline" not in page  # the team's only
    assert client.get("/program/opportunities/006S/edit").status_code == 403


def test_a_seller_gets_404_for_another_sellers_deal(client, auth, db, manager, seller):
    add_deal(manager, "006X", owner_email="someone.else@example.com")
    db.session.commit()
    auth.login(seller.email)
    assert client.get("/program/opportunities/006X").status_code == 404
    assert client.get("/program/opportunities/006NOTHING").status_code == 404


def test_an_advocate_may_not_open_a_deal(client, auth, db, manager):
    add_deal(manager, "006ADV")
    _, user = advocate_with_login()
    db.session.commit()
    auth.login(user.email)
    assert client.get("/program/opportunities/006ADV").status_code == 403


# The team's forms --------------------------------------------------------------------------


def edit_form(**changes):
    data = {
        "name": "Epsilon deal",
        "account_name": "Epsilon AG",
        "account_crm_id": "",
        "amount": "1000",
        "currency": "USD",
        "stage": "Proposal",
        "stage_group": "middle",
        "opened_on": "2030-01-01",
        "close_date": "2030-06-30",
        "outcome": "open",
        "owner_email": "",
    }
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": ""}, "name", "This field is required."),
        ({"amount": "lots"}, "amount", "Must be a number"),
        ({"amount": "-5"}, "amount", "Must not be negative."),
        ({"currency": "EURO"}, "currency", "three-letter ISO 4217 code"),
        ({"stage_group": "final"}, "stage_group", "Must be one of"),
        ({"outcome": "maybe"}, "outcome", "Must be one of"),
        ({"outcome": ""}, "outcome", "This field is required."),
        ({"close_date": "31/06/2030"}, "close_date", "Use a date like"),
        ({"close_date": "2029-01-01"}, "close_date", "Must not be before"),
        ({"owner_email": "not an address"}, "owner_email", "Enter a valid e-mail address."),
    ],
)
def test_edit_shows_each_error_under_its_field_and_writes_nothing(
    client, auth, db, manager, changes, field, message
):
    add_deal(manager, "006E", **{k: v for k, v in edit_form().items() if v})
    db.session.commit()
    before, events = audits(db), db.session.scalar(sa.select(Opportunity.updated_at))
    auth.login(manager.email)
    response = client.post(
        "/program/opportunities/006E/edit", data=edit_form(stage="Closing", **changes)
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    error = page.split(f'id="{field}-error">', 1)[1].split("</div>", 1)[0]
    assert message in error
    db.session.expire_all()
    deal = service.find("006E")
    assert deal.stage == "Proposal" and deal.updated_at == events  # nothing written
    assert audits(db) == before


def test_edit_saves_the_deal_audits_it_and_its_requests_follow(client, auth, db, manager, seller):
    add_deal(manager, "006E", **{k: v for k, v in edit_form().items() if v})
    request = file_request(seller, "006E")
    db.session.commit()
    auth.login(manager.email)
    page = client.get("/program/opportunities/006E/edit").get_data(as_text=True)
    assert 'value="1000"' in page and 'value="Epsilon deal"' in page
    response = client.post(
        "/program/opportunities/006E/edit",
        data=edit_form(amount="250,000", stage="Closed Won", outcome="won"),
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/program/opportunities/006E"
    db.session.expire_all()
    deal = service.find("006E")
    assert (deal.amount, deal.stage, deal.outcome) == (Decimal("250000.00"), "Closed Won", "won")
    [updated] = db.session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.action == "opportunity.updated")
        .order_by(AuditEvent.id)
    ).all()
    assert updated.actor_id == manager.id and updated.data["source"] == "form"
    assert updated.data["amount"] == ["1000.00", "250000.00"]
    assert audits(db, "opportunity.outcome_changed") == 1
    request = db.session.get(type(request), request.id)
    assert (request.opportunity_outcome, request.opportunity_amount) == ("won", Decimal("250000"))


def test_saving_the_same_values_changes_nothing(client, auth, db, manager):
    add_deal(manager, "006E", **{k: v for k, v in edit_form().items() if v})
    db.session.commit()
    auth.login(manager.email)
    response = client.post("/program/opportunities/006E/edit", data=edit_form())
    assert response.status_code == 302
    assert audits(db, "opportunity.updated") == 0


def test_new_opportunity_is_added_by_hand(client, auth, db, manager):
    db.session.commit()
    auth.login(manager.email)
    response = client.post(
        "/program/opportunities/new", data={**edit_form(), "crm_id": "0065g00000NEW"}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/program/opportunities/0065g00000NEW"
    deal = service.find("0065g00000NEW")
    assert (deal.name, deal.source, deal.amount) == ("Epsilon deal", "form", Decimal("1000"))
    assert audits(db, "opportunity.created") == 1


@pytest.mark.parametrize(
    ("crm_id", "message"),
    [
        ("", "letters, digits"),
        ("has spaces", "letters, digits"),
        ("006TAKEN", "exists already"),
    ],
)
def test_new_opportunity_refuses_a_bad_or_taken_crm_id(client, auth, db, manager, crm_id, message):
    add_deal(manager, "006TAKEN", name="Taken deal")
    db.session.commit()
    before = audits(db, "opportunity.created")
    auth.login(manager.email)
    response = client.post("/program/opportunities/new", data={**edit_form(), "crm_id": crm_id})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page.split('id="crm_id-error">', 1)[1].split("</div>", 1)[0]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Opportunity)) == 1
    assert audits(db, "opportunity.created") == before
    assert service.find("006TAKEN").name == "Taken deal"
