"""Program texts in the advocates' languages: terms, ask templates and benefit descriptions
carry a translation per language with the English text as the fallback; a translation is
checked like its English field, set only by who may edit that field, and audited."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.asks import placing
from portal.audit.models import AuditEvent
from portal.errors import Forbidden, ValidationFailed
from portal.i18n import in_locale
from portal.notifications.models import OutboxMessage
from portal.program import ask_templates, terms, translations
from portal.program.translation_models import TextTranslation
from tests.api.conftest import ApiClient
from tests.factories import (
    AskFactory,
    BenefitFactory,
    ReferenceRequestFactory,
    UserFactory,
    advocate_with_login,
)
from tests.helpers import count, sign_in
from tests.queries import QueryCounter

GERMAN_TEMPLATE = "Eine Fallstudie ist eine schriftliche Geschichte.\nEtwa 45 Minuten."


def audits(db, action) -> list[dict]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(AuditEvent.data).where(AuditEvent.action == action)))


# -- the service --------------------------------------------------------------------------------


def test_a_translation_is_read_in_its_locale_and_english_is_the_fallback(db):
    admin = UserFactory(role="admin")
    benefit = BenefitFactory(description="Talk at our summit.")
    translations.set_translation(admin, "benefit_description", benefit.id, "de", "Vortrag.")
    english = benefit.description
    assert translations.translated("benefit_description", benefit.id, english, "de") == "Vortrag."
    assert translations.translated("benefit_description", benefit.id, english, "fr") == english
    assert translations.translated("benefit_description", benefit.id, english, "en") == english
    with in_locale("de"):
        assert translations.benefit_description(benefit) == "Vortrag."
    assert translations.benefit_description(benefit) == english  # no request: English
    # The English text edited later stays the fallback of the other languages.
    translations.set_translation(admin, "ask_template", "case_study", "de", GERMAN_TEMPLATE)
    assert ask_templates.template_text("case_study", "de") == GERMAN_TEMPLATE
    assert ask_templates.template_text("case_study", "ja").startswith("A case study is")
    # A type the program sends no text for sends none in any language.
    ask_templates.update_ask_templates(admin, {"case_study": ""})
    assert ask_templates.template_text("case_study", "de") is None


def test_setting_audits_each_change_and_empty_text_removes_it(db):
    admin = UserFactory(role="admin")
    row = translations.set_translation(admin, "ask_template", "quote", "fr", "  Une citation. ")
    assert row.text == "Une citation." and row.updated_by_id == admin.id
    translations.set_translation(admin, "ask_template", "quote", "fr", "Une citation.")  # same
    translations.set_translation(admin, "ask_template", "quote", "fr", "Deux phrases.")
    assert translations.set_translation(admin, "ask_template", "quote", "fr", "") is None
    assert count(db, TextTranslation) == 0
    saved = audits(db, "translation.saved")
    assert [d["length"] for d in saved] == [len("Une citation."), len("Deux phrases.")]
    assert audits(db, "translation.removed") == [
        {"kind": "ask_template", "key": "quote", "locale": "fr", "length": len("Deux phrases.")}
    ]


@pytest.mark.parametrize(
    ("kind", "key", "locale", "text", "field"),
    [
        ("ask_template", "quote", "de", "<b>Fett</b>", "text"),
        ("ask_template", "quote", "de", "x" * (ask_templates.TEMPLATE_MAX + 1), "text"),
        ("ask_template", "quote", "de", "Null\x00", "text"),
        ("benefit_description", None, "de", "x" * 5001, "text"),
        ("terms", None, "de", "x" * (terms.BODY_MAX + 1), "text"),
        ("terms", None, "de", 5, "text"),
        ("ask_template", "quote", "en", "English is the program's own", "locale"),
        ("ask_template", "quote", "xx", "Unknown", "locale"),
    ],
)
def test_bad_input_is_refused_by_its_fields_rules_and_writes_nothing(
    db, kind, key, locale, text, field
):
    admin = UserFactory(role="admin")
    if kind == "benefit_description":
        key = BenefitFactory().id
    elif kind == "terms":
        key = terms.current_terms().id
    with pytest.raises(ValidationFailed) as refused:
        translations.set_translation(admin, kind, key, locale, text)
    assert field in refused.value.fields and refused.value.message
    assert count(db, TextTranslation) == 0 and audits(db, "translation.saved") == []


def test_only_who_may_edit_the_english_text_may_translate_it(db):
    requester = UserFactory(role="requester")
    manager = UserFactory(role="manager")
    benefit = BenefitFactory()
    for kind, key in (("ask_template", "quote"), ("terms", terms.current_terms().id)):
        with pytest.raises(Forbidden):
            translations.set_translation(requester, kind, key, "de", "Text")
        with pytest.raises(Forbidden):  # administrators' texts
            translations.set_translation(manager, kind, key, "de", "Text")
    with pytest.raises(Forbidden):
        translations.set_translation(requester, "benefit_description", benefit.id, "de", "Text")
    translations.set_translation(manager, "benefit_description", benefit.id, "de", "Text")
    assert count(db, TextTranslation) == 1


def test_terms_translation_belongs_to_one_version_and_consent_keeps_the_label(db):
    admin = UserFactory(role="admin")
    current = terms.current_terms()
    translations.set_translation(admin, "terms", current.id, "de", "## Bedingungen\n\nText.")
    with in_locale("de"):
        assert "<h2>Bedingungen</h2>" in terms.current_text()
    assert "Bedingungen" not in terms.current_text()
    draft = terms.save_draft(admin, {"body_markdown": "## New terms"})
    translations.set_translation(admin, "terms", draft.id, "fr", "## Nouvelles")
    terms.discard_draft(admin)  # its translations go with it
    assert (
        db.session.scalar(sa.select(TextTranslation.key).where(TextTranslation.locale == "fr"))
        is None
    )
    terms.save_draft(admin, {"body_markdown": "## Newer terms"})
    terms.publish_terms(admin, {"version": "2031-01"}, notify=False)
    with in_locale("de"):  # the new version starts without translations
        assert "Newer terms" in terms.current_text()


def test_the_ask_email_carries_the_advocates_language(db):
    admin = UserFactory(role="admin")
    translations.set_translation(admin, "ask_template", "case_study", "de", GERMAN_TEMPLATE)
    advocate, _ = advocate_with_login(locale="de", activity_types=["case_study"])
    request = ReferenceRequestFactory(activity_type="case_study")
    placing.place_ask(UserFactory(role="manager"), request, advocate)
    message = db.session.scalar(
        sa.select(OutboxMessage).where(OutboxMessage.template == "ask_placed")
    )
    assert "Eine Fallstudie" in message.body_text


# -- pages --------------------------------------------------------------------------------------


def test_a_german_advocate_reads_german_texts_and_staff_read_english(db, client, auth):
    admin = UserFactory(role="admin")
    benefit = BenefitFactory(description="Talk at our summit.")
    translations.set_translation(admin, "ask_template", "case_study", "de", GERMAN_TEMPLATE)
    translations.set_translation(admin, "benefit_description", benefit.id, "de", "Vortrag.")
    advocate, user = advocate_with_login(locale="de")
    ask = AskFactory(advocate=advocate, request=ReferenceRequestFactory(activity_type="case_study"))
    db.session.commit()
    auth.login(user.email)
    assert "Eine Fallstudie" in client.get(f"/me/asks/{ask.id}").get_data(as_text=True)
    page = client.get(f"/benefits/{benefit.id}").get_data(as_text=True)
    assert "Vortrag." in page and "Talk at our summit." not in page
    auth.logout()
    sign_in(db, auth, "manager")
    staff = client.get(f"/program/benefits/{benefit.id}/edit").get_data(as_text=True)
    assert "Talk at our summit." in staff and "Vortrag." not in staff


def test_the_catalogs_statements_do_not_grow_with_its_benefits(db, client, auth):
    admin = UserFactory(role="admin")
    advocate, user = advocate_with_login(locale="de")
    db.session.commit()
    auth.login(user.email)

    def statements(n: int) -> int:
        for benefit in BenefitFactory.create_batch(n, description="Plain."):
            translations.set_translation(admin, "benefit_description", benefit.id, "de", "Klar.")
        db.session.commit()
        with QueryCounter(db.engine) as counter:
            assert client.get("/benefits/").status_code == 200
        return len(counter.reads)

    assert statements(2) == statements(6)
    # The batch form: one statement for any number of texts.
    keys = db.session.scalars(sa.select(TextTranslation.key)).all()
    with QueryCounter(db.engine) as counter:
        found = translations.translated_many(
            "benefit_description", {int(k): "Plain." for k in keys}, "de"
        )
    assert counter.count == 1 and set(found.values()) == {"Klar."}


def test_admin_page_saves_a_language_and_shows_errors_at_the_field(db, client, auth):
    sign_in(db, auth, "admin")
    page = "/admin/settings/ask-templates/quote/translations"
    shown = client.get(page).get_data(as_text=True)
    assert "Deutsch" in shown and "日本語" in shown and "A quote is" in shown
    refused = client.post(page + "/de", data={"de-text": "<i>Zitat</i>"})
    assert refused.status_code == 422 and count(db, TextTranslation) == 0
    saved = client.post(page + "/de", data={"de-text": "Ein Zitat."})
    assert saved.status_code == 302
    assert "Ein Zitat." in client.get(page).get_data(as_text=True)
    assert client.post(page + "/en", data={"en-text": "No"}).status_code == 404


def test_api_reads_and_sets_translations_with_the_apis_errors(db, client):
    api = ApiClient(client, db)
    _, token = api.as_role("admin")
    benefit = BenefitFactory(description="Seats at the board.")
    _, manager = api.as_role("manager")
    _, requester = api.as_role("requester")
    path = f"/api/v1/benefits/{benefit.id}/translations"
    put = api.call("PUT", path + "/ja", manager, json={"text": "役員会の席。"})
    assert put.status_code == 200 and put.get_json()["text"] == "役員会の席。"
    body = api.get(path, manager).get_json()
    assert body["english"] == "Seats at the board."
    assert {t["locale"]: t["text"] for t in body["translations"]}["ja"] == "役員会の席。"
    assert api.call("PUT", path + "/ja", requester, json={"text": "x"}).status_code == 403
    bad = api.call("PUT", path + "/de", manager, json={"text": "x" * 5001})
    assert bad.status_code == 422 and "text" in bad.get_json()["error"]["fields"]
    terms_path = "/api/v1/settings/terms/2026-01/translations/de"
    assert api.call("PUT", terms_path, token, json={"text": "## Bedingungen"}).status_code == 200
    assert api.call("PUT", terms_path, manager, json={"text": "x"}).status_code == 403
