"""Content suggestions offer as ranking terms, and the library as filters, only the facets its
assets carry: no "Region" when no story has a region (as in the demo library)."""

from __future__ import annotations

import datetime as dt

import pytest

from portal.content.assets import create_asset
from portal.content.suggestions import opportunity_terms
from tests.factories import ReferenceRequestFactory, UserFactory


def _asset(manager, **overrides):
    data = {
        "kind": "case_study",
        "title": "How Nordbank cut fraud losses",
        "url": "https://www.example.com/nordbank",
        "summary": "Nordbank moved card payments in six weeks.",
        "stages": ["middle"],
        "industries": ["banking"],
        "products": ["payments"],
        "use_cases": [],
        "regions": [],
        "approval_status": "customer_approved",
        "approved_by_customer": "Jana Novak, CFO",
        "approved_until": (dt.date.today() + dt.timedelta(days=200)).isoformat(),
    }
    data.update(overrides)
    return create_asset(manager, data)


@pytest.fixture
def manager(db):
    return UserFactory(role="manager")


@pytest.fixture
def rep(db):
    return UserFactory(role="requester", team="sales")


def test_region_is_not_a_ranking_term_when_no_asset_has_a_region(db, manager, rep):
    _asset(manager)
    request = ReferenceRequestFactory(
        requester=rep, criteria={"industries": ["banking"], "regions": ["emea"]}
    )
    db.session.commit()

    assert opportunity_terms(request) == {("industry", "banking")}


def test_region_is_a_ranking_term_once_a_live_asset_has_one(db, manager, rep):
    _asset(manager, regions=["apac"])
    request = ReferenceRequestFactory(
        requester=rep, criteria={"industries": ["banking"], "regions": ["emea"]}
    )
    db.session.commit()

    assert ("region", "emea") in opportunity_terms(request)


def test_for_request_page_shows_no_region_badge_without_regional_content(
    db, client, auth, manager, rep
):
    _asset(manager)
    request = ReferenceRequestFactory(
        requester=rep, criteria={"industries": ["banking"], "regions": ["emea"]}
    )
    db.session.commit()
    auth.login(rep.email)

    page = client.get(f"/content/for-request/{request.id}").get_data(as_text=True)

    assert "Industry: Banking" in page
    assert "Region:" not in page


def test_library_offers_no_region_filter_when_no_asset_has_a_region(db, client, auth, manager, rep):
    _asset(manager)
    db.session.commit()
    auth.login(rep.email)

    page = client.get("/content/").get_data(as_text=True)

    assert 'id="f-industry"' in page
    assert 'id="f-region"' not in page
