"""Where uploaded files live: a folder on disk (the default) or an S3-compatible bucket.

Configuration (read once, when the app is built; a bad value stops the app at start):

- `PORTAL_STORAGE_URL`: unset for the local folder `PORTAL_UPLOAD_DIR`; `s3://bucket/prefix`
  for a bucket (AWS S3, MinIO, Ceph, Cloudflare R2, ...). The prefix is optional.
- `PORTAL_S3_ENDPOINT_URL`: the service's address when it is not AWS
  (`http://minio:9000`); path-style addressing is then used, which every such service reads,
  and checksums are sent only where S3 requires them.
- `PORTAL_S3_REGION`: the bucket's region; otherwise boto3's usual chain decides.
- Credentials are never in these settings: boto3 reads its standard chain
  (`AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`, `AWS_PROFILE`, an instance or pod role).

Both back ends lay files out alike (`<root>/content/<key>`), so a folder can be copied into a
bucket as it is. Keys are ours (never an uploaded name). Files are only ever read through the
app, so access checks and use logging stay in one place: no public or presigned URLs.

Objects put while a database transaction is open are tied to it (`put_in_transaction`): kept
when it commits, deleted (best effort) when it rolls back or fails, so no file outlives a row
that was never written.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol
from urllib.parse import urlsplit

import boto3
import sqlalchemy as sa
from botocore.config import Config as BotoConfig
from botocore.exceptions import BotoCoreError, ClientError
from flask import Flask, current_app
from sqlalchemy.orm import Session, scoped_session

log = logging.getLogger(__name__)

EXTENSION = "portal.storage"
PENDING = "portal.storage.pending"  # session.info: objects put in the open transaction
# Our keys: path segments of letters, digits, dot, dash, underscore, never starting with a dot.
_KEY = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}(/[A-Za-z0-9_-][A-Za-z0-9._-]{0,127})*")
# S3's bucket naming rule (also what MinIO, Ceph and R2 accept).
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_MISSING_CODES = {"NoSuchKey", "404", "NotFound"}


class StorageError(Exception):
    """The storage could not do what was asked (down, refused, misconfigured bucket)."""


class StoredFileMissing(StorageError):
    """No object under that key."""


class StorageConfigError(ValueError):
    """The storage settings can't work; raised while the app is built."""


@dataclass
class StoredFile:
    """An object opened for reading: a stream to copy out (close it) and its size if known."""

    stream: BinaryIO
    size: int | None


class Storage(Protocol):
    def put(self, key: str, data: bytes | BinaryIO, content_type: str) -> None: ...
    def open(self, key: str) -> StoredFile: ...
    def exists(self, key: str) -> bool: ...
    def delete(self, key: str) -> None: ...


def check_key(key: str) -> str:
    """The key if it is one of ours; keys reach paths and object names, so nothing else may."""
    if not _KEY.fullmatch(key or ""):
        raise ValueError(f"Not a storage key: {key!r}")
    return key


# Local folder ------------------------------------------------------------------------------


class LocalStorage:
    """Files under a folder on this machine: what one app server needs, and the default."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def put(self, key: str, data: bytes | BinaryIO, content_type: str) -> None:
        """Write through a temporary file and rename, so a reader never sees half a file.

        `data` is bytes or a file read from where it stands, copied in chunks."""
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
            try:
                with os.fdopen(fd, "wb") as handle:
                    if isinstance(data, bytes):
                        handle.write(data)
                    else:
                        shutil.copyfileobj(data, handle)
                os.replace(tmp, path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
        except OSError as error:
            raise StorageError(f"Can't write {path}: {error.strerror or error}") from error

    def open(self, key: str) -> StoredFile:
        path = self._path(key)
        try:
            handle = path.open("rb")
        except FileNotFoundError as error:
            raise StoredFileMissing(f"No file {path}") from error
        except OSError as error:
            raise StorageError(f"Can't read {path}: {error.strerror or error}") from error
        return StoredFile(handle, os.fstat(handle.fileno()).st_size)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        try:
            self._path(key).unlink(missing_ok=True)
        except OSError as error:
            raise StorageError(f"Can't delete {key}: {error.strerror or error}") from error


# S3-compatible bucket ----------------------------------------------------------------------


class S3Storage:
    """Objects in an S3-compatible bucket under an optional prefix.

    The client is made on first use, not when the app is built: no network at start-up, and
    each process after a fork (gunicorn workers) gets a client of its own.
    """

    # Fail in seconds, not minutes, when the service is down: a person is waiting on a form.
    CLIENT_CONFIG = BotoConfig(
        connect_timeout=5,
        read_timeout=30,
        retries={"max_attempts": 3, "mode": "standard"},
    )

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        endpoint_url: str | None = None,
        region: str | None = None,
    ) -> None:
        self.bucket = bucket
        self.prefix = prefix
        self.endpoint_url = endpoint_url
        self.region = region
        self._client = None
        self._lock = threading.Lock()

    def client(self):
        with self._lock:
            if self._client is None:
                self._client = boto3.session.Session().client(
                    "s3",
                    endpoint_url=self.endpoint_url,
                    region_name=self.region,
                    config=self.CLIENT_CONFIG.merge(self._compatible()),
                )
            return self._client

    def _compatible(self) -> BotoConfig:
        """For services other than AWS: path-style addresses (no bucket.host DNS names) and
        checksums only where S3 requires them (several services refuse boto3's newer default).
        """
        if not self.endpoint_url:
            return BotoConfig()
        return BotoConfig(
            s3={"addressing_style": "path"},
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        )

    def name(self, key: str) -> str:
        """The object's name in the bucket."""
        key = check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def _where(self, key: str) -> str:
        return f"s3://{self.bucket}/{self.name(key)}"

    def put(self, key: str, data: bytes | BinaryIO, content_type: str) -> None:
        """Store with its type and as an attachment, should the object ever be reached directly.

        A file (seekable) is sent as the body in chunks by botocore, never read whole."""
        try:
            self.client().put_object(
                Bucket=self.bucket,
                Key=self.name(key),
                Body=data,
                ContentType=content_type,
                ContentDisposition="attachment",
            )
        except (BotoCoreError, ClientError) as error:
            raise StorageError(f"Can't put {self._where(key)}: {error}") from error

    def open(self, key: str) -> StoredFile:
        try:
            answer = self.client().get_object(Bucket=self.bucket, Key=self.name(key))
        except ClientError as error:
            if _error_code(error) in _MISSING_CODES:
                raise StoredFileMissing(f"No object {self._where(key)}") from error
            raise StorageError(f"Can't get {self._where(key)}: {error}") from error
        except BotoCoreError as error:
            raise StorageError(f"Can't get {self._where(key)}: {error}") from error
        return StoredFile(answer["Body"], answer.get("ContentLength"))

    def exists(self, key: str) -> bool:
        try:
            self.client().head_object(Bucket=self.bucket, Key=self.name(key))
        except ClientError as error:
            if _error_code(error) in _MISSING_CODES:
                return False
            raise StorageError(f"Can't look up {self._where(key)}: {error}") from error
        except BotoCoreError as error:
            raise StorageError(f"Can't look up {self._where(key)}: {error}") from error
        return True

    def delete(self, key: str) -> None:
        try:
            self.client().delete_object(Bucket=self.bucket, Key=self.name(key))
        except (BotoCoreError, ClientError) as error:
            raise StorageError(f"Can't delete {self._where(key)}: {error}") from error


def _error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


# Configuration -----------------------------------------------------------------------------


def _s3_from_url(url: str, endpoint_url: str | None, region: str | None) -> S3Storage:
    parts = urlsplit(url)
    if "@" in parts.netloc:
        # Never echo the value: it holds a secret.
        raise StorageConfigError(
            "PORTAL_STORAGE_URL must not hold credentials; boto3 reads them from "
            "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or a profile or role)."
        )
    bucket = parts.netloc
    if not bucket:
        raise StorageConfigError(
            f"PORTAL_STORAGE_URL {url!r} names no bucket: write s3://bucket or s3://bucket/prefix."
        )
    if not _BUCKET.fullmatch(bucket) or ".." in bucket:
        raise StorageConfigError(
            f"PORTAL_STORAGE_URL: {bucket!r} is not a bucket name (3-63 lower-case letters, "
            "digits, dots and dashes)."
        )
    if parts.query or parts.fragment:
        raise StorageConfigError(
            f"PORTAL_STORAGE_URL {url!r}: write s3://bucket/prefix, without ? or #."
        )
    prefix = parts.path.strip("/")
    if prefix and not _KEY.fullmatch(prefix):
        raise StorageConfigError(
            f"PORTAL_STORAGE_URL {url!r}: the prefix may hold letters, digits, '.', '-', '_' "
            "and single slashes, and no part may start with a dot."
        )
    if endpoint_url:
        endpoint = urlsplit(endpoint_url)
        if endpoint.scheme not in ("http", "https") or not endpoint.hostname:
            raise StorageConfigError(
                f"PORTAL_S3_ENDPOINT_URL {endpoint_url!r} must be an http:// or https:// address."
            )
    return S3Storage(bucket, prefix, endpoint_url=endpoint_url, region=region)


def from_config(config) -> Storage:
    """The storage the settings ask for, or StorageConfigError saying what is wrong."""
    url = (config.get("STORAGE_URL") or "").strip()
    endpoint_url = (config.get("S3_ENDPOINT_URL") or "").strip() or None
    region = (config.get("S3_REGION") or "").strip() or None
    if not url:
        if endpoint_url or region:
            raise StorageConfigError(
                "PORTAL_S3_ENDPOINT_URL or PORTAL_S3_REGION is set but PORTAL_STORAGE_URL is "
                "not: set PORTAL_STORAGE_URL=s3://bucket/prefix, or unset both to keep files in "
                "PORTAL_UPLOAD_DIR."
            )
        return LocalStorage(config["UPLOAD_DIR"])
    scheme = urlsplit(url).scheme.lower()
    if scheme != "s3":
        raise StorageConfigError(
            f"PORTAL_STORAGE_URL {url!r} is not supported: use s3://bucket/prefix for "
            "S3-compatible storage, or leave it unset for the folder PORTAL_UPLOAD_DIR."
        )
    return _s3_from_url(url, endpoint_url, region)


def init_app(app: Flask) -> None:
    """Build the app's storage from its settings (no network); once per app."""
    if EXTENSION not in app.extensions:
        app.extensions[EXTENSION] = from_config(app.config)


def current() -> Storage:
    """The running app's storage."""
    try:
        return current_app.extensions[EXTENSION]
    except KeyError:
        raise RuntimeError("The storage is not set up: call storage.init_app(app).") from None


# Tying objects to the database transaction -------------------------------------------------


def put_in_transaction(
    session: Session | scoped_session, key: str, data: bytes | BinaryIO, content_type: str
) -> None:
    """Put an object that a row written in `session`'s transaction will name.

    If that transaction does not commit (refused later, rolled back, its commit failed, the
    session closed), the object is deleted again: a file never outlives a row never written.
    """
    if isinstance(session, scoped_session):
        session = session()
    store = current()
    _listen(type(session))
    if not session.in_transaction():
        session.begin()  # so that its end, commit or not, is seen
    store.put(key, data, content_type)
    _note(session, store, key, "put")


def delete_after_commit(session: Session | scoped_session, key: str) -> None:
    """Delete an object once `session`'s transaction commits (a file replaced or no longer
    named by any row); if it does not commit, the object stays."""
    if isinstance(session, scoped_session):
        session = session()
    _listen(type(session))
    if not session.in_transaction():
        session.begin()
    _note(session, current(), key, "delete")


def _note(session: Session, store: Storage, key: str, action: str) -> None:
    # Noted against the innermost transaction: a savepoint that rolls back takes its own.
    owner = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(PENDING, []).append((store, key, owner, action))


def _delete(store: Storage, key: str, why: str) -> None:
    try:
        store.delete(key)
    except StorageError:
        log.warning("Left an orphaned stored file %s (%s)", key, why)


def _listen(session_class: type[Session]) -> None:
    """Installed once per session class (as `database.listen_to_flushes` does)."""
    for name, fn in (("after_commit", _keep), ("after_transaction_end", _discard)):
        if not sa.event.contains(session_class, name, fn):
            sa.event.listen(session_class, name, fn)


def _keep(session) -> None:
    """Committed: the rows now name the objects put, and no longer those to delete. A released
    savepoint hands its notes to the enclosing transaction, whose own end decides."""
    nested = session.get_nested_transaction()
    pending = session.info.get(PENDING, [])
    if nested is None:
        session.info.pop(PENDING, None)
        for store, key, _, action in pending:
            if action == "delete":
                _delete(store, key, "replaced, but its delete failed")
        return
    session.info[PENDING] = [
        (store, key, nested.parent if owner is nested else owner, action)
        for store, key, owner, action in pending
    ]


def _discard(session, transaction) -> None:
    """A transaction (or savepoint) ended without a commit: delete the objects it put (best
    effort) and keep those it meant to delete."""
    pending = session.info.get(PENDING, [])
    ended = [(store, key, action) for store, key, owner, action in pending if owner is transaction]
    if not ended:
        return
    session.info[PENDING] = [entry for entry in pending if entry[2] is not transaction]
    for store, key, action in ended:
        if action == "put":
            _delete(store, key, "its row was not written")
