"""A won deal: its advocates hear what their help achieved only when the program allows it and
the reference team switched it on for the deal; the amount only when the program shares
amounts; once per advocate and deal, audited."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.audit.models import AuditEvent
from portal.errors import DomainError, Forbidden
from portal.notifications.models import OutboxMessage
from portal.opportunities import service as opportunities
from portal.program.service import set_setting
from portal.thanks import service as thanks
from tests.factories import UserFactory, advocate_with_login
from tests.thanks.helpers import completed_ask, deal, team


def _achieved(db):
    return db.session.scalars(
        sa.select(OutboxMessage)
        .where(OutboxMessage.template == "help_achieved")
        .order_by(OutboxMessage.id)
    ).all()


@pytest.fixture
def won_setup(db):
    manager, requester = team()
    admin = UserFactory(role="admin", email="admin@vendor.example")
    opportunity = deal()
    first, _ = advocate_with_login(name="Ada First")
    second, _ = advocate_with_login(name="Ben Second")
    completed_ask(requester, first, "reference_call", opportunity, prospect_company="Nordbank")
    completed_ask(requester, first, "case_study", opportunity, prospect_company="Nordbank")
    completed_ask(requester, second, "site_visit", opportunity, prospect_company="Nordbank")
    db.session.commit()
    return manager, admin, opportunity, (first, second)


def test_nothing_is_shared_while_the_program_setting_is_off(db, won_setup):
    manager, _, opportunity, _ = won_setup
    with pytest.raises(DomainError, match="does not share"):
        thanks.set_deal_share(manager, opportunity, True)
    opportunities.set_outcome(manager, opportunity, "won")
    db.session.commit()
    assert _achieved(db) == []


def test_nothing_is_shared_without_the_deals_switch(db, won_setup):
    manager, admin, opportunity, _ = won_setup
    thanks.update_settings(admin, {thanks.SHARE_SETTING: True})
    opportunities.set_outcome(manager, opportunity, "won")
    db.session.commit()
    assert _achieved(db) == []


def test_each_advocate_hears_once_and_without_the_amount_by_default(db, won_setup):
    manager, admin, opportunity, (first, second) = won_setup
    thanks.update_settings(admin, {thanks.SHARE_SETTING: True})
    assert thanks.set_deal_share(manager, opportunity, True) == 0  # not won yet
    opportunities.set_outcome(manager, opportunity, "won")
    db.session.commit()
    messages = _achieved(db)
    assert sorted(m.recipient for m in messages) == sorted([first.email, second.email])
    for message in messages:
        assert message.subject == "What your help achieved: Nordbank chose us"
        for body in (message.body_text, message.body_html):
            assert "Nordbank" in body and "was won" in body
            assert "250" not in body and "EUR" not in body
    [to_first] = [m for m in messages if m.recipient == first.email]
    assert "reference call" in to_first.body_text and "case study" in to_first.body_text
    # Lost and won again, or the switch flipped: nobody hears twice.
    opportunities.set_outcome(manager, opportunity, "open")
    opportunities.set_outcome(manager, opportunity, "won")
    thanks.set_deal_share(manager, opportunity, False)
    thanks.set_deal_share(manager, opportunity, True)
    db.session.commit()
    assert len(_achieved(db)) == 2
    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(
            AuditEvent.action.in_(("advocate.outcome_shared", "opportunity.outcome_sharing_set"))
        )
    ).all()
    assert actions.count("advocate.outcome_shared") == 2
    assert actions.count("opportunity.outcome_sharing_set") == 3


def test_the_amount_is_shared_when_the_program_shares_amounts(db, won_setup):
    manager, admin, opportunity, _ = won_setup
    thanks.update_settings(admin, {thanks.SHARE_SETTING: True, thanks.AMOUNTS_SETTING: True})
    opportunities.set_outcome(manager, opportunity, "won")
    told = thanks.set_deal_share(manager, opportunity, True)  # switched on after the win
    db.session.commit()
    assert told == 2
    for message in _achieved(db):
        assert "250,000 EUR" in message.body_text and "250,000 EUR" in message.body_html


def test_only_the_program_team_switches_and_only_admins_change_the_settings(db, won_setup):
    _, admin, opportunity, _ = won_setup
    requester = UserFactory(role="requester")
    with pytest.raises(Forbidden):
        thanks.update_settings(requester, {thanks.SHARE_SETTING: True})
    set_setting(admin, thanks.SHARE_SETTING, True)
    with pytest.raises(Forbidden):
        thanks.set_deal_share(requester, opportunity, True)


def test_the_deal_page_switch_tells_the_advocates(app, client, auth, db, won_setup):
    manager, admin, opportunity, _ = won_setup
    page = lambda: client.get(f"/program/opportunities/{opportunity.crm_id}").get_data(  # noqa: E731
        as_text=True
    )
    auth.login(manager.email)
    assert "Tell the advocates what their help achieved" not in page()  # program setting off
    auth.logout()
    auth.login(admin.email)
    response = client.post("/admin/settings/thanks", data={"share_outcomes_with_advocates": "y"})
    assert response.status_code == 302
    auth.logout()
    auth.login(manager.email)
    assert "Tell the advocates what their help achieved" in page()
    opportunities.set_outcome(manager, opportunity, "won")
    db.session.commit()
    response = client.post(
        f"/program/opportunities/{opportunity.crm_id}/share-outcome",
        data={"share": "y"},
        follow_redirects=True,
    )
    assert "2 advocate(s) told what their help achieved" in response.get_data(as_text=True)
    assert len(_achieved(db)) == 2


def test_the_switch_of_a_deal_id_with_a_nul_byte_is_not_found(client, auth, won_setup):
    # PostgreSQL refuses a NUL byte in the lookup: it was a 500 there.
    manager, *_ = won_setup
    auth.login(manager.email)
    response = client.post("/program/opportunities/OPP%00/share-outcome", data={"share": "y"})
    assert response.status_code == 404
