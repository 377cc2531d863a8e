"""A real HTTP server in the test process that receives webhooks and answers as told, and an app
that may call it (it listens on 127.0.0.1: `OUTBOUND_ALLOW_PRIVATE`, as for an on-premise
receiver; tests/webhooks/test_private_addresses.py runs without it)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.helpers import QUICK_STOP


@pytest.fixture
def app(app_factory):
    return app_factory(OUTBOUND_ALLOW_PRIVATE=True)


class Receiver:
    """What the server got (method, path, headers, body) and the statuses it answers next."""

    def __init__(self):
        self.calls: list[dict] = []
        self.statuses: list[int] = []  # answered in order; 200 once empty
        self.answer: bytes | None = None  # the body answered (default: a little JSON)
        self.url = ""

    def next_status(self) -> int:
        return self.statuses.pop(0) if self.statuses else 200


@pytest.fixture
def receiver():
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802  (http.server's name)
            length = int(self.headers.get("Content-Length", 0))
            body = self.rfile.read(length).decode()
            state.calls.append({"path": self.path, "headers": dict(self.headers), "body": body})
            status = state.next_status()
            answer = state.answer or f'{{"received": true, "status": {status}}}'.encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs=QUICK_STOP, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/portal"
    yield state
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)
