"""gunicorn settings for the portal: `gunicorn 'portal:create_app()'` reads this file from the
working directory (or `gunicorn -c /path/to/gunicorn.conf.py ...`). Every value can be changed
with an environment variable, so the same file serves systemd, containers and a laptop."""

import multiprocessing
import os

# Where to listen. Behind a proxy on the same machine keep 127.0.0.1; in a container 0.0.0.0.
bind = os.environ.get("PORTAL_BIND", "127.0.0.1:8000")

# The app is synchronous and spends most of a request waiting for PostgreSQL: two processes per
# core, at most 8 per machine (add machines rather than processes beyond that, as each process
# holds its own database connections).
workers = int(os.environ.get("WEB_CONCURRENCY", min(2 * multiprocessing.cpu_count(), 8)))
threads = int(os.environ.get("PORTAL_WEB_THREADS", "1"))

# A request that takes longer than this is killed (and logged); the longest pages take about a
# second, CSV imports of 50,000 rows about 20 s.
timeout = int(os.environ.get("PORTAL_WEB_TIMEOUT", "60"))
# On SIGTERM (systemd stop, docker stop, a deploy) each process finishes the requests in hand
# for up to this long before it is killed; keep it below the service manager's stop timeout.
graceful_timeout = int(os.environ.get("PORTAL_WEB_GRACEFUL_TIMEOUT", "25"))
keepalive = 5  # seconds: a proxy in front reuses connections

# Recycle each process now and then (a slow leak in a dependency never grows for long).
max_requests = 5000
max_requests_jitter = 500

# The portal logs every request itself (one line with its request id, status and duration,
# JSON with PORTAL_LOG_FORMAT=json), so gunicorn's own access log stays off. Errors go to stderr,
# where systemd's journal or the container runtime collects them.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("PORTAL_WEB_LOG_LEVEL", "info")
if os.environ.get("PORTAL_LOG_FORMAT") == "json":
    # gunicorn's own lines (workers booting, timeouts, signals) in the portal's JSON shape too,
    # so a log collector parses every line of the process. Its access lines stay off: the portal
    # writes one line per request itself (a level above the access log's INFO drops them).
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "root": {"level": "INFO", "handlers": []},  # the portal adds its own handler
        "formatters": {"json": {"()": "portal.operations.logs.JsonFormatter"}},
        "handlers": {
            "error_console": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            },
            "console": {"class": "logging.NullHandler"},
        },
        "loggers": {
            "gunicorn.error": {
                "level": loglevel.upper(),
                "handlers": ["error_console"],
                "propagate": False,
                "qualname": "gunicorn.error",
            },
            "gunicorn.access": {
                "level": "WARNING",
                "handlers": ["console"],
                "propagate": False,
                "qualname": "gunicorn.access",
            },
        },
    }

# X-Forwarded-* headers: the portal itself trusts exactly PORTAL_PROXY_HOPS proxies (Werkzeug's
# ProxyFix); gunicorn must not rewrite them first. Keep this at the proxy's address (the
# default, 127.0.0.1, is right for nginx on the same machine), or set FORWARDED_ALLOW_IPS to the
# proxy's address in a container. Never "*" when clients can reach gunicorn directly.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# The workers' heartbeat files in memory, not on a possibly slow disk (containers); gunicorn
# creates them itself with mkstemp, private to its user.
_SHM = "/dev/shm"  # noqa: S108
worker_tmp_dir = _SHM if os.path.isdir(_SHM) else None


def child_exit(server, worker):
    """With PROMETHEUS_MULTIPROC_DIR set (every process's metrics added up at /metrics), drop a
    finished process's live gauges."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
