"""Helpers for the tests of outbound calls (webhooks, team chat): a listener that tells whether
anyone connected, a spy on every connection the portal opens, a resolver that answers as told,
and the forms of a private address that the portal must refuse."""

from __future__ import annotations

import socket

import urllib3.util.connection

# Each names this machine or a private network; `{port}` is a listener's port. None of them is
# ever connected to: the tests prove the refusal comes before any connection.
PRIVATE_URLS = [
    "http://127.0.0.1:{port}/hook",
    "http://localhost:{port}/hook",
    "http://2130706433:{port}/hook",
    "http://0x7f.1:{port}/hook",
    "http://0177.0.0.1:{port}/hook",
    "http://127.1:{port}/hook",
    "http://0.0.0.0:{port}/hook",
    "https://127.0.0.1:{port}/hook",
    "http://[::1]:{port}/hook",
    "http://[::ffff:127.0.0.1]:{port}/hook",
    "http://[fc00::1]:{port}/hook",
    "http://[fe80::1]:{port}/hook",
    "http://10.0.0.1:{port}/hook",
    "http://172.16.0.1:{port}/hook",
    "http://192.168.1.1:{port}/hook",
    "http://100.64.0.1:{port}/hook",
    "http://169.254.169.254:{port}/latest/meta-data",
    "http://[2002:7f00:1::]:{port}/hook",  # 6to4 around 127.0.0.1
    "http://[64:ff9b::7f00:1]:{port}/hook",  # NAT64 around 127.0.0.1
]

REFUSAL = "the portal only calls public addresses"
PUBLIC_ADDRESS = "93.184.215.14"  # a public address the tests never connect to


class Listener:
    """A socket listening on 127.0.0.1 that never accepts: `connected()` tells whether anyone
    connected to it (the connection waits in its queue)."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.setblocking(False)
        self.port = self.sock.getsockname()[1]

    def connected(self) -> bool:
        try:
            conn, _ = self.sock.accept()
        except BlockingIOError:
            return False
        conn.close()
        return True

    def close(self) -> None:
        self.sock.close()


def spy_on_connections(monkeypatch, redirect_to: tuple[str, int] | None = None) -> list:
    """Every (address, port) the portal dials, in order. Without `redirect_to` each dial is
    refused; with it the connection goes there instead (never to the dialled address)."""
    dialled: list = []
    real = urllib3.util.connection.create_connection

    def dial(address, *args, **kwargs):
        dialled.append(address)
        if redirect_to is None:
            raise ConnectionRefusedError("the test refuses every connection")
        return real(redirect_to, *args, **kwargs)

    monkeypatch.setattr(urllib3.util.connection, "create_connection", dial)
    return dialled


def resolve_as(monkeypatch, answers: dict[str, list[str]]) -> list:
    """Names in `answers` resolve to their addresses in turn (the last one stays); every other
    name resolves as usual. Returns the (name, address) of each lookup of those names."""
    lookups: list = []
    real = socket.getaddrinfo
    given = {name: list(addresses) for name, addresses in answers.items()}

    def getaddrinfo(host, port, *args, **kwargs):
        if host not in given:
            return real(host, port, *args, **kwargs)
        queue = given[host]
        address = queue.pop(0) if len(queue) > 1 else queue[0]
        lookups.append((host, address))
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        return [(family, socket.SOCK_STREAM, 6, "", (address, port or 0))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return lookups
