#!/usr/bin/env bash
# Command 2: install what is missing and run the whole test suite on SpatiaLite and PostGIS.
#   Installs libsqlite3-mod-spatialite, chromium and fonts-noto-cjk (for tests/browser/),
#   mosquitto (for tests/integration/test_mqtt.py) and the Python packages (into .venv). Unless
#   FIELDAPP_TEST_POSTGRES_URL is already set, it also installs PostgreSQL and the PostGIS
#   package for its newest installed version (apt, as root or through sudo), starts that
#   cluster if nothing answers on 127.0.0.1:5432, and sets FIELDAPP_TEST_POSTGRES_URL:
#   `postgres` over TCP when that logs in without a password, else the local socket as a
#   superuser role named after you (created through `su postgres`, so run as root).
#   The suite creates a fresh PostGIS database there per run and drops it afterwards, so the
#   URL's role must be allowed CREATE DATABASE and CREATE EXTENSION postgis.
#   Extra arguments go to pytest (e.g. -k ingest, --db spatialite); with a --db that leaves
#   PostGIS out, PostgreSQL is neither installed nor needed.
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
# the browser tests drive Debian's Chromium (Playwright cannot download its own here);
# the CJK font renders the console's Chinese in their screenshots
apt_install chromium fonts-noto-cjk
# the MQTT tests start Debian's Mosquitto on a free port of their own
apt_install mosquitto
ensure_venv "dev"
cd "$ROOT"

wants_postgis() {  # unless --db names backends without postgis
    local arg next=""
    for arg in "$@"; do
        [ -n "$next" ] && { [[ "$arg" == *postgis* ]]; return; }
        case "$arg" in
            --db=*) [[ "$arg" == *postgis* ]]; return ;;
            --db) next=1 ;;
        esac
    done
    return 0
}

# PostgreSQL with PostGIS for the PostGIS half of the suite.
if [ -z "${FIELDAPP_TEST_POSTGRES_URL:-}" ] && wants_postgis "$@"; then
    [ -d /etc/postgresql ] && [ -n "$(ls /etc/postgresql 2>/dev/null)" ] || apt_install postgresql
    PG_VERSION="$(ls /etc/postgresql | sort -V | tail -1)"
    apt_install "postgresql-$PG_VERSION-postgis-3"
    if ! pg_isready -q -h 127.0.0.1 -p 5432; then
        say "starting PostgreSQL $PG_VERSION"
        pg_ctlcluster --skip-systemctl-redirect "$PG_VERSION" main start
        for _ in $(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
    fi
    if psql -h 127.0.0.1 -U postgres -d postgres -tAc "select 1" >/dev/null 2>&1; then
        export FIELDAPP_TEST_POSTGRES_URL="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    else  # password auth on TCP: use the local socket as a superuser role named after us
        me="$(id -un)"
        su postgres -c "psql -tAc \"SELECT 1 FROM pg_roles WHERE rolname='$me'\"" | grep -q 1 \
            || su postgres -c "createuser --superuser $me"
        export FIELDAPP_TEST_POSTGRES_URL="postgresql+psycopg://$me@/postgres?host=/var/run/postgresql"
    fi
fi
exec "$VENV/bin/pytest" "$@"
