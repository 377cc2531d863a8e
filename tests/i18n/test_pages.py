"""Advocates in their own language (issue 23): which locale a page is in, `<html lang>`, dates
in the locale's format, and the language setting on the profile."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from portal.audit.models import AuditEvent
from tests.factories import AskFactory, advocate_with_login
from tests.helpers import sign_in

TERMS = "2026-01"
# Far ahead: an ask past this date would show as expired, with the date only.
RESPOND_BY = dt.datetime(2036, 12, 7, 12, 0, tzinfo=dt.UTC)


def html_lang(response) -> str:
    page = response.get_data(as_text=True)
    return page.split('<html lang="', 1)[1].split('"', 1)[0]


@pytest.fixture
def advocate(db, auth):
    def make(locale=None):
        person, user = advocate_with_login(
            consent_at=dt.datetime.now(dt.UTC), consent_version=TERMS, timezone="UTC", locale=locale
        )
        db.session.commit()
        auth.login(user.email)
        return person

    return make


@pytest.mark.parametrize(
    ("chosen", "browser", "expected"),
    [
        ("de", "fr-FR,fr;q=0.9", "de"),  # the chosen language wins over the browser's
        (None, "fr-FR,fr;q=0.9,en;q=0.5", "fr"),  # none chosen: the browser's
        (None, "ja", "ja"),
        (None, "pt-BR,pt;q=0.9", "en"),  # a language the portal lacks: English
        (None, None, "en"),
    ],
)
def test_an_advocates_page_is_in_their_language(client, advocate, chosen, browser, expected):
    advocate(locale=chosen)
    headers = {"Accept-Language": browser} if browser else {}
    for path in ("/me/", "/me/profile"):
        response = client.get(path, headers=headers)
        assert response.status_code == 200
        assert html_lang(response) == expected


def test_staff_pages_stay_in_english(db, client, auth):
    sign_in(db, auth, role="manager")
    response = client.get("/home", headers={"Accept-Language": "de"}, follow_redirects=True)
    assert html_lang(response) == "en"


def test_a_visitor_gets_the_browsers_language(client):
    response = client.get("/auth/sign-in", headers={"Accept-Language": "es-ES,es;q=0.9"})
    assert html_lang(response) == "es"


def test_dates_are_written_the_locales_way(db, client, advocate):
    german = advocate(locale="de")
    ask = AskFactory(advocate=german, respond_by=RESPOND_BY)
    db.session.commit()
    page = client.get(f"/me/asks/{ask.id}").get_data(as_text=True)
    assert "7. Dez. 2036, 12:00" in page
    assert "07 Dec 2036" not in page


def test_english_dates_are_unchanged(db, client, advocate):
    english = advocate()
    ask = AskFactory(advocate=english, respond_by=RESPOND_BY)
    db.session.commit()
    page = client.get(f"/me/asks/{ask.id}").get_data(as_text=True)
    assert "07 Dec 2036, 12:00" in page


def actions(db, advocate_id) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(AuditEvent.action).where(
                AuditEvent.entity == "advocates", AuditEvent.entity_id == advocate_id
            )
        )
    )


def test_the_profile_offers_each_language_in_its_own_words(client, advocate):
    advocate()
    page = client.get("/me/profile").get_data(as_text=True)
    assert "Browser&#39;s language" in page or "Browser's language" in page
    for name in ("Deutsch", "Français", "Español", "日本語"):
        assert name in page


def test_choosing_a_language_is_saved_and_audited(db, client, advocate):
    me = advocate()
    response = client.post("/me/profile", data={"timezone": "UTC", "locale": "ja"})
    assert response.status_code == 302
    db.session.refresh(me)
    assert me.locale == "ja"
    event = db.session.scalars(
        sa.select(AuditEvent)
        .where(
            AuditEvent.entity == "advocates",
            AuditEvent.entity_id == me.id,
            AuditEvent.action == "advocate.profile_updated",
        )
        .order_by(AuditEvent.id)
    ).one()
    assert event.data["locale"] == [None, "ja"]
    assert html_lang(client.get("/me/profile")) == "ja"
    # Back to the browser's language: stored as none.
    client.post("/me/profile", data={"timezone": "UTC", "locale": ""})
    db.session.refresh(me)
    assert me.locale is None


def test_an_unknown_language_is_refused_and_nothing_is_written(db, client, advocate):
    me = advocate()
    response = client.post("/me/profile", data={"timezone": "UTC", "locale": "klingon"})
    assert response.status_code == 422
    assert "Must be one of" in response.get_data(as_text=True)
    db.session.refresh(me)
    assert me.locale is None
    assert actions(db, me.id) == []
