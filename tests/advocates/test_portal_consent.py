"""The consent gate: an advocate reaches nothing but the terms until they accept them."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from portal.audit.models import AuditEvent
from portal.auth.service import create_api_token
from portal.program.service import set_setting
from tests.factories import AskFactory, UserFactory, advocate_with_login


@pytest.fixture
def newcomer(db, auth):
    advocate, user = advocate_with_login(consent_at=None, consent_version=None)
    db.session.commit()
    auth.login(user.email)
    return advocate, user


@pytest.mark.parametrize(
    "path", ["/home", "/me/", "/me/preferences", "/me/profile", "/me/history", "/me/leave"]
)
def test_advocate_without_consent_is_sent_to_the_terms_from_every_page(client, newcomer, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/me/terms")


def test_posts_are_refused_before_consent_and_write_nothing(db, client, newcomer):
    advocate, _ = newcomer
    response = client.post("/me/preferences", data={"max_per_month": "1"})
    assert response.status_code == 302 and "/me/terms" in response.headers["Location"]
    db.session.refresh(advocate)
    assert advocate.max_per_month is None


def test_terms_page_shows_the_terms_and_signing_out_still_works(client, newcomer):
    page = client.get("/me/terms").get_data(as_text=True)
    assert "What we ask of you" in page and "What we do with your data" in page
    assert "Leaving" in page and "2026-01" in page
    assert client.post("/auth/sign-out").status_code == 302
    assert client.get("/me/terms").status_code == 302  # signed out: to the sign-in page


def test_one_click_answer_pages_stay_reachable_before_consent(client, newcomer):
    # A bad token answers as a link problem, not with a redirect to the terms.
    assert client.get("/me/asks/answer/accept/not-a-token").status_code == 400
    assert client.get("/me/asks/answered/accept").status_code == 200


def test_accepting_records_time_and_version_and_opens_the_portal(db, client, newcomer):
    advocate, user = newcomer
    refused = client.post("/me/terms", data={"version": "2026-01"})
    assert refused.status_code == 422
    assert "Tick the box" in refused.get_data(as_text=True)
    db.session.refresh(advocate)
    assert advocate.consent_at is None

    response = client.post("/me/terms?next=/me/history", data={"agree": "y", "version": "2026-01"})
    assert response.status_code == 302 and response.headers["Location"] == "/me/history"
    db.session.refresh(advocate)
    assert advocate.consent_version == "2026-01"
    assert dt.datetime.now(dt.UTC) - advocate.consent_at < dt.timedelta(minutes=1)
    assert client.get("/me/").status_code == 200
    assert (
        db.session.scalar(
            sa.select(AuditEvent.actor_id).where(AuditEvent.action == "advocate.consented")
        )
        == user.id
    )


def test_unsafe_next_after_accepting_goes_home(client, newcomer):
    response = client.post(
        "/me/terms?next=https://evil.example/", data={"agree": "y", "version": "2026-01"}
    )
    assert response.headers["Location"] == "/me/"


def test_a_new_terms_version_asks_again(db, client, newcomer):
    advocate, _ = newcomer
    client.post("/me/terms", data={"agree": "y", "version": "2026-01"})
    assert client.get("/me/").status_code == 200
    set_setting(None, "terms_version", "2026-07")
    db.session.commit()
    response = client.get("/me/")
    assert response.status_code == 302 and "/me/terms" in response.headers["Location"]
    page = client.get("/me/terms").get_data(as_text=True)
    assert "The terms changed since you accepted version 2026-01" in page
    # A form for the old version (read before the change) is not taken as consent.
    client.post("/me/terms", data={"agree": "y", "version": "2026-01"})
    db.session.refresh(advocate)
    assert advocate.consent_version == "2026-01"
    client.post("/me/terms", data={"agree": "y", "version": "2026-07"})
    db.session.refresh(advocate)
    assert advocate.consent_version == "2026-07"
    assert client.get("/me/").status_code == 200


def test_staff_are_never_sent_to_the_terms(db, client, auth):
    manager = UserFactory(role="manager")
    db.session.commit()
    auth.login(manager.email)
    assert client.get("/home").status_code == 200


def test_api_refuses_an_advocate_without_consent_with_its_own_code(db, client):
    advocate, user = advocate_with_login(consent_at=None, consent_version=None)
    ask = AskFactory(advocate=advocate)
    _, plain = create_api_token(None, user)
    db.session.commit()
    headers = {"Authorization": f"Bearer {plain}"}
    for method, path in (
        ("GET", f"/api/v1/advocates/{advocate.id}/preferences"),
        ("GET", "/api/v1/asks"),
        ("POST", f"/api/v1/asks/{ask.id}/accept"),
    ):
        response = client.open(path, method=method, headers=headers, json={})
        assert response.status_code == 403, path
        assert response.get_json()["error"]["code"] == "terms_not_accepted"
    db.session.refresh(ask)
    assert ask.status == "pending"
    # The OpenAPI document stays public.
    assert client.get("/api/v1/openapi.json").status_code == 200
