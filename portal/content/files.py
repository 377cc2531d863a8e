"""The library's files: uploads checked by content, stored under a key of ours, and opened
to send."""

from __future__ import annotations

import io
import os
import re
import secrets
import shutil
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask import current_app

from portal.content import storage
from portal.content.models import ContentAsset
from portal.errors import DomainError, NotFound, ValidationFailed
from portal.extensions import db

DEFAULT_MAX_UPLOAD_BYTES = 10 * 1024 * 1024


class FileUnavailable(DomainError):
    """The file storage could not store or hand back a file: 503."""

    status = 503
    code = "storage_unavailable"


class FileMissing(FileUnavailable):
    """The asset names a file that is not in the storage: 404."""

    status = 404
    code = "file_missing"


# Extension -> (stored type, test of the first bytes). Anything else is refused.
_PDF = ("application/pdf", lambda head: head.startswith(b"%PDF-"))
_PNG = ("image/png", lambda head: head.startswith(b"\x89PNG\r\n\x1a\n"))
_JPEG = ("image/jpeg", lambda head: head.startswith(b"\xff\xd8\xff"))
_GIF = ("image/gif", lambda head: head[:6] in (b"GIF87a", b"GIF89a"))
_WEBP = ("image/webp", lambda head: head[:4] == b"RIFF" and head[8:12] == b"WEBP")
FILE_TYPES = {".pdf": _PDF, ".png": _PNG, ".jpg": _JPEG, ".jpeg": _JPEG, ".gif": _GIF}
FILE_TYPES[".webp"] = _WEBP


SPOOL_BYTES = 512 * 1024  # an upload copied aside stays in memory up to this, then on disk


@dataclass(frozen=True)
class Upload:
    """A file as received: the name the browser sent (never trusted) and its content, as bytes
    or as a seekable file (an upload is never read into memory whole)."""

    filename: str
    data: bytes | BinaryIO

    def file(self) -> BinaryIO:
        """The content from its start, to read or copy in chunks."""
        if isinstance(self.data, bytes):
            return io.BytesIO(self.data)
        self.data.seek(0)
        return self.data

    def size(self) -> int:
        if isinstance(self.data, bytes):
            return len(self.data)
        return self.data.seek(0, os.SEEK_END)

    def head(self, count: int = 16) -> bytes:
        return self.file().read(count)


def max_upload_bytes() -> int:
    return int(current_app.config.get("CONTENT_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES))


def read_upload(storage) -> Upload | None:
    """A werkzeug FileStorage as an Upload: its own spooled file when seekable, else a copy
    of at most one byte past the limit, made in chunks."""
    if storage is None or not getattr(storage, "filename", ""):
        return None
    stream = storage.stream
    if not (hasattr(stream, "seekable") and stream.seekable()):
        # Closed with the upload (by the request's end, as werkzeug closes request.files).
        copy = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
        shutil.copyfileobj(_Bounded(stream, max_upload_bytes() + 1), copy)
        storage.stream = stream = copy
    return Upload(storage.filename, stream)


class _Bounded:
    """A read-only view of a stream that ends after `left` bytes."""

    def __init__(self, stream: BinaryIO, left: int) -> None:
        self.stream = stream
        self.left = left

    def read(self, size: int = -1) -> bytes:
        size = self.left if size < 0 else min(size, self.left)
        chunk = self.stream.read(size) if size else b""
        self.left -= len(chunk)
        return chunk


def safe_name(filename: str) -> str:
    """A display and download name from the sent name: ASCII letters, digits, dot, dash."""
    name = unicodedata.normalize("NFKD", Path(filename.replace("\\", "/")).name)
    name = name.encode("ascii", "ignore").decode()
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip(".-")
    return (name or "file")[:120]


def check_upload(upload: Upload) -> tuple[str, str]:
    """(extension, type) of an acceptable upload, or ValidationFailed naming `file`."""
    ext = Path(safe_name(upload.filename)).suffix.lower()
    if ext not in FILE_TYPES:
        raise ValidationFailed(
            "file: Upload a PDF or an image (PNG, JPEG, GIF, WebP).",
            field="file",
        )
    limit = max_upload_bytes()
    size = upload.size()
    if size > limit:
        raise ValidationFailed(
            f"file: The file is larger than {limit // (1024 * 1024) or 1} MB.", field="file"
        )
    if not size:
        raise ValidationFailed("file: The file is empty.", field="file")
    mime, looks_right = FILE_TYPES[ext]
    if not looks_right(upload.head(16)):
        raise ValidationFailed(
            f"file: The file's content is not a {ext[1:].upper()} file.", field="file"
        )
    return ext, mime


def storage_key(file_key: str) -> str:
    """Where an asset's file is in the storage: the library's own part of it."""
    return f"content/{file_key}"


def store_upload(upload: Upload) -> dict:
    """Check the upload, then store it under a new key of ours, tied to this transaction.

    Only a checked file reaches the storage; if the storage fails nothing is written, and if
    the transaction does not commit the stored file is deleted again (see `storage`).
    """
    ext, mime = check_upload(upload)
    key = secrets.token_hex(16) + ext
    try:
        storage.put_in_transaction(db.session, storage_key(key), upload.file(), mime)
    except storage.StorageError as error:
        current_app.logger.error("Upload not stored: %s", error)
        raise FileUnavailable(
            "The file could not be stored just now, so nothing was saved. "
            "Try again in a few minutes.",
            field="file",
        ) from error
    return {
        "file_key": key,
        "file_name": safe_name(upload.filename),
        "file_type": mime,
        "file_size": upload.size(),
    }


def open_file(asset: ContentAsset) -> storage.StoredFile:
    """The asset's stored file, opened to send; FileUnavailable when it can't be read."""
    if not asset.file_key:
        raise NotFound("This asset has no file.")
    try:
        return storage.current().open(storage_key(asset.file_key))
    except storage.StoredFileMissing as error:
        current_app.logger.error("Content %s: its file is missing: %s", asset.id, error)
        raise FileMissing(
            "The file is missing from storage. Nothing was logged; please tell the program team."
        ) from error
    except storage.StorageError as error:
        current_app.logger.error("Content %s: its file can't be read: %s", asset.id, error)
        raise FileUnavailable(
            "The file can't be fetched just now. Nothing was logged; try again in a few minutes."
        ) from error
