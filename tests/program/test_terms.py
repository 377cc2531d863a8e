"""Administrators write, preview and publish the program terms; advocates re-accept; every
acceptance of every version stays on record."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from portal.advocates import self_service
from portal.advocates.models import Advocate
from portal.asks import matching, placing
from portal.asks.overuse import OveruseRefused
from portal.audit.models import AuditEvent
from portal.errors import Forbidden, ValidationFailed
from portal.notifications.models import OutboxMessage
from portal.program import terms
from portal.program.service import get_setting
from portal.program.terms_models import TermsAcceptance, TermsVersion
from portal.recruiting import pipeline as recruiting
from tests.factories import (
    AdvocateFactory,
    ReferenceRequestFactory,
    UserFactory,
    advocate_with_login,
)
from tests.helpers import delivered_text, sign_in

NEW_TEXT = "## Our promise\n\nYou may say no to any ask.\n\n## Your data\n\nWe keep little."
HOSTILE = (
    "## Fine print\n\n<script>alert('x')</script>\n\n"
    "[click me](javascript:alert(1)) and [our site](https://example.com)\n\n"
    '<img src="x" onerror="alert(2)"> <a href="javascript:alert(3)">raw</a>'
)


def terms_events(db) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action.like("terms.%")).order_by(AuditEvent.id)
        )
    )


def acceptances(db, advocate) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(TermsAcceptance.version)
            .where(TermsAcceptance.advocate_id == advocate.id)
            .order_by(TermsAcceptance.id)
        )
    )


def publish(admin, version="2027-01", text=NEW_TEXT, **kwargs):
    terms.save_draft(admin, {"body_markdown": text})
    return terms.publish_terms(admin, {"version": version}, **kwargs)


# The rule: a new version takes everyone who has not accepted it out of the program -----------


def test_publishing_makes_advocates_on_the_old_version_unaskable_until_they_accept_again(db):
    admin = UserFactory(role="admin")
    manager = UserFactory(role="manager")
    ada, user = advocate_with_login(name="Ada", consent_at=None, consent_version=None)
    self_service.accept_terms(user, ada, "2026-01")
    request = ReferenceRequestFactory(criteria={"industries": ["banking"]})
    db.session.commit()
    assert [m.advocate for m in matching.match(request, 10).matches] == [ada]

    publish(admin)
    db.session.commit()
    assert get_setting("terms_version") == "2027-01"
    assert self_service.needs_consent(ada)
    assert matching.match(request, 10).matches == []
    with pytest.raises(OveruseRefused) as refused:
        placing.place_ask(manager, request, ada)
    assert [r.rule for r in refused.value.refusals] == ["consent"]
    assert "has not accepted the current program terms" in refused.value.message
    db.session.rollback()

    self_service.accept_terms(user, ada, "2027-01")
    db.session.commit()
    assert [m.advocate for m in matching.match(request, 10).matches] == [ada]
    ask = placing.place_ask(manager, request, ada)
    db.session.commit()
    assert ask.id is not None and ask.status == "pending"
    # Both acceptances stay on record, with who accepted.
    rows = db.session.scalars(
        sa.select(TermsAcceptance)
        .where(TermsAcceptance.advocate_id == ada.id)
        .order_by(TermsAcceptance.id)
    ).all()
    assert [(r.version, r.user_id) for r in rows] == [("2026-01", user.id), ("2027-01", user.id)]
    assert terms.acceptance_counts() == {"2026-01": 1, "2027-01": 1}


def test_accepting_the_same_version_twice_records_it_once(db):
    ada, user = advocate_with_login(consent_at=None, consent_version=None)
    self_service.accept_terms(user, ada, "2026-01")
    self_service.accept_terms(user, ada, "2026-01")
    db.session.flush()
    assert acceptances(db, ada) == ["2026-01"]


def test_publishing_is_audited_and_e_mails_each_active_or_paused_advocate_once(db):
    admin = UserFactory(role="admin")
    ada, _ = advocate_with_login(name="Ada")
    bea = AdvocateFactory(name="Bea", status="paused")
    AdvocateFactory(name="Cy", status="retired")
    AdvocateFactory(name="Di", status="nominated")
    db.session.commit()

    row, notified = publish(admin, "2027-01")
    db.session.commit()
    assert notified == 2
    messages = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.template == "terms_published")
    ).all()
    assert sorted(m.recipient for m in messages) == sorted([ada.email, bea.email])
    text = delivered_text(next(m for m in messages if m.recipient == ada.email))
    assert "Hello Ada" in text and "version 2027-01" in text and "/me/terms" in text
    assert "2027-01" in messages[0].subject
    [saved, published] = terms_events(db)
    assert saved.action == "terms.draft_saved"
    assert published.action == "terms.published" and published.actor_id == admin.id
    assert published.entity_id == row.id
    assert published.data == {"version": "2027-01", "previous": "2026-01", "notified": 2}
    setting = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "setting.changed").order_by(AuditEvent.id)
    )
    assert setting.data == {"key": "terms_version", "from": "2026-01", "to": "2027-01"}
    assert (row.status, row.published_by, row.version) == ("published", admin.id, "2027-01")
    assert row.published_at is not None


# Validation: every bad input is named and writes nothing --------------------------------------


@pytest.mark.parametrize(
    ("version", "why"),
    [
        ("", "This field is required."),
        ("   ", "This field is required."),
        ("2027 01", terms.VERSION_HELP),
        ("<b>v2</b>", terms.VERSION_HELP),
        ("-2027", terms.VERSION_HELP),
        ("x" * 33, "Must be at most 32 characters (it has 33)."),
        ("2026-01", "Version 2026-01 exists already; give the new text a new name."),
        ("draft", '"draft" is a word the portal uses; choose another name.'),
    ],
)
def test_a_bad_version_name_is_refused_and_nothing_is_written(db, version, why):
    admin = UserFactory(role="admin")
    draft = terms.save_draft(admin, {"body_markdown": NEW_TEXT})
    db.session.commit()
    with pytest.raises(ValidationFailed) as refused:
        terms.publish_terms(admin, {"version": version})
    db.session.rollback()
    assert refused.value.fields == {"version": why.replace("2026-01", version.strip())}
    assert get_setting("terms_version") == "2026-01"
    assert db.session.get(TermsVersion, draft.id).status == "draft"
    assert [e.action for e in terms_events(db)] == ["terms.draft_saved"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


def test_version_names_differing_only_in_capitals_are_the_same_version(db):
    admin = UserFactory(role="admin")
    publish(admin, "v2")
    terms.save_draft(admin, {"body_markdown": "## Later"})
    with pytest.raises(ValidationFailed) as refused:
        terms.publish_terms(admin, {"version": "V2"})
    assert refused.value.fields == {
        "version": "Version V2 exists already; give the new text a new name."
    }


def test_a_version_someone_accepted_before_it_had_a_text_is_not_reused(db):
    admin = UserFactory(role="admin")
    ada = AdvocateFactory(consent_version="2026-05")
    terms.record_acceptance(ada, "2026-05")
    terms.save_draft(admin, {"body_markdown": NEW_TEXT})
    with pytest.raises(ValidationFailed) as refused:
        terms.publish_terms(admin, {"version": "2026-05"})
    assert "exists already" in refused.value.fields["version"]


def test_publishing_without_a_draft_names_the_text_and_writes_nothing(db):
    admin = UserFactory(role="admin")
    with pytest.raises(ValidationFailed) as refused:
        terms.publish_terms(admin, {"version": "2027-01"})
    assert set(refused.value.fields) == {"body_markdown"}
    assert "no draft to publish" in refused.value.fields["body_markdown"]
    assert get_setting("terms_version") == "2026-01"
    assert terms_events(db) == []


def test_an_empty_draft_is_refused(db):
    admin = UserFactory(role="admin")
    with pytest.raises(ValidationFailed) as refused:
        terms.save_draft(admin, {"body_markdown": "  \n "})
    assert refused.value.fields == {"body_markdown": "This field is required."}
    assert terms.get_draft() is None and terms_events(db) == []


@pytest.mark.parametrize("role", ["manager", "csm", "requester", "advocate"])
def test_only_administrators_change_the_terms(db, role):
    user = UserFactory(role=role)
    with pytest.raises(Forbidden):
        terms.save_draft(user, {"body_markdown": NEW_TEXT})
    admin = UserFactory(role="admin")
    terms.save_draft(admin, {"body_markdown": NEW_TEXT})
    with pytest.raises(Forbidden):
        terms.publish_terms(user, {"version": "2027-01"})
    assert get_setting("terms_version") == "2026-01"


# Published versions never change ---------------------------------------------------------


def test_a_published_version_never_changes_a_new_draft_is_a_new_row(db):
    admin = UserFactory(role="admin")
    first, _ = publish(admin, "2027-01", NEW_TEXT)
    db.session.commit()
    draft = terms.save_draft(admin, {"body_markdown": "## Something else"})
    db.session.commit()
    assert draft.id != first.id
    db.session.expire_all()
    kept = db.session.get(TermsVersion, first.id)
    assert (kept.status, kept.version, kept.body_markdown) == ("published", "2027-01", NEW_TEXT)
    # Publishing the draft under an old name is refused; the old text stays.
    with pytest.raises(ValidationFailed):
        terms.publish_terms(admin, {"version": "2027-01"})
    db.session.rollback()
    assert db.session.get(TermsVersion, first.id).body_markdown == NEW_TEXT
    # Discarding the draft leaves every published version as it was.
    assert terms.discard_draft(admin) is True
    db.session.commit()
    versions = db.session.scalars(sa.select(TermsVersion.version).order_by(TermsVersion.id))
    assert list(versions) == ["2026-01", "2027-01"]


# Rendering is safe ------------------------------------------------------------------------


def test_rendering_removes_scripts_raw_html_and_javascript_links():
    html = str(terms.render_markdown(HOSTILE))
    assert "<h2>Fine print</h2>" in html
    assert "<script" not in html and "alert('x')" not in html
    assert "javascript:" not in html and "onerror" not in html and "<img" not in html
    assert '<a href="https://example.com"' in html and "click me" in html


def test_the_seeded_first_version_is_the_text_advocates_read_until_now(db):
    row = terms.published("2026-01")
    assert row.status == "published"
    html = str(terms.render_markdown(row.body_markdown))
    for heading in ("What we ask of you", "Limits you set", "What we do with your data", "Leaving"):
        assert f"<h2>{heading}</h2>" in html


# Pages ------------------------------------------------------------------------------------


def test_admin_previews_without_saving_and_the_preview_is_sanitised(db, client, auth):
    sign_in(db, auth, role="admin")
    page = client.get("/admin/settings/terms/draft")
    assert page.status_code == 200
    assert "What we ask of you" in page.get_data(as_text=True)  # a copy of the current text
    response = client.post(
        "/admin/settings/terms/draft", data={"body_markdown": HOSTILE, "preview": "Preview"}
    )
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    preview = body.split('id="preview-h"', 1)[1].split("</section>", 1)[0]
    assert "<h2>Fine print</h2>" in preview
    assert "<script" not in preview and "javascript:" not in preview and "onerror" not in preview
    assert "<script>alert" not in body  # the textarea shows the source escaped
    assert terms.get_draft() is None and terms_events(db) == []


def test_admin_saves_and_publishes_through_the_pages(db, client, auth):
    admin = sign_in(db, auth, role="admin")
    ada, _ = advocate_with_login(name="Ada")
    db.session.commit()
    saved = client.post(
        "/admin/settings/terms/draft", data={"body_markdown": NEW_TEXT, "save": "Save draft"}
    )
    assert saved.status_code == 302
    page = client.get("/admin/settings/terms/draft").get_data(as_text=True)
    assert "<h2>Our promise</h2>" in page
    published = client.post("/admin/settings/terms/publish", data={"version": "2027-01"})
    assert published.status_code == 302
    index = client.get(published.headers["Location"]).get_data(as_text=True)
    assert "Version 2027-01 is now the program terms" in index and "1 were e-mailed" in index
    assert re.search(r"2027-01</a>\s*<span class=\"badge text-bg-primary\">current", index)
    db.session.expire_all()
    assert get_setting("terms_version") == "2027-01"
    assert terms.published("2027-01").published_by == admin.id
    old = client.get("/admin/settings/terms/versions/2026-01")
    assert old.status_code == 200 and "What we ask of you" in old.get_data(as_text=True)
    assert client.get("/admin/settings/terms/versions/1999-01").status_code == 404
    assert ada.consent_version == "2026-01" and self_service.needs_consent(ada)


def test_bad_publish_form_shows_the_error_next_to_the_field_and_writes_nothing(db, client, auth):
    sign_in(db, auth, role="admin")
    client.post("/admin/settings/terms/draft", data={"body_markdown": NEW_TEXT, "save": "y"})
    response = client.post("/admin/settings/terms/publish", data={"version": "2026-01"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert 'id="version-error"' in body and "Version 2026-01 exists already" in body
    db.session.expire_all()
    assert get_setting("terms_version") == "2026-01"
    assert [e.action for e in terms_events(db)] == ["terms.draft_saved"]


def test_advocate_reads_the_new_text_and_accepts_it(db, client, auth):
    admin = UserFactory(role="admin")
    ada, user = advocate_with_login(name="Ada")
    publish(admin, "2027-01", HOSTILE)
    db.session.commit()
    auth.login(user.email)
    assert client.get("/me/").headers["Location"].startswith("/me/terms")
    page = client.get("/me/terms").get_data(as_text=True)
    assert "<h2>Fine print</h2>" in page and "What we ask of you" not in page
    assert "<script>alert" not in page and "javascript:" not in page
    assert 'value="2027-01"' in page and "The terms changed since you accepted" in page
    # A form read before the change is not consent to the new text.
    client.post("/me/terms", data={"agree": "y", "version": "2026-01"})
    db.session.refresh(ada)
    assert ada.consent_version == "2026-01"
    assert client.post("/me/terms", data={"agree": "y", "version": "2027-01"}).status_code == 302
    db.session.refresh(ada)
    assert ada.consent_version == "2027-01" and acceptances(db, ada) == ["2027-01"]
    assert client.get("/me/").status_code == 200


def test_accepting_an_invitation_records_the_acceptance(db, client):
    admin = UserFactory(role="admin")
    manager = UserFactory(role="manager")
    publish(admin, "2027-01", NEW_TEXT)
    advocate = AdvocateFactory(status="nominated")
    recruiting.invite_advocate(manager, advocate)
    db.session.commit()
    message = db.session.scalar(
        sa.select(OutboxMessage).where(OutboxMessage.template == "advocate_invitation")
    )
    link = re.search(r"(/welcome/[^\s\"<]+)", delivered_text(message)).group(1)
    page = client.get(link).get_data(as_text=True)
    assert "<h2>Our promise</h2>" in page and 'value="2027-01"' in page
    answer = client.post(
        link,
        data={
            "version": "2027-01",
            "accept_terms": "y",
            "password": "a good long password",
            "confirm": "a good long password",
        },
    )
    assert answer.status_code == 302
    db.session.expire_all()
    [row] = db.session.scalars(sa.select(TermsAcceptance)).all()
    assert (row.advocate_id, row.version, row.user_id) == (
        advocate.id,
        "2027-01",
        advocate.user_id,
    )


def test_the_demo_records_each_consent_and_a_reset_keeps_the_terms_texts(db, runner):
    admin = UserFactory(role="admin")
    publish(admin, "2027-01", notify=False)
    db.session.commit()
    result = runner.invoke(args=["seed-demo", "--advocates", "20", "--reset"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert terms.published("2026-01") is not None and terms.published("2027-01") is not None
    consented = db.session.execute(
        sa.select(Advocate.id, Advocate.consent_version).where(Advocate.consent_at.is_not(None))
    ).all()
    recorded = db.session.execute(
        sa.select(TermsAcceptance.advocate_id, TermsAcceptance.version)
    ).all()
    assert consented and sorted(recorded) == sorted(consented)
