"""Opportunities: one record per CRM deal, requests that link to it and mirror it, and who may
see or change a deal through a request."""

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portal.asks import requests
from portal.audit.models import AuditEvent
from portal.errors import Forbidden, NotFound, ValidationFailed
from portal.opportunities import service
from portal.opportunities.models import Opportunity
from portal.reports.models import RequestFacts
from tests.factories import AccountFactory, UserFactory


def in_days(days):
    return (dt.date.today() + dt.timedelta(days=days)).isoformat()


def request_data(**overrides):
    data = {
        "activity_type": "reference_call",
        "prospect_company": "Nordbank",
        "needed_by": in_days(20),
        "advocates_needed": 1,
    }
    data.update(overrides)
    return data


@pytest.fixture
def manager(db):
    return UserFactory(role="manager")


@pytest.fixture
def seller(db):
    return UserFactory(role="requester", team="sales", email="seller@example.com")


@pytest.fixture
def other_seller(db):
    return UserFactory(role="requester", team="sales", email="other@example.com")


def audits(db, action):
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
    )


def test_upsert_creates_then_changes_only_what_differs(db, manager):
    deal, action = service.upsert(
        manager,
        "006A",
        {"name": "Nordbank platform", "amount": "120,000", "currency": "eur", "outcome": "open"},
    )
    assert action == "created"
    assert (deal.amount, deal.currency, deal.source) == (Decimal("120000.00"), "EUR", "api")
    stamp = deal.updated_at

    _, again = service.upsert(manager, "006A", {"name": "Nordbank platform", "amount": "120000"})
    assert again == "unchanged"
    assert deal.updated_at == stamp
    assert audits(db, "opportunity.updated") == 0

    _, changed = service.upsert(manager, "006A", {"stage": "Negotiation/Review"})
    assert changed == "updated"
    assert deal.name == "Nordbank platform"  # fields not sent stay
    assert audits(db, "opportunity.updated") == 1


@pytest.mark.parametrize(
    ("field", "data"),
    [
        ("name", {"outcome": "open"}),
        ("outcome", {"name": "X", "outcome": "maybe"}),
        ("currency", {"name": "X", "outcome": "open", "currency": "dollars"}),
        ("amount", {"name": "X", "outcome": "open", "amount": "-1"}),
        (
            "close_date",
            {"name": "X", "outcome": "won", "opened_on": "2026-05-01", "close_date": "2026-04-01"},
        ),
        ("owner_email", {"name": "X", "outcome": "open", "owner_email": "nobody"}),
        ("name", {"name": "<script>x</script>", "outcome": "open"}),
    ],
)
def test_bad_values_are_named_and_nothing_is_written(db, manager, field, data):
    with pytest.raises(ValidationFailed) as error:
        service.upsert(manager, "006B", data)
    assert field in error.value.fields
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Opportunity)) == 0


@pytest.mark.parametrize("crm_id", ["", "a/b", "x" * 65, " ", "006 A", None])
def test_a_crm_id_must_be_one_the_crm_could_have_made(db, manager, crm_id):
    with pytest.raises(ValidationFailed) as error:
        service.upsert(manager, crm_id, {"name": "X", "outcome": "open"})
    assert "crm_id" in error.value.fields


def test_only_the_program_team_upserts(db, seller):
    with pytest.raises(Forbidden):
        service.upsert(seller, "006C", {"name": "X", "outcome": "open"})


def test_the_account_is_matched_by_crm_id_then_by_exact_name(db, manager):
    bank = AccountFactory(name="Nordbank AG", crm_id="001NB")
    other = AccountFactory(name="Südbank")
    by_id, _ = service.upsert(
        manager, "006D", {"name": "D", "outcome": "open", "account_crm_id": "001NB"}
    )
    by_name, _ = service.upsert(
        manager, "006E", {"name": "E", "outcome": "open", "account_name": "südbank"}
    )
    prospect, _ = service.upsert(
        manager, "006F", {"name": "F", "outcome": "open", "account_name": "Acme Prospect"}
    )
    assert (by_id.account_id, by_name.account_id, prospect.account_id) == (
        bank.id,
        other.id,
        None,
    )


def test_a_request_naming_a_new_crm_id_creates_the_deal_owned_by_its_requester(db, seller):
    request = requests.create_request(
        seller,
        request_data(opportunity_crm_id="006NEW", opportunity_amount="50000"),
    )
    deal = request.opportunity
    assert deal.crm_id == "006NEW"
    assert (deal.owner_email, deal.source, deal.name) == (
        "seller@example.com",
        "request",
        "Nordbank",
    )
    assert deal.account_name == "Nordbank"
    assert deal.amount == Decimal("50000.00")
    assert request.opportunity_name == "Nordbank"  # the request mirrors its deal


def test_requests_of_a_deal_mirror_the_crm_and_an_outcome_reaches_them_all(db, manager, seller):
    service.upsert(
        manager,
        "006G",
        {"name": "Big deal", "amount": "90000", "outcome": "open", "owner_email": seller.email},
    )
    first = requests.create_request(seller, request_data(opportunity_crm_id="006G"))
    second = requests.create_request(
        seller, request_data(opportunity_crm_id="006G", opportunity_amount="1")
    )
    # The seller owns the deal, so what they type changes it, for both requests.
    assert first.opportunity_id == second.opportunity_id
    assert first.opportunity_amount == second.opportunity_amount == Decimal("1.00")

    service.upsert(manager, "006G", {"outcome": "won", "amount": "95000"})
    db.session.flush()
    for request in (first, second):
        assert (request.opportunity_outcome, request.opportunity_amount) == (
            "won",
            Decimal("95000.00"),
        )
        facts = db.session.get(RequestFacts, request.id)
        assert (facts.outcome, facts.amount) == ("won", Decimal("95000.00"))
    assert audits(db, "opportunity.outcome_changed") == 1


def test_recording_an_outcome_on_a_request_changes_the_deal(db, seller):
    first = requests.create_request(seller, request_data(opportunity_crm_id="006H"))
    second = requests.create_request(seller, request_data(opportunity_crm_id="006H"))
    requests.record_outcome(seller, first, "lost")
    assert first.opportunity.outcome == "lost"
    assert second.opportunity_outcome == "lost"
    assert audits(db, "request.outcome") == 1
    assert audits(db, "opportunity.outcome_changed") == 1


def test_a_requester_may_not_link_or_read_another_sellers_deal(db, manager, seller, other_seller):
    service.upsert(
        manager,
        "006SECRET",
        {"name": "Secret", "amount": "777777", "outcome": "open", "owner_email": seller.email},
    )
    with pytest.raises(ValidationFailed) as error:
        requests.create_request(other_seller, request_data(opportunity_crm_id="006SECRET"))
    assert "opportunity_crm_id" in error.value.fields
    with pytest.raises(NotFound):
        service.get(other_seller, "006SECRET")
    assert service.get(seller, "006SECRET").name == "Secret"
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Opportunity)
            .where(service.visible_condition(other_seller))
        )
        == 0
    )


def test_a_non_owner_fills_only_blanks_of_a_deal_they_may_see(db, manager, other_seller):
    service.upsert(manager, "006OPEN", {"name": "No owner", "amount": "1000", "outcome": "open"})
    request = requests.create_request(
        other_seller,
        request_data(
            opportunity_crm_id="006OPEN", opportunity_amount="5", opportunity_stage="Proposal"
        ),
    )
    deal = request.opportunity
    assert deal.amount == Decimal("1000.00")  # not theirs to change
    assert deal.stage == "Proposal"  # was blank
    assert request.opportunity_amount == Decimal("1000.00")


def test_clearing_the_crm_id_unlinks_and_keeps_the_typed_values(db, seller):
    request = requests.create_request(seller, request_data(opportunity_crm_id="006U"))
    requests.update_request(
        seller, request, {"opportunity_crm_id": "", "opportunity_name": "Own words"}
    )
    assert request.opportunity_id is None
    assert request.opportunity_name == "Own words"
    assert request.opportunity_crm_id is None


def test_a_copy_keeps_the_deal(db, seller):
    source = requests.create_request(seller, request_data(opportunity_crm_id="006CP"))
    copy = requests.copy_request(seller, source)
    assert copy.opportunity_id == source.opportunity_id
