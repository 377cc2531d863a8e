"""Saved filters of the request queue: a manager names the queue's current filters, finds them
as quick links above it, uses and deletes them; only their own, at most twenty, known filter
keys only, checked again on use."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.asks import queue
from portal.asks.queue_models import SavedFilter
from portal.audit.models import AuditEvent
from portal.auth.models import User
from portal.errors import Forbidden
from portal.extensions import db as _db
from tests.factories import ReferenceRequestFactory, UserFactory
from tests.helpers import count, sign_in
from tests.queries import QueryCounter


@pytest.fixture
def manager(db, auth):
    return sign_in(db, auth, "manager", name="Maya Manager")


def saved_events(db, action):
    return db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    ).all()


def make(user, name, **query):
    saved = SavedFilter(user_id=user.id, page="queue", name=name, query=query)
    _db.session.add(saved)
    _db.session.commit()
    return saved


def test_manager_saves_the_current_filters_and_lands_on_them(client, db, manager):
    response = client.post(
        "/program/queue/filters",
        data={
            "name": "  Overdue bank calls ",
            "view": "overdue",
            "q": "bank",
            "activity_type": "reference_call",
            "page": "3",  # not a filter: not stored
            "status": "cancelled",  # not a queue filter either
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == (
        "/program/queue?view=overdue&q=bank&activity_type=reference_call"
    )
    [saved] = db.session.scalars(sa.select(SavedFilter)).all()
    assert (saved.user_id, saved.page, saved.name) == (manager.id, "queue", "Overdue bank calls")
    assert saved.query == {"view": "overdue", "q": "bank", "activity_type": "reference_call"}
    [event] = saved_events(db, "saved_filter.created")
    assert (event.actor_id, event.entity_id) == (manager.id, saved.id)
    assert event.entity == "saved_filters"
    assert event.data["name"] == "Overdue bank calls"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Saved the filter “Overdue bank calls”" in page
    # The quick link above the queue, marked as the filter in use.
    assert (
        f'href="/program/queue/filters/{saved.id}" aria-current="true">Overdue bank calls</a>'
        in page
    )


def test_quick_links_list_only_my_own_filters_by_name(client, db, manager):
    other = UserFactory(role="manager")
    db.session.commit()
    make(manager, "zeta", view="open")
    make(manager, "Alpha", view="all")
    make(other, "Their secret filter", view="new")
    page = client.get("/program/queue").get_data(as_text=True)
    assert page.index(">Alpha</a>") < page.index(">zeta</a>")
    assert "Their secret filter" not in page


def test_using_a_saved_filter_shows_what_it_selects(client, db, manager):
    ReferenceRequestFactory(prospect_company="Nordbank", activity_type="case_study")
    ReferenceRequestFactory(prospect_company="Nordbank", activity_type="reference_call")
    ReferenceRequestFactory(prospect_company="Sudbank", activity_type="case_study")
    db.session.commit()
    saved = make(manager, "Nordbank stories", view="open", q="nord", activity_type="case_study")
    response = client.get(f"/program/queue/filters/{saved.id}")
    assert response.status_code == 302
    assert response.headers["Location"] == (
        "/program/queue?view=open&q=nord&activity_type=case_study"
    )
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Case study for Nordbank" in page
    assert "Reference call for Nordbank" not in page
    assert "Case study for Sudbank" not in page


def test_a_saved_filter_is_checked_again_when_used(client, db, manager):
    # Written before a value left the vocabulary (or by hand): only what is valid today is used.
    saved = make(
        manager, "Old", view="archived", q="x" * 500, activity_type="telegram", status="open"
    )
    response = client.get(f"/program/queue/filters/{saved.id}")
    assert response.headers["Location"] == "/program/queue?view=new"
    saved = make(manager, "Half good", view="overdue", activity_type="telegram", q="bank")
    response = client.get(f"/program/queue/filters/{saved.id}")
    assert response.headers["Location"] == "/program/queue?view=overdue&q=bank"


def test_manager_deletes_a_saved_filter(client, db, manager):
    saved = make(manager, "Mine", view="open")
    saved_id = saved.id
    response = client.post(f"/program/queue/filters/{saved_id}/delete", data={"view": "open"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/program/queue?view=open"
    db.session.expire_all()
    assert db.session.get(SavedFilter, saved_id) is None
    [event] = saved_events(db, "saved_filter.deleted")
    assert (event.actor_id, event.entity_id, event.data["name"]) == (manager.id, saved_id, "Mine")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Deleted the saved filter “Mine”." in page


def test_another_users_filter_is_404_to_use_or_delete(client, db, manager):
    colleague = UserFactory(role="admin")
    db.session.commit()
    theirs = make(colleague, "Theirs", view="open")
    assert client.get(f"/program/queue/filters/{theirs.id}").status_code == 404
    assert client.post(f"/program/queue/filters/{theirs.id}/delete").status_code == 404
    db.session.expire_all()
    assert db.session.get(SavedFilter, theirs.id) is not None
    assert saved_events(db, "saved_filter.deleted") == []


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": ""}, "name", "This field is required."),
        ({"name": "   "}, "name", "This field is required."),
        ({"name": "x" * 61}, "name", "Must be at most 60 characters (it has 61)."),
        ({"name": "<b>Mine</b>"}, "name", "Please write plain text, without HTML tags."),
        ({"name": "Mine", "view": "archived"}, "view", "Must be one of:"),
        ({"name": "Mine", "activity_type": "telegram"}, "activity_type", "Must be one of:"),
        ({"name": "Mine", "q": "x" * 201}, "q", "Must be at most 200 characters"),
        ({"name": "Mine", "q": "a\x00b"}, "q", "Remove the control character."),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_writes_nothing(
    client, db, manager, data, field, message
):
    response = client.post("/program/queue/filters", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert '<details class="mb-3" id="save-filter" open>' in page  # the form shows its error
    assert count(db, SavedFilter) == 0
    assert saved_events(db, "saved_filter.created") == []
    with pytest.raises(Exception) as refused:
        queue.save_filter(manager, data["name"], data)
    assert field in refused.value.fields


def test_names_are_unique_per_user_whatever_the_case(client, db, manager):
    make(manager, "Overdue", view="overdue")
    response = client.post("/program/queue/filters", data={"name": "OVERDUE", "view": "open"})
    assert response.status_code == 422
    assert "You already have a saved filter with this name" in response.get_data(as_text=True)
    assert count(db, SavedFilter) == 1
    # Another manager may use the same name.
    other = UserFactory(role="manager")
    db.session.flush()
    queue.save_filter(other, "Overdue", {"view": "overdue"})
    db.session.commit()
    assert count(db, SavedFilter) == 2


def test_at_most_twenty_saved_filters_each(client, db, manager):
    for n in range(queue.SAVED_FILTERS_MAX):
        make(manager, f"Filter {n}", view="open")
    response = client.post("/program/queue/filters", data={"name": "One more", "view": "new"})
    assert response.status_code == 422
    assert "You have 20 saved filters, the most there may be" in response.get_data(as_text=True)
    assert count(db, SavedFilter) == 20
    # Delete one, and there is room again.
    oldest = db.session.scalars(sa.select(SavedFilter).order_by(SavedFilter.id)).first()
    client.post(f"/program/queue/filters/{oldest.id}/delete")
    response = client.post("/program/queue/filters", data={"name": "One more", "view": "new"})
    assert response.status_code == 302
    assert count(db, SavedFilter) == 20


@pytest.mark.parametrize("role", ["requester", "csm", "advocate"])
def test_only_the_program_team_has_saved_filters(db, role):
    outsider = UserFactory(role=role)
    db.session.flush()
    with pytest.raises(Forbidden):
        queue.save_filter(outsider, "Mine", {"view": "open"})
    with pytest.raises(Forbidden):
        queue.saved_filters(outsider)
    assert count(db, SavedFilter) == 0


def test_the_queue_page_reads_as_many_statements_with_more_rows_and_filters(client, db, manager):
    def reads() -> int:
        db.session.remove()
        with QueryCounter(db.engine) as queries:
            response = client.get("/program/queue?view=open")
            assert response.status_code == 200
        return len(queries.reads)

    manager_id = manager.id
    for n in range(2):
        make(manager, f"Few {n}", view="open")
        ReferenceRequestFactory(manager=manager)
    _db.session.commit()
    reads()  # the first request warms caches
    few = reads()
    manager = db.session.get(User, manager_id)
    for n in range(18):
        make(manager, f"Many {n}", view="open", q=f"bank {n}")
    for _ in range(30):
        ReferenceRequestFactory(manager=UserFactory(role="manager"))
    _db.session.commit()
    assert reads() == few
