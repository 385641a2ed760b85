"""Migration 0012 on a database with cameras: the registry is seeded, cameras get no purpose
(so they stop recording until given one), and downgrading removes only the new tables."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import command

from mimamoru.audit.log import AuditLog
from mimamoru.cameras import NO_PURPOSE_REASON, CameraService
from mimamoru.clock import ManualClock
from mimamoru.db.engine import Database
from mimamoru.db.migrate import alembic_config, migrate

T0 = datetime(2026, 11, 28, tzinfo=UTC)


def test_upgrade_seeds_purposes_and_blocks_cameras_without_one(database_url: str) -> None:
    database = Database(database_url)
    try:
        command.upgrade(alembic_config(database), "0011")
        with database.engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO cameras (id, name, source, retention_hours, enabled, masks, "
                    "mask_version, created_at, updated_at) VALUES "
                    "(1, 'door', 'test://pattern', 72, true, '[]', 0, :t, :t)"
                ),
                {"t": T0},
            )
        migrate(database)
        with database.engine.connect() as connection:
            codes = connection.execute(sa.text("SELECT code FROM purposes ORDER BY id")).all()
        assert [row[0] for row in codes] == ["crime_prevention", "safety", "operations"]
        cameras = CameraService(
            database, ManualClock(T0), AuditLog(database, ManualClock(T0), b"k" * 32)
        )
        [door] = cameras.recorder_definitions()
        assert door.blocked_reason == NO_PURPOSE_REASON

        command.downgrade(alembic_config(database), "0011")
        with database.engine.connect() as connection:
            tables = set(sa.inspect(connection).get_table_names())
            assert "purposes" not in tables and "operator_profile" not in tables
            count = connection.execute(sa.text("SELECT count(*) FROM cameras")).scalar()
        assert count == 1
    finally:
        database.dispose()
