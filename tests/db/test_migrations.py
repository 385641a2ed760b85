import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.util.exc import CommandError

from mimamoru.db.engine import Database
from mimamoru.db.migrate import current_revision, head_revision, migrate
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
