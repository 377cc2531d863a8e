"""Configuration read from the environment (see DESIGN.md, Configuration)."""

from __future__ import annotations

import datetime as dt
import os
import secrets
from pathlib import Path


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def load_secret_key(instance_path: str) -> str:
    """Return PORTAL_SECRET_KEY, or a key generated once and kept in the instance folder."""
    key = _env("PORTAL_SECRET_KEY")
    if key:
        return key
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


class Config:
    """Settings for a running portal, each read from a PORTAL_* variable."""

    def __init__(self, instance_path: str) -> None:
        self.SECRET_KEY = load_secret_key(instance_path)
        self.SQLALCHEMY_DATABASE_URI = _env(
            "PORTAL_DATABASE_URL", f"sqlite:///{Path(instance_path) / 'portal.sqlite'}"
        )
        self.BASE_URL = _env("PORTAL_BASE_URL", "http://127.0.0.1:5000").rstrip("/")
        self.SMTP_HOST = _env("PORTAL_SMTP_HOST")
        self.SMTP_PORT = int(_env("PORTAL_SMTP_PORT", "25"))
        self.SMTP_USER = _env("PORTAL_SMTP_USER")
        self.SMTP_PASSWORD = _env("PORTAL_SMTP_PASSWORD")
        self.SMTP_TLS = _env("PORTAL_SMTP_TLS", "none")
        # With SMTP_TLS starttls or ssl the server's certificate is always verified: against
        # the CA certificates (PEM) in this file when set (a private CA), else the system's.
        self.SMTP_CA_FILE = _env("PORTAL_SMTP_CA_FILE")
        self.MAIL_FROM = _env("PORTAL_MAIL_FROM", "Advocate Portal <portal@localhost>")
        self.SMTP_TIMEOUT = float(_env("PORTAL_SMTP_TIMEOUT", "30"))
        self.OUTBOX_MAX_ATTEMPTS = int(_env("PORTAL_OUTBOX_MAX_ATTEMPTS", "8"))
        # Webhooks and team chat call public addresses on these ports only (portal/outbound.py);
        # ALLOW_PRIVATE lets them call any address and port (receivers on your own network).
        self.OUTBOUND_ALLOW_PRIVATE = _env("PORTAL_OUTBOUND_ALLOW_PRIVATE", "false").lower() in (
            "1", "true", "yes",
        )  # fmt: skip
        self.OUTBOUND_ALLOWED_PORTS = tuple(
            int(port) for port in _env("PORTAL_OUTBOUND_ALLOWED_PORTS", "80,443").split(",")
        )
        self.OUTBOX_RETRY_SECONDS = int(_env("PORTAL_OUTBOX_RETRY_SECONDS", "60"))
        self.ASK_REMINDER_DAYS = int(_env("PORTAL_ASK_REMINDER_DAYS", "2"))
        self.OIDC_ISSUER = _env("PORTAL_OIDC_ISSUER")
        self.OIDC_CLIENT_ID = _env("PORTAL_OIDC_CLIENT_ID")
        self.OIDC_CLIENT_SECRET = _env("PORTAL_OIDC_CLIENT_SECRET")
        self.OIDC_ROLE_CLAIM = _env("PORTAL_OIDC_ROLE_CLAIM", "groups")
        # "claim value=role" pairs and "e-mail domain=role" pairs, comma-separated.
        self.OIDC_ROLE_MAP = _env("PORTAL_OIDC_ROLE_MAP", "")
        self.OIDC_SCOPES = _env("PORTAL_OIDC_SCOPES", "openid email profile")
        self.OIDC_DOMAIN_ROLES = _env("PORTAL_OIDC_DOMAIN_ROLES", "")
        self.SSO_ONLY = _env("PORTAL_SSO_ONLY", "false").lower() in ("1", "true", "yes")
        self.RATELIMIT_STORAGE_URI = _env("PORTAL_RATELIMIT_STORAGE_URL", "memory://")
        self.UPLOAD_DIR = _env("PORTAL_UPLOAD_DIR", str(Path(instance_path) / "uploads"))
        # Uploaded content files: unset keeps them in UPLOAD_DIR; s3://bucket/prefix puts them in
        # an S3-compatible bucket (portal/content/storage.py; credentials from boto3's chain).
        self.STORAGE_URL = _env("PORTAL_STORAGE_URL")
        self.S3_ENDPOINT_URL = _env("PORTAL_S3_ENDPOINT_URL")
        self.S3_REGION = _env("PORTAL_S3_REGION")
        # Trust X-Forwarded-For/-Proto/-Host from this many proxies in front (0: trust none).
        self.PROXY_HOPS = int(_env("PORTAL_PROXY_HOPS", "0"))
        # Largest request body; views taking files (content, CSV imports) allow the larger one.
        self.MAX_CONTENT_LENGTH = int(_env("PORTAL_MAX_REQUEST_BYTES", str(1024 * 1024)))
        self.MAX_UPLOAD_BYTES = int(_env("PORTAL_MAX_UPLOAD_BYTES", str(25 * 1024 * 1024)))
        # Cookies are Secure whenever the portal is served over https (anything but development).
        self.SESSION_COOKIE_SECURE = self.BASE_URL.startswith("https://")
        self.REMEMBER_COOKIE_SECURE = self.SESSION_COOKIE_SECURE
        # Sign-in sessions end after this long idle, and this long after sign-in (portal/auth/
        # session.py); an advocate's "keep me signed in" lasts REMEMBER_COOKIE_DURATION instead.
        self.SESSION_IDLE_MINUTES = int(_env("PORTAL_SESSION_IDLE_MINUTES", "30"))
        self.SESSION_MAX_HOURS = int(_env("PORTAL_SESSION_MAX_HOURS", "12"))
        # --- Background worker (`flask --app portal worker`, portal/operations) ----------------
        # Seconds between the worker's rounds (deliver the due outbox, run due jobs) and between
        # its heartbeats; a worker not seen for WORKER_STALE_SECONDS is taken for dead and its
        # unfinished job runs are marked failed (keep it several intervals long).
        self.WORKER_INTERVAL = float(_env("PORTAL_WORKER_INTERVAL", "5"))
        self.WORKER_STALE_SECONDS = int(_env("PORTAL_WORKER_STALE_SECONDS", "120"))
        # How often each periodic job runs, in seconds; 0 leaves that job to cron (the worker
        # skips it). Runs and stopped workers older than WORKER_HISTORY_DAYS are pruned.
        self.WORKER_SEND_REMINDERS_SECONDS = int(
            _env("PORTAL_WORKER_SEND_REMINDERS_SECONDS", "3600")
        )
        self.WORKER_SEND_DIGESTS_SECONDS = int(_env("PORTAL_WORKER_SEND_DIGESTS_SECONDS", "86400"))
        self.WORKER_REFRESH_ELIGIBILITY_SECONDS = int(
            _env("PORTAL_WORKER_REFRESH_ELIGIBILITY_SECONDS", "86400")
        )
        self.WORKER_EXPIRE_POINTS_SECONDS = int(
            _env("PORTAL_WORKER_EXPIRE_POINTS_SECONDS", "86400")
        )
        self.WORKER_EXPIRE_ASKS_SECONDS = int(_env("PORTAL_WORKER_EXPIRE_ASKS_SECONDS", "3600"))
        self.WORKER_WARN_EXPIRING_CONTENT_SECONDS = int(
            _env("PORTAL_WORKER_WARN_EXPIRING_CONTENT_SECONDS", "86400")
        )
        self.WORKER_PRUNE_HISTORY_SECONDS = int(
            _env("PORTAL_WORKER_PRUNE_HISTORY_SECONDS", "86400")
        )
        self.WORKER_SEND_EXECUTIVE_SUMMARIES_SECONDS = int(
            _env("PORTAL_WORKER_SEND_EXECUTIVE_SUMMARIES_SECONDS", "86400")
        )
        self.WORKER_HISTORY_DAYS = int(_env("PORTAL_WORKER_HISTORY_DAYS", "90"))
        # --- end of the background worker block -----------------------------------------------
        # --- Demo inbox (issue 18) ---
        # Console delivery (no SMTP host) also keeps each message here as a .eml file, for the
        # administrators' Demo inbox page (portal/notifications/inbox.py).
        self.CONSOLE_MAIL_DIR = _env("PORTAL_CONSOLE_MAIL_DIR", str(Path(instance_path) / "mail"))
        # --- end Demo inbox ---
        # /readyz wants a worker heartbeat this recent (0: no worker check); /metrics answers
        # only `Authorization: Bearer <METRICS_TOKEN>` (unset: 404); LOG_FORMAT text or json.
        self.READY_WORKER_SECONDS = int(_env("PORTAL_READY_WORKER_SECONDS", "600"))
        self.METRICS_TOKEN = _env("PORTAL_METRICS_TOKEN")
        self.LOG_FORMAT = _env("PORTAL_LOG_FORMAT", "text").lower()

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    BOOTSTRAP_SERVE_LOCAL = True
    WTF_CSRF_ENABLED = True
    RATELIMIT_ENABLED = True
    RATELIMIT_HEADERS_ENABLED = True
    SIGN_IN_LIMIT = "10 per minute;50 per hour"
    REMEMBER_COOKIE_DURATION = dt.timedelta(days=30)
    RESET_LIMIT = "5 per hour"  # password reset e-mails, per address
    RESET_CLIENT_LIMIT = "10 per minute;30 per hour"  # password reset requests, per client
    RESET_MIN_SECONDS = 0.6  # each reset request takes this long, known address or not
    MFA_LIMIT = "10 per minute;30 per hour"  # two-step sign-in codes, per user and per client
    MFA_PENDING_SECONDS = 300  # time to enter the code after the password
    RESET_LINK_MAX_AGE = 2 * 3600
    MAGIC_LINK_MAX_AGE = 15 * 60
    MAGIC_LINK_LIMIT = "5 per 15 minutes"  # per address
    MAGIC_LINK_CLIENT_LIMIT = "20 per hour"  # per client address
    WEBHOOK_TIMEOUT = 10
    INVITATION_LINK_MAX_AGE = 14 * 24 * 3600
    ASK_LINK_MAX_AGE = 60 * 24 * 3600  # the ask's own respond_by ends its links sooner
    PASSWORD_MIN_LENGTH = 10
    # The program's name until an administrator sets one (program setting `program_name`).
    PROGRAM_NAME = "Customer Advocate Program"
    PER_PAGE = 25
    OUTBOX_RETRY_MAX_SECONDS = 6 * 3600  # backoff never waits longer than this
    OUTBOX_CLAIM_SECONDS = 300  # a sender's claim on a message; longer than any delivery
    OUTBOX_BATCH = 50
    CHAT_TIMEOUT = 10
    READY_DATABASE_TIMEOUT = 3  # seconds /readyz waits to connect and for its queries


class TestConfig(Config):
    """Settings for the test suite: the database comes from PORTAL_TEST_DATABASE_URL."""

    TESTING = True
    WTF_CSRF_ENABLED = False

    def __init__(self, instance_path: str) -> None:
        super().__init__(instance_path)
        # bandit B105: tests only
        self.SECRET_KEY = "test-secret-key-not-for-production"  # noqa: S105  # nosec B105
        self.RATELIMIT_STORAGE_URI = "memory://"
        self.CONSOLE_MAIL_DIR = None  # keep no copies; a test of the Demo inbox passes a folder
