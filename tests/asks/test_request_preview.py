"""The request form's preview: the best advocates askable now and the best customer stories
for the need as written so far, before anything is saved."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from portal.asks import preview
from portal.asks.models import ReferenceRequest
from portal.content.assets import create_asset
from portal.errors import Forbidden
from tests.factories import AccountFactory, AdvocateFactory, UserFactory
from tests.helpers import sign_in
from tests.queries import QueryCounter


def _story(manager, title, **overrides):
    data = {
        "kind": "case_study",
        "title": title,
        "url": "https://www.example.com/story",
        "summary": "A customer story.",
        "stages": [],
        "industries": [],
        "products": [],
        "use_cases": [],
        "regions": [],
        "approval_status": "customer_approved",
        "approved_by_customer": "Jana Novak, CFO",
        "approved_until": (dt.date.today() + dt.timedelta(days=200)).isoformat(),
    }
    data.update(overrides)
    return create_asset(manager, data)


@pytest.fixture
def world(db):
    manager = UserFactory(role="manager", email="mgr@example.com")
    bank = AccountFactory(name="Nordbank", industry="banking")
    shop = AccountFactory(name="Shopco", industry="retail")
    advocates = {
        # Banking and payments: the two best fits; the retail one shares only the product.
        "bank_payments": AdvocateFactory(account=bank, title="CFO", products=["payments"]),
        "bank_other": AdvocateFactory(account=bank, title="CIO", products=["analytics"]),
        "retail": AdvocateFactory(account=shop, title="COO", products=["payments"]),
        "retail_2": AdvocateFactory(account=shop, title="CTO", products=["analytics"]),
        # Never shown: paused, or not doing calls.
        "paused": AdvocateFactory(account=bank, status="paused", products=["payments"]),
        "no_calls": AdvocateFactory(
            account=bank, products=["payments"], activity_types=["case_study"]
        ),
    }
    stories = {
        "bank": _story(manager, "Nordbank cut fraud", industries=["banking"]),
        "bank_pay": _story(
            manager, "Nordbank payments", industries=["banking"], products=["payments"]
        ),
        "retail": _story(manager, "Shopco in stores", industries=["retail"]),
        "retired": _story(
            manager,
            "Old bank story",
            industries=["banking"],
            products=["payments"],
            approval_status="retired",
        ),
    }
    db.session.commit()
    return {"manager": manager, "advocates": advocates, "stories": stories}


NEED = {
    "activity_type": "reference_call",
    "industries": ["banking"],
    "products": ["payments"],
}


def test_the_best_three_askable_advocates_and_two_stories_in_order(world, db):
    rep = UserFactory(role="requester")
    found = preview.preview(rep, NEED)
    a, s = world["advocates"], world["stories"]
    shown = [m.advocate for m, _ in found.matches]
    assert len(shown) == 3
    assert shown[0] == a["bank_payments"]  # the only one with both the industry and product
    assert a["paused"] not in shown and a["no_calls"] not in shown
    fits = dict((m.advocate.id, why) for m, why in found.matches)
    assert fits[a["bank_payments"].id] == ["same industry: Banking", "uses product: Payments"]
    assert [story.asset for story in found.stories] == [s["bank_pay"], s["bank"]]
    assert found.stories[0].reasons == ("Same industry: Banking", "Product: Payments")
    assert found.names is False and preview.preview(world["manager"], NEED).names is True


def test_values_that_dont_fit_are_left_out_not_errors(world, db):
    rep = UserFactory(role="requester")
    found = preview.preview(
        rep,
        {
            "activity_type": "juggling",
            "industries": ["banking", "no-such-industry", 7],
            "prospect_company": "x" * 5000,
        },
    )
    assert found.activity_type is None and found.matches == []
    # The known industry still finds stories; the unknown one and the 7 are dropped.
    assert {story.asset.title for story in found.stories} == {
        "Nordbank cut fraud",
        "Nordbank payments",
    }
    draft = preview.draft_of(rep, {"industries": "banking", "regions": ["mars"]})
    assert draft.criteria == {"industries": ["banking"]}
    assert len(preview.draft_of(rep, {"prospect_company": "y" * 999}).prospect_company) == 200


def test_an_advocate_at_the_prospect_is_never_shown(world, db):
    rep = UserFactory(role="requester")
    found = preview.preview(rep, {**NEED, "prospect_company": "Nordbank"})
    assert {m.advocate.account.name for m, _ in found.matches} == {"Shopco"}


def test_only_those_who_file_requests_see_a_preview_and_nothing_is_written(world, db):
    for role in ("advocate",):
        with pytest.raises(Forbidden):
            preview.preview(UserFactory(role=role), NEED)
    before = db.session.scalar(sa.select(sa.func.count()).select_from(ReferenceRequest))
    preview.preview(UserFactory(role="csm"), NEED)
    db.session.commit()
    after = db.session.scalar(sa.select(sa.func.count()).select_from(ReferenceRequest))
    assert before == after == 0


def test_the_page_fragment_hides_names_from_requesters(world, db, client, auth):
    sign_in(db, auth, "requester")
    query = "activity_type=reference_call&industries=banking&products=payments"
    response = client.get(f"/requests/preview?{query}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    assert html.count("data-preview-match>") == 3 and html.count("data-preview-story>") == 2
    assert "CFO" in html and "Nordbank" in html
    assert world["advocates"]["bank_payments"].name not in html
    assert "Old bank story" not in html
    auth.logout()
    auth.login("mgr@example.com")
    html = client.get(f"/requests/preview?{query}").get_data(as_text=True)
    assert world["advocates"]["bank_payments"].name in html


def test_the_fragment_asks_for_an_activity_first(world, db, client, auth):
    sign_in(db, auth, "requester")
    html = client.get("/requests/preview").get_data(as_text=True)
    assert "Choose what you need" in html


def test_the_preview_reads_a_constant_number_of_statements(world, db, client, auth):
    sign_in(db, auth, "requester")
    query = "/requests/preview?activity_type=reference_call&industries=banking&products=payments"
    client.get(query)
    with QueryCounter(db.engine) as few:
        client.get(query)
    for n in range(30):
        AdvocateFactory(products=["payments"], title=f"VP {n}")
    db.session.commit()
    with QueryCounter(db.engine) as many:
        client.get(query)
    assert many.count == few.count
