"""A small program for the work-in-progress tests, its figures stated in `world`'s docstring."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from portal.opportunities.models import Opportunity
from tests.factories import (
    AccountFactory,
    AdvocateFactory,
    AskFactory,
    ReferenceRequestFactory,
    UserFactory,
)


def days(n: int) -> dt.datetime:
    return dt.datetime.now(dt.UTC) + dt.timedelta(days=n)


@pytest.fixture
def world(db):
    return make_world(db)


def make_world(db):
    """Acme (CSM Cora): Sue's (sales) case study with Ada, accepted and scheduled in 5 days;
    a PR request of Pia's teammate Pete had an ask to Ada's colleague Al, completed 90 days ago
    (so PR works with Acme, though that old activity is off the page). Beta: Andy's (AR) quote
    with Bob, pending. Gamma: a sales deal owned by Sam (no ask yet), and Sam's open reference
    call on that deal. Delta: Dora's declined ask (never shown). Pia (PR) has an open quote
    request of her own (no ask)."""
    cora = UserFactory(role="csm", name="Cora CSM", email="cora@vendor.example")
    sam = UserFactory(role="requester", team="sales", name="Sam Sales", email="sam@v.example")
    sue = UserFactory(role="requester", team="sales", name="Sue Sales", email="sue@v.example")
    pia = UserFactory(role="requester", team="pr", name="Pia PR", email="pia@v.example")
    pete = UserFactory(role="requester", team="pr", name="Pete PR", email="pete@v.example")
    andy = UserFactory(role="requester", team="ar", name="Andy AR", email="andy@v.example")
    manager = UserFactory(role="manager", name="Mia Manager", email="mia@v.example")
    acme = AccountFactory(name="Acme Bank", csm=cora)
    beta = AccountFactory(name="Beta Insurance")
    gamma = AccountFactory(name="Gamma Retail")
    delta = AccountFactory(name="Delta Air")
    ada = AdvocateFactory(account=acme, name="Ada Lovelace", email="ada@acme.example")
    al = AdvocateFactory(account=acme, name="Al Acme", email="al@acme.example")
    bob = AdvocateFactory(account=beta, name="Bob Beta", email="bob@beta.example")
    dora = AdvocateFactory(account=delta, name="Dora Delta", email="dora@delta.example")
    case_study = ReferenceRequestFactory(
        requester=sue, activity_type="case_study", prospect_company="Globex", status="in_progress"
    )
    interview = AskFactory(
        request=case_study, advocate=ada, status="accepted", scheduled_at=days(5)
    )
    old_pr = ReferenceRequestFactory(requester=pete, activity_type="quote", status="completed")
    AskFactory(request=old_pr, advocate=al, status="completed", completed_at=days(-90))
    ar_quote = ReferenceRequestFactory(requester=andy, activity_type="quote", status="in_progress")
    beta_ask = AskFactory(request=ar_quote, advocate=bob, status="pending")
    deal = Opportunity(crm_id="OPP-G", name="Gamma expansion", outcome="open", account=gamma)
    deal.owner_email = sam.email
    db.session.add(deal)
    sam_call = ReferenceRequestFactory(
        requester=sam, activity_type="reference_call", opportunity=deal, status="submitted"
    )
    declined = AskFactory(
        request=ReferenceRequestFactory(requester=sam, status="in_progress"),
        advocate=dora,
        status="declined",
    )
    pia_quote = ReferenceRequestFactory(
        requester=pia, activity_type="quote", prospect_company="Initech", status="submitted"
    )
    db.session.commit()
    return SimpleNamespace(**locals())
