import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.util.exc import CommandError

from mimamoru.audit.log import GENESIS_HASH, AuditLog, event_hash
from mimamoru.clock import ManualClock
from mimamoru.db.engine import Database
from mimamoru.db.migrate import alembic_config, current_revision, head_revision, migrate
from mimamoru.db.tables import Base


def test_migrations_build_the_declared_schema(database_url: str) -> None:
    database = Database(database_url)
    try:
        migrate(database)
        assert current_revision(database) == head_revision(database)
        with database.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
        assert migrate(database) is None, "second run is a no-op"
    finally:
        database.dispose()


def test_sqlite_runs_in_wal_mode(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'a.db'}")
    try:
        migrate(database)
        with database.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        database.dispose()


def test_sqlite_is_backed_up_before_a_migration(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    database = Database(f"sqlite:///{path}")
    try:
        migrate(database)
        with database.engine.begin() as connection:
            connection.execute(sa.text("UPDATE alembic_version SET version_num = 'older'"))
        # Pretend another schema version is installed; Alembic does not know 'older', so the
        # upgrade fails, but only after the backup of the pre-migration state was written.
        with pytest.raises(CommandError, match="older"):
            migrate(database)
        backups = list(tmp_path.glob("a.db.older.*.bak"))
        assert backups, "backup written before migrating"
        with sqlite3.connect(backups[0]) as copy:
            assert copy.execute("SELECT version_num FROM alembic_version").fetchone() == ("older",)
    finally:
        database.dispose()


def test_0009_gives_existing_audit_entries_their_predecessor(database_url: str) -> None:
    """Entries written before 0009 get prev_id in id order; the chain still verifies and
    grows; a second entry after the same one is refused; and the way back works."""
    database = Database(database_url)
    config = alembic_config(database)
    key = b"k" * 32
    try:
        command.upgrade(config, "0007")
        prev = GENESIS_HASH
        at = datetime(2026, 11, 28, tzinfo=UTC)
        with database.engine.begin() as connection:
            for number in range(4):
                digest = event_hash(
                    key,
                    prev_hash=prev,
                    occurred_at=at,
                    actor="old",
                    action="test",
                    camera_id=None,
                    detail=f'{{"n":{number}}}',
                )
                connection.execute(
                    sa.text(
                        "INSERT INTO audit_events (occurred_at, actor, action, camera_id, "
                        "detail, prev_hash, hash) VALUES (:at, 'old', 'test', NULL, :d, :p, :h)"
                    ),
                    {
                        "at": at.replace(tzinfo=None),
                        "d": f'{{"n":{number}}}',
                        "p": prev,
                        "h": digest,
                    },
                )
                prev = digest
        migrate(database)
        with database.engine.connect() as connection:
            rows = connection.execute(
                sa.text("SELECT id, prev_id FROM audit_events ORDER BY id")
            ).all()
        ids = [row[0] for row in rows]
        assert [row[1] for row in rows] == [0, *ids[:-1]]
        log = AuditLog(database, ManualClock(at), key)
        assert log.verify().ok
        new = log.append(actor="new", action="test")
        check = log.verify()
        assert check.ok and check.events == 5 and check.head_id == new
        with pytest.raises(sa.exc.IntegrityError), database.engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO audit_events (occurred_at, actor, action, detail, prev_hash, "
                    "hash, prev_id) VALUES (:at, 'fork', 'test', '{}', :p, :p, :i)"
                ),
                {"at": at.replace(tzinfo=None), "p": "f" * 64, "i": ids[0]},
            )
        command.downgrade(config, "0007")
        with pytest.raises(sa.exc.IntegrityError), database.engine.begin() as connection:
            # prev_hash is unique again
            connection.execute(
                sa.text(
                    "INSERT INTO audit_events (occurred_at, actor, action, detail, prev_hash, "
                    "hash) VALUES (:at, 'fork', 'test', '{}', :p, :h)"
                ),
                {"at": at.replace(tzinfo=None), "p": GENESIS_HASH, "h": "f" * 64},
            )
        migrate(database)
        assert log.verify().ok
    finally:
        database.dispose()
