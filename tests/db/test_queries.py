from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from mimamoru.clock import ManualClock
from mimamoru.db import cameras as camera_queries
from mimamoru.db import segments as segment_queries
from mimamoru.db import users as user_queries
from mimamoru.db.engine import Database, redact_url
from mimamoru.db.migrate import migrate
from mimamoru.db.tables import Segment
from mimamoru.errors import SettingsError

T0 = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)


@pytest.fixture
def database(database_url: str) -> Database:
    db = Database(database_url)
    migrate(db)
    yield db  # type: ignore[misc]
    db.dispose()


def test_times_round_trip_as_utc(database: Database) -> None:
    jst = datetime(2026, 11, 28, 12, 0, tzinfo=UTC).astimezone(
        __import__("zoneinfo").ZoneInfo("Asia/Tokyo")
    )
    with database.session() as session:
        camera = camera_queries.add_camera(
            session,
            name="gate",
            source="test://pattern",
            retention_hours=72,
            retention_justification=None,
            now=jst,
        )
        camera_id = camera.id
    with database.session() as session:
        row = camera_queries.camera_by_id(session, camera_id)
        assert row is not None
        assert row.created_at == datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
        assert row.created_at.tzinfo is not None


def test_naive_datetimes_are_refused(database: Database) -> None:
    with (
        pytest.raises(sa.exc.StatementError, match="naive datetime"),
        database.session() as session,
    ):
        camera_queries.add_camera(
            session,
            name="x",
            source="test://pattern",
            retention_hours=24,
            retention_justification=None,
            now=datetime(2026, 1, 1),
        )


def test_segments_in_range_are_ordered_and_overlapping(database: Database) -> None:
    with database.session() as session:
        camera = camera_queries.add_camera(
            session,
            name="door",
            source="test://pattern",
            retention_hours=72,
            retention_justification=None,
            now=T0,
        )
        for index in (2, 0, 1, 5):
            start = T0 + timedelta(seconds=4 * index)
            segment_queries.add_segment(
                session,
                Segment(
                    camera_id=camera.id,
                    start_time=start,
                    end_time=start + timedelta(seconds=4),
                    path=f"{camera.id}/x/{index}.mp4",
                    bytes=100 + index,
                    sha256="0" * 64,
                    frame_count=60,
                    codec="h264",
                    width=320,
                    height=240,
                    created_at=T0,
                ),
            )
        camera_id = camera.id
    with database.session() as session:
        found = segment_queries.segments_in_range(
            session, camera_id, T0 + timedelta(seconds=5), T0 + timedelta(seconds=12)
        )
        assert [s.bytes for s in found] == [101, 102]
        everything = segment_queries.segments_in_range(
            session, camera_id, T0, T0 + timedelta(hours=1)
        )
        assert [s.bytes for s in everything] == [100, 101, 102, 105]


def test_cameras_with_recordings_cannot_be_deleted_from_under_them(database: Database) -> None:
    with database.session() as session:
        camera = camera_queries.add_camera(
            session,
            name="yard",
            source="test://pattern",
            retention_hours=72,
            retention_justification=None,
            now=T0,
        )
        segment_queries.add_segment(
            session,
            Segment(
                camera_id=camera.id,
                start_time=T0,
                end_time=T0 + timedelta(seconds=1),
                path="1/a.mp4",
                bytes=1,
                sha256="0" * 64,
                frame_count=1,
                codec="h264",
                width=2,
                height=2,
                created_at=T0,
            ),
        )
        camera_id = camera.id
    with pytest.raises(sa.exc.IntegrityError), database.session() as session:
        session.execute(sa.text("DELETE FROM cameras WHERE id = :id"), {"id": camera_id})


def test_login_sessions_expire(database: Database) -> None:
    clock = ManualClock(T0)
    with database.session() as session:
        user = user_queries.add_user(
            session, username="u", password_hash="h", role="admin", now=clock.now()
        )
        user_queries.add_login_session(
            session,
            user_id=user.id,
            token_hash="a" * 64,
            now=T0,
            expires_at=T0 + timedelta(hours=1),
        )
    expired = user_queries.expired_login_sessions
    with database.session() as session:
        at = T0 + timedelta(minutes=30)
        assert expired(session, at, idle_before=at - timedelta(minutes=31)) == []
        assert len(expired(session, at, idle_before=at - timedelta(minutes=29))) == 1, "idle"
        assert len(expired(session, T0 + timedelta(hours=2), idle_before=T0)) == 1, "lifetime"


def test_unsupported_database_is_named() -> None:
    with pytest.raises(SettingsError, match="unsupported database 'mysql'"):
        Database("mysql://u:p@h/db")


def test_passwords_never_shown_in_urls() -> None:
    assert "secret" not in redact_url("postgresql://user:secret@db/mimamoru")
