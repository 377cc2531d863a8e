"""In Chromium: staff sign in through the real OpenID Connect provider; an advocate asks for a
sign-in link; an admin adds a webhook and creates an API token. Screenshots for the note."""

from __future__ import annotations

import re
import threading

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect
from werkzeug.serving import make_server

from portal.extensions import db
from portal.notifications.models import OutboxMessage
from tests.browser.test_smoke import serious_violations
from tests.conftest import make_app, reset_database
from tests.factories import UserFactory, advocate_with_login
from tests.helpers import QUICK_STOP, delivered_text
from tests.sso.conftest import free_port, running_provider, sso_settings

pytestmark = pytest.mark.browser


@pytest.fixture
def sso_server(database_url, baseline):
    """The portal with single sign-on on, served on 127.0.0.1 next to a real provider."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with running_provider([f"{base}/auth/sso/callback"]) as issuer:
        app = make_app(database_url, WTF_CSRF_ENABLED=True, BASE_URL=base, **sso_settings(issuer))
        server = make_server("127.0.0.1", port, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, kwargs=QUICK_STOP, daemon=True)
        thread.start()
        try:
            yield app, base
        finally:
            server.shutdown()
            thread.join(timeout=5)
            with app.app_context():
                db.session.remove()
                reset_database(baseline)
                db.engine.dispose()


def test_staff_sign_in_with_single_sign_on(page, sso_server, screenshot):
    app, base = sso_server
    page.goto(f"{base}/auth/sign-in")
    screenshot("sso-sign-in-page")
    page.get_by_role("link", name="Staff: sign in with single sign-on").click()
    page.locator("input[name=login]").fill("ann")
    page.locator("input[name=password]").fill("any password")
    page.get_by_role("button", name="Sign-in").click()
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(re.compile(r"/home$"))
    expect(page.get_by_text("Signed in as ann@corp.example")).to_be_visible()
    screenshot("sso-signed-in-admin")


def test_unmapped_staff_see_that_they_await_access(page, sso_server, screenshot):
    _, base = sso_server
    page.goto(f"{base}/auth/sso/")
    page.locator("input[name=login]").fill("nora")
    page.locator("input[name=password]").fill("any password")
    page.get_by_role("button", name="Sign-in").click()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("no access yet")).to_be_visible()
    screenshot("sso-awaiting-role")
    assert serious_violations(page) == []


def test_advocate_signs_in_with_an_email_link(page, sso_server, screenshot):
    app, base = sso_server
    with app.app_context():
        advocate_with_login(email="ada@customer.example")
        db.session.commit()
    page.goto(f"{base}/auth/sign-in")
    page.get_by_role("link", name="Advocate: e-mail me a sign-in link").click()
    page.get_by_label("E-mail").fill("ada@customer.example")
    screenshot("magic-link-form")
    page.get_by_role("button", name="E-mail me a sign-in link").click()
    expect(page.get_by_text("a sign-in link is on its way")).to_be_visible()
    assert serious_violations(page) == []
    with app.app_context():
        body = delivered_text(
            db.session.scalar(
                sa.select(OutboxMessage).where(OutboxMessage.template == "magic_link")
            )
        )
    link = re.search(r"http://\S+/auth/link/\S+", body).group(0)
    page.goto(link)
    screenshot("magic-link-confirm")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/me/"))


def test_admin_adds_a_webhook_and_a_token(page, sso_server, screenshot):
    app, base = sso_server
    with app.app_context():
        UserFactory(email="root@corp.example", role="admin")
        db.session.commit()
    page.goto(f"{base}/auth/sign-in")
    page.get_by_label("E-mail").fill("root@corp.example")
    page.get_by_label("Password", exact=True).fill("correct horse battery")
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.goto(f"{base}/admin/webhooks/new")
    page.get_by_label("Endpoint URL").fill("ftp://crm.example/hook")
    page.get_by_label("Ask placed").check()
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#url-error")).to_contain_text("http:// or https://")
    screenshot("webhook-form-error")
    assert serious_violations(page) == []
    page.get_by_label("Endpoint URL").fill("https://crm.example/hook")
    page.get_by_label("Claim approved").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="https://crm.example/hook")).to_be_visible()
    screenshot("webhook-endpoint")
    assert serious_violations(page) == []
    page.goto(f"{base}/auth/tokens/")
    page.get_by_label("Name").fill("CRM sync")
    page.get_by_label("Access").select_option("read")
    page.get_by_role("button", name="Create token").click()
    expect(page.locator("#new-token")).to_contain_text("ap_")
    screenshot("api-tokens")
    assert serious_violations(page) == []
