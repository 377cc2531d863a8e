"""Security headers and CSP on every response, trusted proxy hops, and request body limits."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa
from flask import Response
from werkzeug.datastructures import FileStorage

from portal.accounts.models import Account
from portal.auth.service import create_api_token
from portal.content.assets import create_asset
from portal.content.files import Upload, check_upload, read_upload
from portal.content.models import ContentAsset
from portal.errors import ValidationFailed
from portal.extensions import limiter
from portal.http_security import CSP, allow_form_redirect, with_style_nonce
from portal.reports import charts
from tests.conftest import AuthActions
from tests.factories import UserFactory

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
CSV_HEADER = b"crm_id,name,industry,segment,region\n"
KIB = 1024


def _csp_nonce(response) -> str:
    return re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)


def test_every_page_carries_the_security_headers_and_policy(client):
    response = client.get("/auth/sign-in")
    assert response.status_code == 200
    policy = response.headers["Content-Security-Policy"]
    assert policy == CSP.format(nonce=_csp_nonce(response), targets="")
    for directive in (
        "default-src 'self'",
        "script-src 'self';",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ):
        assert directive in policy
    assert "unsafe-inline" not in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "camera=()" in response.headers["Permissions-Policy"]
    assert "Strict-Transport-Security" not in response.headers  # served over http


def test_error_pages_and_api_answers_carry_the_headers_too(client):
    for response in (client.get("/no-such-page"), client.get("/api/v1/accounts")):
        assert response.status_code in (401, 404)
        assert response.headers["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_each_response_gets_a_new_style_nonce(client):
    first, second = client.get("/auth/sign-in"), client.get("/auth/sign-in")
    assert _csp_nonce(first) != _csp_nonce(second)


def test_https_portal_sends_hsts(app_factory):
    app = app_factory(BASE_URL="https://portal.example.com")
    response = app.test_client().get("/auth/sign-in")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_signed_in_pages_and_api_answers_are_never_stored_but_static_files_are(db, client, auth):
    assert "no-store" not in client.get("/auth/sign-in").headers.get("Cache-Control", "")
    assert client.get("/api/v1/accounts").headers["Cache-Control"] == "no-store"
    UserFactory(email="mia@example.com", role="manager")
    db.session.commit()
    auth.login("mia@example.com")
    assert client.get("/accounts/").headers["Cache-Control"] == "no-store"
    static = client.get("/static/css/portal.css")
    assert static.status_code == 200
    assert "no-store" not in static.headers.get("Cache-Control", "")
    static.close()


def test_content_download_keeps_its_own_sandbox_policy(app_factory, tmp_path):
    app = app_factory(UPLOAD_DIR=str(tmp_path))
    with app.app_context():
        from portal.extensions import db

        manager = UserFactory(role="manager", email="m@example.com")
        UserFactory(role="requester", email="r@example.com")
        db.session.commit()
        asset = create_asset(
            manager,
            {
                "kind": "case_study",
                "title": "Nordbank",
                "url": "",
                "summary": "A story.",
                "approval_status": "customer_approved",
                "approved_by_customer": "Jana Novak, CFO",
                "approved_until": "2099-01-01",
            },
            Upload("story.pdf", PDF),
        )
        db.session.commit()
        asset_id = asset.id
    client = app.test_client()
    AuthActions(client).login("r@example.com")
    download = client.post(
        f"/content/{asset_id}/use", data={"action": "download", "opportunity_crm_id": "006Q"}
    )
    assert download.status_code == 200, download.get_data(as_text=True)[:500]
    assert download.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert download.headers["Cache-Control"] == "no-store"
    download.close()


def test_report_chart_has_no_style_attribute_and_its_style_carries_the_page_nonce(app):
    svg = charts.bar("Asks", ["a", "b"], {"done": [1, 2], "open": [3, 4]})
    assert 'style="' not in svg
    with app.test_request_context("/reports/"):
        marked = str(with_style_nonce(svg))
        response = app.process_response(Response("page"))
    styles = re.findall(r"<style[^>]*>", marked)
    assert styles and all(f'nonce="{_csp_nonce(response)}"' in tag for tag in styles)


# Proxies -----------------------------------------------------------------------------------


def _limited_app(app_factory, **overrides):
    """An app with one view limited per client by the portal's limiter and its key function."""
    app = app_factory(**overrides)

    @app.post("/_limited")
    @limiter.limit("2 per minute")
    def limited():
        return "ok"

    return app


def _call(app, forwarded_for: str) -> int:
    return (
        app.test_client()
        .post(
            "/_limited",
            headers={"X-Forwarded-For": forwarded_for},
            environ_base={"REMOTE_ADDR": "192.0.2.10"},  # the reverse proxy
        )
        .status_code
    )


def test_forwarded_for_is_ignored_without_trusted_proxies(app_factory):
    app = _limited_app(app_factory)
    assert _call(app, "203.0.113.1") == 200
    assert _call(app, "203.0.113.2") == 200
    # A made-up forwarded address does not buy a fresh limit: the key is the proxy's address.
    assert _call(app, "203.0.113.3") == 429


def test_clients_behind_one_trusted_proxy_have_limits_of_their_own(app_factory, monkeypatch):
    monkeypatch.setenv("PORTAL_PROXY_HOPS", "1")
    app = _limited_app(app_factory)
    assert _call(app, "198.51.100.1") == 200
    assert _call(app, "198.51.100.1") == 200
    assert _call(app, "198.51.100.1") == 429
    assert _call(app, "198.51.100.2") == 200  # another client behind the same proxy
    # Only the last hop is trusted: an address the client prepends changes nothing.
    assert _call(app, "198.51.100.9, 198.51.100.1") == 429


def test_trusted_proxy_sets_the_scheme_and_host(app_factory, monkeypatch):
    monkeypatch.setenv("PORTAL_PROXY_HOPS", "1")
    app = app_factory()
    seen = {}

    @app.get("/_where")
    def where():
        from flask import request

        seen.update(scheme=request.scheme, host=request.host, addr=request.remote_addr)
        return "ok"

    app.test_client().get(
        "/_where",
        headers={
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": "portal.example.com",
            "X-Forwarded-For": "203.0.113.1",
        },
        environ_base={"REMOTE_ADDR": "192.0.2.10"},
    )
    assert seen == {"scheme": "https", "host": "portal.example.com", "addr": "203.0.113.1"}


# Request bodies ----------------------------------------------------------------------------


def test_too_large_form_is_refused_with_a_page_saying_so(app_factory, monkeypatch):
    monkeypatch.setenv("PORTAL_MAX_REQUEST_BYTES", str(64 * KIB))
    app = app_factory()
    response = app.test_client().post(
        "/auth/sign-in", data={"email": "a@example.com", "password": "x" * (100 * KIB)}
    )
    assert response.status_code == 413
    assert "larger than this page accepts (64 KB at most)" in response.get_data(as_text=True)
    assert response.headers["X-Frame-Options"] == "DENY"


def test_too_large_api_body_is_refused_in_json(app_factory, monkeypatch):
    monkeypatch.setenv("PORTAL_MAX_REQUEST_BYTES", str(64 * KIB))
    app = app_factory()
    with app.app_context():
        from portal.extensions import db

        _, token = create_api_token(None, UserFactory(role="manager"))
        db.session.commit()
    response = app.test_client().post(
        "/api/v1/accounts",
        data=b'{"name": "' + b"x" * (100 * KIB) + b'"}',
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "too_large"


def test_default_request_limit_is_one_mib_and_uploads_25_mib(app):
    assert app.config["MAX_CONTENT_LENGTH"] == 1024 * KIB
    assert app.config["MAX_UPLOAD_BYTES"] == 25 * 1024 * KIB


def _manager_client(app, email="m@example.com"):
    with app.app_context():
        from portal.extensions import db

        UserFactory(role="manager", email=email)
        db.session.commit()
    client = app.test_client()
    AuthActions(client).login(email)
    return client


def _post_asset(client, data: bytes):
    return client.post(
        "/program/content/new",
        data={
            "kind": "case_study",
            "title": "Big deck",
            "url": "",
            "summary": "A story.",
            "approval_status": "draft",
            "file": (io.BytesIO(data), "deck.pdf"),
        },
        content_type="multipart/form-data",
    )


def test_content_upload_may_exceed_the_request_limit_up_to_the_upload_limit(app_factory, tmp_path):
    app = app_factory(
        MAX_CONTENT_LENGTH=32 * KIB, MAX_UPLOAD_BYTES=256 * KIB, UPLOAD_DIR=str(tmp_path)
    )
    client = _manager_client(app)
    big = PDF + b"%" * (100 * KIB)
    response = _post_asset(client, big)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    with app.app_context():
        from portal.extensions import db

        asset = db.session.scalar(sa.select(ContentAsset))
        assert asset.file_size == len(big)
        assert (tmp_path / "content" / asset.file_key).read_bytes() == big
    refused = _post_asset(client, PDF + b"%" * (300 * KIB))
    assert refused.status_code == 413
    assert "256 KB at most" in refused.get_data(as_text=True)


def test_csv_import_may_exceed_the_request_limit_up_to_the_upload_limit(app_factory):
    app = app_factory(MAX_CONTENT_LENGTH=32 * KIB, MAX_UPLOAD_BYTES=256 * KIB)
    client = _manager_client(app)
    rows = b"".join(
        b"P-%d,Bank number %d,banking,smb,emea\n" % (n, n) for n in range(3000)
    )  # about 110 KB
    answer = client.post(
        "/recruiting/import",
        data={"kind": "accounts", "file": (io.BytesIO(CSV_HEADER + rows), "crm.csv")},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 200
    assert 'name="upload"' in answer.get_data(as_text=True)  # the preview, ready to confirm
    too_big = client.post(
        "/recruiting/import",
        data={"kind": "accounts", "file": (io.BytesIO(CSV_HEADER + rows * 3), "crm.csv")},
        content_type="multipart/form-data",
    )
    assert too_big.status_code == 413
    with app.app_context():
        from portal.extensions import db

        assert db.session.scalar(sa.select(sa.func.count()).select_from(Account)) == 0


class _Endless(io.RawIOBase):
    """A stream that never ends and can't seek, counting what was read from it."""

    read_bytes = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        buffer[:] = b"x" * len(buffer)
        self.read_bytes += len(buffer)
        return len(buffer)


def test_upload_from_a_stream_is_read_at_most_one_byte_past_the_limit(app_factory):
    app = app_factory(CONTENT_MAX_UPLOAD_BYTES=100 * KIB)
    endless = _Endless()
    with app.test_request_context("/"):
        sent = FileStorage(stream=endless, filename="deck.pdf")
        upload = read_upload(sent)
        assert upload.size() == 100 * KIB + 1
        with pytest.raises(ValidationFailed, match="larger than"):
            check_upload(upload)
        sent.close()
    assert endless.read_bytes == 100 * KIB + 1


def test_content_page_lets_its_form_redirect_only_to_the_assets_own_site(app):
    with app.test_request_context("/content/1"):
        allow_form_redirect("https://www.example.com:8443/customers/nordbank?x=1")
        allow_form_redirect("javascript:alert(1)")
        allow_form_redirect("https://evil.example; script-src *")
        policy = app.process_response(Response("page")).headers["Content-Security-Policy"]
    assert "form-action 'self' https://www.example.com:8443;" in policy
    assert "javascript" not in policy and "evil" not in policy
