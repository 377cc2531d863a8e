#!/usr/bin/env bash
# `make demo`'s server: the web process in the foreground and the worker beside it, which
# delivers the demo's e-mail (no SMTP host: to the Demo inbox) and runs the periodic jobs.
# Ctrl+C (or the web process ending any other way) stops both.
set -euo pipefail

port="${1:-5000}"
bin="${BIN:-.venv/bin}"
log="instance/worker.log"
export PORTAL_BASE_URL="${PORTAL_BASE_URL:-http://127.0.0.1:${port}}"

mkdir -p instance
# The worker prints every e-mail it delivers: into its log, so the logins above stay in view.
"$bin/flask" --app portal worker --interval 2 >>"$log" 2>&1 &
worker=$!
echo "Worker started (pid $worker, log $log)."

stop_worker() {
  if kill -0 "$worker" 2>/dev/null; then
    kill -TERM "$worker" 2>/dev/null || true
    wait "$worker" 2>/dev/null || true
    echo "Worker stopped."
  fi
}
trap stop_worker EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"$bin/flask" --app portal run --port "$port"
