"""A deal that references helped closes won: the team chat gets a win story (deal, account,
the activities that helped), posted to a real HTTP server, with no advocate's name or address."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.asks import requests
from portal.notifications.chat import CHAT_EVENTS, update_chat_settings
from portal.notifications.models import OutboxMessage
from portal.notifications.sender import send_due
from portal.opportunities import service as opportunities
from tests.factories import UserFactory, advocate_with_login
from tests.notifications.servers import WebhookServer
from tests.thanks.helpers import completed_ask, deal, team


@pytest.fixture
def app(app_factory):
    """The hook listens on 127.0.0.1: allowed here as for an on-premise receiver (the default
    refuses private addresses; see tests/notifications/test_chat.py)."""
    return app_factory(OUTBOUND_ALLOW_PRIVATE=True)


@pytest.fixture
def hook():
    server = WebhookServer()
    server.start()
    yield server
    server.stop()


def _chat(db):
    return db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "chat")).all()


def test_a_won_deal_posts_a_win_story_without_contact_details(db, hook):
    assert "deal_won" in CHAT_EVENTS
    admin = UserFactory(role="admin")
    manager, requester = team()
    update_chat_settings(admin, {"url": hook.url, "flavour": "slack", "events": ["deal_won"]})
    opportunity = deal(name="Core banking renewal", account_name="Nordbank AG")
    first, _ = advocate_with_login(name="Ada Lovelace", email="ada@nordbank.example")
    second, _ = advocate_with_login(name="Ben Hopper", email="ben@nordbank.example")
    completed_ask(requester, first, "reference_call", opportunity)
    completed_ask(requester, second, "reference_call", opportunity)
    completed_ask(requester, second, "case_study", opportunity)
    db.session.commit()

    opportunities.set_outcome(manager, opportunity, "won")
    db.session.commit()
    assert send_due().sent >= 1
    [post] = hook.posts
    payload = post["json"]
    assert payload["text"] == "Deal won: Core banking renewal"
    text = payload["blocks"][0]["text"]["text"]
    assert "Core banking renewal (Nordbank AG) closed won." in text
    assert "References that helped: Case study, Reference call ×2." in text
    assert f"/program/opportunities/{opportunity.crm_id}" in text
    flat = str(payload)
    for secret in ("Ada", "Ben", "Lovelace", "Hopper", "@nordbank.example", "@"):
        assert secret not in flat


def test_no_story_without_reference_help_or_when_the_event_is_not_chosen(db, hook):
    admin = UserFactory(role="admin")
    manager, requester = team()
    update_chat_settings(admin, {"url": hook.url, "flavour": "slack", "events": ["deal_won"]})
    lonely = deal(name="No references")
    opportunities.set_outcome(manager, lonely, "won")
    helped = deal(name="Helped deal")
    advocate, _ = advocate_with_login()
    completed_ask(requester, advocate, "quote", helped)
    update_chat_settings(admin, {"url": hook.url, "flavour": "slack", "events": []})
    opportunities.set_outcome(manager, helped, "won")
    db.session.commit()
    assert _chat(db) == []


def test_a_request_without_a_deal_record_tells_its_own_win_story(db, hook):
    admin = UserFactory(role="admin")
    _, requester = team()
    update_chat_settings(admin, {"url": hook.url, "flavour": "teams", "events": ["deal_won"]})
    advocate, _ = advocate_with_login(name="Cleo Contact", email="cleo@customer.example")
    ask = completed_ask(requester, advocate, "peer_review", prospect_company="Harbor Insurance")
    requests.record_outcome(requester, ask.request, "won")
    db.session.commit()
    assert send_due().sent >= 1
    [post] = hook.posts
    card = post["json"]["attachments"][0]["content"]
    assert card["body"][0]["text"] == "Deal won: New payments platform"
    assert card["body"][1]["text"] == (
        "New payments platform (Harbor Insurance) closed won. References that helped: Peer review."
    )
    assert "Cleo" not in str(post["json"]) and "@" not in str(post["json"])
