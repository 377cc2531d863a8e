"""A CRM button's link opens the new-request form filled in: from the link's arguments, and
from the deal itself when the viewer may see it (issue 19)."""

import datetime as dt
from html.parser import HTMLParser
from urllib.parse import urlencode, urlsplit

import pytest
import sqlalchemy as sa

from portal.asks.models import ReferenceRequest
from portal.opportunities import service
from portal.opportunities.models import Opportunity
from tests.conftest import PASSWORD
from tests.factories import UserFactory, advocate_with_login


class FormValues(HTMLParser):
    """The values a page's form shows: inputs by name, a select's chosen options."""

    def __init__(self, html: str):
        super().__init__()
        self.values: dict[str, list[str]] = {}
        self._select = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("type") not in ("submit", "checkbox", "hidden"):
            self.values.setdefault(attrs.get("name"), []).append(attrs.get("value") or "")
        elif tag == "select":
            self._select = attrs.get("name")
            self.values.setdefault(self._select, [])
        elif tag == "option" and self._select and "selected" in attrs:
            self.values[self._select].append(attrs.get("value") or "")

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None

    def one(self, name: str) -> str:
        [value] = self.values.get(name) or [""]
        return value


def in_days(days):
    return (dt.date.today() + dt.timedelta(days=days)).isoformat()


class InDays:
    """The day `days` from the day a test runs, not from the day it was collected (a run that
    crosses midnight would otherwise expect yesterday's default)."""

    def __init__(self, days: int) -> None:
        self.days = days

    def __repr__(self) -> str:
        return f"in {self.days} days"

    def __str__(self) -> str:
        return in_days(self.days)


def link(**args) -> str:
    return "/requests/new?" + urlencode(args)


@pytest.fixture
def manager(db):
    return UserFactory(role="manager")


@pytest.fixture
def seller(db):
    return UserFactory(role="requester", team="sales", email="seller@example.com")


@pytest.fixture
def other_seller(db):
    return UserFactory(role="requester", team="sales", email="other@example.com")


@pytest.fixture
def deal(db, manager, seller):
    found, _ = service.upsert(
        manager,
        "0065g00000NordA",
        {
            "name": "Nordbank payments platform",
            "account_name": "Nordbank AG",
            "amount": "987654",
            "currency": "EUR",
            "stage": "Proposal/Price Quote",
            "stage_group": "middle",
            "close_date": in_days(45),
            "outcome": "open",
            "owner_email": seller.email,
        },
        source="csv",
    )
    db.session.commit()
    return found


def form_of(client, url) -> tuple[FormValues, str]:
    response = client.get(url)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    return FormValues(body), body


def test_owner_opens_the_link_and_the_form_holds_the_deal(client, auth, db, deal, seller):
    auth.login(seller.email)
    values, body = form_of(
        client,
        link(
            opportunity=deal.crm_id,
            activity_type="reference_call",
            prospect="Typed In The CRM Button",
            needed_by=in_days(20),
            industry="Banking",
            product="payments",
            advocates_needed="2",
        ),
    )
    assert values.one("opportunity_crm_id") == deal.crm_id
    assert values.one("opportunity_name") == "Nordbank payments platform"
    assert values.one("opportunity_amount") == "987654"
    assert values.one("opportunity_stage") == "Proposal/Price Quote"
    assert values.one("opportunity_close_date") == in_days(45)
    assert values.one("prospect_company") == "Nordbank AG"  # the deal's account wins
    assert values.one("activity_type") == "reference_call"
    assert values.one("needed_by") == in_days(20)
    assert values.one("advocates_needed") == "2"
    assert values.values["industries"] == ["banking"]  # the label, as a CRM picklist sends it
    assert values.values["products"] == ["payments"]
    assert 'id="linked-deal"' in body and "987,654 EUR" in body


def test_requester_who_may_not_see_the_deal_gets_only_the_crm_id(
    client, auth, db, deal, other_seller
):
    db.session.commit()
    auth.login(other_seller.email)
    values, body = form_of(
        client, link(opportunity=deal.crm_id, activity_type="case_study", prospect="Acme")
    )
    assert values.one("opportunity_crm_id") == deal.crm_id
    assert values.one("opportunity_name") == ""
    assert values.one("opportunity_amount") == ""
    assert values.one("opportunity_stage") == ""
    assert values.one("opportunity_close_date") == ""
    assert values.one("prospect_company") == "Acme"  # the link's own words only
    assert values.one("activity_type") == "case_study"
    for secret in ("987654", "987,654", "Nordbank", "Proposal/Price Quote", "linked-deal"):
        assert secret not in body


def test_an_unknown_crm_id_is_filled_and_nothing_else_is_said(client, auth, db, seller, deal):
    auth.login(seller.email)
    hidden, hidden_body = form_of(client, link(opportunity="006NOBODY"))
    assert hidden.one("opportunity_crm_id") == "006NOBODY"
    assert hidden.one("opportunity_name") == ""
    assert "linked-deal" not in hidden_body
    assert "No such opportunity" not in hidden_body


@pytest.mark.parametrize(
    ("arguments", "field", "shown"),
    [
        ({"activity_type": "teleportation"}, "activity_type", ""),
        ({"activity_type": "<script>x</script>"}, "activity_type", ""),
        ({"needed_by": "2026-13-45"}, "needed_by", InDays(14)),
        ({"needed_by": "next week"}, "needed_by", InDays(14)),
        ({"needed_by": InDays(-3)}, "needed_by", InDays(14)),
        ({"advocates_needed": "99"}, "advocates_needed", "1"),
        ({"advocates_needed": "two"}, "advocates_needed", "1"),
        ({"prospect": "<b>Acme</b>"}, "prospect_company", ""),
        ({"prospect": "x" * 201}, "prospect_company", ""),
        ({"opportunity": "no spaces allowed"}, "opportunity_crm_id", ""),
        ({"opportunity": "a" * 65}, "opportunity_crm_id", ""),
        ({"opportunity": "006\x00A"}, "opportunity_crm_id", ""),
    ],
)
def test_a_bad_value_in_the_link_is_simply_not_filled(
    client, auth, db, seller, arguments, field, shown
):
    db.session.commit()
    auth.login(seller.email)
    values, _ = form_of(client, link(**{name: str(value) for name, value in arguments.items()}))
    assert values.one(field) == str(shown)


def test_an_unknown_industry_is_dropped_and_known_ones_kept(client, auth, db, seller):
    db.session.commit()
    auth.login(seller.email)
    values, _ = form_of(client, "/requests/new?industry=astrology,banking&industry=Insurance")
    assert values.values["industries"] == ["banking", "insurance"]


def test_a_visitor_signs_in_and_lands_on_the_filled_form(client, db, seller, deal):
    url = link(opportunity=deal.crm_id, activity_type="reference_call", prospect="Nordbank AG")
    response = client.get(url)
    assert response.status_code == 302
    sign_in = response.headers["Location"]
    assert urlsplit(sign_in).path == "/auth/sign-in"
    response = client.post(sign_in, data={"email": seller.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == url  # the whole query string survived
    values, _ = form_of(client, response.headers["Location"])
    assert values.one("opportunity_name") == "Nordbank payments platform"
    assert values.one("activity_type") == "reference_call"


def test_submitting_the_filled_form_links_the_request_to_the_deal(client, auth, db, deal, seller):
    auth.login(seller.email)
    values, _ = form_of(client, link(opportunity=deal.crm_id, activity_type="reference_call"))
    data = {name: shown for name, shown in values.values.items() if name and shown}
    data.update({"needed_by": in_days(21), "action": "submit"})
    response = client.post("/requests/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    [request] = db.session.scalars(sa.select(ReferenceRequest)).all()
    assert request.opportunity_id == deal.id
    assert request.opportunity_name == "Nordbank payments platform"
    assert request.prospect_company == "Nordbank AG"
    db.session.expire_all()
    # Filing again the deal's own values changed nothing on it.
    assert db.session.get(Opportunity, deal.id).amount == 987654


def test_only_people_who_file_requests_may_open_the_link(client, auth, db, deal):
    advocate, user = advocate_with_login()
    db.session.commit()
    auth.login(user.email)
    assert client.get(link(opportunity=deal.crm_id)).status_code == 403
