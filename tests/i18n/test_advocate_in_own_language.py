"""Issue 23, done when: an advocate whose language is German receives the ask e-mail in German,
answers it from the e-mail, and reads the pages on the way in German; the same in Japanese.
With the shipped catalogs (not the mechanism alone: the words are the translators')."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from portal.asks import placing
from portal.asks.models import Ask
from portal.notifications.models import OutboxMessage
from tests.factories import ReferenceRequestFactory, UserFactory, advocate_with_login
from tests.notifications.test_messages import as_mime

RESPOND_BY = dt.datetime(2030, 12, 3, 15, 0, tzinfo=dt.UTC)
# What each language's catalog says (checked against the .po files by tests/i18n/test_catalogs).
WORDS = {
    "de": {
        "activity": "Referenzgespräch",
        "yes": "Ja, ich helfe gerne",
        "page": "Diese Anfrage annehmen",
        "done": "Ihre Antwort wurde gespeichert",
    },
    "ja": {
        "activity": "リファレンスコール",
        "yes": "はい、協力します",
        "page": "この依頼を承諾",
        "done": "回答を記録しました",
    },
}


@pytest.fixture
def app(app_factory):
    return app_factory(BASE_URL="http://portal.test", WTF_CSRF_ENABLED=False)


@pytest.mark.parametrize("locale", ["de", "ja"])
def test_the_advocate_gets_the_ask_answers_it_and_reads_it_in_their_language(db, client, locale):
    words = WORDS[locale]
    advocate, _user = advocate_with_login(locale=locale, languages=["en"])
    manager = UserFactory(role="manager")
    request = ReferenceRequestFactory(activity_type="reference_call", prospect_company="Acme")
    placing.place_ask(
        manager, request, advocate, respond_by=RESPOND_BY, at=RESPOND_BY.replace(day=1)
    )
    db.session.commit()
    mail = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.template == "ask_placed")
    ).one()
    assert words["activity"] in mail.subject
    assert "Could you help" not in mail.subject
    for body in (mail.body_text, mail.body_html):
        assert words["yes"] in body
        assert "Yes, I can help" not in body
    delivered = as_mime(mail)  # as the sender delivers it: the live link filled in
    text = delivered.get_body(("plain",)).get_content()
    assert words["yes"] in text
    link = re.search(r"http://portal\.test(/me/asks/answer/accept/\S+)", text)
    assert link, text

    # Not signed in, and the browser asks for English: the advocate's own choice wins.
    english = {"Accept-Language": "en-US,en;q=0.9"}
    page = client.get(link.group(1).rstrip(".)"), headers=english)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'<html lang="{locale}"' in html
    assert words["page"] in html and "Accept this request" not in html

    answered = client.post(link.group(1).rstrip(".)"), data={}, headers=english)
    assert answered.status_code == 302
    thanks = client.get(answered.headers["Location"], headers=english).get_data(as_text=True)
    assert f'<html lang="{locale}"' in thanks
    assert words["done"] in thanks
    db.session.expire_all()
    assert db.session.scalar(sa.select(Ask.status)) == "accepted"
