"""The frame of every signed-in page (program name, unread badge) costs no statement of its own:
both are read with the signed-in user, and stay right when the request changes them."""

from __future__ import annotations

import re

import pytest

from portal.notifications.service import notify_in_app
from portal.program.service import set_setting
from tests.factories import UserFactory
from tests.queries import QueryCounter


@pytest.fixture
def manager(db):
    user = UserFactory(role="manager", email="lead@example.com")
    admin = UserFactory(role="admin")
    set_setting(admin, "program_name", "Acme Champions")
    for number in range(3):
        notify_in_app(user, "ask_answered", f"Answer {number}", "/requests/")
    db.session.commit()
    return user


def badge(html: str) -> str | None:
    found = re.search(r'id="unread-count">(\d+)', html)
    return found.group(1) if found else None


def test_the_layout_reads_nothing_beyond_the_statement_that_loads_the_user(
    app, db, client, auth, manager
):
    auth.login("lead@example.com")
    with QueryCounter(db.engine) as counter:
        page = client.get("/notifications/settings")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Acme Champions" in html and badge(html) == "3"
    loading = [s for s in counter.statements if "user_sessions" in s]
    assert len(loading) == 1 and "notifications" in loading[0] and "program_settings" in loading[0]
    others = [s for s in counter.statements if s not in loading]
    assert not [s for s in others if "FROM notifications" in s or "program_settings" in s]


def test_the_badge_follows_what_is_read_in_the_same_request(app, db, client, auth, manager):
    auth.login("lead@example.com")
    assert badge(client.get("/notifications/").get_data(as_text=True)) == "3"
    client.post("/notifications/read-all")
    assert badge(client.get("/notifications/").get_data(as_text=True)) is None


def test_a_renamed_program_shows_its_new_name_on_the_page_that_renamed_it(app, db, manager):
    from flask_login import login_user

    from portal.program import policy

    with app.test_request_context("/"):
        login_user(manager)
        policy.remember_program_name("Acme Champions")
        set_setting(manager, "program_name", "Beacon Club")
        assert policy.program_name() == "Beacon Club"
