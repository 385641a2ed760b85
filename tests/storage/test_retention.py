"""Retention by crypto-shredding, evidence holds and disk pressure, with a controlled clock."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from mimamoru.clock import ManualClock
from mimamoru.crypto.keyring import KeyDestroyed
from mimamoru.crypto.sealed import SealedReader
from mimamoru.db.tables import AuditEvent, DataKeyRecord, DeletionRecord
from mimamoru.services import Services
from mimamoru.storage.retention import DISK_PRESSURE, RETENTION
from mimamoru.storage.segments import StorageFull, segment_context
from tests.conftest import Installation, make_installation
from tests.support.footage import write_segment

T0 = datetime(2026, 11, 1, 0, 0, tzinfo=UTC)


class FolderQuota:
    """A volume as big as the test says, holding exactly the store's real files."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.total = 0

    def used(self) -> int:
        return sum(path.stat().st_size for path in self.root.rglob("*") if path.is_file())

    def usage(self) -> tuple[int, int]:
        return max(0, self.total - self.used()), self.total


def move_to(clock: ManualClock, when: datetime) -> None:
    clock.advance((when - clock.now()).total_seconds())


@pytest.fixture
def installation(tmp_path: Path, database_url: str) -> Installation:
    """Every test here runs on SQLite and on PostgreSQL."""
    return make_installation(tmp_path, database_url)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture
def services(installation: Installation, clock: ManualClock) -> Iterator[Services]:
    built = Services.build(installation.settings(), clock)
    try:
        built.cameras.add(
            name="door",
            source="test://pattern",
            retention_hours=24,
            purposes=["crime_prevention"],
            actor="t",
        )
        built.cameras.add(
            name="yard",
            source="test://pattern",
            retention_hours=48,
            purposes=["crime_prevention"],
            actor="t",
        )
        yield built
    finally:
        built.close()


def day_of_segments(services: Services, camera_id: int, hours: int = 24) -> list[int]:
    """One 4-second segment every 30 minutes for ``hours`` from T0."""
    return [
        write_segment(services, camera_id, T0 + timedelta(minutes=30 * n)).id
        for n in range(hours * 2)
    ]


def live_keys(services: Services, camera_id: int) -> list[DataKeyRecord]:
    with services.database.session() as session:
        return list(
            session.scalars(
                select(DataKeyRecord).where(
                    DataKeyRecord.camera_id == camera_id, DataKeyRecord.wrapped.is_not(None)
                )
            )
        )


def test_expired_footage_and_its_keys_are_gone_even_from_copies(
    services: Services, clock: ManualClock, tmp_path: Path
) -> None:
    day_of_segments(services, 1)
    day_of_segments(services, 2)
    first = services.segments.in_range(1, T0, T0 + timedelta(minutes=1))[0]
    copy = tmp_path / "stolen-copy.mp4"
    shutil.copy(services.store.path_of(first.path), copy)
    assert len(live_keys(services, 1)) == 24

    move_to(clock, T0 + timedelta(hours=24 + 12))  # camera 1 (24 h): the first 12 h expired
    report = services.retention.sweep()

    remaining = services.segments.in_range(1, T0, T0 + timedelta(days=3))
    assert len(remaining) == 24 and remaining[0].start == T0 + timedelta(hours=12)
    assert not services.store.path_of(first.path).exists()
    assert len(live_keys(services, 1)) == 12, "one key per expired hour destroyed"
    assert len(services.segments.in_range(2, T0, T0 + timedelta(days=3))) == 48
    with pytest.raises(KeyDestroyed, match="destroyed"):
        services.keys.key_by_id(first.key_id or 0)
    # A fresh process (no cache) cannot decrypt the copy either.
    fresh = Services.build(services.settings)
    try:
        with copy.open("rb") as handle, pytest.raises(KeyDestroyed):
            SealedReader(
                handle,
                copy.stat().st_size,
                fresh.keys.key_by_id,
                segment_context(first.path),
            )
    finally:
        fresh.close()

    [record] = report.deletions
    assert record.reason == RETENTION and record.camera_id == 1
    assert record.segment_count == 24 and record.keys_destroyed == 12
    assert record.bytes == sum(r.stored_bytes for r in [first]) * 24
    assert record.period_start == T0
    assert record.period_end == T0 + timedelta(hours=11, minutes=30, seconds=4)
    with services.database.session() as session:
        row = session.get(DeletionRecord, record.id)
        assert row is not None
        assert len(json.loads(row.detail)["destroyed_key_ids"]) == 12
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "storage.delete.retention")
        ).one()
        assert json.loads(event.detail)["deletion_record"] == record.id
    assert services.audit.verify().ok
    assert services.retention.sweep().deletions == (), "a second sweep finds nothing"


def test_held_footage_and_its_keys_survive_retention_until_released(
    services: Services, clock: ManualClock
) -> None:
    day_of_segments(services, 1)
    hold = services.holds.place(
        camera_id=1,
        start=T0 + timedelta(hours=2),
        end=T0 + timedelta(hours=3),
        reason="Incident 2026-041: broken window",
        expires=T0 + timedelta(days=90),
        actor="admin",
    )
    move_to(clock, T0 + timedelta(days=5))
    services.retention.sweep()
    kept = services.segments.in_range(1, T0, T0 + timedelta(days=5))
    assert [r.start for r in kept] == [T0 + timedelta(hours=2), T0 + timedelta(hours=2.5)]
    for record in kept:
        assert services.store.read_plaintext(record.path), "held footage still decrypts"
    assert len(live_keys(services, 1)) == 1

    services.holds.release(hold.id, "admin")
    services.retention.sweep()
    assert services.segments.in_range(1, T0, T0 + timedelta(days=5)) == []
    assert live_keys(services, 1) == []


def test_an_expired_hold_no_longer_protects(services: Services, clock: ManualClock) -> None:
    day_of_segments(services, 1, hours=1)
    services.holds.place(
        camera_id=1,
        start=T0,
        end=T0 + timedelta(hours=1),
        reason="Short review",
        expires=T0 + timedelta(days=2),
        actor="admin",
    )
    move_to(clock, T0 + timedelta(days=1, hours=2))
    services.retention.sweep()
    assert len(services.segments.in_range(1, T0, T0 + timedelta(days=3))) == 2
    move_to(clock, T0 + timedelta(days=2, hours=1))
    services.retention.sweep()
    assert services.segments.in_range(1, T0, T0 + timedelta(days=3)) == []


def test_disk_pressure_deletes_oldest_unheld_first_and_never_held(
    installation: Installation, clock: ManualClock
) -> None:
    keep_free = 10 * 1024**2
    services = Services.build(
        installation.settings(storage={"min_free_percent": 0, "min_free_bytes": keep_free}), clock
    )
    try:
        check_pressure(services, clock, keep_free)
    finally:
        services.close()


def check_pressure(services: Services, clock: ManualClock, keep_free: int) -> None:
    services.cameras.add(
        name="door", source="test://pattern", purposes=["crime_prevention"], actor="t"
    )
    services.cameras.add(
        name="yard", source="test://pattern", purposes=["crime_prevention"], actor="t"
    )
    move_to(clock, T0 + timedelta(hours=5))
    door = day_of_segments(services, 1, hours=2)  # T0, T0+30m, .., T0+90m
    yard = [write_segment(services, 2, T0 + timedelta(minutes=15 + 30 * n)).id for n in range(4)]
    services.holds.place(
        camera_id=1,
        start=T0,
        end=T0 + timedelta(minutes=31),
        reason="Evidence",
        expires=T0 + timedelta(days=30),
        actor="admin",
    )
    quota = FolderQuota(services.store.root)
    services.retention.space = quota
    segment = services.segments.get(door[0])
    assert segment is not None
    # A volume just under three segments short of the space to keep free.
    quota.total = quota.used() + keep_free - 3 * segment.stored_bytes + 1
    report = services.retention.sweep()
    gone = [i for i in door + yard if services.segments.get(i) is None]
    # Oldest first across cameras (yard 0:15, yard 0:45, door 1:00), skipping held door 0:00/0:30.
    assert gone == [door[2], yard[0], yard[1]]
    assert report.paused is None
    assert {item.reason for item in report.deletions} == {DISK_PRESSURE}
    assert sum(item.segment_count for item in report.deletions) == 3

    quota.total = quota.used()  # nothing unheld can make enough room
    report = services.retention.sweep()
    assert services.segments.get(door[0]) is not None, "held footage is never deleted"
    assert services.segments.get(door[1]) is not None
    assert [i for i in door + yard if services.segments.get(i) is not None] == door[:2]
    assert report.paused is not None and "evidence hold" in report.paused
    with pytest.raises(StorageFull, match="recording paused"):
        services.store.create(1, clock.now())
    with services.database.session() as session:
        assert session.scalars(select(AuditEvent).where(AuditEvent.action == "storage.full")).all()

    quota.total = quota.used() + 2 * keep_free  # space came back
    assert services.retention.sweep().paused is None
    services.store.create(1, clock.now()).discard()  # recording may resume


def test_small_batches_step_over_held_and_younger_footage(
    services: Services, clock: ManualClock
) -> None:
    # Two cameras interleaved in time; camera 2 keeps 48 h, camera 1 only 24 h.
    for n in range(12):
        for camera in (1, 2):
            write_segment(services, camera, T0 + timedelta(minutes=10 * n + camera))
    services.holds.place(
        camera_id=1,
        start=T0 + timedelta(minutes=30),
        end=T0 + timedelta(minutes=45),
        reason="Evidence",
        expires=T0 + timedelta(days=30),
        actor="admin",
    )
    services.retention.batch_size = 2
    move_to(clock, T0 + timedelta(hours=30))
    report = services.retention.sweep()
    left_one = [r.start for r in services.segments.in_range(1, T0, T0 + timedelta(days=3))]
    assert left_one == [T0 + timedelta(minutes=31), T0 + timedelta(minutes=41)]
    assert len(services.segments.in_range(2, T0, T0 + timedelta(days=3))) == 12
    [record] = report.deletions
    assert (record.camera_id, record.segment_count) == (1, 10)
