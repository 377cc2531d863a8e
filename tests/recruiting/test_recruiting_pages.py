"""The recruiting pages end to end through the test client."""

from __future__ import annotations

import io

import sqlalchemy as sa

from portal.accounts.models import Account
from portal.notifications.models import OutboxMessage
from portal.recruiting.models import Referenceability, Target, Touchpoint
from tests.factories import AccountFactory, AdvocateFactory, AskFactory, UserFactory


def test_a_csm_marks_an_account_referenceable_and_sees_participation(db, client, auth):
    csm = UserFactory(role="csm", email="cs@example.com")
    account = AccountFactory(csm=csm, name="Alpha Bank")
    AskFactory(advocate=AdvocateFactory(account=account), status="completed")
    db.session.commit()
    auth.login("cs@example.com")
    page = client.get("/recruiting/accounts").get_data(as_text=True)
    assert "Alpha Bank" in page and "Not rated" in page
    refused = client.post(f"/recruiting/accounts/{account.id}", data={"status": "referenceable"})
    assert refused.status_code == 422
    assert "This field is required." in refused.get_data(as_text=True)
    done = client.post(
        f"/recruiting/accounts/{account.id}",
        data={
            "status": "referenceable",
            "reason": "Live since May",
            "health": "healthy",
            "nps": "55",
        },
    )
    assert done.status_code == 302
    row = db.session.scalar(sa.select(Referenceability))
    assert (row.status, row.nps) == ("referenceable", 55)
    page = client.get(f"/recruiting/accounts/{account.id}").get_data(as_text=True)
    assert "Recent asks" in page and "Completed" in page


def test_the_manager_invites_from_the_board_and_a_refused_move_says_why(db, client, auth):
    UserFactory(role="manager", email="m@example.com")
    nominee = AdvocateFactory(status="nominated", name="Nina Nominee")
    active = AdvocateFactory(status="active", name="Arno Active")
    db.session.commit()
    auth.login("m@example.com")
    board = client.get("/recruiting/pipeline").get_data(as_text=True)
    assert "Nina Nominee" in board and "Arno Active" in board
    response = client.post(
        f"/recruiting/advocates/{nominee.id}/move",
        data={"status": "invited"},
        follow_redirects=True,
    )
    assert "Invitation sent to Nina Nominee" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(OutboxMessage.template)) == "advocate_invitation"
    response = client.post(
        f"/recruiting/advocates/{active.id}/move", data={"status": "invited"}, follow_redirects=True
    )
    assert "who is active can&#39;t become invited" in response.get_data(as_text=True)


def test_touchpoints_and_follow_ups_pages(db, client, auth):
    manager = UserFactory(role="manager", email="m@example.com")
    advocate = AdvocateFactory(name="Tara Touch")
    db.session.commit()
    auth.login("m@example.com")
    refused = client.post(
        f"/recruiting/advocates/{advocate.id}",
        data={"kind": "call", "summary": "Hi", "occurred_at": "2999-01-01T10:00"},
    )
    assert refused.status_code == 422
    assert "can&#39;t be in the future" in refused.get_data(as_text=True)
    done = client.post(
        f"/recruiting/advocates/{advocate.id}",
        data={
            "kind": "call",
            "summary": "Renewal call",
            "occurred_at": "2020-01-01T10:00",
            "follow_up_on": "2020-01-02",
        },
    )
    assert done.status_code == 302
    page = client.get(f"/recruiting/advocates/{advocate.id}").get_data(as_text=True)
    assert "Renewal call" in page and "Underused" in page
    follow_ups = client.get("/recruiting/follow-ups").get_data(as_text=True)
    assert "Tara Touch" in follow_ups
    touchpoint = db.session.scalar(sa.select(Touchpoint))
    assert client.post(f"/recruiting/touchpoints/{touchpoint.id}/done").status_code == 302
    client.get("/recruiting/follow-ups")  # shows the flash message
    assert "Tara Touch" not in client.get("/recruiting/follow-ups").get_data(as_text=True)
    assert touchpoint.created_by_id == manager.id


def test_targets_page_adds_refuses_and_removes(db, client, auth):
    UserFactory(role="manager", email="m@example.com")
    db.session.commit()
    auth.login("m@example.com")
    assert client.post("/recruiting/targets", data={"target_count": "0"}).status_code == 422
    response = client.post(
        "/recruiting/targets", data={"target_count": "5", "industry": "banking", "region": "emea"}
    )
    assert response.status_code == 302
    page = client.get("/recruiting/targets").get_data(as_text=True)
    assert "5 active advocates: Banking, EMEA" in page
    target = db.session.scalar(sa.select(Target))
    assert client.post(f"/recruiting/targets/{target.id}/delete").status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Target)) == 0


def test_import_page_previews_then_writes_on_confirm(db, client, auth):
    UserFactory(role="manager", email="m@example.com")
    db.session.commit()
    auth.login("m@example.com")
    csv_bytes = (
        "crm_id;name;industry;segment;region\nP-1;Pi Bank;Banking;SMB;EMEA\nP-2;;banking;smb;mars\n"
    ).encode("utf-8-sig")
    preview = client.post(
        "/recruiting/import",
        data={"kind": "accounts", "file": (io.BytesIO(csv_bytes), "crm.csv")},
        content_type="multipart/form-data",
    )
    body = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "1 to create" in body and "1 refused" in body and "region" in body
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Account)) == 0
    upload = body.split('name="upload" type="hidden" value="')[1].split('"')[0]
    done = client.post(
        "/recruiting/import/confirm",
        data={"upload": upload, "kind": "accounts"},
        follow_redirects=True,
    )
    assert "1 created" in done.get_data(as_text=True)
    assert db.session.scalar(sa.select(Account.name)) == "Pi Bank"
    again = client.post(
        "/recruiting/import/confirm",
        data={"upload": upload, "kind": "accounts"},
        follow_redirects=True,
    )
    assert "That preview is gone" in again.get_data(as_text=True)
    export = client.get("/recruiting/export/accounts.csv")
    assert export.mimetype == "text/csv"
    assert "P-1,Pi Bank" in export.get_data(as_text=True)
    assert client.get("/recruiting/export/secrets.csv").status_code == 404
