"""Queries per page do not grow with the data: every GET page and API list of every role runs
as many statements with twenty of each thing as with ten.

The pages come from the access matrix (those that answer the role 200), their ids from its
`world`. The world is then grown: nine more of every kind of row each role sees in its lists
(accounts, advocates, requests with asks and comments, benefits, claims, ledger entries,
touchpoints, targets, content, notifications, outbox messages, audit events, blackouts), all
tied to the same users and objects, so each list shows ten rows, then twenty. Each round also
brings new people (a requester, a CSM, a program manager) with rows of their own, so a page that
loads a row's requester, CSM, author or decider one by one is caught too: with the same few
people, the session's identity map would answer those loads after the first. A page whose
statement count changes loads something per row: the failure names the page and both counts.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import re

import pytest

from portal.audit.models import AuditEvent
from portal.benefits.models import Claim
from portal.content.models import ContentAsset
from portal.extensions import db as _db
from portal.nominations.models import NominationObjection, SelfNomination
from portal.notifications.models import Notification, OutboxMessage
from portal.planning.models import PlannedNeed
from portal.recruiting.models import Referenceability, Target, Touchpoint
from tests.access.common import ROLES
from tests.access.test_access_matrix import ROUTES, _rule_shape, request, world  # noqa: F401
from tests.conftest import AuthActions
from tests.factories import (
    AccountFactory,
    AdvocateFactory,
    AskFactory,
    BenefitFactory,
    LedgerEntryFactory,
    ReferenceRequestFactory,
    flush_later,
)
from tests.queries import QueryCounter

SIGNED_IN = [role for role in ROLES if role != "anonymous"]
# GETs that are not list or detail pages: they change state, stream a file of everything, or
# answer a one-off link.
SKIP = {"/auth/sign-out"}
MORE = 9
BEYOND_A_PAGE = 40
# Pages that show a whole list on purpose, and why it stays small in a real program (the
# test's rows skip the program's rules: an advocate here has a hundred pending asks).
SMALL_BY_NATURE = {
    "/planning/": "a quarter's plan: the needs the teams plan for a few months, whole by design",
    "/planning/plan.csv": "an export is whole by design",
    "/api/v1/planning/gap": "a quarter's plan as figures, whole by design like its page",
    "/me/": "an advocate's open asks: the ask limits keep them to a few",
    "/me/history": "one year of one advocate's history, kept small by the ask limits",
    "/me/data.json": "the advocate's own data export is whole by design",
    "/me/preferences": "an advocate's current and coming blackouts",
    "/api/v1/advocates/<id>/preferences": "an advocate's current and coming blackouts",
    "/requests/<id>": "one request's asks and comments",
    "/api/v1/requests/<id>": "one request's asks",
    "/program/requests/<id>": "one request's asks and comments",
    "/program/benefits/<id>": "one benefit's claims: its places and waitlist bound them",
    "/program/calendar/": "a fortnight of scheduled calls",
    "/recruiting/targets": "the program's recruiting targets, a handful set by the team",
    # Lists of the program's staff (which each round of this test grows by three people).
    "/recognition/": "one scorecard per nominator and CSM: the staff, not the program's data",
    "/planning/needs/new": "the owner choice lists the staff who plan, not the program's data",
    "/planning/needs/<id>/edit": "the owner choice lists the staff who plan",
    "/program/benefits/give-get.csv": "an export is whole by design",
    "/recruiting/export/accounts.csv": "an export is whole by design",
    "/recruiting/export/advocates.csv": "an export is whole by design",
}


def _shape(path: str) -> str:
    return re.sub(r"/\d+(?=/|$)", "/<id>", path)


def _pages(app, role, ids) -> list[str]:
    rules = {
        _rule_shape(rule.rule)
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and rule.endpoint not in ("static", "bootstrap.static")
    }
    return [
        template.format(**ids)
        for method, template, statuses in ROUTES
        if method == "GET"
        and template not in SKIP
        and statuses[role] == 200
        and _rule_shape(template) in rules
    ]


def _counts(app, client, role, tokens, pages, sizes=None) -> dict[str, int]:
    counts = {}
    for path in pages:
        _db.session.remove()  # every page starts with nothing loaded, as in production
        with QueryCounter(_db.engine) as queries:
            response = request(app, client, role, tokens, "GET", path, None)
            response.get_data()
            response.close()
        assert response.status_code == 200, path
        counts[path] = len(queries.reads)
        if sizes is not None:
            sizes[path] = len(response.get_data())
        STATEMENTS[path] = queries.reads
    return counts


STATEMENTS: dict[str, list[str]] = {}
WIDTH = int(os.environ.get("QUERY_COUNTS_WIDTH", "160"))  # more shows whole statements


def _repeated(path: str) -> str:
    """The statements `path` ran more than once in its last run: where a per-row load is."""
    seen: dict[str, int] = {}
    for statement in STATEMENTS.get(path, []):
        key = " ".join(statement.split())[:WIDTH]
        seen[key] = seen.get(key, 0) + 1
    return "".join(f"\n      {n} x {key}" for key, n in seen.items() if n > 1)


def grow(user_ids, ids, more: int = MORE) -> None:
    """`more` of every kind of row each role sees, tied to the world's users and objects."""
    get = _db.session.get
    from portal.auth.models import User

    users = {key: get(User, user_id) for key, user_id in user_ids.items()}
    from portal.accounts.models import Account
    from portal.advocates.models import Advocate
    from portal.asks.models import ReferenceRequest
    from portal.benefits.models import Benefit

    rows = {
        "own_account": get(Account, ids["own_account"]),
        "other_account": get(Account, ids["other_account"]),
        "own_advocate": get(Advocate, ids["own_advocate"]),
        "self_advocate": get(Advocate, ids["self_advocate"]),
        "own_request": get(ReferenceRequest, ids["own_request"]),
        "own_benefit": get(Benefit, ids["own_benefit"]),
    }
    # One flush a round, not one per row: the derived rows are worked out once a round.
    with flush_later():
        for n in range(more):
            _grow_once(n, users, rows)
            _db.session.flush()
    _db.session.commit()


# The accounts each round adds sort after the world's and in the order they were added (the
# factory's sequence, shared by the whole run, would put "Account 100 AG" before "Account 11
# AG"): a list by account name then shows the same first page at sixty rows and at a hundred.
_GROWN = itertools.count()


def _grown_name() -> str:
    return f"Grown account {next(_GROWN):06d}"


def _grow_once(n: int, users: dict, rows: dict) -> None:
    """One more of every kind of row (round `n`)."""
    from portal.advocates.models import Blackout
    from portal.asks.models import RequestComment

    today = dt.date.today()
    now = dt.datetime.now(dt.UTC)
    own_account, other_account = rows["own_account"], rows["other_account"]
    own_advocate, self_advocate = rows["own_advocate"], rows["self_advocate"]
    own_request, own_benefit = rows["own_request"], rows["own_benefit"]
    requester, csm, manager = users["requester"], users["csm"], users["manager"]
    account = AccountFactory(csm=csm, name=_grown_name())
    _db.session.add(
        Referenceability(account=account, status="referenceable", health="healthy", nps=40)
    )
    advocate = AdvocateFactory(account=account, status="active")
    AdvocateFactory(account=own_account, status="nominated")
    AdvocateFactory(account=other_account, status="active")
    request_ = ReferenceRequestFactory(requester=requester, manager=manager)
    # Scheduled this week or next: the program calendar lists them.
    AskFactory(
        request=request_,
        advocate=advocate,
        status="accepted",
        scheduled_at=now + dt.timedelta(days=n % 7 + 1),
    )
    AskFactory(request=request_, advocate=self_advocate)
    AskFactory(request=own_request, advocate=advocate, status="declined")
    completed = ReferenceRequestFactory(requester=users["csm"], status="completed")
    AskFactory(
        request=completed,
        advocate=own_advocate,
        status="completed",
        completed_at=now - dt.timedelta(days=n + 1),
        requester_rating=4,
    )
    _db.session.add(RequestComment(request=own_request, author=requester, body=f"Note {n}"))
    # Nominations by the requester, one objected to, and self-nominations to review.
    nominee = AdvocateFactory(account=account, status="nominated", nominated_by=requester)
    _db.session.add(NominationObjection(advocate=nominee, objected_by=csm, reason="Not now"))
    _db.session.add(
        SelfNomination(
            name=f"Self {n}", email=f"self{n}@nominee.example", company="Nominee Inc",
            consent_at=now, confirmed_at=now, status="to_review", activity_types=["quote"],
        )
    )  # fmt: skip
    benefit = BenefitFactory(kind="training", capacity=5)
    _db.session.add(Claim(benefit=benefit, advocate=self_advocate, status="requested"))
    _db.session.add(
        Claim(
            benefit=own_benefit,
            advocate=AdvocateFactory(account=other_account),
            status="approved",
            details={},
        )
    )
    LedgerEntryFactory(advocate=self_advocate, delta=10 + n)
    _db.session.add(
        Touchpoint(
            advocate=own_advocate,
            kind="call",
            summary=f"Call {n}",
            follow_up_on=today + dt.timedelta(days=n),
            created_by=manager,
        )
    )
    _db.session.add(
        Target(industry="banking", target_count=3 + n, due_on=today, created_by_id=manager.id)
    )
    # Planned needs of the requester this month (the plan and the planning API list them).
    _db.session.add(
        PlannedNeed(
            title=f"Need {n}", activity_type="reference_call", count_needed=2, needed_by=today,
            industry="banking", owner_id=requester.id, owner_team="sales",
        )
    )  # fmt: skip
    _db.session.add(
        ContentAsset(
            kind="case_study",
            title=f"Story {n}",
            url=f"https://stories.example/{n}",
            account=account,
            approval_status="customer_approved",
            industries=["banking"],
            products=["payments"],
        )
    )
    _db.session.add(
        Blackout(
            advocate=self_advocate,
            start=today + dt.timedelta(days=30 * (n + 1)),
            end=today + dt.timedelta(days=30 * (n + 1) + 3),
            reason="Holiday",
        )
    )
    _grow_new_people(n, rows)
    _db.session.flush()  # the account's id, for the audit events
    for user in users.values():
        _db.session.add(Notification(user_id=user.id, event_type="ask_placed", title=f"N{n}"))
        _db.session.add(
            AuditEvent(
                actor_id=user.id,
                action="account.updated",
                entity="accounts",
                entity_id=account.id,
                data={},
            )
        )
    _db.session.add(
        OutboxMessage(
            kind="email",
            template="test",
            recipient=f"someone{n}@customer.example",
            subject=f"Message {n}",
            body_text="Hello",
            status="failed" if n % 2 else "queued",
        )
    )


def _grow_new_people(n: int, rows: dict) -> None:
    """Rows whose people are new this round: a requester's open request with asks and a
    comment, an account with its own CSM, a claim decided and a touchpoint logged by a new
    program manager, a nomination by the new requester."""
    from portal.asks.models import RequestComment
    from tests.factories import UserFactory

    requester = UserFactory(role="requester", team="sales")
    csm = UserFactory(role="csm")
    manager = UserFactory(role="manager")
    _db.session.flush()  # the manager's id, for the claim's decider
    account = AccountFactory(csm=csm, name=_grown_name())
    advocate = AdvocateFactory(account=account, status="active")
    request_ = ReferenceRequestFactory(requester=requester, manager=manager)
    AskFactory(request=request_, advocate=advocate)
    AskFactory(request=request_, advocate=rows["self_advocate"])
    _db.session.add(RequestComment(request=request_, author=requester, body=f"Ask {n}"))
    _db.session.add(RequestComment(request=rows["own_request"], author=manager, body=f"Answer {n}"))
    AdvocateFactory(account=account, status="nominated", nominated_by=requester)
    _db.session.add(
        Claim(
            benefit=rows["own_benefit"],
            advocate=advocate,
            status="approved",
            decided_by_id=manager.id,
            details={},
        )
    )
    _db.session.add(
        Touchpoint(
            advocate=rows["own_advocate"],
            kind="email",
            summary=f"Note {n}",
            follow_up_on=dt.date.today() + dt.timedelta(days=n),
            created_by=manager,
        )
    )


@pytest.mark.parametrize("role", SIGNED_IN)
def test_queries_per_page_do_not_grow_with_the_data(app, world, role):  # noqa: F811
    users, tokens, ids = world
    user_ids = {key: user.id for key, user in users.items()}
    client = app.test_client()
    assert AuthActions(client).login(users[role].email).status_code == 302
    pages = _pages(app, role, ids)
    assert len(pages) > 5
    # Ten of everything, then twenty: a page that loads something per row reads more at twenty
    # (a query that only runs once some row exists, e.g. a waiting list, is not per row).
    grow(user_ids, ids, MORE)
    _counts(app, client, role, tokens, pages)  # first requests warm caches: not counted
    small = _counts(app, client, role, tokens, pages)
    grow(user_ids, ids, MORE + 1)
    twenty: dict[str, int] = {}
    large = _counts(app, client, role, tokens, pages, twenty)
    grew = [
        f"{path}: {small[path]} -> {large[path]}{_repeated(path)}"
        for path in pages
        if large[path] != small[path]
    ]
    assert grew == [], "queries per page grew with the rows:\n" + "\n".join(grew)

    # A list that reads every row in one statement keeps its count but not its size. Past a
    # page of everything (sixty rows, then a hundred), a paged or capped list stops growing, a
    # list without bounds grows by two thirds.
    sizes = []
    for _ in range(2):
        grow(user_ids, ids, BEYOND_A_PAGE)
        sizes.append({})
        _counts(app, client, role, tokens, pages, sizes[-1])
    sixty, hundred = sizes
    unbounded = [
        f"{path}: {sixty[path]} -> {hundred[path]} bytes"
        for path in pages
        if _shape(path) not in SMALL_BY_NATURE and hundred[path] > sixty[path] * 1.2
    ]
    assert unbounded == [], "lists without bounds:\n" + "\n".join(unbounded)
