"""The reference directory's search: who appears, the filters, what a requester may see of each
advocate (contact details only after an accepted ask of theirs), next free day, how each
activity is asked, the stories, and a constant number of statements however many advocates."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from portal.advocates.models import Blackout
from portal.auth.models import User
from portal.content.models import ContentAsset
from portal.directory import service
from portal.errors import Forbidden, ValidationFailed
from portal.extensions import db as _db
from portal.program import taxonomy
from portal.program.models import TaxonomyTerm
from portal.program.service import set_setting
from portal.recruiting.models import Referenceability
from tests.factories import (
    AccountFactory,
    AdvocateFactory,
    AskFactory,
    ReferenceRequestFactory,
    UserFactory,
    advocate_with_login,
)
from tests.queries import QueryCounter


@pytest.fixture
def ctx(app, db):
    """A web request's context: the results link to the request form."""
    with app.test_request_context("/directory/"):
        yield db


@pytest.fixture
def requester(ctx):
    return UserFactory(role="requester", team="sales", email="rita@vendor.example")


def found(viewer, search=None, **filters):
    """The advocate ids a search finds for `viewer`, in order (all of them: one big page)."""
    search = search or service.Search(filters=filters)
    page = service.search_directory(viewer, search, per_page=100)
    return [entry.advocate_id for entry in page.items]


def entry_of(viewer, advocate):
    for entry in service.search_directory(viewer, service.Search(), per_page=100).items:
        if entry.advocate_id == advocate.id:
            return entry
    raise AssertionError(f"{advocate.name} is not in the directory")


def _not_referenceable(advocate, session):
    session.add(Referenceability(account=advocate.account, status="not_referenceable"))


HIDDEN = {
    "nominated": lambda a, s: setattr(a, "status", "nominated"),
    "paused": lambda a, s: setattr(a, "status", "paused"),
    "retired": lambda a, s: setattr(a, "status", "retired"),
    "declined": lambda a, s: setattr(a, "status", "declined"),
    "opted_out_of_everything": lambda a, s: setattr(a, "activity_types", []),
    "terms_not_accepted": lambda a, s: setattr(a, "consent_version", "1999-01"),
    "erasure_requested": lambda a, s: setattr(a, "erasure_requested_at", dt.datetime.now(dt.UTC)),
    "account_do_not_contact": lambda a, s: setattr(a.account, "status", "do_not_contact"),
    "account_paused": lambda a, s: setattr(a.account, "status", "paused"),
    "account_not_referenceable": _not_referenceable,
}


@pytest.mark.parametrize("reason", sorted(HIDDEN))
def test_directory_leaves_out_advocates_who_may_not_be_asked(ctx, requester, reason):
    shown = AdvocateFactory(name="Shown Sam")
    hidden = AdvocateFactory(name="Hidden Hal")
    assert set(found(requester)) == {shown.id, hidden.id}
    HIDDEN[reason](hidden, ctx.session)
    ctx.session.flush()
    assert found(requester) == [shown.id]


def test_every_filter_narrows_to_the_advocates_sharing_it(ctx, requester):
    bank = AccountFactory(name="Nordbank", industry="banking", region="emea", segment="enterprise")
    shop = AccountFactory(
        name="Shopwise", industry="retail", region="na", segment="smb", products=["analytics"]
    )
    ana = AdvocateFactory(
        account=bank,
        title="Head of Payments",
        seniority="executive",
        products=["payments"],
        use_cases=["fraud_detection"],
        languages=["de", "en"],
        activity_types=["reference_call"],
    )
    ben = AdvocateFactory(
        account=shop,
        title="Data engineer",
        seniority="technical",
        products=["identity"],
        use_cases=["customer_360"],
        languages=["en"],
        activity_types=["quote", "case_study"],
    )
    assert found(requester) and set(found(requester)) == {ana.id, ben.id}
    assert found(requester, industry="banking") == [ana.id]
    assert found(requester, industry="retail") == [ben.id]
    assert found(requester, product="payments") == [ana.id]
    # The account's products count as the advocate's (as matching has it).
    assert found(requester, product="analytics") == [ben.id]
    assert found(requester, use_case="customer_360") == [ben.id]
    assert found(requester, region="emea") == [ana.id]
    assert found(requester, segment="smb") == [ben.id]
    assert found(requester, seniority="executive") == [ana.id]
    assert found(requester, language="de") == [ana.id]
    assert set(found(requester, language="en")) == {ana.id, ben.id}
    assert found(requester, activity_type="quote") == [ben.id]
    assert found(requester, activity_type="reference_call", industry="retail") == []
    assert found(requester, service.Search(q="nordbank")) == [ana.id]
    assert found(requester, service.Search(q="engineer")) == [ben.id]
    assert found(requester, service.Search(q="shopwise data")) == [ben.id]
    # What is typed is found literally: % and _ are characters, not wildcards.
    assert found(requester, service.Search(q="%")) == []
    assert found(requester, service.Search(q="_")) == []


def test_a_group_of_terms_finds_advocates_holding_any_member(ctx, requester):
    admin = UserFactory(role="admin")
    group = taxonomy.add_term(admin, "industry", "financial_services", "Financial services")
    for value in ("banking", "insurance"):
        term = ctx.session.scalar(
            sa.select(TaxonomyTerm).where(
                TaxonomyTerm.kind == "industry", TaxonomyTerm.value == value
            )
        )
        taxonomy.set_term_group(admin, term, group.id)
    bank = AdvocateFactory(account=AccountFactory(industry="banking"))
    insurer = AdvocateFactory(account=AccountFactory(industry="insurance"))
    AdvocateFactory(account=AccountFactory(industry="retail"))
    assert set(found(requester, industry="financial_services")) == {bank.id, insurer.id}


def test_contact_details_stay_hidden_until_one_of_the_viewers_asks_is_accepted(ctx, requester):
    advocate = AdvocateFactory(email="jana@nordbank.example", preferred_contact="video")
    other = UserFactory(role="requester")
    # Someone else's accepted ask, and the viewer's own asks not (yet) accepted, reveal nothing.
    AskFactory(
        request=ReferenceRequestFactory(requester=other), advocate=advocate, status="accepted"
    )
    mine = ReferenceRequestFactory(requester=requester)
    AskFactory(request=mine, advocate=advocate, status="pending")
    AskFactory(
        request=ReferenceRequestFactory(requester=requester), advocate=advocate, status="declined"
    )
    entry = entry_of(requester, advocate)
    assert (entry.email, entry.preferred_contact, entry.contact_shown) == (None, None, False)
    assert entry.name == advocate.name and entry.company == advocate.account.name

    mine.asks[0].status = "accepted"
    ctx.session.flush()
    entry = entry_of(requester, advocate)
    assert (entry.email, entry.preferred_contact) == ("jana@nordbank.example", "video")
    # Still hidden from everyone else who never had an ask accepted.
    assert entry_of(UserFactory(role="csm"), advocate).email is None
    # The program team sees them (they see every advocate's record anyway).
    assert entry_of(UserFactory(role="manager"), advocate).email == "jana@nordbank.example"


def test_a_completed_ask_counts_as_accepted(ctx, requester):
    advocate = AdvocateFactory()
    AskFactory(
        request=ReferenceRequestFactory(requester=requester), advocate=advocate, status="completed"
    )
    assert entry_of(requester, advocate).email == advocate.email


def test_advocates_and_visitors_may_not_search(ctx):
    advocate, user = advocate_with_login()
    with pytest.raises(Forbidden):
        service.search_directory(user, service.Search())
    with pytest.raises(Forbidden):
        service.search_directory(None, service.Search())


def test_next_free_is_now_or_the_first_day_every_rule_passes(ctx, requester):
    today = dt.datetime.now(dt.UTC).date()
    free = AdvocateFactory(timezone="UTC")
    paused = AdvocateFactory(timezone="UTC", paused_until=today + dt.timedelta(days=9))
    away = AdvocateFactory(timezone="UTC")
    away.blackouts.append(
        Blackout(start=today - dt.timedelta(days=1), end=today + dt.timedelta(days=4))
    )
    busy = AdvocateFactory(timezone="UTC", max_per_month=1, min_days_between=0)
    AskFactory(advocate=busy, status="accepted")
    ctx.session.flush()
    assert entry_of(requester, free).next_free is None
    assert entry_of(requester, paused).next_free == today + dt.timedelta(days=9)
    assert entry_of(requester, away).next_free == today + dt.timedelta(days=5)
    first_of_next_month = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    assert entry_of(requester, busy).next_free == first_of_next_month
    # Free now first.
    assert found(requester)[0] == free.id


def test_each_activity_says_whether_it_is_asked_directly_or_through_the_program(ctx, requester):
    set_setting(UserFactory(role="admin"), "self_service_activity_types", ["quote"])
    advocate = AdvocateFactory(
        account=AccountFactory(industry="insurance"), activity_types=["quote", "reference_call"]
    )
    entry = entry_of(requester, advocate)
    how = {a.activity_type: a.how for a in entry.activities}
    assert how == {"reference_call": "through_program", "quote": "ask_directly"}
    # In the vocabulary's order; the button files the first.
    assert entry.action.activity_type == "reference_call"
    assert (
        entry.action.request_url == "/requests/new?activity_type=reference_call&industry=insurance"
    )
    # Searching for an activity puts it first, with the criteria searched for.
    page = service.search_directory(
        requester, service.Search(filters={"activity_type": "quote", "product": "payments"})
    )
    action = page.items[0].action
    assert (action.activity_type, action.self_service) == ("quote", True)
    assert action.request_url == (
        "/requests/new?activity_type=quote&industry=insurance&product=payments"
    )


def test_stories_are_the_live_approved_ones_of_the_advocate_and_their_company(ctx, requester):
    advocate = AdvocateFactory()
    colleague = AdvocateFactory(account=advocate.account)
    elsewhere = AdvocateFactory()
    today = dt.date.today()

    def story(title, **fields):
        fields.setdefault("approval_status", "customer_approved")
        asset = ContentAsset(
            kind="case_study", title=title, url="https://stories.example/x", **fields
        )
        ctx.session.add(asset)
        return asset

    story("Own quote", advocate=advocate, approved_on=today - dt.timedelta(days=30))
    story("Company case study", account=advocate.account, approved_on=today)
    story("Draft", account=advocate.account, approval_status="draft")
    story("Retired", account=advocate.account, approval_status="retired")
    story("Lapsed", account=advocate.account, approved_until=today - dt.timedelta(days=1))
    story("Someone else's", account=elsewhere.account)
    ctx.session.flush()
    titles = [s.title for s in entry_of(requester, advocate).stories]
    assert titles == ["Own quote", "Company case study"]
    assert [s.title for s in entry_of(requester, colleague).stories] == ["Company case study"]


def test_bad_search_values_are_named(ctx):
    with pytest.raises(ValidationFailed) as refused:
        service.check_search({"industry": "skydiving", "region": "mars", "q": "x" * 201})
    assert set(refused.value.fields) == {"industry", "region", "q"}
    search = service.check_search({"industry": "banking", "q": " nord ", "sort": "company"})
    assert (search.q, search.filters, search.sort) == ("nord", {"industry": "banking"}, "company")


def _statements(app, viewer_id):
    """Search as one web request does: a new application context (its own `g`, where the
    taxonomy is read once per web request, and its own session, with nothing loaded)."""
    search = service.Search(filters={"product": "payments"})
    with (
        app.app_context(),
        app.test_request_context("/directory/"),
        QueryCounter(_db.engine) as queries,
    ):
        page = service.search_directory(_db.session.get(User, viewer_id), search)
    return page, len(queries.reads)


def test_a_page_reads_the_same_statements_with_5_or_50_advocates(app, db):
    # No request context around the test: each search has its own, as each web request does.
    requester = UserFactory(role="requester")

    def add(n):
        for i in range(n):
            advocate = AdvocateFactory()
            AskFactory(
                request=ReferenceRequestFactory(requester=requester),
                advocate=advocate,
                status="accepted",
            )
            db.session.add(
                ContentAsset(
                    kind="quote",
                    title=f"Quote {i}",
                    account=advocate.account,
                    approval_status="customer_approved",
                )
            )
        db.session.commit()

    add(5)
    viewer_id = requester.id
    five, small = _statements(app, viewer_id)
    add(45)
    fifty, large = _statements(app, viewer_id)
    assert (five.total, fifty.total) == (5, 50)
    assert len(fifty.items) == service.PER_PAGE and all(e.email for e in fifty.items)
    assert small == large
    # The viewer; the results with their total in one statement, their stories in one more;
    # the taxonomy (once per web request) and the program's self-service setting.
    assert large <= 5
