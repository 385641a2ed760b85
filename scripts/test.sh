#!/usr/bin/env bash
# Install everything the test suite needs and run all of it: ruff, mypy --strict, and pytest
# (on SQLite and PostgreSQL, against a real RTSP camera and in real Chromium).
# Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/common.sh

# Chromium for the browser tests; GStreamer's RTSP server as the test camera.
ensure_debian_packages chromium python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-tools \
    gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-ugly
# The Japanese TrueType font embedded in signage and PDF reports (docs/signage.md).
ensure_debian_packages fonts-ipaexfont-gothic

postgres_up() {
    "$VENV/bin/python" - "$@" <<'PY' >/dev/null 2>&1
import socket, sys
socket.create_connection(("127.0.0.1", 5432), timeout=2).close()
PY
}

ensure_postgres() {
    if [ -n "${TEST_POSTGRES_URL:-}" ] || postgres_up; then
        return 0
    fi
    say "no PostgreSQL at 127.0.0.1:5432; installing and starting Debian's"
    ensure_debian_packages postgresql
    local version
    version="$(ls /etc/postgresql | sort -V | tail -n1)"
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    for _ in $(seq 1 30); do postgres_up && break; sleep 1; done
    postgres_up || die "PostgreSQL did not start"
    # Peer authentication over the Unix socket as the current user, with its own superuser role.
    local me
    me="$(id -un)"
    as_root su postgres -c "psql -tAc \"SELECT 1 FROM pg_roles WHERE rolname='$me'\" | grep -q 1 \
        || createuser --superuser '$me'"
    as_root su postgres -c "psql -tAc \"SELECT 1 FROM pg_database WHERE datname='test'\" | grep -q 1 \
        || createdb --owner '$me' test"
    export TEST_POSTGRES_URL="postgresql+psycopg://$me@/test?host=/var/run/postgresql"
}

ensure_venv "[dev]"
ensure_postgres

say "ruff check"
"$VENV/bin/ruff" check src tests bench
say "ruff format --check"
"$VENV/bin/ruff" format --check src tests bench
say "mypy --strict"
"$VENV/bin/mypy" --strict src
say "pytest"
exec "$VENV/bin/pytest" "$@"
