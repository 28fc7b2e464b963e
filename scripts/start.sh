#!/usr/bin/env bash
# Command 1: install what is missing and serve fieldapp on the embedded default
# (SQLite + SpatiaLite in instance/fieldapp.db) with the demo county loaded.
#   Installs libsqlite3-mod-spatialite (apt, as root or through sudo) and the Python
#   packages (PyPI, into .venv), migrates the database, runs `flask demo load` (safe to
#   rerun; it prints the demo logins), prints the URLs, then runs gunicorn in the foreground
#   (Ctrl-C stops it; requests are logged to stdout) with `flask worker` beside it, which runs
#   the background jobs and their schedule and stops with it.
#   FIELDAPP_HOST (127.0.0.1), FIELDAPP_PORT (8000), FIELDAPP_WORKERS (2), FIELDAPP_THREADS (4);
#   other FIELDAPP_* settings as in the README (FIELDAPP_DATABASE_URL serves PostGIS instead).
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
ensure_venv "dev"
cd "$ROOT"
export FLASK_APP=wsgi

backend="$("$VENV/bin/flask" check-db)"  # one line saying what to install if it fails

# Alembic logs every revision it applies at INFO, some over several lines: show a record
# only when it is a warning or an error, and everything when the upgrade fails.
if ! upgrade_log="$("$VENV/bin/flask" db upgrade 2>&1)"; then
    printf '%s\n' "$upgrade_log" >&2
    say "database migration failed"
    exit 1
fi
printf '%s\n' "$upgrade_log" |
    awk 'BEGIN { keep = 1 } /^[A-Z]+ +\[/ { keep = ($1 != "INFO" && $1 != "DEBUG") } keep' >&2

# the demo county, its people and their last finished week (fixes sent through the ingest
# service, then evaluated); it prints the logins last, each with its password, or
# "(unchanged)" for a login that existed before and keeps its own
"$VENV/bin/flask" demo load

HOST="${FIELDAPP_HOST:-127.0.0.1}"
PORT="${FIELDAPP_PORT:-8000}"
BASE="http://$HOST:$PORT"
cat <<EOF

fieldapp is starting at $BASE  (database: $backend)
  console    $BASE/console/   (log in as inspector1 and open the first finding)
  phone page $BASE/m/   (a cadre's phone: log in as cadre1, or enrol it from the console)
  API docs   $BASE/api/v1/docs   (OpenAPI: $BASE/api/v1/openapi.json)
  health     $BASE/healthz   (database reachable: $BASE/readyz)
  jobs       flask worker runs beside it (evaluations, challenges, packages: flask jobs list)
  metrics    $BASE/metrics   (Prometheus; from this machine only)
Stop it with Ctrl-C. Requests are logged below.

EOF
# the settings bench/ingest.py measures: threads overlap PostgreSQL round trips.
# --log-level warning: gunicorn's own boot lines are left out, its errors and the access log not.
# --logger-class: both logs as JSON lines, each access line with its request's id; device
# tokens in query strings (OsmAnd's ?id=) and Authorization values written as ***
# (fieldapp/serving.py).
# GET /metrics sums every gunicorn worker's counts kept here (fieldapp/metrics.py)
export PROMETHEUS_MULTIPROC_DIR="$ROOT/instance/metrics"
rm -rf "$PROMETHEUS_MULTIPROC_DIR" && mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
"$VENV/bin/flask" worker &
worker=$!
trap 'kill -INT "$worker" 2>/dev/null; wait "$worker" 2>/dev/null' EXIT
"$VENV/bin/gunicorn" --workers "${FIELDAPP_WORKERS:-2}" --threads "${FIELDAPP_THREADS:-4}" \
    --worker-class gthread --bind "$HOST:$PORT" --log-level warning --access-logfile - \
    --logger-class fieldapp.serving.JsonLogger wsgi:app
