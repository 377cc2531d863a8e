"""Messages to an advocate are written in their language: e-mails (both parts, the subject, the
in-app title), their dates, the Content-Language header and the calendar invitation. The
catalogs may still be empty, so these tests check the mechanism: what Babel formats is German."""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest
import sqlalchemy as sa
from flask_babel import lazy_gettext

from portal.asks import completion, placing
from portal.extensions import db as _db
from portal.notifications.localization import recipient_locale
from portal.notifications.models import Notification, OutboxMessage
from portal.notifications.service import Audience, queue_email
from tests.factories import (
    AdvocateFactory,
    AskFactory,
    BenefitFactory,
    ReferenceRequestFactory,
    UserFactory,
    advocate_with_login,
)
from tests.notifications.test_calendar import parsed
from tests.notifications.test_messages import as_mime
from tests.queries import QueryCounter

RESPOND_BY = dt.datetime(2030, 12, 3, 15, 0, tzinfo=dt.UTC)
WHEN = dt.datetime(2030, 7, 1, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def app(app_factory):
    return app_factory(BASE_URL="http://portal.test", MAIL_FROM="Refs <refs@portal.test>")


def test_an_ask_to_a_german_advocate_is_written_in_german(db):
    advocate, user = advocate_with_login(locale="de", timezone="Europe/Berlin")
    manager = UserFactory(role="manager")
    request = ReferenceRequestFactory(activity_type="reference_call")
    placing.place_ask(
        manager, request, advocate, respond_by=RESPOND_BY, at=RESPOND_BY.replace(day=1)
    )
    row = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.template == "ask_placed")
    ).one()
    # Babel's German: "Dienstag, 3. Dezember 2030 um 16:00" or so, never strftime's English.
    assert "Dezember" in row.body_text and "Dezember" in row.body_html
    assert "December" not in row.body_text
    assert '<html lang="de">' in row.body_html
    assert row.meta["locale"] == "de"
    assert as_mime(row)["Content-Language"] == "de"


def test_english_stays_english_with_its_header(db):
    advocate, user = advocate_with_login(timezone="Europe/Berlin", languages=["en", "de"])
    row = queue_email("claim_points_expiring", advocate.email, "Points", advocate=advocate,
                      points=5, on=dt.date(2030, 12, 3))  # fmt: skip
    assert "03 December 2030" in row.body_text
    assert not (row.meta or {}).get("locale")
    assert as_mime(row)["Content-Language"] == "en"


def test_whose_locale(db):
    AdvocateFactory(email="ja@example.com", languages=["ja", "en"], locale=None)
    AdvocateFactory(email="pt@example.com", languages=["pt"], locale=None)
    UserFactory(email="staff@example.com", role="manager")
    assert recipient_locale("JA@example.com") == "ja"
    assert recipient_locale("pt@example.com") == "en"  # not a language the portal has
    assert recipient_locale("staff@example.com") == "en"
    audience = Audience(["ja@example.com", "staff@example.com", "nobody@example.com"])
    assert audience.locale("ja@example.com") == "ja"
    assert audience.locale("staff@example.com") == audience.locale("nobody@example.com") == "en"


def test_a_lazy_subject_and_the_in_app_title_are_formatted_in_the_recipients_locale(db):
    advocate, user = advocate_with_login(locale="ja")
    seen = []

    def spy(**values):
        from flask_babel import get_locale

        seen.append(str(get_locale()))
        return "Titel"

    class Lazy:
        def __str__(self):
            return spy()

    row = queue_email("claim_points_expiring", advocate.email, Lazy(), advocate=advocate,
                      points=5, on=dt.date(2030, 12, 3))  # fmt: skip
    assert seen == ["ja"] and row.subject == "Titel"
    note = db.session.scalars(sa.select(Notification).where(Notification.user_id == user.id)).one()
    assert note.title == "Titel"
    # A lazy gettext string with values formats at str() time, in the recipient's locale.
    staff = UserFactory(role="manager")
    row = queue_email("follow_ups_due", staff.email, lazy_gettext("%(n)s due", n=3), user=staff,
                      due=[], link="http://portal.test/")  # fmt: skip
    assert row.subject == "3 due" and not (row.meta or {}).get("locale")


def test_a_bulk_send_runs_the_same_statements_for_any_number_of_advocates(db):
    benefit = BenefitFactory(event_date=dt.date(2030, 12, 3))

    def send(count: int, locale: str) -> tuple[int, list[OutboxMessage]]:
        people = [AdvocateFactory(locale=locale) for _ in range(count)]
        _db.session.flush()
        with QueryCounter(_db.engine) as counter:
            audience = Audience(a.email for a in people)
            rows = [
                queue_email("benefit_opened", a.email, lazy_gettext("New for you: %(t)s", t="X"),
                            audience=audience, advocate=a, benefit=benefit, link="http://x/")
                for a in people
            ]  # fmt: skip
            _db.session.flush()
        return len(counter.reads), rows

    few, rows = send(2, "de")
    many, more = send(9, "fr")
    assert few == many
    assert all("Dezember" in r.body_text for r in rows)
    assert all("décembre" in r.body_text and r.meta["locale"] == "fr" for r in more)


def test_the_calendar_invitation_of_a_german_advocate(db):
    manager = UserFactory(role="manager")
    requester = UserFactory(role="requester", team="sales", email="rep@example.com")
    advocate, user = advocate_with_login(locale="de", timezone="Europe/Berlin")
    request = ReferenceRequestFactory(requester=requester, activity_type="reference_call")
    ask = AskFactory(advocate=advocate, request=request, status="accepted")
    completion.schedule_ask(manager, ask, WHEN)
    rows = {
        r.recipient: r
        for r in db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.template == "ask_scheduled")
        )
    }
    german, english = rows[advocate.email], rows["rep@example.com"]
    assert "Juli" in german.subject and "Jul" in english.subject and "Juli" not in english.subject
    assert "Juli" in german.body_text
    _, event = parsed(german)
    assert event["SUMMARY"].params["LANGUAGE"] == "de"
    assert event["DESCRIPTION"].params["LANGUAGE"] == "de"
    _, event = parsed(english)
    assert "LANGUAGE" not in event["SUMMARY"].params
    assert isinstance(event, icalendar.Event)
