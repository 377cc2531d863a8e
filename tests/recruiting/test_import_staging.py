"""An import preview waits in the database, not on one app server's disk: any app server takes
the confirmation; it is the previewing manager's own, single-use, and gone after a day."""

from __future__ import annotations

import datetime as dt
import io

import sqlalchemy as sa
from freezegun import freeze_time

from portal.accounts.models import Account
from portal.recruiting.models import ImportPreview
from tests.conftest import AuthActions
from tests.factories import UserFactory

CSV = b"crm_id,name,industry,segment,region\nP-1,Pi Bank,banking,smb,emea\n"


def preview(client, data=CSV, kind="accounts") -> str:
    page = client.post(
        "/recruiting/import",
        data={"kind": kind, "file": (io.BytesIO(data), "crm.csv")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    return page.split('name="upload" type="hidden" value="')[1].split('"')[0]


def confirm(client, upload, kind="accounts") -> str:
    return client.post(
        "/recruiting/import/confirm",
        data={"upload": upload, "kind": kind},
        follow_redirects=True,
    ).get_data(as_text=True)


def accounts(db) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Account))


def test_another_app_server_takes_the_confirmation(db, client, auth, app_factory, tmp_path):
    UserFactory(role="manager", email="m@example.com")
    db.session.commit()
    auth.login("m@example.com")
    upload = preview(client)
    assert db.session.scalar(sa.select(ImportPreview.data)) == CSV
    # A second app server with a disk of its own.
    other = app_factory(UPLOAD_DIR=str(tmp_path / "other-server")).test_client()
    AuthActions(other).login("m@example.com")
    assert "1 created" in confirm(other, upload)
    assert accounts(db) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ImportPreview)) == 0
    assert "That preview is gone" in confirm(client, upload)  # single use


def test_a_preview_is_the_managers_own_and_its_kind_is_kept(db, client, auth, app_factory):
    UserFactory(role="manager", email="m@example.com")
    UserFactory(role="manager", email="n@example.com")
    db.session.commit()
    auth.login("m@example.com")
    upload = preview(client)
    colleague = app_factory().test_client()
    AuthActions(colleague).login("n@example.com")
    assert "That preview is gone" in confirm(colleague, upload)
    # The kind is the previewed one, whatever the confirmation says.
    assert "Imported accounts: 1 row: 1 created" in confirm(client, upload, kind="advocates")
    assert accounts(db) == 1


def test_a_preview_is_forgotten_after_a_day(db, client, auth):
    UserFactory(role="manager", email="m@example.com")
    db.session.commit()
    auth.login("m@example.com")
    upload = preview(client)
    with freeze_time(dt.datetime.now(dt.UTC) + dt.timedelta(days=1, minutes=1)):
        auth.login("m@example.com")  # the sign-in session itself ended in the meantime
        assert "That preview is gone" in confirm(client, upload)
        preview(client, b"crm_id,name,industry,segment,region\nP-2,Q,banking,smb,emea\n")
    assert accounts(db) == 0
    # The stale preview went when the next one was kept.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ImportPreview)) == 1
