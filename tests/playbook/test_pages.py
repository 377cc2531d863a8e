"""The playbook's pages: the program team edits one entry at a time (field errors, nothing
written on bad input), every staff member reads it, and the request form shows the chosen
activity's entry with a gentle note when the linked deal's stage does not fit."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from portal.audit.models import AuditEvent
from portal.opportunities import service as opportunities
from portal.playbook import service
from portal.playbook.models import PlaybookEntry
from portal.vocab import ACTIVITY_TYPES
from tests.factories import UserFactory
from tests.helpers import sign_in

EDIT = "/program/playbook/"


def entry_form(activity_type: str, **values) -> dict:
    """The fields of one entry's form as the page posts them (prefixed with the type)."""
    data = {
        "stages": ["early", "middle"],
        "brief": "Say who reads it and **by when**.",
        "dos": "Share the questions",
        "donts": "Don't invent figures",
        **values,
    }
    return {f"{activity_type}-{name}": value for name, value in data.items()}


def panel_of(body: str, activity_type: str) -> str:
    """The request form's playbook panel part for `activity_type` (hidden or not)."""
    found = re.search(
        rf'<div data-playbook-entry="{activity_type}"( hidden)?>(.*?)\n    </div>', body, re.S
    )
    assert found, activity_type
    return found.group(0)


def test_manager_edits_one_entry_on_the_page(db, client, auth):
    manager = sign_in(db, auth, "manager")
    page = client.get(EDIT)
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert body.count('<form method="post" action="/program/playbook/') == len(ACTIVITY_TYPES)
    assert 'id="case_study-brief"' in body and 'id="quote-brief"' in body
    saved = client.post(EDIT + "case_study", data=entry_form("case_study", stages=["late"]))
    assert saved.status_code == 302
    assert saved.headers["Location"].endswith("/program/playbook/#entry-case_study")
    db.session.expire_all()
    found = service.entry("case_study")
    assert found.stages == ("late",) and found.brief == "Say who reads it and **by when**."
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "playbook.updated").order_by(AuditEvent.id)
    )
    assert event.actor_id == manager.id
    assert service.entry("quote").stages == ("early", "middle")  # the other entries stay


def test_bad_entry_shows_errors_next_to_its_fields_and_writes_nothing(db, client, auth):
    sign_in(db, auth, "admin")
    before = service.entry("case_study")
    refused = client.post(
        EDIT + "case_study",
        data=entry_form("case_study", stages=[], brief="<b>hi</b>", donts="x\n" * 11),
    )
    assert refused.status_code == 422
    body = refused.get_data(as_text=True)
    assert 'id="case_study-stages-error"' in body and "at least one sales stage" in body
    assert 'id="case_study-brief-error"' in body and "without HTML" in body
    assert 'id="case_study-donts-error"' in body and "At most 10 lines" in body
    assert '<details class="card mb-2 playbook-edit-entry" id="entry-case_study" open>' in body
    assert "&lt;b&gt;hi&lt;/b&gt;" in body  # the value kept, escaped
    # The other forms still show their stored entries.
    assert service.entry("quote").brief.split(".")[0].replace("'", "&#39;") in body
    db.session.expire_all()
    assert service.entry("case_study") == before
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "playbook.updated")
        )
        == 0
    )


def test_unknown_activity_type_is_not_found(db, client, auth):
    sign_in(db, auth, "manager")
    assert client.post(EDIT + "carrier_pigeon", data={}).status_code == 404


@pytest.mark.parametrize("role", ["requester", "csm"])
def test_staff_who_are_not_the_program_team_may_not_edit(db, client, auth, role):
    sign_in(db, auth, role)
    assert client.get(EDIT).status_code == 403
    assert client.post(EDIT + "case_study", data=entry_form("case_study")).status_code == 403


def test_staff_read_which_activity_fits_which_stage(db, client, auth):
    sign_in(db, auth, "requester")
    response = client.get("/playbook/")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    row = re.search(r'<tr data-playbook-row="site_visit">(.*?)</tr>', body, re.S).group(1)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    assert ["Fits" in c for c in cells[:3]] == [False, False, True]  # early, middle, late
    assert cells[3] == "15"  # the lead time, from the program setting
    assert 'id="about-case_study"' in body
    assert "Edit the playbook" not in body  # the program team's link only
    assert "/admin/settings/lead-times" not in body  # administrators change lead times


def test_program_team_sees_the_edit_link_and_admins_the_lead_time_link(db, client, auth):
    sign_in(db, auth, "admin")
    body = client.get("/playbook/").get_data(as_text=True)
    assert 'href="/program/playbook/"' in body and 'href="/admin/settings/lead-times"' in body
    settings = client.get("/admin/settings/").get_data(as_text=True)
    assert 'href="/program/playbook/"' in settings


def test_staff_nav_links_the_playbook(db, client, auth):
    sign_in(db, auth, "requester")
    assert 'href="/playbook/">Playbook</a>' in client.get("/requests/").get_data(as_text=True)


def test_html_in_a_stored_brief_never_reaches_the_pages(db, client, auth):
    """A row written around the service's checks (by hand, an old version) still renders
    without markup of its own, on every page that shows it."""
    db.session.execute(
        sa.update(PlaybookEntry)
        .where(PlaybookEntry.activity_type == "case_study")
        .values(
            brief='<script>alert("brief")</script><img src=x onerror=alert(1)> **Bold**',
            dos="<script>alert('dos')</script>",
        )
    )
    sign_in(db, auth, "manager")
    for path in ("/playbook/", "/requests/new?activity_type=case_study"):
        body = client.get(path).get_data(as_text=True)
        assert 'alert("brief")' not in body and "onerror" not in body, path
        assert "<strong>Bold</strong>" in body
        assert "&lt;script&gt;alert(&#39;dos&#39;)&lt;/script&gt;" in body  # shown as text


def test_request_form_shows_the_chosen_activitys_entry(db, client, auth):
    sign_in(db, auth, "requester")
    body = client.get("/requests/new?activity_type=case_study").get_data(as_text=True)
    case = panel_of(body, "case_study")
    assert " hidden>" not in case.split("\n")[0]
    assert "Lead time: 30 working days" in case
    assert "Early" in case and "Middle" in case
    assert "<strong>audience</strong>" in case  # the default brief, rendered
    assert panel_of(body, "quote").startswith('<div data-playbook-entry="quote" hidden>')
    assert 'src="/static/js/playbook.js"' in body
    assert "data-playbook-warning" not in body  # no deal: nothing to note


def test_request_form_without_a_choice_invites_one(db, client, auth):
    sign_in(db, auth, "requester")
    body = client.get("/requests/new").get_data(as_text=True)
    assert '<div data-playbook-entry="">' in body
    assert all(
        panel_of(body, t).startswith(f'<div data-playbook-entry="{t}" hidden>')
        for t in ACTIVITY_TYPES
    )


@pytest.fixture
def late_deal(db):
    seller = UserFactory(role="requester", email="seller@example.com")
    found, _ = opportunities.upsert(
        UserFactory(role="manager"),
        "0065g00000Late1",
        {
            "name": "Late deal",
            "account_name": "Nordbank AG",
            "stage": "Negotiation/Review",
            "stage_group": "late",
            "close_date": (dt.date.today() + dt.timedelta(days=20)).isoformat(),
            "outcome": "open",
            "owner_email": seller.email,
        },
        source="csv",
    )
    db.session.commit()
    return found, seller


def test_gentle_note_when_the_deals_stage_does_not_fit(db, client, auth, late_deal):
    deal, seller = late_deal
    auth.login(seller.email)
    body = client.get(f"/requests/new?opportunity={deal.crm_id}&activity_type=case_study").get_data(
        as_text=True
    )
    note = panel_of(body, "case_study")
    assert "data-playbook-warning" in note
    assert "for early or middle-stage deals; this deal is in the late stage" in note
    # A type that fits late deals carries no note; switching to it (in the page) shows none.
    assert "data-playbook-warning" not in panel_of(body, "site_visit")
    assert "data-playbook-warning" not in panel_of(body, "reference_call")


def test_the_note_never_blocks_filing(db, client, auth, late_deal):
    deal, seller = late_deal
    auth.login(seller.email)
    response = client.post(
        "/requests/new",
        data={
            "action": "submit",
            "activity_type": "case_study",
            "needed_by": (dt.date.today() + dt.timedelta(days=60)).isoformat(),
            "advocates_needed": "1",
            "prospect_company": "Nordbank AG",
            "opportunity_name": "Late deal",
            "opportunity_crm_id": deal.crm_id,
            "context": "A story for the board.",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
