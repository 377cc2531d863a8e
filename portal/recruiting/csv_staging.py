"""Import previews waiting for confirmation: a checked file kept until its uploader confirms it."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import NamedTuple

import sqlalchemy as sa

from portal.csvio import CsvFileError
from portal.database import now_utc
from portal.extensions import db
from portal.recruiting.csv_import import KINDS
from portal.recruiting.models import ImportPreview

PREVIEW_KEEP = dt.timedelta(days=1)


def stage_preview(actor, kind: str, data: bytes) -> str:
    """Keep a checked file until `actor` confirms it; the token the confirmation names.

    In the database, so any app server can take the confirmation. Previews nobody confirmed
    for a day are forgotten here. The caller commits.
    """
    if kind not in KINDS:
        raise CsvFileError(f"Import kind must be one of: {', '.join(KINDS)}.", field="kind")
    db.session.execute(
        sa.delete(ImportPreview).where(ImportPreview.created_at < now_utc() - PREVIEW_KEEP)
    )
    token = secrets.token_urlsafe(32)
    db.session.add(ImportPreview(token=token, user_id=actor.id, kind=kind, data=data))
    return token


class Preview(NamedTuple):
    kind: str
    data: bytes


def take_preview(actor, token: str | None) -> Preview | None:
    """`actor`'s own preview under `token`, at most a day old, taken: deleted in this
    transaction by a conditional DELETE, so two confirmations can't both import it. None when
    there is no such preview (used, expired, someone else's). The caller commits."""
    if not token or len(token) > 64:
        return None
    found = db.session.execute(
        sa.select(ImportPreview.id, ImportPreview.kind, ImportPreview.data).where(
            ImportPreview.token == token,
            ImportPreview.user_id == actor.id,
            ImportPreview.created_at >= now_utc() - PREVIEW_KEEP,
        )
    ).one_or_none()
    if found is None:
        return None
    taken = db.session.execute(sa.delete(ImportPreview).where(ImportPreview.id == found.id))
    return Preview(found.kind, found.data) if taken.rowcount == 1 else None
