"""A personal note with an ask: whoever places it (a manager on the program's request page, a
requester on a self-service request, or either through the API) may write one, up to 1,000
characters of plain text; it goes to every advocate asked, after the program's ask template, in
the e-mail and on the advocate's ask page, and shows in the request's asks. A bad note is
refused naming the field and nothing is written."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from markupsafe import escape

from portal.asks import placing
from portal.asks.models import Ask
from portal.audit.models import AuditEvent
from portal.errors import ValidationFailed
from portal.notifications.models import OutboxMessage
from portal.program import ask_templates
from portal.program.ask_template_texts import DEFAULT_ASK_TEMPLATES
from tests.api.conftest import ApiClient
from tests.factories import (
    AdvocateFactory,
    ReferenceRequestFactory,
    UserFactory,
    advocate_with_login,
)
from tests.helpers import count

NOTE = "Hi Ada & team,\r\nthe prospect runs 2 < 3 data centres, like you.\r\nThanks!"
STORED = "Hi Ada & team,\nthe prospect runs 2 < 3 data centres, like you.\nThanks!"
BAD_NOTES = [
    ("n" * 1001, "Must be at most 1,000 characters (it has 1,001)."),
    ("Ends with a NUL\x00", "Remove the control character."),
    ("Escape \x1b[31m", "Remove the control character."),
    ("See <a href='x'>this</a>", "Please write plain text, without HTML tags."),
    (7, "Must be text."),
    ({"text": "hi"}, "Must be text."),
]


@pytest.fixture
def manager(db):
    return UserFactory(email="boss@example.com", role="manager", name="Maya Manager")


@pytest.fixture
def requester(db):
    return UserFactory(email="rep@example.com", role="requester", team="sales", name="Sam Seller")


def placed_mails(db) -> list[OutboxMessage]:
    return list(
        db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.template == "ask_placed"))
    )


def nothing_written(db) -> bool:
    db.session.expire_all()
    return count(db, Ask) == 0 and placed_mails(db) == [] and count(db, OutboxMessage) == 0


# -- the service --------------------------------------------------------------------------------


def test_the_note_is_kept_with_line_breaks_audited_and_mailed_after_the_template(db, manager):
    advocate = AdvocateFactory()
    request = ReferenceRequestFactory(activity_type="reference_call")
    ask = placing.place_ask(manager, request, advocate, personal_note=NOTE)
    assert ask.personal_note == STORED
    assert ask.note is None  # the advocate's own note stays theirs
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "ask.placed").order_by(AuditEvent.id)
    ).one()
    assert event.data["personal_note"] == STORED
    [mail] = placed_mails(db)
    text = mail.body_text
    template = DEFAULT_ASK_TEMPLATES["reference_call"]
    assert template in text
    assert f"A note from Maya Manager:\n{STORED}" in text
    assert text.index(template) < text.index("A note from Maya Manager")
    html = mail.body_html
    assert (
        "Hi Ada &amp; team,<br>the prospect runs 2 &lt; 3 data centres, like you.<br>Thanks!"
        in html
    )
    assert "2 < 3" not in html


def test_no_note_and_a_blank_note_store_nothing_and_mail_no_note(db, manager):
    first, second = AdvocateFactory(), AdvocateFactory()
    request = ReferenceRequestFactory(advocates_needed=2)
    assert placing.place_ask(manager, request, first).personal_note is None
    assert placing.place_ask(manager, request, second, personal_note=" \r\n ").personal_note is None
    assert all("A note from" not in mail.body_text for mail in placed_mails(db))


def test_place_asks_puts_the_note_on_every_ask(db, manager):
    advocates = [AdvocateFactory(), AdvocateFactory()]
    request = ReferenceRequestFactory(advocates_needed=2)
    placed, refused = placing.place_asks(manager, request, advocates, personal_note="See you!")
    assert refused == {}
    assert [ask.personal_note for ask in placed] == ["See you!", "See you!"]
    assert all("See you!" in mail.body_text for mail in placed_mails(db))


@pytest.mark.parametrize(("note", "why"), BAD_NOTES)
def test_a_bad_note_refuses_every_ask_naming_the_field(db, manager, note, why):
    advocates = [AdvocateFactory(), AdvocateFactory()]
    request = ReferenceRequestFactory(advocates_needed=2)
    with pytest.raises(ValidationFailed) as refused:
        placing.place_asks(manager, request, advocates, personal_note=note)
    assert refused.value.fields == {"personal_note": why}
    with pytest.raises(ValidationFailed) as refused:
        placing.place_ask(manager, request, advocates[0], personal_note=note)
    assert refused.value.fields == {"personal_note": why}
    assert nothing_written(db)
    assert request.status == "submitted"


def test_exactly_1000_characters_with_browser_line_ends_fit(db, manager):
    note = ("n" * 98 + "\r\n") * 10  # 99 characters a line once "\r\n" is one: 990
    note = note + "m" * 10
    ask = placing.place_ask(
        manager, ReferenceRequestFactory(), AdvocateFactory(), personal_note=note
    )
    assert len(ask.personal_note) == 1000


# -- the pages ----------------------------------------------------------------------------------


def test_a_manager_writes_a_note_on_the_request_page_and_both_request_pages_show_it(
    db, client, auth, manager
):
    first, second = AdvocateFactory(), AdvocateFactory()
    request = ReferenceRequestFactory(advocates_needed=2)
    db.session.commit()
    auth.login(manager.email)
    page = client.get(f"/program/requests/{request.id}").get_data(as_text=True)
    assert 'name="personal_note"' in page
    assert 'id="ask-template-preview"' in page and "A reference call is" in page
    response = client.post(
        f"/program/requests/{request.id}/asks",
        data={"advocate_id": [str(first.id), str(second.id)], "personal_note": NOTE},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert {ask.personal_note for ask in db.session.scalars(sa.select(Ask))} == {STORED}
    page = client.get(f"/program/requests/{request.id}").get_data(as_text=True)
    assert "Note with the ask from Maya Manager" in page
    assert "Hi Ada &amp; team," in page and "2 &lt; 3" in page
    auth.logout()
    auth.login(request.requester.email)
    page = client.get(f"/requests/{request.id}").get_data(as_text=True)
    assert "Note with the ask from Maya Manager" in page


@pytest.mark.parametrize(("note", "why"), BAD_NOTES[:4])
def test_a_bad_note_on_the_page_is_shown_at_the_field_and_kept(
    db, client, auth, manager, note, why
):
    advocate = AdvocateFactory()
    request = ReferenceRequestFactory()
    db.session.commit()
    auth.login(manager.email)
    response = client.post(
        f"/program/requests/{request.id}/asks",
        data={"advocate_id": str(advocate.id), "personal_note": note},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="personal_note-error"' in html and why.replace("'", "&#39;") in html
    assert "is-invalid" in html
    assert nothing_written(db)


def test_a_requester_writes_a_note_on_a_self_service_request(db, client, auth, requester):
    advocate = AdvocateFactory(activity_types=["peer_review"])
    review = ReferenceRequestFactory(requester=requester, activity_type="peer_review")
    db.session.commit()
    auth.login(requester.email)
    page = client.get(f"/requests/{review.id}").get_data(as_text=True)
    assert 'name="personal_note"' in page
    response = client.post(
        f"/requests/{review.id}/asks",
        data={"advocate_id": str(advocate.id), "personal_note": "A G2 review would help."},
    )
    assert response.status_code == 302
    db.session.expire_all()
    [ask] = db.session.scalars(sa.select(Ask)).all()
    assert ask.personal_note == "A G2 review would help."
    [mail] = placed_mails(db)
    assert "A note from Sam Seller:\nA G2 review would help." in mail.body_text
    assert DEFAULT_ASK_TEMPLATES["peer_review"] in mail.body_text


def test_the_advocate_reads_the_template_and_the_note_on_the_ask_page(db, client, auth, manager):
    advocate, user = advocate_with_login()
    ask = placing.place_ask(
        manager, ReferenceRequestFactory(activity_type="case_study"), advocate, personal_note=NOTE
    )
    db.session.commit()
    auth.login(user.email)
    html = client.get(f"/me/asks/{ask.id}").get_data(as_text=True)
    assert 'id="ask-brief"' in html
    assert str(escape(DEFAULT_ASK_TEMPLATES["case_study"])) in html
    assert "A note from Maya Manager" in html
    assert "Hi Ada &amp; team,\nthe prospect runs 2 &lt; 3 data centres" in html  # pre-wrap
    assert html.index("What this involves") < html.index("Yes, I can help")


def test_an_ask_without_template_or_note_shows_no_brief(db, client, auth, manager):
    ask_templates.update_ask_templates(UserFactory(role="admin"), {"quote": ""})
    advocate, user = advocate_with_login(activity_types=["quote"])
    ask = placing.place_ask(manager, ReferenceRequestFactory(activity_type="quote"), advocate)
    db.session.commit()
    auth.login(user.email)
    assert 'id="ask-brief"' not in client.get(f"/me/asks/{ask.id}").get_data(as_text=True)


# -- the API ------------------------------------------------------------------------------------


@pytest.fixture
def api(client, db):
    return ApiClient(client, db)


def test_the_api_places_an_ask_with_a_note_and_answers_it(db, api):
    manager, token = api.as_role("manager", name="Maya Manager")
    advocate = AdvocateFactory()
    request = ReferenceRequestFactory()
    response = api.post(
        f"/api/v1/requests/{request.id}/asks",
        token,
        json={"advocate_id": advocate.id, "personal_note": NOTE},
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["personal_note"] == STORED
    assert body["note"] is None
    again = api.get(f"/api/v1/asks/{body['id']}", token).get_json()
    assert again["personal_note"] == STORED
    listed = api.get(f"/api/v1/asks?request_id={request.id}", token).get_json()
    assert [item["personal_note"] for item in listed["items"]] == [STORED]
    response = api.post(
        f"/api/v1/requests/{request.id}/asks",
        token,
        json={"advocate_id": AdvocateFactory().id, "personal_note": None},
    )
    assert response.status_code == 201 and response.get_json()["personal_note"] is None


@pytest.mark.parametrize(("note", "why"), BAD_NOTES)
def test_a_bad_note_through_the_api_is_a_422_naming_the_field(db, api, note, why):
    _, token = api.as_role("manager")
    advocate = AdvocateFactory()
    request = ReferenceRequestFactory()
    response = api.post(
        f"/api/v1/requests/{request.id}/asks",
        token,
        json={"advocate_id": advocate.id, "personal_note": note},
    )
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid"
    assert error["fields"] == {"personal_note": why}
    assert nothing_written(api.db)


def test_the_openapi_document_describes_the_note(db, api):
    document = api.get("/api/v1/openapi.json", None).get_json()
    schemas = document["components"]["schemas"]
    assert schemas["PlaceAskInput"]["properties"]["personal_note"]["maxLength"] == 1000
    assert "personal_note" in schemas["Ask"]["properties"]
