"""Outbound calls to URLs people type (portal/outbound.py): public addresses only, the checked
address pinned for the connection, redirects never followed, a short printable answer kept."""

from __future__ import annotations

import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from portal import outbound
from tests.helpers import QUICK_STOP
from tests.notifications.servers import certificates
from tests.outbound import (
    PRIVATE_URLS,
    PUBLIC_ADDRESS,
    REFUSAL,
    Listener,
    resolve_as,
    spy_on_connections,
)


@pytest.fixture
def listener():
    sock = Listener()
    yield sock
    sock.close()


@pytest.fixture
def public_only(app_factory, listener):
    """The default (public addresses only), with the listener's port allowed so that the
    address, not the port, is what decides."""
    app = app_factory(OUTBOUND_ALLOWED_PORTS=(80, 443, listener.port))
    with app.app_context():
        yield app


class Server:
    """A local HTTP(S) server: records each call's Host header and TLS server name, answers
    `status` with `body` (or `endless` data until the client hangs up)."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.calls: list[dict] = []
        self.server_names: list[str | None] = []
        self.status, self.body, self.endless = 200, b"ok", False
        self.sent = 0
        self.hung_up = threading.Event()
        state = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802  (http.server's name)
                length = int(self.headers.get("Content-Length", 0))
                state.calls.append({"host": self.headers["Host"], "body": self.rfile.read(length)})
                self.send_response(state.status)
                if 300 <= state.status < 400:
                    self.send_header("Location", "http://127.0.0.1:1/elsewhere")
                if not state.endless:
                    self.send_header("Content-Length", str(len(state.body)))
                self.end_headers()
                if not state.endless:
                    self.wfile.write(state.body)
                    return
                chunk = b"x" * 65536
                try:
                    for _ in range(1024):  # 64 MiB at most: the test always ends
                        self.wfile.write(chunk)
                        state.sent += len(chunk)
                except OSError:
                    state.hung_up.set()

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if tls is not None:
            tls.sni_callback = lambda sock, name, ctx: self.server_names.append(name)
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs=QUICK_STOP, daemon=True
        )
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def server():
    running = Server()
    yield running
    running.stop()


@pytest.mark.parametrize("url", PRIVATE_URLS)
def test_every_form_of_a_private_address_is_refused_before_any_connection(
    public_only, listener, monkeypatch, url
):
    dialled = spy_on_connections(monkeypatch)
    target = url.format(port=listener.port)
    assert REFUSAL in outbound.problem(target)
    assert REFUSAL in outbound.problem(url.replace(":{port}", ""))  # the default port too
    with pytest.raises(outbound.Refused, match=REFUSAL):
        outbound.post(target, b"{}", {}, timeout=2)
    assert dialled == []
    assert not listener.connected()


def test_the_refusal_names_the_address_it_resolved_to(public_only):
    assert outbound.problem("http://2130706433/") == (
        "This address points to this server itself (127.0.0.1); the portal only calls public "
        "addresses."
    )
    assert "(10.1.2.3)" in outbound.problem("http://10.1.2.3/")
    assert "link-local" in outbound.problem("http://169.254.169.254/")


def test_a_host_name_that_resolves_to_a_private_address_is_refused(public_only, monkeypatch):
    resolve_as(monkeypatch, {"intranet.example": ["10.20.30.40"],
                             "mixed.example": [PUBLIC_ADDRESS, "192.168.0.7"]})  # fmt: skip
    dialled = spy_on_connections(monkeypatch)
    assert "(10.20.30.40)" in outbound.problem("https://intranet.example/hook")
    with pytest.raises(outbound.Refused, match=r"\(10\.20\.30\.40\)"):
        outbound.post("https://intranet.example/hook", b"{}", {}, timeout=2)
    assert dialled == []


def test_a_name_with_any_private_address_is_refused(public_only, monkeypatch):
    # resolve_as answers one address per lookup; a real name may answer several at once.
    monkeypatch.setattr(
        outbound.socket,
        "getaddrinfo",
        lambda host, port, **kw: [
            (2, 1, 6, "", (PUBLIC_ADDRESS, port)),
            (2, 1, 6, "", ("192.168.0.7", port)),
        ],
    )
    dialled = spy_on_connections(monkeypatch)
    with pytest.raises(outbound.Refused, match=r"\(192\.168\.0\.7\)"):
        outbound.post("https://mixed.example/hook", b"{}", {}, timeout=2)
    assert dialled == []


def test_a_name_is_resolved_once_and_the_call_goes_to_the_address_that_was_checked(
    public_only, server, monkeypatch
):
    # DNS rebinding: the first answer is public, every later one 127.0.0.1.
    lookups = resolve_as(monkeypatch, {"rebind.example": [PUBLIC_ADDRESS, "127.0.0.1"]})
    # The connection to the checked (public) address is carried to the local server instead.
    dialled = spy_on_connections(monkeypatch, redirect_to=("127.0.0.1", server.port))
    answer = outbound.post("http://rebind.example/hook?x=1", b"{}", {}, timeout=5)
    assert answer.status == 200
    assert lookups == [("rebind.example", PUBLIC_ADDRESS)]
    assert dialled == [(PUBLIC_ADDRESS, 80)]
    assert [call["host"] for call in server.calls] == ["rebind.example"]


def test_a_name_that_turned_private_since_it_was_saved_is_refused_when_called(
    public_only, listener, monkeypatch
):
    url = f"http://hooks.example:{listener.port}/hook"
    resolve_as(monkeypatch, {"hooks.example": [PUBLIC_ADDRESS, "127.0.0.1"]})
    dialled = spy_on_connections(monkeypatch)
    assert outbound.problem(url) is None  # saved while it answered a public address
    with pytest.raises(outbound.Refused, match=REFUSAL):
        outbound.post(url, b"{}", {}, timeout=2)
    assert dialled == []
    assert not listener.connected()


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://hooks.example/x", "http:// or https://"),
        ("https://user:pw@hooks.example/x", "credentials"),
        ("https://hooks.example:8443/x", "Use port 80 or 443"),
        ("https://hooks.example:0/x", "Use port"),
        ("https://hooks.example/a b", "no spaces"),
        ("https://[fe80::1%25eth0]/x", "host name"),
        ("https:///x", "host name"),
    ],
)
def test_a_url_of_the_wrong_form_is_refused_without_resolving_it(
    public_only, monkeypatch, url, reason
):
    lookups = resolve_as(monkeypatch, {"hooks.example": [PUBLIC_ADDRESS]})
    assert reason in outbound.problem(url)
    assert lookups == []


def test_an_operator_may_allow_private_addresses_and_other_ports(app_factory, server):
    with app_factory(OUTBOUND_ALLOW_PRIVATE=True).app_context():
        assert outbound.problem(f"http://127.0.0.1:{server.port}/hook") is None
        answer = outbound.post(f"http://127.0.0.1:{server.port}/hook", b"{}", {}, timeout=5)
    assert answer.status == 200 and server.calls[0]["body"] == b"{}"


def test_a_redirect_is_the_answer_and_never_followed(app_factory, server, monkeypatch):
    server.status = 302
    with app_factory(OUTBOUND_ALLOW_PRIVATE=True).app_context():
        answer = outbound.post(f"http://127.0.0.1:{server.port}/hook", b"{}", {}, timeout=5)
    assert answer.status == 302
    assert len(server.calls) == 1


def test_only_a_short_printable_snippet_of_the_answer_is_kept(app_factory, server):
    server.status = 500
    noise = "\x1b[31mStack trace\x00\r\n\tat /srv/app.py line 3\u202e"  # ANSI, NUL, bidi
    server.body = noise.encode() + b"A" * 5000
    with app_factory(OUTBOUND_ALLOW_PRIVATE=True).app_context():
        answer = outbound.post(f"http://127.0.0.1:{server.port}/hook", b"{}", {}, timeout=5)
    assert answer.status == 500
    assert len(answer.snippet) == outbound.SNIPPET_MAX
    assert answer.snippet.startswith("[31mStack trace at /srv/app.py line 3")
    assert all(ch.isprintable() for ch in answer.snippet)


def test_an_endless_answer_is_not_read_to_its_end(app_factory, server):
    server.endless = True
    started = time.monotonic()
    with app_factory(OUTBOUND_ALLOW_PRIVATE=True).app_context():
        answer = outbound.post(f"http://127.0.0.1:{server.port}/hook", b"{}", {}, timeout=5)
    assert answer.status == 200 and answer.snippet == "x" * outbound.SNIPPET_MAX
    assert server.hung_up.wait(10)  # the portal hung up long before the 64 MiB were sent
    assert server.sent < 64 * 1024 * 1024
    assert time.monotonic() - started < 10


def test_https_checks_the_certificate_against_the_host_name_not_the_pinned_address(
    app_factory, tmp_path, monkeypatch
):
    ca, certificate, key = certificates(tmp_path)  # a certificate for localhost and 127.0.0.1
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificate, key)
    server = Server(tls=context)
    resolve_as(monkeypatch, {"localhost": ["127.0.0.1"], "other.example": ["127.0.0.1"]})
    try:
        with app_factory(OUTBOUND_ALLOW_PRIVATE=True).app_context():
            url = f"https://localhost:{server.port}/hook"
            answer = outbound.post(url, b"{}", {}, timeout=5, ca_file=str(ca))
            assert answer.status == 200
            assert server.server_names == ["localhost"]  # SNI carries the name
            assert server.calls[0]["host"] == f"localhost:{server.port}"
            with pytest.raises(outbound.Unreachable, match="certificate|hostname"):
                outbound.post(
                    f"https://other.example:{server.port}/hook", b"{}", {}, timeout=5,
                    ca_file=str(ca),
                )  # fmt: skip
            with pytest.raises(outbound.Unreachable, match="certificate"):
                outbound.post(url, b"{}", {}, timeout=5)  # the system's CAs don't know ours
    finally:
        server.stop()
    assert len(server.calls) == 1  # nothing was sent over an unverified connection
