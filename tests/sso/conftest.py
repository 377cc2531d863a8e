"""A real OpenID Connect provider (npm's oidc-provider, run with node) for the SSO tests."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import socket
import subprocess
import time
from html import unescape
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import requests

PROVIDER_DIR = Path(__file__).parent / "provider"
CLIENT_ID = "portal-tests"
CLIENT_SECRET = "a-client-secret-for-the-tests-only"
CALLBACK = "http://localhost/auth/sso/callback"

# Logins the provider knows (any password works); the login is the subject.
ACCOUNTS = {
    "ann": {
        "email": "ann@corp.example",
        "email_verified": True,
        "name": "Ann Admin",
        "groups": ["portal-admins", "everyone"],
    },
    "mia": {
        "email": "Mia@Corp.example",
        "email_verified": True,
        "name": "Mia Manager",
        "groups": ["portal-managers"],
    },
    "nora": {"email": "nora@elsewhere.example", "email_verified": True, "name": "Nora"},
    "dora": {"email": "dora@corp.example", "email_verified": True, "name": "Dora"},
    "ulla": {"email": "ulla@corp.example", "email_verified": False, "groups": ["portal-admins"]},
    "ed": {"email": "existing@corp.example", "email_verified": True, "groups": []},
    "ada": {"email": "advocate@customer.example", "email_verified": True},
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _install_provider() -> None:
    PROVIDER_DIR.mkdir(parents=True, exist_ok=True)
    # One install at a time: CI runs the SQLite and PostgreSQL suites side by side.
    with open(PROVIDER_DIR / ".install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
            _npm_install()


def _npm_install() -> None:
    subprocess.run(  # noqa: S603
        [
            shutil.which("npm"),
            "install",
            "--no-save",
            "--no-audit",
            "--no-fund",
            "--prefix",
            str(PROVIDER_DIR),
            "oidc-provider@9",
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )


@contextlib.contextmanager
def running_provider(redirect_uris: list[str], accounts_file: Path | None = None):
    """Run the provider on a free port of 127.0.0.1 with one static client; yield its issuer.
    With `accounts_file` (JSON like ACCOUNTS) the provider reads its accounts from it each time."""
    if not shutil.which("node") or not shutil.which("npm"):
        pytest.skip("node and npm are needed to run the OpenID Connect provider")
    _install_provider()
    port = free_port()
    env = {
        **os.environ,
        "OIDC_CLIENTS": json.dumps(
            [
                {
                    "client_id": CLIENT_ID,
                    "client_secret": CLIENT_SECRET,
                    "redirect_uris": redirect_uris,
                    "grant_types": ["authorization_code"],
                    "response_types": ["code"],
                }
            ]
        ),
        "OIDC_ACCOUNTS": json.dumps(ACCOUNTS),
        **({"OIDC_ACCOUNTS_FILE": str(accounts_file)} if accounts_file else {}),
        "NODE_NO_WARNINGS": "1",
    }
    process = subprocess.Popen(  # noqa: S603
        [shutil.which("node"), str(PROVIDER_DIR / "provider.mjs"), str(port)],
        cwd=PROVIDER_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    issuer = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            if process.poll() is not None:
                raise RuntimeError("the OIDC provider stopped: " + process.stdout.read())
            try:
                requests.get(f"{issuer}/.well-known/openid-configuration", timeout=1)
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield issuer
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()


@pytest.fixture(scope="session")
def oidc_issuer():
    """The provider for the HTTP-client tests (the Flask test client's callback URL)."""
    with running_provider([CALLBACK]) as issuer:
        yield issuer


def sso_settings(issuer: str) -> dict:
    return {
        "OIDC_ISSUER": issuer,
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_ROLE_CLAIM": "groups",
        "OIDC_SCOPES": "openid email profile groups",
        "OIDC_ROLE_MAP": "portal-admins=admin, portal-managers=manager",
        "OIDC_DOMAIN_ROLES": "corp.example=requester",
    }


@pytest.fixture
def sso_config(oidc_issuer):
    return sso_settings(oidc_issuer)


@pytest.fixture
def sso_app(app_factory, sso_config):
    return app_factory(**sso_config)


_FORM = re.compile(r'<form[^>]*action="([^"]+)"[^>]*method="post"[^>]*>(.*?)</form>', re.S)
_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


def drive_provider(start_url: str, login: str) -> str:
    """Do what a person does at the provider (log in, consent); return the app's callback URL."""
    browser = requests.Session()
    url, response = start_url, browser.get(start_url, allow_redirects=False, timeout=10)
    for _ in range(12):
        if response.is_redirect:
            url = urljoin(url, response.headers["Location"])
            if url.startswith(CALLBACK):
                return url
            response = browser.get(url, allow_redirects=False, timeout=10)
            continue
        match = _FORM.search(response.text)
        assert match, f"no form at {url}: {response.status_code} {response.text[:300]}"
        action, inner = unescape(match[1]), match[2]
        data = {name: unescape(value) for name, value in _HIDDEN.findall(inner)}
        if 'name="login"' in inner:
            data.update(login=login, password="any password")
        url = urljoin(url, action)
        response = browser.post(url, data=data, allow_redirects=False, timeout=10)
    raise AssertionError("the provider never sent the browser back to the portal")


def local(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def sso_sign_in(client, login: str, next_path: str | None = None):
    """Start at the portal, sign in at the provider, and return the portal's callback answer."""
    start = client.get("/auth/sso/", query_string={"next": next_path} if next_path else None)
    assert start.status_code == 302, start.get_data(as_text=True)
    return client.get(local(drive_provider(start.headers["Location"], login)))
