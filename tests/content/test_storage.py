"""Uploaded files in an S3-compatible bucket, against a real S3 HTTP server (moto's, on a free
local port) through boto3 as in production: uploads land in the bucket with their type,
downloads stream back as attachments, refusals and outages write nothing, bad settings stop
the app at start, and a file put for a row that never commits is deleted again."""

from __future__ import annotations

import io
import os
import uuid

import boto3
import pytest
import sqlalchemy as sa
from moto.server import ThreadedMotoServer

from portal.audit.models import AuditEvent
from portal.auth.models import User
from portal.content import storage
from portal.content.assets import create_asset
from portal.content.files import Upload, storage_key
from portal.content.models import ContentAsset, ContentUse
from tests.conftest import AuthActions, make_app
from tests.content.test_library import PDF, PNG, asset_data
from tests.factories import UserFactory

REGION = "us-east-1"
MANAGER = "m@example.com"
REQUESTER = "r@example.com"


def _start_server() -> ThreadedMotoServer:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    return server


def _endpoint(server: ThreadedMotoServer) -> str:
    host, port = server.get_host_and_port()
    return f"http://{host}:{port}"


@pytest.fixture(scope="session")
def aws_env():
    """Credentials for boto3's standard chain, and no profile or instance role of this machine."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("AWS_ACCESS_KEY_ID", "portal-test")
        env.setenv("AWS_SECRET_ACCESS_KEY", "portal-test-secret")
        env.setenv("AWS_CONFIG_FILE", os.devnull)
        env.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
        env.setenv("AWS_EC2_METADATA_DISABLED", "true")
        env.delenv("AWS_PROFILE", raising=False)
        env.delenv("AWS_SESSION_TOKEN", raising=False)
        yield


@pytest.fixture(scope="session")
def s3_endpoint(aws_env):
    """One S3-compatible server for the run; each test gets a bucket of its own."""
    server = _start_server()
    yield _endpoint(server)
    server.stop()


def _client(endpoint: str):
    return boto3.client("s3", endpoint_url=endpoint, region_name=REGION)


@pytest.fixture
def s3(s3_endpoint):
    return _client(s3_endpoint)


@pytest.fixture
def bucket(s3):
    name = f"portal-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    return name


def keys(s3, bucket: str) -> list[str]:
    return [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]


def s3_settings(endpoint: str, bucket: str, tmp_path) -> dict:
    """App settings for the bucket; UPLOAD_DIR is set only to see that nothing lands there."""
    return {
        "STORAGE_URL": f"s3://{bucket}/portal/files",
        "S3_ENDPOINT_URL": endpoint,
        "S3_REGION": REGION,
        "UPLOAD_DIR": str(tmp_path),
    }


def add_people(app) -> None:
    from portal.extensions import db

    with app.app_context():
        UserFactory(role="manager", email=MANAGER)
        UserFactory(role="requester", team="sales", email=REQUESTER)
        db.session.commit()


def signed_in(app, email: str):
    client = app.test_client()
    AuthActions(client).login(email)
    return client


def post_new(client, name: str, content: bytes):
    data = {
        key: value
        for key, value in asset_data(url="").items()
        if key not in ("stages", "industries", "products", "use_cases", "regions")
    }
    data["file"] = (io.BytesIO(content), name)
    return client.post("/program/content/new", data=data, content_type="multipart/form-data")


def download(client, asset_id: int):
    return client.post(
        f"/content/{asset_id}/use", data={"action": "download", "opportunity_crm_id": "006S3"}
    )


def counts(app) -> tuple[int, int]:
    """(assets, uses) in the database."""
    from portal.extensions import db

    with app.app_context():
        return (
            db.session.scalar(sa.select(sa.func.count(ContentAsset.id))),
            db.session.scalar(sa.select(sa.func.count(ContentUse.id))),
        )


def only_asset(app) -> ContentAsset:
    from portal.extensions import db

    with app.app_context():
        return db.session.scalar(sa.select(ContentAsset))


@pytest.fixture
def s3_app(app_factory, s3_endpoint, bucket, tmp_path):
    app = app_factory(**s3_settings(s3_endpoint, bucket, tmp_path))
    add_people(app)
    return app


# Uploads and downloads ---------------------------------------------------------------------


def test_upload_on_the_manager_page_lands_in_the_bucket_with_its_type(s3_app, s3, bucket, tmp_path):
    response = post_new(signed_in(s3_app, MANAGER), "../Team photo <1>.png", PNG)
    assert response.status_code == 302
    asset = only_asset(s3_app)
    assert asset.file_name == "Team-photo-1-.png" and asset.file_type == "image/png"
    assert asset.file_key.endswith(".png") and "photo" not in asset.file_key
    name = f"portal/files/content/{asset.file_key}"
    assert keys(s3, bucket) == [name]
    head = s3.head_object(Bucket=bucket, Key=name)
    assert head["ContentType"] == "image/png" and head["ContentDisposition"] == "attachment"
    assert s3.get_object(Bucket=bucket, Key=name)["Body"].read() == PNG
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]  # nothing on local disk
    with s3_app.app_context():
        assert storage.current().exists(storage_key(asset.file_key))
        assert not storage.current().exists("content/none.png")


def test_requester_download_streams_from_the_bucket_as_an_attachment(s3_app):
    assert post_new(signed_in(s3_app, MANAGER), "Nordbank story.pdf", PDF).status_code == 302
    asset_id = only_asset(s3_app).id

    response = download(signed_in(s3_app, REQUESTER), asset_id)
    assert response.status_code == 200
    assert response.data == PDF and response.content_length == len(PDF)
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == "attachment; filename=Nordbank-story.pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    response.close()
    assert counts(s3_app) == (1, 1)  # the download is a logged use

    staff = signed_in(s3_app, MANAGER).get(f"/program/content/{asset_id}/file")
    assert staff.status_code == 200 and staff.data == PDF
    assert staff.headers["Content-Disposition"].startswith("attachment;")
    staff.close()
    assert counts(s3_app) == (1, 1)  # the program team's look is not a use


@pytest.mark.parametrize(
    ("name", "content", "why"),
    [
        ("story.html", b"<html><script>alert(1)</script>", "Upload a PDF or an image"),
        ("story.pdf", b"<html><script>alert(1)</script>", "not a PDF file"),
        ("photo.png", PDF, "not a PNG file"),
        ("big.pdf", PDF + b"x" * 4096, "larger than"),
    ],
)
def test_refused_upload_writes_nothing_to_the_bucket_or_the_database(
    app_factory, s3_endpoint, s3, bucket, tmp_path, name, content, why
):
    app = app_factory(**s3_settings(s3_endpoint, bucket, tmp_path), CONTENT_MAX_UPLOAD_BYTES=2048)
    add_people(app)
    response = post_new(signed_in(app, MANAGER), name, content)
    assert response.status_code == 422
    assert why in response.get_data(as_text=True)
    assert keys(s3, bucket) == []
    assert counts(app) == (0, 0)


# Storage down or incomplete ----------------------------------------------------------------


def test_upload_to_a_missing_bucket_is_refused_with_a_clear_message(
    app_factory, s3_endpoint, s3, tmp_path
):
    app = app_factory(**s3_settings(s3_endpoint, "portal-no-such-bucket", tmp_path))
    add_people(app)
    response = post_new(signed_in(app, MANAGER), "story.pdf", PDF)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "could not be stored just now, so nothing was saved" in page
    assert counts(app) == (0, 0)
    from portal.extensions import db

    with app.app_context():
        content_events = (
            sa.select(AuditEvent).where(AuditEvent.action.like("content.%")).order_by(AuditEvent.id)
        )
        assert db.session.scalars(content_events).all() == []


def test_storage_down_refuses_uploads_and_downloads_and_logs_no_use(aws_env, app_factory, tmp_path):
    server = _start_server()
    endpoint = _endpoint(server)
    _client(endpoint).create_bucket(Bucket="portal-down")
    app = app_factory(**s3_settings(endpoint, "portal-down", tmp_path))
    add_people(app)
    manager = signed_in(app, MANAGER)
    assert post_new(manager, "story.pdf", PDF).status_code == 302
    asset_id = only_asset(app).id
    server.stop()

    refused = post_new(manager, "second.pdf", PDF)
    assert refused.status_code == 422
    assert "could not be stored just now" in refused.get_data(as_text=True)
    requester = signed_in(app, REQUESTER)
    answer = download(requester, asset_id)
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith(f"/content/{asset_id}")
    page = requester.get(answer.headers["Location"]).get_data(as_text=True)
    assert "can&#39;t be fetched just now. Nothing was logged" in page
    assert counts(app) == (1, 0)
    assert manager.get(f"/program/content/{asset_id}/file").status_code == 503


def test_file_gone_from_the_bucket_is_not_a_use(s3_app, s3, bucket):
    assert post_new(signed_in(s3_app, MANAGER), "story.pdf", PDF).status_code == 302
    asset = only_asset(s3_app)
    s3.delete_object(Bucket=bucket, Key=f"portal/files/content/{asset.file_key}")

    requester = signed_in(s3_app, REQUESTER)
    answer = download(requester, asset.id)
    assert answer.status_code == 302
    page = requester.get(answer.headers["Location"]).get_data(as_text=True)
    assert "missing from storage" in page
    assert counts(s3_app) == (1, 0)
    assert signed_in(s3_app, MANAGER).get(f"/program/content/{asset.id}/file").status_code == 404


# The stored file follows its transaction ---------------------------------------------------


def test_file_of_a_transaction_that_does_not_commit_is_deleted(s3_app, s3, bucket):
    from portal.extensions import db

    with s3_app.app_context():
        manager = db.session.scalar(sa.select(User).where(User.email == MANAGER))
        create_asset(manager, asset_data(url=""), Upload("a.pdf", PDF))
        assert len(keys(s3, bucket)) == 1  # put before the row is committed
        db.session.rollback()
        assert keys(s3, bucket) == []

        kept = create_asset(manager, asset_data(url=""), Upload("b.pdf", PDF))
        db.session.commit()
        db.session.rollback()  # a later transaction's end leaves a committed file alone
        assert keys(s3, bucket) == [f"portal/files/content/{kept.file_key}"]


def test_file_is_deleted_when_the_commit_fails(s3_app, s3, bucket):
    from portal.extensions import db

    with s3_app.app_context():
        manager = db.session.scalar(sa.select(User).where(User.email == MANAGER))
        create_asset(manager, asset_data(url=""), Upload("a.pdf", PDF))
        # A row the database refuses makes the whole commit fail.
        db.session.add(ContentAsset(kind="video", title="Broken", use_limit=0))
        with pytest.raises(sa.exc.IntegrityError):
            db.session.commit()
        db.session.rollback()
        assert keys(s3, bucket) == []
    assert counts(s3_app) == (0, 0)


# Settings ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("settings", "why"),
    [
        ({"STORAGE_URL": "ftp://files.example.com/x"}, "is not supported"),
        ({"STORAGE_URL": "s3://"}, "names no bucket"),
        ({"STORAGE_URL": "s3:///prefix"}, "names no bucket"),
        ({"STORAGE_URL": "s3://Bad_Bucket"}, "is not a bucket name"),
        ({"STORAGE_URL": "s3://bucket/../up"}, "the prefix may hold"),
        ({"STORAGE_URL": "s3://bucket", "S3_ENDPOINT_URL": "minio:9000"}, "http:// or https://"),
        ({"S3_ENDPOINT_URL": "http://minio:9000"}, "PORTAL_STORAGE_URL is not"),
    ],
)
def test_bad_storage_settings_stop_the_app_at_start(database_url, settings, why):
    with pytest.raises(storage.StorageConfigError, match=why):
        make_app(database_url, **settings)


def test_storage_url_with_credentials_is_refused_without_echoing_them(database_url):
    with pytest.raises(storage.StorageConfigError) as refused:
        make_app(database_url, STORAGE_URL="s3://AKIAEXAMPLE:s3cr3t@bucket/x")
    assert "s3cr3t" not in str(refused.value) and "AWS_ACCESS_KEY_ID" in str(refused.value)


def test_storage_settings_are_read_from_the_environment(database_url, monkeypatch):
    monkeypatch.setenv("PORTAL_STORAGE_URL", "ftp://x")
    with pytest.raises(storage.StorageConfigError, match="PORTAL_STORAGE_URL 'ftp://x'"):
        make_app(database_url)
    # A good setting builds the app without reaching the service (nothing listens there).
    monkeypatch.setenv("PORTAL_STORAGE_URL", "s3://portal-files/prod")
    monkeypatch.setenv("PORTAL_S3_ENDPOINT_URL", "http://127.0.0.1:9")
    app = make_app(database_url)
    with app.app_context():
        found = storage.current()
    assert isinstance(found, storage.S3Storage)
    assert (found.bucket, found.prefix, found.name("content/a.pdf")) == (
        "portal-files",
        "prod",
        "prod/content/a.pdf",
    )


def test_local_folder_is_the_default_and_keeps_keys_inside_it(app, tmp_path):
    with app.app_context():
        assert isinstance(storage.current(), storage.LocalStorage)
    local = storage.LocalStorage(tmp_path)
    local.put("content/a.pdf", PDF, "application/pdf")
    assert local.exists("content/a.pdf") and (tmp_path / "content" / "a.pdf").read_bytes() == PDF
    opened = local.open("content/a.pdf")
    with opened.stream:
        assert opened.stream.read() == PDF and opened.size == len(PDF)
    local.delete("content/a.pdf")
    assert not local.exists("content/a.pdf")
    with pytest.raises(storage.StoredFileMissing):
        local.open("content/a.pdf")
    for key in ("../secret", "content/../../etc/passwd", "/etc/passwd", ".hidden", ""):
        with pytest.raises(ValueError, match="Not a storage key"):
            local.put(key, PDF, "application/pdf")
