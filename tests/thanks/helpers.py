"""Shared set-up of the thanks tests: a won-able deal with advocates who completed asks."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from portal.asks import completion
from portal.extensions import db
from portal.opportunities.models import Opportunity
from tests.factories import AskFactory, ReferenceRequestFactory, UserFactory


def completed_ask(requester, advocate, activity_type="reference_call", opportunity=None, **kw):
    """An ask the requester completed (rating 5), for `opportunity` when given."""
    request = ReferenceRequestFactory(
        requester=requester, activity_type=activity_type, opportunity=opportunity, **kw
    )
    ask = AskFactory(
        request=request,
        advocate=advocate,
        status="accepted",
        responded_at=dt.datetime.now(dt.UTC),
    )
    completion.complete_ask(requester, ask, rating=5)
    return ask


def deal(name="Payments platform", amount="250000.00", account_name="Nordbank AG"):
    opportunity = Opportunity(
        crm_id=f"OPP-{name[:3].upper()}-1",
        name=name,
        account_name=account_name,
        amount=Decimal(amount),
        currency="EUR",
        outcome="open",
        source="api",
    )
    db.session.add(opportunity)
    db.session.flush()
    return opportunity


def team():
    return (
        UserFactory(role="manager", email="mgr@vendor.example", name="Mia Manager"),
        UserFactory(role="requester", team="sales", email="rep@vendor.example", name="Ray Rep"),
    )
