#!/usr/bin/env bash
# Command 1: install what is missing and serve fieldapp on the embedded default
# (SQLite + SpatiaLite in instance/fieldapp.db) with the demo county loaded.
#   FIELDAPP_HOST (127.0.0.1), FIELDAPP_PORT (8000), FIELDAPP_WORKERS (2), FIELDAPP_THREADS (4);
#   other FIELDAPP_* as in README.
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
ensure_venv "dev"
cd "$ROOT"
export FLASK_APP=wsgi
"$VENV/bin/flask" check-db
"$VENV/bin/flask" db upgrade 2>&1 | grep -v "^INFO" || true
"$VENV/bin/flask" demo load
HOST="${FIELDAPP_HOST:-127.0.0.1}"
PORT="${FIELDAPP_PORT:-8000}"
echo
echo "fieldapp is starting at http://$HOST:$PORT  (API docs: http://$HOST:$PORT/api/v1/docs)"
echo "Get a token: curl -s -X POST http://$HOST:$PORT/api/v1/auth/token -H 'Content-Type: application/json' \\"
echo "               -d '{\"username\": \"admin\", \"password\": \"${FIELDAPP_DEMO_PASSWORD:-fieldapp-demo}\"}'"
# the settings bench/ingest.py measures: threads overlap PostgreSQL round trips
exec "$VENV/bin/gunicorn" --workers "${FIELDAPP_WORKERS:-2}" --threads "${FIELDAPP_THREADS:-4}" \
    --worker-class gthread --bind "$HOST:$PORT" --access-logfile - wsgi:app
