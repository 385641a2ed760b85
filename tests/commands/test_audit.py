"""``mimamoru audit verify`` against a real installation, after the server anchored it."""

from __future__ import annotations

import sqlite3

from mimamoru.services import Services
from tests.conftest import Installation, ServerFactory
from tests.support.processes import mimamoru


def test_verify_passes_then_names_the_first_bad_entry(
    installation: Installation, start_server: ServerFactory
) -> None:
    server = start_server()
    with server.client() as client:
        for _ in range(3):
            server.login(client)
    server.thread.stop()  # writes the closing anchor
    server.services.close()
    data_dir = str(installation.data_dir)
    good = mimamoru("audit", "verify", "--data-dir", data_dir)
    assert good.returncode == 0, good.stderr
    assert "audit chain intact:" in good.stdout and "anchor(s)" in good.stdout
    database = installation.data_dir / "mimamoru.db"
    with sqlite3.connect(database) as connection:
        (victim,) = connection.execute(
            "SELECT id FROM audit_events WHERE action = 'auth.login' ORDER BY id LIMIT 1"
        ).fetchone()
        connection.execute("UPDATE audit_events SET actor = 'nobody' WHERE id = ?", (victim,))
    edited = mimamoru("audit", "verify", "--data-dir", data_dir)
    assert edited.returncode == 1
    assert f"error: audit chain broken: entry {victim} does not match its keyed hash" in (
        edited.stderr
    )
    with sqlite3.connect(database) as connection:
        connection.execute("UPDATE audit_events SET actor = 'admin' WHERE id = ?", (victim,))
        (last,) = connection.execute("SELECT max(id) FROM audit_events").fetchone()
        connection.execute("DELETE FROM audit_events WHERE id = ?", (last,))
    cut = mimamoru("audit", "verify", "--data-dir", data_dir)
    assert cut.returncode == 1 and "cut off the end" in cut.stderr, cut.stderr


def test_an_older_unkeyed_log_is_sealed_once(installation: Installation) -> None:
    database = installation.data_dir / "mimamoru.db"
    with sqlite3.connect(database) as connection:
        connection.execute("DELETE FROM wrapped_secrets")  # as before the chain was keyed
    services = Services.build(installation.settings())
    try:
        check = services.audit.verify()
        assert check.ok and check.events >= 2
    finally:
        services.close()
    assert mimamoru("audit", "verify", "--data-dir", str(installation.data_dir)).returncode == 0
