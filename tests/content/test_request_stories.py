"""Customer stories where the need is (issue 22): a request's page shows the content library's
suggestions for its opportunity, with why each matched, and logs a use from there."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from portal.auth.models import User
from portal.content.assets import create_asset, retire_asset
from portal.content.models import ContentAsset, ContentUse
from portal.content.suggestions import request_stories, suggestions, suggestions_with_reasons
from portal.content.uses import log_use, use_stats
from portal.extensions import db as _db
from tests.factories import AccountFactory, ReferenceRequestFactory, UserFactory
from tests.queries import QueryCounter

CRM_ID = "006NORD01"
BEST = "Nordbank pays in seconds"
PRODUCT_STAGE = "Insurer pays claims the same day"
INDUSTRY_ONLY = "Banking analytics at Baltbank"
OLDER_INDUSTRY = "Savings bank goes digital"
NOTHING = "Retail chain onboards staff"
RETIRED = "Retired banking payments story"
EXPIRED = "Expired banking payments story"
USED_UP = "Used-up banking payments story"


def _asset(manager, title, account=None, **overrides):
    data = {
        "kind": "case_study",
        "title": title,
        "url": "https://stories.example.com/" + re.sub(r"\W+", "-", title.lower()),
        "summary": "A customer story.",
        "account_id": account.id if account else None,
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


def _age(asset, days: int) -> None:
    _db.session.execute(
        sa.update(ContentAsset)
        .where(ContentAsset.id == asset.id)
        .values(updated_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=days))
    )


@pytest.fixture
def program(db):
    """A rep's request for a banking payments deal in negotiation, and a library with stories
    that match it on everything, on product and stage, on industry only, or on nothing, plus
    matching stories requesters can't use (retired, lapsed, used up)."""
    manager = UserFactory(role="manager", email="mgr@example.com")
    rep = UserFactory(role="requester", team="sales", email="rep@example.com")
    other = UserFactory(role="requester", team="sales", email="other@example.com")
    nordbank = AccountFactory(name="Nordbank AG")
    insurer = AccountFactory(name="Assura Insurance")
    everything = {"industries": ["banking"], "products": ["payments"], "stages": ["late"]}
    assets = {
        OLDER_INDUSTRY: _asset(manager, OLDER_INDUSTRY, industries=["banking"]),
        INDUSTRY_ONLY: _asset(
            manager, INDUSTRY_ONLY, nordbank, industries=["banking"], products=["analytics"]
        ),
        PRODUCT_STAGE: _asset(
            manager,
            PRODUCT_STAGE,
            insurer,
            kind="video",
            industries=["insurance"],
            products=["payments"],
            stages=["late"],
        ),
        BEST: _asset(manager, BEST, nordbank, **everything),
        NOTHING: _asset(manager, NOTHING, industries=["retail"], stages=["early"]),
        RETIRED: _asset(manager, RETIRED, nordbank, **everything),
        EXPIRED: _asset(manager, EXPIRED, nordbank, **everything),
        USED_UP: _asset(manager, USED_UP, nordbank, use_limit=1, **everything),
    }
    retire_asset(manager, assets[RETIRED])
    # Ties on score go newest first: the product-and-stage story is newer than both
    # industry-only ones.
    _age(assets[OLDER_INDUSTRY], 20)
    _age(assets[INDUSTRY_ONLY], 10)
    request = ReferenceRequestFactory(
        requester=rep,
        prospect_company="Prospect Bank",
        opportunity_crm_id=CRM_ID,
        opportunity_stage="Negotiation/Review",
        criteria={"industries": ["banking"], "products": ["payments"]},
    )
    _db.session.flush()
    log_use(manager, assets[USED_UP].id, {"action": "open_link", "opportunity_crm_id": "X"})
    _db.session.execute(
        sa.update(ContentAsset)
        .where(ContentAsset.id == assets[EXPIRED].id)
        .values(approved_until=dt.date.today() - dt.timedelta(days=1))
    )
    _db.session.commit()
    return {"manager": manager, "rep": rep, "other": other, "request": request, "assets": assets}


def test_suggestions_with_reasons_rank_and_explain_each_story(db, program):
    found = suggestions_with_reasons(program["request"], limit=3)

    assert [(s.asset.title, s.score) for s in found.shown] == [
        (BEST, 3 + 2 + 1),
        (PRODUCT_STAGE, 2 + 1),
        (INDUSTRY_ONLY, 3),
    ]
    assert [s.reasons for s in found.shown] == [
        ("Same industry: Banking", "Product: Payments", "Stage: late"),
        ("Product: Payments", "Stage: late"),
        ("Same industry: Banking",),
    ]
    assert found.shown[0].matched == (
        ("industry", "banking"),
        ("product", "payments"),
        ("stage", "late"),
    )
    assert found.total == 4  # the older industry-only story is the fourth
    # The same ranking as the library's own suggestions: one scoring, two readers.
    assert [(a.title, score) for a, score in suggestions(program["request"], 3)] == [
        (s.asset.title, s.score) for s in found.shown
    ]


def test_only_the_owner_and_the_program_team_get_the_stories(db, program):
    assert request_stories(program["other"], program["request"]) is None
    assert request_stories(program["rep"], program["request"]).total == 4
    assert request_stories(program["manager"], program["request"]).total == 4


def _card(html: str) -> str:
    start = html.index('id="h-stories"')
    return html[start : html.index("</section>", start)]


@pytest.mark.parametrize(
    ("email", "path"),
    [("rep@example.com", "/requests/{}"), ("mgr@example.com", "/program/requests/{}")],
)
def test_request_page_shows_the_top_stories_with_why(client, auth, db, program, email, path):
    request_id = program["request"].id
    auth.login(email)
    response = client.get(path.format(request_id))
    assert response.status_code == 200
    card = _card(response.get_data(as_text=True))

    positions = [card.find(title) for title in (BEST, PRODUCT_STAGE, INDUSTRY_ONLY)]
    assert -1 not in positions and positions == sorted(positions)
    assert "Same industry: Banking · Product: Payments · Stage: late" in card
    assert "Product: Payments · Stage: late" in card
    assert "Nordbank AG" in card and "Assura Insurance" in card and "Video" in card
    for hidden in (OLDER_INDUSTRY, NOTHING, RETIRED, EXPIRED, USED_UP):
        assert hidden not in card
    assert f'href="/content/for-request/{request_id}">All 4 suggestions</a>' in card
    # The library's "for this opportunity" page lists all four.
    everything = client.get(f"/content/for-request/{request_id}").get_data(as_text=True)
    assert all(t in everything for t in (BEST, PRODUCT_STAGE, INDUSTRY_ONLY, OLDER_INDUSTRY))
    # "Open" ends in a redirect to each story's site: the page's policy lets the form go there.
    assert "https://stories.example.com" in response.headers["Content-Security-Policy"]


def test_another_requesters_request_is_not_found(client, auth, db, program):
    auth.login("other@example.com")
    assert client.get(f"/requests/{program['request'].id}").status_code == 404
    assert client.get(f"/content/for-request/{program['request'].id}").status_code == 404


class _Forms(HTMLParser):
    """The forms of a page: action and hidden fields, with their buttons' actions."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attrs.get("action"), "hidden": {}, "buttons": []})
        elif tag == "input" and attrs.get("type") == "hidden" and self.forms:
            self.forms[-1]["hidden"][attrs["name"]] = attrs.get("value", "")
        elif tag == "button" and attrs.get("name") == "action" and self.forms:
            self.forms[-1]["buttons"].append(attrs["value"])


def _use_form(html: str, asset_id: int) -> dict:
    parser = _Forms()
    parser.feed(_card(html))
    return next(f for f in parser.forms if f["action"] == f"/content/{asset_id}/use")


@pytest.mark.parametrize(
    ("email", "path"),
    [("rep@example.com", "/requests/{}"), ("mgr@example.com", "/program/requests/{}")],
)
def test_opening_a_story_from_the_card_logs_a_use_for_the_opportunity(
    client, auth, db, program, email, path
):
    best = program["assets"][BEST]
    request = program["request"]
    auth.login(email)
    page = client.get(path.format(request.id)).get_data(as_text=True)
    form = _use_form(page, best.id)
    assert form["buttons"] == ["open_link", "copy_link"]

    opened = client.post(form["action"], data={**form["hidden"], "action": "open_link"})
    assert opened.status_code == 302
    assert opened.headers["Location"] == best.url
    copied = client.post(form["action"], data={**form["hidden"], "action": "copy_link"})
    assert copied.headers["Location"] == f"/content/{best.id}?copy=1"

    uses = db.session.scalars(
        sa.select(ContentUse).where(ContentUse.asset_id == best.id).order_by(ContentUse.id)
    ).all()
    user = program["rep"] if email == "rep@example.com" else program["manager"]
    assert [(u.action, u.opportunity_crm_id, u.request_id, u.user_id) for u in uses] == [
        ("open_link", CRM_ID, request.id, user.id),
        ("copy_link", CRM_ID, request.id, user.id),
    ]
    assert use_stats([best.id])[best.id].count == 2


def test_a_story_used_up_from_the_card_leaves_it(client, auth, db, program):
    limited = program["assets"][PRODUCT_STAGE]
    limited.use_limit = 1
    db.session.commit()
    auth.login("rep@example.com")
    path = f"/requests/{program['request'].id}"
    form = _use_form(client.get(path).get_data(as_text=True), limited.id)
    assert (
        client.post(form["action"], data={**form["hidden"], "action": "open_link"}).status_code
        == 302
    )
    card = _card(client.get(path).get_data(as_text=True))
    assert PRODUCT_STAGE not in card and OLDER_INDUSTRY in card
    assert "All 3 suggestions" in card
    # Used up, it is gone from the library for requesters: a second click logs nothing.
    refused = client.post(form["action"], data={**form["hidden"], "action": "open_link"})
    assert refused.status_code == 404
    assert (
        db.session.scalar(
            sa.select(sa.func.count(ContentUse.id)).where(ContentUse.asset_id == limited.id)
        )
        == 1
    )


def test_a_logged_use_leaves_the_story_where_it_ranks(db, program):
    """A use is not an edit: the story keeps its place among equal scores (SQLite's lock for
    the use limit once wrote updated_at as well)."""
    before = suggestions_with_reasons(program["request"], limit=4)
    industry_only = program["assets"][INDUSTRY_ONLY]
    stamp = db.session.get(ContentAsset, industry_only.id).updated_at
    log_use(
        program["rep"],
        industry_only.id,
        {"action": "open_link", "request_id": program["request"].id},
    )
    db.session.commit()
    assert db.session.get(ContentAsset, industry_only.id).updated_at == stamp
    after = suggestions_with_reasons(program["request"], limit=4)
    assert [s.asset.title for s in after.shown] == [s.asset.title for s in before.shown]


def _reads(client, path: str) -> int:
    _db.session.remove()  # every page starts with nothing loaded, as in production
    with QueryCounter(_db.engine) as queries:
        response = client.get(path)
        response.get_data()
    assert response.status_code == 200
    return len(queries.reads)


@pytest.mark.parametrize(
    ("email", "path"),
    [("rep@example.com", "/requests/{}"), ("mgr@example.com", "/program/requests/{}")],
)
def test_query_count_is_the_same_with_1_3_or_30_matching_stories(client, auth, db, email, path):
    """The card shows three: one story against three catches a load per story shown (its
    account, its reasons), three against thirty one per matching story."""
    manager = UserFactory(role="manager", email="mgr@example.com")
    rep = UserFactory(role="requester", team="sales", email="rep@example.com")
    request = ReferenceRequestFactory(
        requester=rep,
        opportunity_crm_id=CRM_ID,
        opportunity_stage="Negotiation",
        criteria={"industries": ["banking"], "products": ["payments"]},
    )
    db.session.commit()
    manager_id = manager.id
    url = path.format(request.id)
    auth.login(email)

    def add(count: int) -> None:
        actor = db.session.get(User, manager_id)  # the pages' runs empty the session
        start = db.session.scalar(sa.select(sa.func.count(ContentAsset.id)))
        for n in range(start, start + count):
            _asset(
                actor,
                f"Story {n}",
                AccountFactory(name=f"Customer {n}"),
                industries=["banking"],
                products=["payments"] if n % 2 else [],
                stages=["late"] if n % 3 else [],
            )
        db.session.commit()

    add(1)
    _reads(client, url)  # the first request warms caches: not counted
    counts = {1: _reads(client, url)}
    add(2)
    counts[3] = _reads(client, url)
    add(27)
    counts[30] = _reads(client, url)
    assert counts[1] == counts[3] == counts[30], f"statements per matching stories: {counts}"
    assert "All 30 suggestions" in client.get(url).get_data(as_text=True)
