"""SQLite's write-ahead log is checkpointed by a background thread, not inside commits."""

from __future__ import annotations

import time
from pathlib import Path

import sqlalchemy as sa

from mimamoru.db.engine import WAL_AUTOCHECKPOINT_PAGES, Database


def test_the_thread_moves_the_log_into_the_database(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'a.db'}", checkpoint_seconds=0.05)
    checkpointer = database.checkpointer
    assert checkpointer is not None
    try:
        with database.engine.begin() as connection:
            connection.exec_driver_sql("CREATE TABLE scratch (data BLOB)")
        with database.engine.connect() as connection:
            # The commit path's own checkpoint stays, as a safety net only.
            pages = connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar()
        assert pages == WAL_AUTOCHECKPOINT_PAGES
        for _ in range(100):
            with database.engine.begin() as connection:
                connection.execute(sa.text("INSERT INTO scratch VALUES (randomblob(8000))"))
        runs = checkpointer.runs
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            last = checkpointer.last
            # A round after the last commit: every frame in the log is in the database.
            if checkpointer.runs > runs + 1 and last is not None and last[1] == last[2]:
                break
            time.sleep(0.02)
        assert last is not None and last[1] == last[2] and last[1] > 0, last
    finally:
        database.dispose()
    assert not checkpointer.alive


def test_the_thread_does_not_create_a_missing_database(tmp_path: Path) -> None:
    path = tmp_path / "not-yet.db"
    database = Database(f"sqlite:///{path}", checkpoint_seconds=0.01)
    try:
        time.sleep(0.2)  # about 20 rounds
        assert database.checkpointer is not None and database.checkpointer.runs == 0
        assert not path.exists()
    finally:
        database.dispose()


def test_only_sqlite_files_have_one(database_url: str) -> None:
    database = Database(database_url)
    try:
        assert (database.checkpointer is not None) == (database.backend == "sqlite")
    finally:
        database.dispose()
    memory = Database("sqlite://")
    try:
        assert memory.checkpointer is None
    finally:
        memory.dispose()
