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

T0 = datetime(2026, 11, 28, tzinfo=UTC)


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


def _upgrade_to(database: Database, revision: str) -> None:
    command.upgrade(alembic_config(database), revision)


def test_user_grants_survive_the_upgrade_to_groups(database_url: str) -> None:
    """A 0007 database with per-user grants keeps them, and gains group and camera-group grants."""
    database = Database(database_url)
    try:
        _upgrade_to(database, "0007")
        with database.engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO users (id, username, password_hash, role, disabled, created_at, "
                    "totp_enabled) VALUES (1, 'vera', 'x', 'viewer', false, :t, false), "
                    "(2, 'ken', 'x', 'viewer', false, :t, false)"
                ),
                {"t": T0},
            )
            connection.execute(
                sa.text(
                    "INSERT INTO cameras (id, name, source, retention_hours, enabled, masks, "
                    "mask_version, created_at, updated_at) VALUES "
                    "(1, 'door', 'test://pattern', 72, true, '[]', 0, :t, :t), "
                    "(2, 'yard', 'test://pattern', 72, true, '[]', 0, :t, :t)"
                ),
                {"t": T0},
            )
            connection.execute(
                sa.text(
                    "INSERT INTO grants (user_id, camera_id, operations, "
                    "playback_window_hours, created_by, created_at) VALUES "
                    "(1, 1, 'live,playback', 24, 'admin', :t), "
                    "(1, 2, 'live', NULL, 'admin', :t), "
                    "(2, 1, 'configure', NULL, 'cli', :t)"
                ),
                {"t": T0},
            )
        migrate(database)
        assert current_revision(database) == head_revision(database)
        with database.engine.connect() as connection:
            rows = connection.execute(
                sa.text(
                    "SELECT id, user_id, camera_id, group_id, camera_group_id, operations, "
                    "playback_window_hours, created_by FROM grants ORDER BY id"
                )
            ).all()
        assert [tuple(row) for row in rows] == [
            (1, 1, 1, None, None, "live,playback", 24, "admin"),
            (2, 1, 2, None, None, "live", None, "admin"),
            (3, 2, 1, None, None, "configure", None, "cli"),
        ]
        with database.engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO groups (id, name, description, created_at) "
                    "VALUES (1, 'guards', '', :t)"
                ),
                {"t": T0},
            )
            connection.execute(
                sa.text(
                    "INSERT INTO grants (user_id, group_id, camera_id, operations, created_by, "
                    "created_at) VALUES (NULL, 1, 1, 'live', 'admin', :t)"
                ),
                {"t": T0},
            )
        # New ids keep counting after the migrated rows (PostgreSQL's sequence survived).
        with database.engine.connect() as connection:
            assert connection.execute(sa.text("SELECT max(id) FROM grants")).scalar() == 4
    finally:
        database.dispose()


@pytest.mark.parametrize(
    ("subject", "target"),
    [
        ((None, None), (1, None)),  # no subject
        ((1, 1), (1, None)),  # two subjects
        ((1, None), (None, None)),  # no target
        ((1, None), (1, 1)),  # two targets
    ],
)
def test_a_grant_names_exactly_one_subject_and_one_target(
    database_url: str, subject: tuple[int | None, int | None], target: tuple[int | None, int | None]
) -> None:
    database = Database(database_url)
    try:
        migrate(database)
        with database.engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO users (id, username, password_hash, role, disabled, created_at, "
                    "totp_enabled) VALUES (1, 'vera', 'x', 'viewer', false, :t, false)"
                ),
                {"t": T0},
            )
            connection.execute(
                sa.text(
                    "INSERT INTO cameras (id, name, source, retention_hours, enabled, masks, "
                    "mask_version, created_at, updated_at) VALUES "
                    "(1, 'door', 'test://pattern', 72, true, '[]', 0, :t, :t)"
                ),
                {"t": T0},
            )
            connection.execute(
                sa.text(
                    "INSERT INTO groups (id, name, description, created_at) VALUES (1, 'g', '', :t)"
                ),
                {"t": T0},
            )
            connection.execute(
                sa.text(
                    "INSERT INTO camera_groups (id, name, description, created_at) "
                    "VALUES (1, 'cg', '', :t)"
                ),
                {"t": T0},
            )
        with pytest.raises(sa.exc.IntegrityError), database.engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO grants (user_id, group_id, camera_id, camera_group_id, "
                    "operations, created_by, created_at) VALUES (:user_id, :group_id, "
                    ":camera_id, :camera_group_id, 'live', 'admin', :t)"
                ),
                {
                    "user_id": subject[0],
                    "group_id": subject[1],
                    "camera_id": target[0],
                    "camera_group_id": target[1],
                    "t": T0,
                },
            )
    finally:
        database.dispose()


def test_downgrade_from_groups_keeps_user_grants(database_url: str) -> None:
    database = Database(database_url)
    try:
        migrate(database)
        with database.engine.begin() as connection:
            for statement in (
                "INSERT INTO users (id, username, password_hash, role, disabled, created_at, "
                "totp_enabled) VALUES (1, 'vera', 'x', 'viewer', false, :t, false)",
                "INSERT INTO cameras (id, name, source, retention_hours, enabled, masks, "
                "mask_version, created_at, updated_at) VALUES "
                "(1, 'door', 'test://pattern', 72, true, '[]', 0, :t, :t)",
                "INSERT INTO groups (id, name, description, created_at) VALUES (1, 'g', '', :t)",
                "INSERT INTO grants (user_id, camera_id, operations, created_by, created_at) "
                "VALUES (1, 1, 'live', 'admin', :t)",
                "INSERT INTO grants (group_id, camera_id, operations, created_by, created_at) "
                "VALUES (1, 1, 'playback', 'admin', :t)",
            ):
                connection.execute(sa.text(statement), {"t": T0})
        command.downgrade(alembic_config(database), "0007")
        with database.engine.connect() as connection:
            rows = connection.execute(
                sa.text("SELECT user_id, camera_id, operations FROM grants")
            ).all()
        assert [tuple(row) for row in rows] == [(1, 1, "live")]
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
