"""The fast request form on the server: the usual values of each activity type, criteria from
the prospect's own account (never over the link's), and a form that posts without JavaScript
(issue 22)."""

import datetime as dt
import json
import re
from html import unescape
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa

from portal.asks import defaults, lead_time
from portal.asks.models import ReferenceRequest
from portal.opportunities import service as opportunities
from portal.vocab import ACTIVITY_TYPES
from tests.factories import AccountFactory, UserFactory
from tests.opportunities.test_prefill import FormValues


@pytest.fixture
def manager(db):
    return UserFactory(role="manager")


@pytest.fixture
def seller(db):
    return UserFactory(role="requester", team="sales", email="seller@example.com")


@pytest.fixture
def account(db):
    return AccountFactory(
        name="Fjord Insurance ASA",
        industry="insurance",
        region="na",
        segment="mid_market",
        products=["payments", "no-such-product"],
    )


def make_deal(manager, account_name, crm_id="006FJORD", owner="seller@example.com"):
    found, _ = opportunities.upsert(
        manager,
        crm_id,
        {
            "name": "Fjord claims platform",
            "account_name": account_name,
            "owner_email": owner,
            "outcome": "open",
        },
        source="csv",
    )
    return found


def link(**args) -> str:
    return "/requests/new?" + urlencode(args)


def page_of(client, url) -> tuple[FormValues, str]:
    response = client.get(url)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    return FormValues(body), body


def form_attribute(body: str, name: str) -> str:
    found = re.search(rf"<form [^>]*{name}=(['\"])(.*?)\1", body)
    assert found, f"the form has no {name}"
    return unescape(found.group(2))


def criteria(values: FormValues) -> dict[str, list[str]]:
    names = ("industries", "products", "regions", "segments", "use_cases", "languages")
    return {name: values.values.get(name, []) for name in names}


def today_of(user) -> dt.date:
    return lead_time.requester_today(user)


# The usual values of each activity type ------------------------------------------------------


def test_every_activity_type_has_usual_values_that_give_enough_notice(db):
    today = dt.date(2026, 12, 4)  # a Friday: the weekend does not count
    usual = defaults.activity_defaults(today)
    assert set(usual) == set(ACTIVITY_TYPES) == set(defaults.ADVOCATES_NEEDED)
    times = lead_time.lead_times()
    for kind, values in usual.items():
        day = dt.date.fromisoformat(values["needed_by"])
        notice = lead_time.check_notice(kind, day, False, None, today, times)
        assert notice["rush"] is False
        assert notice["notice_days"] == times[kind] + defaults.SLACK_WORKING_DAYS
        assert 1 <= int(values["advocates_needed"]) <= 20
    assert usual["reference_call"]["advocates_needed"] == "1"
    assert usual["peer_review"]["advocates_needed"] == "3"
    # Five working days of lead time plus three from a Friday: the Wednesday after next.
    assert usual["reference_call"]["needed_by"] == "2026-12-16"


def test_the_usual_date_follows_the_programs_lead_times(db):
    admin = UserFactory(role="admin")
    lead_time.update_lead_times(admin, {**lead_time.lead_times(), "case_study": 40})
    today = dt.date(2026, 12, 7)
    usual = defaults.activity_defaults(today)
    assert usual["case_study"]["needed_by"] == lead_time.add_working_days(today, 43).isoformat()


def test_a_link_naming_only_the_activity_gets_its_usual_values(client, auth, db, seller):
    db.session.commit()
    auth.login(seller.email)
    values, body = page_of(client, link(activity_type="peer_review"))
    usual = defaults.activity_defaults(today_of(seller))["peer_review"]
    assert values.one("needed_by") == usual["needed_by"]
    assert values.one("advocates_needed") == "3"
    # The script may change both when the requester picks another activity.
    assert form_attribute(body, "data-defaulted") == "advocates_needed needed_by"


def test_the_links_own_date_and_count_win_over_the_usual(client, auth, db, seller):
    db.session.commit()
    auth.login(seller.email)
    day = (dt.date.today() + dt.timedelta(days=40)).isoformat()
    values, body = page_of(
        client, link(activity_type="peer_review", needed_by=day, advocates_needed="5")
    )
    assert values.one("needed_by") == day
    assert values.one("advocates_needed") == "5"
    assert form_attribute(body, "data-defaulted") == ""


def test_the_page_gives_the_script_every_activitys_usual_values(client, auth, db, seller):
    db.session.commit()
    auth.login(seller.email)
    _, body = page_of(client, "/requests/new")
    table = json.loads(form_attribute(body, "data-defaults"))
    assert table == defaults.activity_defaults(today_of(seller))
    assert form_attribute(body, "data-defaults-from") == "activity_type"
    assert 'src="/static/js/chips.js"' in body


# Criteria from the prospect's account ---------------------------------------------------------


def test_the_deals_account_fills_the_criteria_with_known_terms_only(
    client, auth, db, manager, seller, account
):
    deal = make_deal(manager, account.name)
    assert deal.account_id == account.id
    db.session.commit()
    auth.login(seller.email)
    values, _ = page_of(client, link(opportunity=deal.crm_id, activity_type="reference_call"))
    assert criteria(values) == {
        "industries": ["insurance"],
        "products": ["payments"],  # "no-such-product" is no product of the program
        "regions": ["na"],
        "segments": ["mid_market"],
        "use_cases": [],
        "languages": [],
    }


def test_the_links_criteria_are_never_overwritten(client, auth, db, manager, seller, account):
    deal = make_deal(manager, account.name)
    db.session.commit()
    auth.login(seller.email)
    values, _ = page_of(
        client, link(opportunity=deal.crm_id, industry="Banking", product="payments")
    )
    found = criteria(values)
    assert found["industries"] == ["banking"]  # the link's, not the account's insurance
    assert found["regions"] == ["na"] and found["segments"] == ["mid_market"]


def test_a_prospect_named_as_an_account_fills_the_criteria(client, auth, db, seller, account):
    db.session.commit()
    auth.login(seller.email)
    values, _ = page_of(client, link(prospect="FJORD insurance asa", activity_type="case_study"))
    assert criteria(values)["industries"] == ["insurance"]
    assert criteria(values)["regions"] == ["na"]


def test_an_unknown_or_ambiguous_prospect_fills_no_criteria(client, auth, db, seller, account):
    AccountFactory(name="Twin Bank", industry="banking")
    AccountFactory(name="twin bank", industry="insurance")
    db.session.commit()
    auth.login(seller.email)
    for prospect in ("Twin Bank", "Nobody Ltd"):
        values, _ = page_of(client, link(prospect=prospect))
        assert not any(criteria(values).values()), prospect


def test_a_deal_the_viewer_may_not_see_lends_no_criteria(
    client, auth, db, manager, seller, account
):
    deal = make_deal(manager, account.name)
    other = UserFactory(role="requester", team="sales", email="other@example.com")
    db.session.commit()
    auth.login(other.email)
    values, body = page_of(client, link(opportunity=deal.crm_id))
    assert not any(criteria(values).values())
    assert "Fjord" not in body


def test_an_account_outside_the_taxonomy_lends_only_what_fits(client, auth, db, manager, seller):
    account = AccountFactory(name="Odd Co", industry="astrology", products=["nothing-known"])
    db.session.commit()
    auth.login(seller.email)
    values, _ = page_of(client, link(prospect=account.name))
    found = criteria(values)
    assert found["industries"] == [] and found["products"] == []
    assert found["regions"] == ["emea"] and found["segments"] == ["enterprise"]


# Without JavaScript ---------------------------------------------------------------------------


def test_the_lists_are_plain_multiple_selects_that_post_without_javascript(
    client, auth, db, seller
):
    db.session.commit()
    auth.login(seller.email)
    _, body = page_of(client, "/requests/new")
    for name in ("industries", "products", "use_cases", "regions", "segments", "seniorities",
                 "languages"):  # fmt: skip
        tag = re.search(rf'<select [^>]*name="{name}"[^>]*>', body).group(0)
        assert " multiple" in tag and "data-chips" in tag, tag
    usual = defaults.activity_defaults(today_of(seller))["site_visit"]
    response = client.post(
        "/requests/new",
        data={
            "activity_type": "site_visit",
            "needed_by": usual["needed_by"],
            "advocates_needed": usual["advocates_needed"],
            "prospect_company": "Posted Bank",
            "industries": ["banking", "insurance"],
            "regions": ["na", "emea"],
            "languages": ["de"],
            "action": "submit",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    [request] = db.session.scalars(sa.select(ReferenceRequest)).all()
    assert request.status == "submitted" and request.rush is False
    assert request.criteria["industries"] == ["banking", "insurance"]
    assert request.criteria["regions"] == ["na", "emea"]
    assert request.criteria["languages"] == ["de"]


def more_criteria(body: str) -> str:
    return re.search(r'<details [^>]*id="more-criteria"[^>]*>', body).group(0)


def test_more_criteria_stay_folded_until_they_hold_something(client, auth, db, seller):
    db.session.commit()
    auth.login(seller.email)
    _, body = page_of(client, "/requests/new")
    assert " open" not in more_criteria(body)
    # Sent back with a mistake elsewhere: the languages chosen are in view.
    response = client.post(
        "/requests/new",
        data={"activity_type": "", "needed_by": "", "languages": ["de"], "action": "submit"},
    )
    assert response.status_code == 422
    assert " open" in more_criteria(response.get_data(as_text=True))


def test_the_opportunitys_details_unfold_when_a_deal_fills_them(
    client, auth, db, manager, seller, account
):
    deal = make_deal(manager, account.name)
    db.session.commit()
    auth.login(seller.email)
    folded = re.compile(r'<details [^>]*id="more-opportunity"[^>]*>')
    _, blank = page_of(client, "/requests/new")
    assert " open" not in folded.search(blank).group(0)
    _, filled = page_of(client, link(opportunity=deal.crm_id))
    assert " open" in folded.search(filled).group(0)
