"""Master key rotation: footage untouched, resumable after an interruption."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from mimamoru.clock import ManualClock
from mimamoru.crypto import rotation
from mimamoru.crypto.keyring import rotation_key_path
from mimamoru.crypto.master import read_key_file
from mimamoru.crypto.rotation import rotate_master_key
from mimamoru.db.engine import Database
from mimamoru.errors import MasterKeyError
from mimamoru.services import Services
from mimamoru.storage.index import SegmentRecord
from tests.conftest import Installation, make_installation
from tests.support.footage import write_segment

T0 = datetime(2026, 11, 28, 0, 0, tzinfo=UTC)


@pytest.fixture
def installation(tmp_path: Path, database_url: str) -> Installation:
    """Every test here runs on SQLite and on PostgreSQL."""
    return make_installation(tmp_path, database_url)


class Interrupted(Exception):
    pass


def footage(installation: Installation, hours: int) -> tuple[list[SegmentRecord], dict[str, str]]:
    services = Services.build(installation.settings(), ManualClock(T0))
    try:
        for name in ("a", "b"):
            services.cameras.add(
                name=name, source="test://pattern", purposes=["crime_prevention"], actor="t"
            )
        records = [
            write_segment(services, camera, T0 + timedelta(hours=hour))
            for camera in (1, 2)
            for hour in range(hours)
        ]
    finally:
        services.close()
    files = {
        r.path: hashlib.sha256(
            (installation.data_dir / "segments" / r.path).read_bytes()
        ).hexdigest()
        for r in records
    }
    return records, files


def assert_all_decrypt(installation: Installation, records: list[SegmentRecord]) -> None:
    services = Services.build(installation.settings())
    try:
        for record in records:
            plain = services.store.read_plaintext(record.path)
            assert hashlib.sha256(plain).hexdigest() == record.sha256
    finally:
        services.close()


def test_interrupted_rotation_resumes_and_all_footage_still_decrypts(
    installation: Installation,
) -> None:
    records, files = footage(installation, hours=5)  # 10 data keys
    settings = installation.settings()
    old = read_key_file(settings.master_key_path)
    seen: list[int] = []

    def stop_halfway(done: int, total: int) -> None:
        seen.append(done)
        if done >= total // 2:
            raise Interrupted

    services = Services.build(settings)
    try:
        with pytest.raises(Interrupted):
            rotate_master_key(
                settings, services.database, ManualClock(T0), batch_size=3, progress=stop_halfway
            )
    finally:
        services.close()
    assert seen and seen[-1] < 10, "stopped part way"
    assert rotation_key_path(settings).exists(), "the new key waits beside the old one"
    # Meanwhile the server runs with both keys, and new data keys go under the new one.
    assert_all_decrypt(installation, records)
    services = Services.build(settings)
    try:
        new_fingerprint = read_key_file(rotation_key_path(settings)).fingerprint
        assert services.keys.wrapping.fingerprint == new_fingerprint
        result = rotate_master_key(settings, services.database, ManualClock(T0), batch_size=3)
    finally:
        services.close()
    assert result.resumed and result.key_file_replaced
    assert result.old_fingerprint == old.fingerprint != result.new_fingerprint
    assert not rotation_key_path(settings).exists()
    new = read_key_file(settings.master_key_path)
    assert new.fingerprint == result.new_fingerprint
    assert_all_decrypt(installation, records)
    for path, digest in files.items():
        stored = (installation.data_dir / "segments" / path).read_bytes()
        assert hashlib.sha256(stored).hexdigest() == digest, "footage files untouched"


def test_old_key_is_refused_after_rotation(installation: Installation) -> None:
    footage(installation, hours=1)
    settings = installation.settings()
    old_text = settings.master_key_path.read_text()
    services = Services.build(settings)
    try:
        rotate_master_key(settings, services.database, ManualClock(T0))
    finally:
        services.close()
    with pytest.raises(MasterKeyError, match="was retired by a key rotation"):
        Services.build(installation.settings(keys={"master_key": old_text.strip()}))


def test_rotation_finishing_after_the_database_step_only_swaps_files(
    installation: Installation, monkeypatch: pytest.MonkeyPatch
) -> None:
    records, _ = footage(installation, hours=1)
    settings = installation.settings()

    def crash(_settings: object, _staged: object) -> bool:
        raise Interrupted

    services = Services.build(settings)
    try:
        with monkeypatch.context() as patch:
            patch.setattr(rotation, "_install", crash)
            with pytest.raises(Interrupted):
                rotate_master_key(settings, services.database, ManualClock(T0))
    finally:
        services.close()
    with pytest.raises(MasterKeyError, match="`mimamoru keys rotate` completes it"):
        Services.build(settings)
    # No server can start now; the rotation command works on the database alone.
    database = Database(settings.effective_database_url)
    try:
        result = rotate_master_key(settings, database, ManualClock(T0))
    finally:
        database.dispose()
    assert result.resumed and result.rewrapped == 0 and result.key_file_replaced
    assert_all_decrypt(installation, records)


def test_a_running_server_follows_a_rotation_made_by_another_process(
    installation: Installation,
) -> None:
    records, _ = footage(installation, hours=2)
    settings = installation.settings()
    running = Services.build(settings, ManualClock(T0))  # started before the rotation
    try:
        old = running.keys.wrapping.fingerprint
        database = Database(settings.effective_database_url)
        try:
            result = rotate_master_key(settings, database, ManualClock(T0))
        finally:
            database.dispose()
        for record in records:  # re-wrapped under a key the server did not start with
            plain = running.store.read_plaintext(record.path)
            assert hashlib.sha256(plain).hexdigest() == record.sha256
        fresh = write_segment(running, 1, T0 + timedelta(hours=30))
        assert running.keys.wrapping.fingerprint == result.new_fingerprint != old
    finally:
        running.close()
    assert_all_decrypt(installation, [*records, fresh])
