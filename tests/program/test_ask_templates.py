"""Ask templates: administrators write the program's text per activity type on a settings page
or through the program-settings API; each bad text is refused at its field and nothing is
written; every change is audited; new asks carry the text."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.asks import placing
from portal.audit.models import AuditEvent
from portal.errors import Forbidden, ValidationFailed
from portal.notifications.models import OutboxMessage
from portal.program import ask_templates
from portal.program.ask_template_texts import DEFAULT_ASK_TEMPLATES
from portal.program.models import ProgramSetting
from portal.program.service import DEFAULTS
from portal.vocab import ACTIVITY_TYPES
from tests.api.conftest import ApiClient
from tests.factories import AdvocateFactory, ReferenceRequestFactory, UserFactory
from tests.helpers import count, sign_in

PAGE = "/admin/settings/ask-templates"
API = "/api/v1/settings/program"
MAIN_TYPES = (
    "reference_call",
    "case_study",
    "quote",
    "video_testimonial",
    "site_visit",
    "speaking",
    "press_interview",
    "analyst_briefing",
    "peer_review",
)


def setting_audits(db) -> list[dict]:
    db.session.expire_all()
    return [
        data
        for data in db.session.scalars(
            sa.select(AuditEvent.data).where(AuditEvent.action == "setting.changed")
        )
        if data["key"] == "ask_templates"
    ]


def page_data(**changes) -> dict[str, str]:
    """The page's form as a browser sends it: every type's current text, then `changes`."""
    data = dict(ask_templates.ask_templates())
    data.update(changes)
    return data


# -- the service --------------------------------------------------------------------------------


def test_every_activity_type_has_a_shipped_text_and_the_main_ones_say_how_long(db):
    templates = ask_templates.ask_templates()
    assert set(templates) == set(ACTIVITY_TYPES)
    assert DEFAULTS["ask_templates"] == DEFAULT_ASK_TEMPLATES
    for activity_type in MAIN_TYPES:
        text = templates[activity_type]
        assert 80 < len(text) <= ask_templates.TEMPLATE_MAX, activity_type
        assert "minute" in text or "hour" in text, activity_type
        assert ask_templates.clean_multiline(text, ask_templates.TEMPLATE_MAX) == (text, None)
    assert ask_templates.template_text("reference_call").startswith("A reference call is")


def test_an_update_keeps_line_breaks_and_leaves_other_types_alone(db):
    admin = UserFactory(role="admin")
    changed = ask_templates.update_ask_templates(
        admin, {"quote": "  Two sentences.\r\nAbout 10 minutes.\r\n", "social_post": ""}
    )
    assert set(changed) == {"quote", "social_post"}
    assert changed["quote"] == [DEFAULT_ASK_TEMPLATES["quote"], "Two sentences.\nAbout 10 minutes."]
    templates = ask_templates.ask_templates()
    assert templates["quote"] == "Two sentences.\nAbout 10 minutes."
    assert templates["social_post"] == ""
    assert ask_templates.template_text("social_post") is None  # empty: no text is sent
    assert templates["case_study"] == DEFAULT_ASK_TEMPLATES["case_study"]
    [audit] = setting_audits(db)
    assert audit["to"]["quote"] == "Two sentences.\nAbout 10 minutes."
    # The same again changes nothing and writes no audit event.
    assert (
        ask_templates.update_ask_templates(admin, {"quote": "Two sentences.\nAbout 10 minutes."})
        == {}
    )
    assert len(setting_audits(db)) == 1
    # Null restores the shipped text.
    ask_templates.update_ask_templates(admin, {"quote": None})
    assert ask_templates.ask_templates()["quote"] == DEFAULT_ASK_TEMPLATES["quote"]


def test_2000_characters_with_browser_line_ends_fit_but_2001_do_not(db):
    admin = UserFactory(role="admin")
    lines = "x" * 99 + "\r\n"  # 100 characters once the line end is one
    fits = (lines * 20).rstrip() + "y"  # 1,999 + 1
    ask_templates.update_ask_templates(admin, {"webinar": fits})
    assert len(ask_templates.ask_templates()["webinar"]) == 2000
    with pytest.raises(ValidationFailed) as refused:
        ask_templates.update_ask_templates(admin, {"webinar": "z" * 2001})
    assert refused.value.fields == {"webinar": "Must be at most 2,000 characters (it has 2,001)."}


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("Bring <b>numbers</b>", "Please write plain text, without HTML tags."),
        ("Null\x00byte", "Remove the control character."),
        ("Bell\x07", "Remove the control character."),
        (42, "Must be text."),
        (["a list"], "Must be text."),
        ("q" * 2001, "Must be at most 2,000 characters (it has 2,001)."),
    ],
)
def test_a_bad_text_is_refused_naming_its_type_and_nothing_is_written(db, value, why):
    admin = UserFactory(role="admin")
    with pytest.raises(ValidationFailed) as refused:
        ask_templates.update_ask_templates(admin, {"quote": "Fine.", "case_study": value})
    assert refused.value.fields == {"case_study": why}
    assert count(db, ProgramSetting) == 0
    assert setting_audits(db) == []


def test_unknown_types_and_non_objects_are_refused(db):
    admin = UserFactory(role="admin")
    with pytest.raises(ValidationFailed) as refused:
        ask_templates.update_ask_templates(admin, {"karaoke": "Sing."})
    assert refused.value.fields == {"karaoke": "Unknown activity type."}
    with pytest.raises(ValidationFailed) as refused:
        ask_templates.update_ask_templates(admin, "Sing.")
    assert set(refused.value.fields) == {"ask_templates"}
    assert count(db, ProgramSetting) == 0


def test_only_administrators_change_ask_templates(db):
    for role in ("manager", "csm", "requester", "advocate"):
        with pytest.raises(Forbidden):
            ask_templates.update_ask_templates(UserFactory(role=role), {"quote": "Hi."})
    assert count(db, ProgramSetting) == 0


def test_an_ask_placed_after_a_change_carries_the_new_text(db):
    admin, manager = UserFactory(role="admin"), UserFactory(role="manager")
    ask_templates.update_ask_templates(admin, {"reference_call": "A call of 20 minutes.\nNo prep."})
    advocate = AdvocateFactory()
    placing.place_ask(manager, ReferenceRequestFactory(activity_type="reference_call"), advocate)
    message = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.template == "ask_placed")
    ).one()
    assert "A call of 20 minutes.\nNo prep." in message.body_text
    assert "A call of 20 minutes.<br>No prep." in message.body_html


# -- the settings page --------------------------------------------------------------------------


def test_the_page_lists_every_activity_type_and_the_hub_links_it(db, client, auth):
    sign_in(db, auth, "admin")
    page = client.get(PAGE)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for activity_type in ACTIVITY_TYPES:
        assert f'<textarea class="form-control" id="{activity_type}"' in html, activity_type
    assert 'aria-current="page">Ask templates<' in html  # the Settings breadcrumb
    assert "A reference call is a short phone or video call" in html
    assert f'href="{PAGE}"' in client.get("/admin/settings/").get_data(as_text=True)


def test_saving_the_page_changes_what_changed_and_audits_it(db, client, auth):
    admin = sign_in(db, auth, "admin")
    response = client.post(
        PAGE, data=page_data(case_study="Interview, then review.\r\nAbout two hours.")
    )
    assert response.status_code == 302
    assert "1 ask template(s) changed" in client.get(PAGE).get_data(as_text=True)
    db.session.expire_all()
    assert (
        ask_templates.ask_templates()["case_study"] == "Interview, then review.\nAbout two hours."
    )
    [audit] = setting_audits(db)
    assert audit["from"]["case_study"] == DEFAULT_ASK_TEMPLATES["case_study"]
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "setting.changed").order_by(AuditEvent.id)
    ).one()
    assert event.actor_id == admin.id
    # A changed text offers the shipped one to copy back.
    assert 'id="case_study-shipped"' in client.get(PAGE).get_data(as_text=True)


def test_bad_texts_on_the_page_are_shown_at_their_fields_and_nothing_is_saved(db, client, auth):
    sign_in(db, auth, "admin")
    response = client.post(
        PAGE,
        data=page_data(quote="<script>alert(1)</script>", speaking="s" * 2001, webinar="a\x00b"),
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="quote-error"' in html and "without HTML tags" in html
    assert 'id="speaking-error"' in html and "at most 2,000 characters (it has 2,001)" in html
    assert 'id="webinar-error"' in html and "Remove the control character" in html
    assert 'href="#quote"' in html  # the summary at the top links to the field
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # the value kept, escaped
    db.session.expire_all()
    assert count(db, ProgramSetting) == 0
    assert setting_audits(db) == []


def test_managers_and_others_cannot_open_the_page(db, client, auth):
    sign_in(db, auth, "manager")
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, data=page_data(quote="Hi.")).status_code == 403
    assert count(db, ProgramSetting) == 0


# -- the program-settings API -------------------------------------------------------------------


@pytest.fixture
def api(client, db):
    return ApiClient(client, db)


def test_the_api_reads_every_template_and_patches_some(db, api):
    _, token = api.as_role("admin")
    body = api.get(API, token).get_json()
    assert body["ask_templates"] == DEFAULT_ASK_TEMPLATES
    response = api.patch(
        API,
        token,
        json={"ask_templates": {"peer_review": "Fifteen minutes on G2.", "referral": ""}},
    )
    assert response.status_code == 200, response.get_json()
    templates = response.get_json()["ask_templates"]
    assert templates["peer_review"] == "Fifteen minutes on G2."
    assert templates["referral"] == ""
    assert templates["quote"] == DEFAULT_ASK_TEMPLATES["quote"]
    [audit] = setting_audits(api.db)
    assert audit["to"]["peer_review"] == "Fifteen minutes on G2."
    response = api.patch(API, token, json={"ask_templates": {"peer_review": None}})
    assert (
        response.get_json()["ask_templates"]["peer_review"] == DEFAULT_ASK_TEMPLATES["peer_review"]
    )


def test_a_bad_api_patch_names_each_template_and_writes_nothing(db, api):
    _, token = api.as_role("admin")
    response = api.patch(
        API,
        token,
        json={
            "respond_within_days": 9,
            "ask_templates": {
                "quote": 5,
                "case_study": "c" * 2001,
                "speaking": "Talk <img src=x>",
                "site_visit": "Visit\x00",
                "karaoke": "Sing.",
            },
        },
    )
    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    assert fields == {
        "ask_templates.quote": "Must be text.",
        "ask_templates.case_study": "Must be at most 2,000 characters (it has 2,001).",
        "ask_templates.speaking": "Please write plain text, without HTML tags.",
        "ask_templates.site_visit": "Remove the control character.",
        "ask_templates.karaoke": "Unknown activity type.",
    }
    response = api.patch(API, token, json={"ask_templates": ["not", "an", "object"]})
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {"ask_templates"}
    api.db.session.expire_all()
    assert count(api.db, ProgramSetting) == 0


def test_only_administrators_patch_templates_through_the_api(db, api):
    _, token = api.as_role("manager")
    response = api.patch(API, token, json={"ask_templates": {"quote": "Hi."}})
    assert response.status_code == 403
    assert count(api.db, ProgramSetting) == 0


def test_the_openapi_document_describes_the_field(db, api):
    document = api.get("/api/v1/openapi.json", None).get_json()
    schema = document["components"]["schemas"]["ProgramPolicy"]["properties"]["ask_templates"]
    assert schema["type"] == "object"
    assert "personal note" in schema["description"]
