"""Run Alembic migrations at start-up, backing up a SQLite file first."""

from __future__ import annotations

import logging
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from mimamoru.db.engine import Database

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(database: Database) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = database.engine
    return config


def current_revision(database: Database) -> str | None:
    with database.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision(database: Database) -> str | None:
    return ScriptDirectory.from_config(alembic_config(database)).get_current_head()


def migrate(database: Database) -> Path | None:
    """Bring the schema to the newest revision; returns the backup path if one was made."""
    current = current_revision(database)
    head = head_revision(database)
    if current == head:
        return None
    backup = None
    if database.backend == "sqlite" and current is not None:
        backup = _backup_sqlite(database, current)
    if current is None:
        logger.info("creating database schema %s", head)
    else:
        logger.warning("migrating database schema from %s to %s", current, head)
    command.upgrade(alembic_config(database), "head")
    return backup


def _backup_sqlite(database: Database, revision: str) -> Path | None:
    path_text = database.engine.url.database
    if not path_text or path_text == ":memory:":
        return None
    source_path = Path(path_text)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    backup_path = source_path.with_name(f"{source_path.name}.{revision}.{stamp}.bak")
    # sqlite3's backup API copies a consistent snapshot even with a WAL file alongside.
    with sqlite3.connect(source_path) as source, sqlite3.connect(backup_path) as target:
        source.backup(target)
    logger.info("backed up %s to %s before migrating", source_path, backup_path)
    return backup_path
