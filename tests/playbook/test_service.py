"""The playbook's rules: every activity type has a default entry, the program team edits it
(audited, bad input refused per field with nothing written), the brief renders safely, and the
stage note is only a note."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.audit.models import AuditEvent
from portal.errors import Forbidden, NotFound, ValidationFailed
from portal.playbook import service
from portal.playbook.models import PlaybookEntry
from portal.program.service import set_setting
from portal.vocab import ACTIVITY_TYPES
from tests.factories import UserFactory
from tests.playbook.conftest import GOOD


def _audits(db, action="playbook.updated"):
    return db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    ).all()


def test_every_activity_type_has_a_useful_default_entry(db):
    entries = service.playbook()
    assert [e.activity_type for e in entries] == list(ACTIVITY_TYPES)
    for e in entries:
        assert e.stages, e.activity_type
        assert len(e.brief) > 40 and e.do_lines and e.dont_lines
    case = service.entry("case_study")
    assert case.stages == ("early", "middle")
    assert case.lead_time_days == 30  # the program setting's default, shown not stored
    assert service.entry("site_visit").stages == ("late",)


def test_lead_time_is_read_from_the_program_setting(db):
    admin = UserFactory(role="admin")
    set_setting(admin, "lead_time_days", {"case_study": 12})
    assert service.entry("case_study").lead_time_days == 12
    assert {e.activity_type: e.lead_time_days for e in service.playbook()}["case_study"] == 12


def test_manager_edits_an_entry_and_it_is_audited(db):
    manager = UserFactory(role="manager")
    db.session.commit()
    found, changed = service.update_entry(
        manager, "case_study", dict(GOOD, stages=["middle", "early"])
    )
    db.session.commit()
    assert found.stages == ("early", "middle")  # stored in the stages' own order
    assert set(changed) == {"brief", "dos", "donts"}
    row = db.session.scalar(
        sa.select(PlaybookEntry).where(PlaybookEntry.activity_type == "case_study")
    )
    assert row.brief == GOOD["brief"] and row.updated_by_id == manager.id
    assert row.dos == "Share the questions\nThank them"  # list markers dropped, one a line
    (event,) = _audits(db)
    assert event.actor_id == manager.id and event.entity_id == row.id
    assert event.data["activity_type"] == "case_study"
    assert event.data["brief"][1] == GOOD["brief"]


def test_saving_the_same_entry_again_changes_and_audits_nothing(db):
    manager = UserFactory(role="manager")
    service.update_entry(manager, "quote", GOOD)
    db.session.commit()
    _, changed = service.update_entry(manager, "quote", GOOD)
    db.session.commit()
    assert changed == {}
    assert len(_audits(db)) == 1


def test_a_missing_row_is_created_on_first_edit(db):
    db.session.execute(sa.delete(PlaybookEntry).where(PlaybookEntry.activity_type == "referral"))
    db.session.commit()
    assert service.entry("referral").stages == ()  # shown empty, still with its lead time
    assert service.entry("referral").lead_time_days == 10
    admin = UserFactory(role="admin")
    service.update_entry(admin, "referral", GOOD)
    db.session.commit()
    assert service.entry("referral").brief == GOOD["brief"]


@pytest.mark.parametrize("role", ["requester", "csm", "advocate"])
def test_only_the_program_team_edits_the_playbook(db, role):
    user = UserFactory(role=role)
    with pytest.raises(Forbidden):
        service.update_entry(user, "case_study", GOOD)
    assert _audits(db) == []


def test_unknown_activity_type_is_not_found(db):
    with pytest.raises(NotFound):
        service.update_entry(UserFactory(role="manager"), "carrier_pigeon", GOOD)
    with pytest.raises(NotFound):
        service.entry("carrier_pigeon")


@pytest.mark.parametrize(
    ("change", "field", "why"),
    [
        ({"stages": []}, "stages", "at least one"),
        ({"stages": ["soon"]}, "stages", "Unknown value"),
        ({"stages": "early"}, "stages", "list"),
        ({"brief": ""}, "brief", "required"),
        ({"brief": "x" * (service.BRIEF_MAX + 1)}, "brief", f"at most {service.BRIEF_MAX}"),
        ({"brief": "Hi <script>alert(1)</script>"}, "brief", "without HTML"),
        ({"brief": "[x](javascript:alert(1))"}, "brief", "without HTML"),
        ({"dos": "<b>bold</b>"}, "dos", "without HTML"),
        ({"donts": "\n".join(f"line {i}" for i in range(11))}, "donts", "At most 10 lines"),
        ({"dos": "x" * (service.LIST_MAX + 1)}, "dos", f"at most {service.LIST_MAX}"),
        ({"colour": "red"}, "colour", "Unknown field"),
    ],
)
def test_bad_input_is_refused_per_field_and_nothing_is_written(db, change, field, why):
    manager = UserFactory(role="manager")
    db.session.commit()
    before = service.entry("case_study")
    with pytest.raises(ValidationFailed) as refused:
        service.update_entry(manager, "case_study", {**GOOD, **change})
    db.session.rollback()
    assert why.lower() in refused.value.fields[field].lower()
    assert service.entry("case_study") == before
    assert _audits(db) == []


def test_every_bad_field_is_named_at_once(db):
    with pytest.raises(ValidationFailed) as refused:
        service.update_entry(UserFactory(role="admin"), "quote", {"stages": [], "brief": ""})
    assert set(refused.value.fields) == {"stages", "brief"}


def test_brief_renders_markdown_lite_and_nothing_else():
    html = str(service.render_brief("Say **who**, *why*.\n\n- one\n- [two](https://example.com)"))
    assert "<strong>who</strong>" in html and "<em>why</em>" in html
    assert "<li>one</li>" in html
    assert 'href="https://example.com"' in html and 'rel="noopener noreferrer nofollow"' in html


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[click](javascript:alert(1))",
        '<a href="https://x.example" onclick="alert(1)">x</a>',
        "<iframe src=https://evil.example></iframe>",
        "# A heading that would break the page's outline",
    ],
)
def test_brief_rendering_strips_html_even_if_stored(text):
    """Stored text that got past the checks (an old row, the database by hand) still renders
    without markup of its own."""
    html = str(service.render_brief(text)).lower()
    for bad in ("<script", "<img", "onerror", "onclick", "javascript:", "<iframe", "<h1"):
        assert bad not in html


def test_stage_note_only_when_the_deal_stage_is_not_among_the_fits(db):
    case = service.entry("case_study")  # early, middle
    assert service.stage_warning(case, "early") is None
    assert service.stage_warning(case, None) is None
    note = service.stage_warning(case, "late")
    assert "early or middle" in note and "late" in note and "still file" in note


def test_request_panel_notes_the_stage_per_activity_type(db):
    panel = service.request_panel("case_study", "late")
    assert panel["chosen"] == "case_study"
    assert panel["warnings"]["case_study"]  # early, middle
    assert panel["warnings"]["site_visit"] is None  # late
    assert service.request_panel("nonsense", None)["chosen"] is None
    assert not any(service.request_panel("quote", None)["warnings"].values())
