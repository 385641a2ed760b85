"""Tampering with stored segments on disk, as `storage verify` and playback see it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from mimamoru.crypto.sealed import HEADER_SIZE, TAG_SIZE, DataKey
from mimamoru.errors import MasterKeyError
from mimamoru.services import Services
from mimamoru.storage.index import SegmentRecord
from mimamoru.storage.playback import SegmentUnavailable, open_verified
from mimamoru.storage.reconcile import reconcile_store
from mimamoru.storage.verify import CORRUPT, verify_store
from tests.conftest import Installation
from tests.support.footage import write_segment

T0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
CHUNK = 64 * 1024 + TAG_SIZE


@pytest.fixture
def services(installation: Installation) -> Iterator[Services]:
    built = Services.build(installation.settings())
    try:
        built.cameras.add(
            name="door", source="test://pattern", purposes=["crime_prevention"], actor="t"
        )
        yield built
    finally:
        built.close()


def pair(services: Services) -> tuple[SegmentRecord, SegmentRecord]:
    payload = bytes(300_000)  # identical content: only the sealing tells them apart
    one = write_segment(services, 1, T0, payload=payload)
    two = write_segment(services, 1, T0 + timedelta(seconds=4), payload=payload)
    return one, two


def corrupt_ids(services: Services) -> list[int]:
    report = verify_store(services.database, services.store)
    return sorted(problem.segment_id for problem in report.corrupt)


def test_swapped_segment_files_are_both_rejected(services: Services) -> None:
    one, two = pair(services)
    assert corrupt_ids(services) == []
    first, second = services.store.path_of(one.path), services.store.path_of(two.path)
    blob_one, blob_two = first.read_bytes(), second.read_bytes()
    first.write_bytes(blob_two)
    second.write_bytes(blob_one)
    assert corrupt_ids(services) == [one.id, two.id]
    for record in (one, two):
        with pytest.raises(SegmentUnavailable):
            open_verified(services.store, services.segments, services.segments.get(record.id))  # type: ignore[arg-type]
        assert services.segments.get(record.id).status == CORRUPT  # type: ignore[union-attr]


def test_a_chunk_swapped_between_segments_is_rejected(services: Services) -> None:
    one, two = pair(services)
    first, second = services.store.path_of(one.path), services.store.path_of(two.path)
    blob_one, blob_two = bytearray(first.read_bytes()), second.read_bytes()
    start = HEADER_SIZE + CHUNK  # the second chunk
    blob_one[start : start + CHUNK] = blob_two[start : start + CHUNK]
    first.write_bytes(bytes(blob_one))
    assert corrupt_ids(services) == [one.id]


@pytest.mark.parametrize("cut", [HEADER_SIZE + CHUNK, HEADER_SIZE + 2 * CHUNK + 7, -1])
def test_a_truncated_segment_is_rejected(services: Services, cut: int) -> None:
    one, _ = pair(services)
    path = services.store.path_of(one.path)
    path.write_bytes(path.read_bytes()[:cut])
    assert corrupt_ids(services) == [one.id]


@pytest.mark.parametrize("path", ["../x.mp4", "1/../../x.mp4", "/etc/passwd", "", "1\\..\\x"])
def test_index_paths_cannot_leave_the_store(services: Services, path: str) -> None:
    with pytest.raises(ValueError, match="escapes the store"):
        services.store.path_of(path)


class UnloadableKeys:
    """A key source whose master key cannot be loaded right now (the edge being faked)."""

    def key_for(self, camera_id: int, when: datetime) -> DataKey:
        raise MasterKeyError("master key 0123456789abcdef is not loaded")

    def key_by_id(self, key_id: int) -> DataKey:
        raise MasterKeyError("master key 0123456789abcdef is not loaded")


def test_an_unloadable_key_neither_deletes_nor_condemns_footage(services: Services) -> None:
    indexed, _ = pair(services)
    orphan = services.store.create(1, T0 + timedelta(minutes=5))
    orphan.write(bytes(1000))
    orphan.commit()
    services.store.keys = UnloadableKeys()

    report = reconcile_store(services.database, services.store, services.clock)
    assert (report.kept_orphans, report.removed_orphans) == (1, 0)
    assert orphan.final_path.exists(), "an unverifiable file is kept, not deleted"
    with pytest.raises(SegmentUnavailable) as refused:
        open_verified(services.store, services.segments, indexed)
    assert refused.value.http_status == 503
    assert services.segments.get(indexed.id).status == "ok"  # type: ignore[union-attr]
