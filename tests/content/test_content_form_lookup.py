"""The content form names its account and advocate by typing, not from a list of every one: the
server resolves the typed name, refuses one it can't tell apart with nothing written, and the
edit page holds only the current value."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from portal.audit.models import AuditEvent
from portal.content.models import ContentAsset
from tests.factories import AccountFactory, AdvocateFactory
from tests.helpers import count, sign_in


def form(**fields) -> dict:
    data = {
        "kind": "case_study",
        "title": "How Nordbank cut fraud losses",
        "url": "https://www.example.com/nordbank",
        "approval_status": "customer_approved",
        "approved_by_customer": "Jana Novak, CFO",
        "approved_until": (dt.date.today() + dt.timedelta(days=200)).isoformat(),
    }
    data.update(fields)
    return data


@pytest.fixture
def nordbank(db):
    account = AccountFactory(name="Nordbank")
    AdvocateFactory(name="Jana Novak", account=account, email="jana@nordbank.example")
    return account


def test_typed_names_are_resolved_to_the_account_and_advocate(client, auth, db, nordbank):
    sign_in(db, auth)
    response = client.post(
        "/program/content/new",
        data=form(**{"account_id-text": "nordbank", "advocate_id-text": "Jana Novak"}),
    )
    assert response.status_code == 302
    asset = db.session.scalars(sa.select(ContentAsset)).one()
    assert asset.account_id == nordbank.id
    assert asset.advocate.email == "jana@nordbank.example"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"account_id-text": "Nordbnak"}, "No account is called “Nordbnak”."),
        ({"account_id-text": "Acme"}, "2 accounts are called “Acme”"),
        ({"advocate_id-text": "Nobody Known"}, "No advocate is called “Nobody Known”."),
    ],
)
def test_a_name_that_names_no_one_or_several_is_refused_by_its_field(
    client, auth, db, nordbank, fields, message
):
    AccountFactory(name="Acme", domain="acme.example")
    AccountFactory(name="Acme", domain="acme.test")
    sign_in(db, auth)
    before = count(db, AuditEvent)
    response = client.post("/program/content/new", data=form(**fields))
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    field = next(iter(fields)).removesuffix("-text")
    assert f'id="{field}-error">{message}' in body
    assert 'href="#' + field + '"' in body  # the summary at the top links to the field
    assert 'value="' + fields[next(iter(fields))] + '"' in body  # what was typed is kept
    assert count(db, ContentAsset) == 0 and count(db, AuditEvent) == before


def test_the_edit_page_shows_the_current_names_and_no_other_row(client, auth, db, nordbank):
    for n in range(5):
        AdvocateFactory(name=f"Other Person {n}", account=AccountFactory(name=f"Other Co {n}"))
    jana = nordbank.advocates[0]
    asset = ContentAsset(
        kind="case_study", title="Story", url="https://x.example/s", account=nordbank, advocate=jana
    )
    db.session.add(asset)
    sign_in(db, auth)
    body = client.get(f"/program/content/{asset.id}/edit").get_data(as_text=True)
    assert 'name="account_id-text"' in body and 'value="Nordbank"' in body
    assert f'name="account_id" type="hidden" value="{nordbank.id}"' in body
    assert 'value="Jana Novak (Nordbank)"' in body
    assert "Other Co" not in body and "Other Person" not in body
    assert 'data-lookup-url="/program/lookup/accounts"' in body


def test_a_picked_suggestion_tells_namesakes_apart(client, auth, db):
    AccountFactory(name="Acme", domain="acme.example")
    second = AccountFactory(name="Acme", domain="acme.test")
    sign_in(db, auth)
    response = client.post(
        "/program/content/new",
        data=form(**{"account_id-text": "Acme (acme.test)", "account_id": str(second.id)}),
    )
    assert response.status_code == 302
    assert db.session.scalars(sa.select(ContentAsset)).one().account_id == second.id


def test_a_changed_name_wins_over_the_id_of_the_former_choice(client, auth, db, nordbank):
    other = AccountFactory(name="Banco Norte")
    asset = ContentAsset(kind="quote", title="Quote", url="https://x.example/q", account=nordbank)
    db.session.add(asset)
    sign_in(db, auth)
    # Without JavaScript the hidden id keeps the former account while the name is retyped.
    data = form(**{"account_id-text": "banco norte", "account_id": str(nordbank.id)})
    assert client.post(f"/program/content/{asset.id}/edit", data=data).status_code == 302
    db.session.refresh(asset)
    assert asset.account_id == other.id
    cleared = form(**{"account_id-text": "", "account_id": str(other.id)})
    assert client.post(f"/program/content/{asset.id}/edit", data=cleared).status_code == 302
    db.session.refresh(asset)
    assert asset.account_id is None


def test_an_advocate_of_another_account_is_refused_next_to_the_advocate(client, auth, db, nordbank):
    AdvocateFactory(name="Sam Lee", account=AccountFactory(name="Acme"))
    sign_in(db, auth)
    response = client.post(
        "/program/content/new",
        data=form(**{"account_id-text": "Nordbank", "advocate_id-text": "Sam Lee"}),
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert 'id="advocate_id-error">The advocate works at another account.' in body
    assert 'value="Sam Lee (Acme)"' in body  # resolved, so shown as its suggestion would be
    assert count(db, ContentAsset) == 0


def test_a_name_with_a_control_character_is_refused_not_a_server_error(client, auth, db):
    sign_in(db, auth)
    response = client.post(
        "/program/content/new",
        data=form(**{"account_id-text": "Nord\x00bank", "advocate_id-text": "x" * 500}),
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert 'id="account_id-error">Remove the control character.' in body
    assert 'id="advocate_id-error">That is longer than any name here.' in body
    assert count(db, ContentAsset) == 0
