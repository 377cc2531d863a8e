"""Browser fixtures: the portal served on 127.0.0.1 and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
import re
import shutil
import threading
from collections import deque
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from portal.extensions import db
from tests.conftest import make_app, reset_database
from tests.helpers import QUICK_STOP

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"


@pytest.fixture(autouse=True)
def _need_chromium():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("PORTAL_REQUIRE_BROWSER"):
            pytest.fail("Chromium is required here (PORTAL_REQUIRE_BROWSER) but not installed")
        pytest.skip("Chromium is not installed (apt-get install chromium); .ci/run installs it")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def live_app(database_url, baseline):
    return make_app(database_url, WTF_CSRF_ENABLED=True)


@pytest.fixture(scope="session")
def live_server(live_app):
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs=QUICK_STOP, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
    with live_app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def base_url(live_server):
    return live_server


@pytest.fixture
def demo_program(live_app, baseline):
    """The demo program (seed-demo), removed again after the test."""
    result = live_app.test_cli_runner().invoke(args=["seed-demo", "--advocates", "40"])
    assert result.exit_code == 0, result.output
    yield result.output
    with live_app.app_context():
        db.session.remove()
        reset_database(baseline)


@pytest.fixture
def screenshot(page):
    """Save a full-page screenshot under screenshots/ (for the closing note)."""
    SCREENSHOTS.mkdir(exist_ok=True)

    def take(name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


# Links a crawl never follows: downloads, and the pages that end the session.
NOT_CRAWLED = (".csv", ".ics", ".json", "/auth/sign-out", "/auth/sessions")
REPORTS = ["funnel", "fulfilment", "utilization", "value", "exchange", "coverage"]
# Pages of each demo role that no menu links to directly (reached through a form), visited too.
SETTINGS = ["", "program", "points", "lead-times", "terms/", "terms/draft", "taxonomies/",
            "taxonomies/product", "custom-fields/", "custom-fields/new",
            "ask-templates"]  # fmt: skip
EXTRA_PAGES = {
    "admin@demo.example": [f"/reports/{name}" for name in REPORTS]
    + [f"/admin/settings/{path}" for path in SETTINGS],
    "manager@demo.example": [f"/reports/{name}" for name in REPORTS],
    "csm@demo.example": [],
    "sales@demo.example": [],
    "advocate@demo.example": [],
}


def own_links(page) -> list[str]:
    """The portal's pages linked from the header and the main content (not anchors, downloads
    or sign-out), in page order."""
    hrefs = page.eval_on_selector_all(
        "header a[href^='/'], main a[href^='/']", "links => links.map(a => a.getAttribute('href'))"
    )
    seen = []
    for href in hrefs:
        path = href.split("#")[0]
        if path and path not in seen and not path.split("?")[0].endswith(NOT_CRAWLED):
            seen.append(path)
    return seen


def _shape(path: str) -> str:
    """'/advocates/12' and '/advocates/31' are the same kind of page."""
    return re.sub(r"/\d+(?=/|$)", "/*", path.split("?")[0])


def crawl(page, start: list[str], cap: int = 40, per_shape: int = 2):
    """Visit the pages reachable from the signed-in home page, breadth first: at most `cap`
    pages and `per_shape` of each kind (so detail pages of many kinds are seen). Yields each
    path once the page has loaded with a status below 400."""
    queue = deque(["/", *start])
    queued = set(queue)
    shapes: dict[str, int] = {}
    visited = 0
    while queue and visited < cap:
        path = queue.popleft()
        shape = _shape(path)
        if shapes.get(shape, 0) >= per_shape:
            continue
        response = page.goto(path)
        page.wait_for_load_state("load")
        if response is None or response.status >= 400:
            continue
        shapes[shape] = shapes.get(shape, 0) + 1
        visited += 1
        yield path
        for link in own_links(page):
            if link not in queued:
                queued.add(link)
                queue.append(link)
