"""Who sees what on the work in progress, and the rules of sharing one activity with several
requests (portal.work.progress and sharing), on the `world` of conftest.py."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.asks import completion
from portal.asks.models import AdvocateEligibility, Ask
from portal.audit.models import AuditEvent
from portal.demo.work import seed_demo_work
from portal.errors import DomainError, Forbidden, NotFound, ValidationFailed
from portal.notifications.models import OutboxMessage
from portal.work import progress, sharing
from portal.work.models import AskShare
from tests.factories import AskFactory, UserFactory
from tests.work.conftest import days


def seen(viewer, **filters) -> dict[str, list[tuple]]:
    """{account: [(kind, activity type, team, status, advocate shown)]} on page one."""
    page = progress.work_in_progress(viewer, progress.Filters(**filters))
    return {
        g.account_name: [(i.kind, i.activity_type, i.team, i.status, i.advocate) for i in g.items]
        for g in page.items
    }


def outbox(template: str) -> list[OutboxMessage]:
    from portal.extensions import db

    return list(
        db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.template == template))
    )


def test_pr_requester_sees_the_case_study_at_an_account_their_team_works_with(world):
    assert seen(world.pia) == {
        "Acme Bank": [("ask", "case_study", "sales", "scheduled", "an advocate at Acme Bank")]
    }


def test_requester_of_another_team_sees_only_their_teams_accounts(world):
    # AR works with Beta only: Acme (sales, PR), Gamma (a sales deal) and Delta stay hidden.
    assert seen(world.andy) == {"Beta Insurance": [("ask", "quote", "ar", "pending", "Bob Beta")]}


def test_sales_sees_team_requests_deals_they_own_and_never_declined_asks(world):
    assert seen(world.sam) == {
        "Acme Bank": [("ask", "case_study", "sales", "scheduled", "an advocate at Acme Bank")],
        "Gamma Retail": [("request", "reference_call", "sales", "open", None)],
    }


def test_names_shown_only_where_the_role_already_may(world):
    shown = {
        "sue (her own request's ask)": seen(world.sue)["Acme Bank"][0][4],
        "cora (CSM of Acme)": seen(world.cora)["Acme Bank"][0][4],
        "mia (program team)": seen(world.manager)["Acme Bank"][0][4],
        "pia (another team)": seen(world.pia)["Acme Bank"][0][4],
        "executive": seen(UserFactory(role="executive"))["Acme Bank"][0][4],
    }
    assert shown == {
        "sue (her own request's ask)": "Ada Lovelace",
        "cora (CSM of Acme)": "Ada Lovelace",
        "mia (program team)": "Ada Lovelace",
        "pia (another team)": "an advocate at Acme Bank",
        "executive": "an advocate at Acme Bank",
    }


def test_csm_sees_the_accounts_they_look_after(world):
    assert list(seen(world.cora)) == ["Acme Bank"]


def test_program_sees_every_account_and_filters_by_team_account_type_and_status(world):
    assert list(seen(world.manager)) == ["Acme Bank", "Beta Insurance", "Gamma Retail"]
    assert list(seen(world.manager, team="ar")) == ["Beta Insurance"]
    assert list(seen(world.manager, account_id=world.gamma.id)) == ["Gamma Retail"]
    assert list(seen(world.manager, account="beta ins")) == ["Beta Insurance"]
    assert list(seen(world.manager, account="100%")) == []
    assert list(seen(world.manager, activity_type="case_study")) == ["Acme Bank"]
    assert list(seen(world.manager, status="pending")) == ["Beta Insurance"]
    assert list(seen(world.manager, status="open")) == ["Gamma Retail"]
    assert list(seen(world.manager, status="accepted")) == []  # Ada's is scheduled


def test_completed_stays_thirty_days_then_leaves(world, db):
    world.interview.status = "completed"
    world.interview.completed_at = days(-29)
    db.session.commit()
    assert seen(world.manager, status="completed") == {
        "Acme Bank": [("ask", "case_study", "sales", "completed", "Ada Lovelace")]
    }
    world.interview.completed_at = days(-31)
    db.session.commit()
    assert seen(world.manager, status="completed") == {}


def test_pages_of_accounts_with_the_total(world):
    page = progress.work_in_progress(world.manager, progress.Filters(), page=2, per_page=2)
    assert (page.total, [g.account_name for g in page.items]) == (3, ["Gamma Retail"])


def test_advocates_are_refused_the_page(world, db):
    with pytest.raises(Forbidden):
        progress.work_in_progress(UserFactory(role="advocate"), progress.Filters())


# -- sharing ------------------------------------------------------------------------------


def counts(db, advocate_id: int) -> tuple:
    row = db.session.get(AdvocateEligibility, advocate_id)
    db.session.refresh(row)
    asks_placed = db.session.scalar(
        sa.select(sa.func.count()).select_from(Ask).where(Ask.advocate_id == advocate_id)
    )
    return (
        asks_placed,
        row.used_month,
        row.used_quarter,
        row.used_year,
        row.asks_90d,
        row.asks_12m,
        row.last_live_at,
        row.askable_from,
    )


def test_manager_shares_an_activity_without_touching_the_advocates_limits(world, db):
    before = counts(db, world.ada.id)
    share = sharing.share_ask(world.manager, world.pia_quote, world.interview, "Quotes for PR")
    db.session.commit()
    assert counts(db, world.ada.id) == before
    assert sharing.shared_ask_ids(world.pia_quote) == [world.interview.id]
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.entity == "ask_shares").order_by(AuditEvent.id)
    )
    assert (event.action, event.actor_id, event.entity_id, event.data["ask_id"]) == (
        "request.activity_shared",
        world.manager.id,
        share.id,
        world.interview.id,
    )
    [told] = outbox("work_shared_added")
    assert told.recipient == world.pia.email and "Acme Bank" in told.subject
    # The request still counts its own asks only: no ask of Pia's, so it stays submitted.
    assert world.pia_quote.status == "submitted"


@pytest.mark.parametrize(
    ("status", "message"),
    [
        ("declined", "This activity was declined"),
        ("expired", "This activity was expired"),
        ("withdrawn", "This activity was withdrawn"),
        ("pending", "hasn't said yes"),
    ],
)
def test_sharing_refuses_an_ask_that_is_not_live_or_completed(world, db, status, message):
    world.interview.status = status
    db.session.commit()
    with pytest.raises(DomainError) as refused:
        sharing.share_ask(world.manager, world.pia_quote, world.interview)
    assert message in refused.value.message and "ask_id" in refused.value.fields
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AskShare)) == 0


def test_sharing_refuses_the_requests_own_ask_and_a_second_link(world, db):
    with pytest.raises(DomainError, match="placed for this request already"):
        sharing.share_ask(world.manager, world.case_study, world.interview)
    sharing.share_ask(world.manager, world.pia_quote, world.interview)
    db.session.commit()
    with pytest.raises(DomainError, match="already serves this request"):
        sharing.share_ask(world.manager, world.pia_quote, world.interview)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AskShare)) == 1


def test_sharing_refuses_a_closed_request_and_a_long_note(world, db):
    with pytest.raises(DomainError, match="only an open request"):
        sharing.share_ask(world.manager, world.old_pr, world.interview)
    with pytest.raises(ValidationFailed) as refused:
        sharing.share_ask(world.manager, world.pia_quote, world.interview, "x" * 501)
    assert "note" in refused.value.fields


@pytest.mark.parametrize("note", ["Quotes\x00", "<script>alert(1)</script>"])
def test_sharing_refuses_a_note_with_a_nul_byte_or_markup(world, db, note):
    # A NUL byte made PostgreSQL fail the insert (a 500); markup is refused as everywhere.
    with pytest.raises(ValidationFailed) as refused:
        sharing.share_ask(world.manager, world.pia_quote, world.interview, note)
    assert "note" in refused.value.fields
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AskShare)) == 0


def test_requester_joins_own_request_and_the_program_team_is_told(world, db):
    share = sharing.share_ask(world.pia, world.pia_quote, world.interview)
    db.session.commit()
    assert (share.request_id, share.added_by) == (world.pia_quote.id, world.pia.id)
    [told] = outbox("work_shared_joined")
    assert told.recipient == world.manager.email and "Pia PR joined" in told.subject


def test_requester_cannot_join_outside_their_teams_accounts_or_with_anothers_request(world):
    with pytest.raises(NotFound):  # AR's Beta activity: not an account PR works with
        world.beta_ask.status = "accepted"
        sharing.share_ask(world.pia, world.pia_quote, world.beta_ask)
    with pytest.raises(Forbidden):
        sharing.share_ask(world.pia, world.case_study, world.interview)
    with pytest.raises(Forbidden):
        sharing.share_ask(UserFactory(role="executive"), world.pia_quote, world.interview)


def test_joined_requester_is_told_when_the_activity_completes(world, db):
    sharing.share_ask(world.manager, world.pia_quote, world.interview)
    db.session.commit()
    completion.complete_ask(world.manager, world.interview)
    db.session.commit()
    [told] = outbox("work_shared_completed")
    assert told.recipient == world.pia.email
    assert told.subject == "The case study at Acme Bank you joined is done"
    assert f"/requests/{world.pia_quote.id}" in told.body_text


def test_share_candidates_are_live_asks_at_team_accounts_or_of_the_same_type(world, db):
    # PR works with Acme: Ada's case study is a candidate for Pia's quote request.
    assert [a.id for a in sharing.share_candidates(world.pia_quote)] == [world.interview.id]
    other = AskFactory(advocate=world.bob, status="accepted")  # at Beta, which PR never asked
    db.session.commit()
    assert [a.id for a in sharing.share_candidates(world.pia_quote)] == [world.interview.id]
    other.request.activity_type = "quote"  # the same type as Pia's: a candidate too
    db.session.commit()
    assert {a.id for a in sharing.share_candidates(world.pia_quote)} == {
        world.interview.id,
        other.id,
    }
    sharing.share_ask(world.manager, world.pia_quote, world.interview)
    assert [a.id for a in sharing.share_candidates(world.pia_quote)] == [other.id]


def test_demo_seed_links_the_pr_leads_open_request_to_the_sales_case_study(world, db):
    UserFactory(role="manager", email="manager@demo.example")
    pr = UserFactory(role="requester", team="pr", email="pr@demo.example")
    from tests.factories import ReferenceRequestFactory

    launch = ReferenceRequestFactory(requester=pr, activity_type="quote", status="in_progress")
    db.session.commit()
    assert seed_demo_work() == 1
    assert sharing.shared_ask_ids(launch) == [world.interview.id]


def test_the_page_works_out_the_viewers_accounts_once(world, db):
    """Both halves of the page's statement (asks, open requests) keep to the accounts the viewer
    works with: one CTE, not the same union twice."""
    statement = progress.items_statement(world.pia, progress.Filters(), days(0), 20, 0)
    sql = str(statement.compile(db.engine))
    assert sql.count("JOIN ask_shares") == 1
    assert seen(world.pia)  # and the page still finds the PR team's activity


def test_share_candidates_come_soonest_first_unscheduled_last_and_at_most_the_limit(world, db):
    """The first `limit` are ranked by id alone, then only their rows are read: the order and
    the limit are the page's, whatever the number of candidates."""
    quote = world.pia_quote.activity_type
    made = []
    for when in (days(9), None, days(3), None, days(6)):
        ask = AskFactory(advocate=world.bob, status="accepted", scheduled_at=when)
        ask.request.activity_type = quote
        made.append(ask)
    db.session.commit()
    found = [a.id for a in sharing.share_candidates(world.pia_quote, limit=4)]
    scheduled = sorted(
        (a for a in [*made, world.interview] if a.scheduled_at is not None),
        key=lambda a: a.scheduled_at,
    )
    unscheduled = sorted((a for a in made if a.scheduled_at is None), key=lambda a: -a.id)
    assert found == [a.id for a in (*scheduled, *unscheduled)][:4]
    page = sharing.share_candidates(world.pia_quote)
    assert all(a.request is not None and a.advocate.account is not None for a in page)


@pytest.mark.parametrize("which", ["another's", "missing", "out of range", "not a number"])
def test_joining_names_ones_own_request_or_is_refused_alike(world, db, which):
    world.interview.status = "accepted"
    db.session.commit()
    request_id = {
        "another's": world.case_study.id,
        "missing": 99_999,
        "out of range": 10**20,
        "not a number": "abc",
    }[which]
    with pytest.raises(DomainError, match="Choose one of your own open requests."):
        sharing.join_activity(world.pia, request_id, world.interview)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AskShare)) == 0
    share = sharing.join_activity(world.pia, world.pia_quote.id, world.interview)
    assert share.request_id == world.pia_quote.id
