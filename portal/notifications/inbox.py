"""The demo inbox: with no SMTP host, console delivery also keeps each e-mail as a .eml file in
`PORTAL_CONSOLE_MAIL_DIR` (default `instance/mail`), and administrators read them in the portal.

The kept messages carry live sign-in and answer links meant for other people, so the inbox
exists only while console delivery is in use (with an SMTP host nothing is kept and every page
answers 404), only administrators see it, and every look at a message is audited. File names
come from the folder's own listing and must match `FILE_NAME`: nothing a visitor sends ever
becomes a path.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesHeaderParser, BytesParser
from pathlib import Path

from flask import current_app

from portal.audit import service as audit
from portal.auth.permissions import demand
from portal.database import parse_id
from portal.errors import NotFound
from portal.extensions import db
from portal.notifications.models import OutboxMessage

# <UTC time to the microsecond>Z-<outbox id>-<8 random hex digits>.eml; sorts by time.
FILE_NAME = re.compile(r"\A\d{8}T\d{12}Z-\d{1,18}-[0-9a-f]{8}\.eml\Z")
LIST_LIMIT = 200  # the newest messages listed; older ones stay in the folder
_PARSE_LIMIT = 10 * 1024 * 1024  # a kept message larger than this is not opened


@dataclass
class InboxEntry:
    """One kept message as the list shows it."""

    name: str
    to: str
    subject: str
    at: dt.datetime


@dataclass
class InboxMessage:
    """One kept message opened: its headers, text and HTML parts, and its attachments."""

    name: str
    to: str
    sender: str
    subject: str
    at: dt.datetime
    outbox_id: int | None
    text: str | None
    html: str | None
    attachments: list[dict] = field(default_factory=list)


def console_delivery() -> bool:
    """True while e-mail is printed instead of sent (no SMTP host configured)."""
    return not current_app.config.get("SMTP_HOST")


def mail_dir() -> Path | None:
    """The folder console delivery keeps messages in, or None when it keeps none."""
    if not console_delivery():
        return None
    folder = current_app.config.get("CONSOLE_MAIL_DIR")
    return Path(folder) if folder else None


def clear_console_mail() -> int:
    """Delete the kept console messages (seed-demo --reset); returns how many were deleted."""
    folder = mail_dir()
    if folder is None or not folder.is_dir():
        return 0
    deleted = 0
    for path in folder.iterdir():
        if path.is_file() and (path.suffix == ".eml" or path.name.endswith(".eml.part")):
            path.unlink(missing_ok=True)
            deleted += path.suffix == ".eml"
    return deleted


def keep_console_copy(mail: EmailMessage, outbox_id: int | None) -> str | None:
    """Write a delivered console message to the inbox folder; returns the file name, or None
    when nothing is kept (an SMTP host is set, or no folder)."""
    folder = mail_dir()
    if folder is None:
        return None
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    name = f"{stamp}-{int(outbox_id or 0)}-{secrets.token_hex(4)}.eml"
    partial = folder / f".{name}.part"  # not a listed name until it is complete
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(mail.as_bytes())
    os.replace(partial, folder / name)
    return name


def _check(actor) -> Path | None:
    """The folder, after the gate: 404 unless console delivery is in use, 403 for non-admins."""
    if not console_delivery():
        raise NotFound("No such page.")
    demand(actor, "users.manage", "Only administrators may read the demo inbox.")
    return mail_dir()


def _names(folder: Path | None) -> list[str]:
    """The kept messages' file names, newest first: the only names a page may open."""
    if folder is None or not folder.is_dir():
        return []
    with os.scandir(folder) as entries:  # regular files only: a link is never followed
        names = [
            entry.name
            for entry in entries
            if FILE_NAME.match(entry.name) and entry.is_file(follow_symlinks=False)
        ]
    return sorted(names, reverse=True)


def _when(name: str) -> dt.datetime:
    return dt.datetime.strptime(name[:22], "%Y%m%dT%H%M%S%fZ").replace(tzinfo=dt.UTC)


def list_messages(actor) -> tuple[list[InboxEntry], int]:
    """The newest kept messages (at most LIST_LIMIT) and how many there are in all."""
    folder = _check(actor)
    names = _names(folder)
    entries = []
    for name in names[:LIST_LIMIT]:
        with _open(folder / name) as handle:
            headers = BytesHeaderParser(policy=policy.default).parse(handle)
        entries.append(
            InboxEntry(name, str(headers["To"] or ""), str(headers["Subject"] or ""), _when(name))
        )
    return entries, len(names)


def _path_of(actor, name: str) -> Path:
    folder = _check(actor)
    if not FILE_NAME.match(name or "") or name not in _names(folder):
        raise NotFound("No such message in the demo inbox.")
    return folder / name


def _open(path: Path):
    """A kept file for reading, never through a symbolic link put there since the listing."""
    return os.fdopen(os.open(path, os.O_RDONLY | os.O_NOFOLLOW), "rb")


def _parse(path: Path) -> EmailMessage:
    with _open(path) as handle:
        if os.fstat(handle.fileno()).st_size > _PARSE_LIMIT:
            raise NotFound("This message is too large to show here.")
        return BytesParser(policy=policy.default).parse(handle)


def _outbox_row(mail: EmailMessage) -> OutboxMessage | None:
    value = str(mail["X-Portal-Message"] or "").strip()
    found = parse_id(value)
    return db.session.get(OutboxMessage, found) if found is not None else None


class _KeptFile:
    """What the audit event names when the outbox row of a kept message is gone (a reset)."""

    __tablename__ = OutboxMessage.__tablename__

    def __init__(self) -> None:
        self.id = None


def _audit_look(actor, action: str, name: str, mail: EmailMessage, data: dict) -> None:
    row = _outbox_row(mail)
    entity = row if row is not None else _KeptFile()
    details = {"file": name, "to": str(mail["To"] or ""), **data}
    if row is not None:
        details["template"] = row.template
    audit.record(actor, action, entity, details)


def _part_text(part) -> str | None:
    if part is None:
        return None
    try:
        return part.get_content()
    except (LookupError, ValueError):  # an unknown charset: show what can be read
        return part.get_payload(decode=True).decode("utf-8", errors="replace")


def _attachments(mail: EmailMessage) -> list[dict]:
    found = []
    for index, part in enumerate(mail.iter_attachments()):
        filename = part.get_filename() or f"attachment-{index + 1}"
        is_ics = part.get_content_type() == "text/calendar" or filename.lower().endswith(".ics")
        found.append({"index": index, "filename": filename, "content_type":
                      part.get_content_type(), "ics": is_ics})  # fmt: skip
    return found


def view_message(actor, name: str) -> InboxMessage:
    """One kept message, opened for an administrator; each look is audited, as it holds
    personal data and live links."""
    path = _path_of(actor, name)
    mail = _parse(path)
    _audit_look(actor, "outbox.inbox_message_viewed", name, mail, {})
    row_id = str(mail["X-Portal-Message"] or "").strip()
    return InboxMessage(
        name=name,
        to=str(mail["To"] or ""),
        sender=str(mail["From"] or ""),
        subject=str(mail["Subject"] or ""),
        at=_when(name),
        outbox_id=parse_id(row_id),
        text=_part_text(mail.get_body(preferencelist=("plain",))),
        html=_part_text(mail.get_body(preferencelist=("html",))),
        attachments=_attachments(mail),
    )


def calendar_attachment(actor, name: str, index: int) -> tuple[str, bytes]:
    """A kept message's .ics attachment (its file name and bytes); the download is audited."""
    path = _path_of(actor, name)
    mail = _parse(path)
    attachments = list(mail.iter_attachments())
    found = _attachments(mail)
    if not 0 <= index < len(found) or not found[index]["ics"]:
        raise NotFound("No such calendar attachment.")
    _audit_look(actor, "outbox.inbox_attachment_downloaded", name, mail,
                {"attachment": found[index]["filename"]})  # fmt: skip
    payload = attachments[index].get_payload(decode=True) or b""
    return found[index]["filename"], payload
