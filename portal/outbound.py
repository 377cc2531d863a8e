"""The one way the portal calls a URL that a person typed (webhooks, team chat): public only.

A URL is checked when it is saved (`problem`) and again on every call (`post`), since what a
name resolves to may change. A call resolves the host once, refuses it unless every address is
public, then connects to the checked address itself (never resolving again: no DNS rebinding)
while the Host header, TLS SNI and the certificate check keep the URL's host name. Redirects are
the answer, never followed; at most `READ_MAX` bytes of an answer are read, and only a short
printable `snippet` of it is kept.

Operators with receivers on their own network set `PORTAL_OUTBOUND_ALLOW_PRIVATE=true` (then
any address and any port may be called); `PORTAL_OUTBOUND_ALLOWED_PORTS` (default `80,443`)
lists the ports a public receiver may use.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

import urllib3
from flask import current_app
from urllib3.exceptions import ConnectTimeoutError, HTTPError, NewConnectionError
from urllib3.exceptions import TimeoutError as Urllib3Timeout

READ_MAX = 4096  # bytes of an answer read at most
SNIPPET_MAX = 200  # characters of an answer kept for the admin
DEFAULT_PORTS = (80, 443)

# Addresses inside these carry an IPv4 address that the network may route to (NAT64).
_NAT64 = ipaddress.ip_network("64:ff9b::/96")

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class Refused(Exception):
    """The URL or the address it resolves to is not one the portal calls; the text says why."""


class Unreachable(Exception):
    """The call could not be made or answered now (name not found, refused, timed out)."""


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect and what to say there."""

    scheme: str
    host: str  # the host name (or literal address) the URL names
    port: int
    host_header: str
    path: str  # the request target: path and query


@dataclass(frozen=True)
class Answer:
    status: int
    snippet: str  # at most SNIPPET_MAX printable characters of the answer's body


def _settings() -> tuple[bool, tuple[int, ...]]:
    config = current_app.config
    ports = tuple(config.get("OUTBOUND_ALLOWED_PORTS") or DEFAULT_PORTS)
    return bool(config.get("OUTBOUND_ALLOW_PRIVATE")), ports


def parse(url: str, *, allow_private: bool = False, ports=DEFAULT_PORTS) -> Target:
    """The target of an http(s) `url`, or `Refused` with the reason (nothing is resolved)."""
    if not isinstance(url, str) or any(ch.isspace() or not ch.isprintable() for ch in url):
        raise Refused("Enter a valid URL: no spaces or line breaks.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise Refused("Enter a valid URL.") from error
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise Refused("Use an http:// or https:// address.")
    if not parts.hostname:
        raise Refused("Enter a valid URL with a host name.")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise Refused("Don't put credentials in the URL.")
    if "%" in parts.hostname:  # an IPv6 zone: only ever a link-local address on this machine
        raise Refused("Enter a valid URL with a host name.")
    if port is None:
        port = 443 if scheme == "https" else 80
    if port == 0 or (not allow_private and port not in ports):
        allowed = " or ".join(str(p) for p in ports)
        raise Refused(f"Use port {allowed}: the portal calls no other port (here {port}).")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(scheme, parts.hostname, port, parts.netloc, path)


def address_problem(address: str | Address) -> str | None:
    """Why the portal won't call `address` (not a public address), or None when it may."""
    ip = ipaddress.ip_address(str(address).split("%", 1)[0])
    if ip.version == 6:
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            problem = address_problem(embedded)
            if problem:
                return problem
    if ip.is_loopback or ip.is_unspecified:
        where = "this server itself"
    elif ip.is_link_local:
        where = "a link-local network (such as a cloud metadata service)"
    elif ip.is_multicast or ip.is_reserved:
        where = "a reserved range"
    elif ip.is_private or not ip.is_global:
        where = "a private network"
    else:
        return None
    return f"This address points to {where} ({ip}); the portal only calls public addresses."


def resolve(target: Target, *, allow_private: bool = False) -> list[str]:
    """Every address `target.host` resolves to, each checked; `Refused` if any is not public,
    `Unreachable` if the name does not resolve. Numeric forms (2130706433, 0x7f.1, 127.1)
    resolve to the address they mean, and that address is what gets checked."""
    try:
        infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError) as error:
        raise Unreachable(f"Could not resolve {target.host}: {error}") from error
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise Unreachable(f"Could not resolve {target.host}.")
    if not allow_private:
        for address in addresses:
            problem = address_problem(address)
            if problem:
                raise Refused(problem)
    return addresses


def problem(url: str) -> str | None:
    """Save time: why `url` can't be called (its form, its port, or an address it resolves to
    now), or None. A name that does not resolve yet is accepted: each call checks again."""
    allow_private, ports = _settings()
    try:
        target = parse(url, allow_private=allow_private, ports=ports)
        resolve(target, allow_private=allow_private)
    except Refused as error:
        return str(error)
    except Unreachable:
        return None
    return None


def snippet(data: bytes | str, limit: int = SNIPPET_MAX) -> str:
    """A short, one-line, printable excerpt of an answer: what an admin may read of it."""
    text = data.decode("utf-8", errors="replace") if isinstance(data, bytes) else data
    text = "".join(ch if ch.isprintable() else " " for ch in text[: limit * 4])
    return " ".join(text.split())[:limit]


def _pool(target: Target, address: str, timeout: float, ca_file: str | None):
    options = {
        "timeout": urllib3.Timeout(connect=timeout, read=timeout),
        "retries": False,
        "maxsize": 1,
    }
    if target.scheme == "https":
        context = ssl.create_default_context(cafile=ca_file)
        return urllib3.HTTPSConnectionPool(
            address, target.port, ssl_context=context, cert_reqs="CERT_REQUIRED",
            server_hostname=target.host, assert_hostname=target.host, **options,
        )  # fmt: skip
    return urllib3.HTTPConnectionPool(address, target.port, **options)


def post(
    url: str, body: bytes, headers: dict, *, timeout: float, ca_file: str | None = None
) -> Answer:
    """POST `body` to `url` after checking it and the address it resolves to (see the module).
    Raises `Refused` (don't retry) or `Unreachable` (retry later)."""
    allow_private, ports = _settings()
    target = parse(url, allow_private=allow_private, ports=ports)
    addresses = resolve(target, allow_private=allow_private)
    headers = {
        **headers,
        "Host": target.host_header,
        "Accept-Encoding": "identity",  # what is read is what was sent: no decompression
    }
    last: Exception | None = None
    for address in addresses:  # each one checked above; the next only if it can't connect
        with _pool(target, address, timeout, ca_file) as pool:
            try:
                response = pool.urlopen(
                    "POST", target.path, body=body, headers=headers, redirect=False,
                    assert_same_host=False, preload_content=False, decode_content=False,
                )  # fmt: skip
            except (NewConnectionError, ConnectTimeoutError) as error:
                last = error
                continue
            except Urllib3Timeout as error:
                raise Unreachable(f"No answer within {timeout:g} s.") from error
            except (HTTPError, OSError) as error:
                raise Unreachable(f"Could not reach the endpoint: {error}") from error
            try:
                data = response.read(READ_MAX)
            except (HTTPError, OSError):
                data = b""  # the status is the answer; a body cut short changes nothing
            finally:
                response.close()
            return Answer(response.status, snippet(data))
    if isinstance(last, NewConnectionError) or last is None:
        reason = (last.__cause__ or last) if last else "no address"
        raise Unreachable(f"Could not reach the endpoint: {reason}") from last
    raise Unreachable(f"No answer within {timeout:g} s.") from last
