"""The e-mail and team-chat transports (the sender picks one by the message's `kind`).

E-mail goes over SMTP (`PORTAL_SMTP_HOST/PORT/USER/PASSWORD/TLS`, `PORTAL_MAIL_FROM`); without a
host it is printed to standard output and kept in `PORTAL_CONSOLE_MAIL_DIR` for the Demo inbox
page (development, demos). With `PORTAL_SMTP_TLS` = `ssl` or `starttls`
the server's certificate and host name are always verified (against `PORTAL_SMTP_CA_FILE` when
set, else the system's CAs), and nothing is ever sent in plain text instead. Team chat is a JSON
POST to a Slack or Microsoft Teams incoming-webhook URL. Every network call has a timeout. Errors
are sorted into `TransientDeliveryError` (retry later) and `PermanentDeliveryError` (fail now,
with the reason).
"""

from __future__ import annotations

import functools
import ipaddress
import json
import smtplib
import ssl
import sys
from email import policy
from email.message import EmailMessage
from email.utils import getaddresses, make_msgid
from typing import TYPE_CHECKING

from flask import current_app

from portal.auth.links import fill_link_refs
from portal.i18n import supported
from portal.notifications.inbox import keep_console_copy
from portal.notifications.transport import (
    PermanentDeliveryError,
    TransientDeliveryError,
    post,
    refusal,
    transport,
)
from portal.program.policy import mail_from

if TYPE_CHECKING:
    from portal.notifications.models import OutboxMessage

SMTP_TLS_MODES = ("none", "starttls", "ssl")
# Reply codes that will not change by retrying (RFC 5321 5xx, apart from a few that mean
# "busy" in practice).
_RETRYABLE_5XX = {552}


def _recipients(value: str) -> list[str]:
    addresses = [addr for _, addr in getaddresses([value]) if addr]
    if not addresses or any("@" not in addr for addr in addresses):
        raise PermanentDeliveryError(f"Not an e-mail address: {value!r}.")
    return addresses


def build_email(message: OutboxMessage, mail_from: str) -> EmailMessage:
    """The MIME message the sender delivers for an outbox row: plain text, an HTML alternative
    when there is one, then the attachments (an ICS keeps its `method=` parameter), with a
    `Content-Language` header for the language the message is written in.

    `policy.SMTP` refuses line breaks in header values, a second guard after the outbox's own
    check at queue time.
    """
    mail = EmailMessage(policy=policy.SMTP)
    try:
        mail["From"] = mail_from
        mail["To"] = message.recipient
        mail["Subject"] = message.subject
    except ValueError as error:  # a header with a line break, or one that cannot be encoded
        raise PermanentDeliveryError(f"Refused header: {error}") from error
    mail["Message-ID"] = make_msgid(domain=_domain_of(mail_from))
    if message.id is not None:
        mail["X-Portal-Message"] = str(message.id)
    refs = (message.meta or {}).get("links")  # the live links go in now, and only here
    signed: dict[str, str] = {}  # one token per link, the same in both parts
    mail.set_content(fill_link_refs(message.body_text, refs, signed=signed))
    if message.body_html:
        mail.add_alternative(fill_link_refs(message.body_html, refs, signed=signed), subtype="html")
    for attachment in message.attachments or []:
        _attach(mail, attachment)
    # The language it is written in (queue_email keeps one other than English in `meta`); last,
    # as setting the content drops the Content-* headers.
    mail["Content-Language"] = supported((message.meta or {}).get("locale")) or "en"
    return mail


def _domain_of(mail_from: str) -> str:
    addresses = getaddresses([mail_from])
    address = addresses[0][1] if addresses else ""
    return address.rpartition("@")[2] or "localhost"


def _attach(mail: EmailMessage, attachment: dict) -> None:
    content_type = attachment.get("content_type") or "application/octet-stream"
    main, _, rest = content_type.partition(";")
    maintype, _, subtype = main.strip().lower().partition("/")
    params = {}
    for part in rest.split(";"):
        name, sep, value = part.partition("=")
        if sep:
            params[name.strip().lower()] = value.strip().strip('"')
    content = attachment.get("content") or ""
    filename = attachment.get("filename") or "attachment"
    if maintype == "text":
        mail.add_attachment(
            content, subtype=subtype or "plain", filename=filename, params=params or None
        )
    else:
        data = content.encode() if isinstance(content, str) else bytes(content)
        mail.add_attachment(
            data, maintype=maintype or "application", subtype=subtype or "octet-stream",
            filename=filename, params=params or None,
        )  # fmt: skip


def deliver_email(message: OutboxMessage) -> str | None:
    config = current_app.config
    mail = build_email(message, mail_from())
    recipients = _recipients(message.recipient)
    if not config.get("SMTP_HOST"):
        sys.stdout.write(mail.as_string() + "\n")
        sys.stdout.flush()
        note = "printed (no PORTAL_SMTP_HOST)"
        try:  # and kept for the Demo inbox page (portal/notifications/inbox.py)
            kept = keep_console_copy(mail, message.id)
        except OSError as error:  # the copy is a convenience: the message was printed
            current_app.logger.warning("Demo inbox: message %s not kept: %s", message.id, error)
            return f"{note}; not kept in the demo inbox: {error}"
        return f"{note}; kept in the demo inbox as {kept}" if kept else note
    try:
        with _connect(config) as smtp:
            refused = smtp.send_message(
                mail, from_addr=_envelope_from(config["MAIL_FROM"]), to_addrs=recipients
            )
    except smtplib.SMTPRecipientsRefused as error:
        reasons = "; ".join(f"{addr}: {code} {_text(msg)}" for addr, (code, msg) in
                            error.recipients.items())  # fmt: skip
        if all(code >= 500 for code, _ in error.recipients.values()):
            raise PermanentDeliveryError(f"Recipient refused: {reasons}") from error
        raise TransientDeliveryError(f"Recipient deferred: {reasons}") from error
    except smtplib.SMTPAuthenticationError as error:  # the settings are wrong: fix, then it goes
        raise TransientDeliveryError(
            f"The mail server refused PORTAL_SMTP_USER/PASSWORD: {error.smtp_code} "
            f"{_text(error.smtp_error)}"
        ) from error
    except smtplib.SMTPResponseException as error:
        reason = f"{error.smtp_code} {_text(error.smtp_error)}"
        if error.smtp_code >= 500 and error.smtp_code not in _RETRYABLE_5XX:
            raise PermanentDeliveryError(f"Refused by the mail server: {reason}") from error
        raise TransientDeliveryError(f"Mail server busy: {reason}") from error
    except TimeoutError as error:
        raise TransientDeliveryError(
            f"Mail server timed out after {config['SMTP_TIMEOUT']:g} s"
        ) from error
    except ssl.SSLCertVerificationError as error:  # the settings or the server are wrong
        raise TransientDeliveryError(
            f"The mail server's certificate is not trusted ({error.verify_message}); for a "
            "private CA set PORTAL_SMTP_CA_FILE. Nothing was sent."
        ) from error
    except (smtplib.SMTPException, OSError) as error:
        raise TransientDeliveryError(
            f"Mail server unreachable: {type(error).__name__}: {error}"
        ) from error
    if refused:
        return "some recipients refused: " + ", ".join(sorted(refused))
    return None


def _text(value) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def _envelope_from(mail_from: str) -> str:
    addresses = getaddresses([mail_from])
    return addresses[0][1] if addresses and addresses[0][1] else mail_from


@functools.cache
def _tls_context(ca_file: str | None = None) -> ssl.SSLContext:
    """Certificate and host name verified against the system's CAs, or only the CAs in
    `ca_file`; built once per file (loading the system's CAs takes ~40 ms)."""
    return ssl.create_default_context(cafile=ca_file)


def _verifying_context(config) -> ssl.SSLContext:
    ca_file = config.get("SMTP_CA_FILE") or None
    try:
        return _tls_context(ca_file)
    except OSError as error:  # missing, unreadable, or not PEM certificates
        raise TransientDeliveryError(f"PORTAL_SMTP_CA_FILE can't be used: {error}") from error


def _starttls(smtp: smtplib.SMTP, context: ssl.SSLContext) -> None:
    """Switch to TLS or fail with the reason: never go on in plain text."""
    try:
        smtp.starttls(context=context)
    except smtplib.SMTPNotSupportedError as error:
        raise TransientDeliveryError(
            "The mail server does not offer STARTTLS (PORTAL_SMTP_TLS=starttls); nothing was "
            "sent in plain text."
        ) from error
    except smtplib.SMTPResponseException as error:
        raise TransientDeliveryError(
            f"The mail server refused STARTTLS: {error.smtp_code} {_text(error.smtp_error)}; "
            "nothing was sent in plain text."
        ) from error


def _loopback(host: str) -> bool:
    """A relay on this machine (no network between us), where plain text is acceptable."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _connect(config) -> smtplib.SMTP:
    host, port, timeout = config["SMTP_HOST"], config["SMTP_PORT"], config["SMTP_TIMEOUT"]
    mode = (config.get("SMTP_TLS") or "none").lower()
    if mode not in SMTP_TLS_MODES:  # a typo must not mean plain text
        raise TransientDeliveryError(
            f"PORTAL_SMTP_TLS must be one of {', '.join(SMTP_TLS_MODES)}, not {mode!r}."
        )
    if mode == "none" and config.get("SMTP_USER") and not _loopback(host):
        raise TransientDeliveryError(
            "Refusing to send the SMTP password unencrypted to "
            f"{host}: set PORTAL_SMTP_TLS to starttls or ssl."
        )
    context = _verifying_context(config) if mode != "none" else None
    if mode == "ssl":
        smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
    try:
        if mode == "starttls":
            _starttls(smtp, context)
        if config.get("SMTP_USER"):
            smtp.login(config["SMTP_USER"], config.get("SMTP_PASSWORD") or "")
    except BaseException:
        smtp.close()
        raise
    return smtp


# --- Team chat -------------------------------------------------------------------------------


def chat_payload(flavour: str, title: str, text: str, link: str | None = None) -> dict:
    """The JSON an incoming webhook expects: Slack's `text` with mrkdwn and a link, or for
    Microsoft Teams a message with one Adaptive Card (accepted by both the classic connectors
    and Workflows webhooks). Text from people is escaped so it cannot mention @channel or
    forge links."""
    if flavour == "teams":
        body = [
            {"type": "TextBlock", "text": title, "weight": "Bolder", "size": "Medium",
             "wrap": True},
            {"type": "TextBlock", "text": text, "wrap": True},
        ]  # fmt: skip
        card = {
            "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
            "type": "AdaptiveCard",
            "version": "1.4",
            "body": body,
        }
        if link:
            card["actions"] = [{"type": "Action.OpenUrl", "title": "Open in the portal",
                                "url": link}]  # fmt: skip
        return {
            "type": "message",
            "attachments": [
                {"contentType": "application/vnd.microsoft.card.adaptive", "content": card}
            ],
        }
    title_s, text_s = _slack_escape(title), _slack_escape(text)
    summary = f"*{title_s}*\n{text_s}"
    if link:
        summary += f"\n<{link}|Open in the portal>"
    return {
        "text": f"{title}",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": summary}}],
    }


def _slack_escape(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def deliver_chat(message: OutboxMessage) -> str | None:
    meta = message.meta or {}
    payload = chat_payload(meta.get("flavour", "slack"), message.subject, message.body_text,
                           meta.get("link"))  # fmt: skip
    status, answer = post(
        message.recipient,
        json.dumps(payload).encode(),
        {"Content-Type": "application/json", "User-Agent": "advocate-portal"},
        current_app.config["CHAT_TIMEOUT"],
    )
    reply = f"{status} {answer}".strip()  # the answer: a short printable snippet at most
    if 200 <= status < 300:
        return reply
    raise refusal(status, f"Chat webhook answered {reply}")


def register() -> None:
    """Install the e-mail and chat transports.

    Called by the factory (`portal.register_listeners`); calling it again changes nothing.
    """
    transport("email")(deliver_email)
    transport("chat")(deliver_chat)
