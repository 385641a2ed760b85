"""Crashes and full disks, with real processes and a real (small) volume."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from mimamoru.clock import SystemClock
from mimamoru.services import Services
from mimamoru.storage.reconcile import reconcile_store
from mimamoru.storage.verify import LOST, verify_store
from tests.conftest import Installation
from tests.support.footage import write_segment
from tests.support.media import make_h264_file
from tests.support.processes import mimamoru, start_serve, wait_until
from tests.support.servers import free_port

FAST = {
    "MIMAMORU_RECORDING__SEGMENT_SECONDS": "1",
    "MIMAMORU_RECORDING__KEYFRAME_INTERVAL_SECONDS": "0.5",
    "MIMAMORU_RECORDING__ENCODER_PRESET": "ultrafast",
    "MIMAMORU_RECORDING__RECONCILE_SECONDS": "0.5",
    "MIMAMORU_RECORDING__RECONNECT_INITIAL_SECONDS": "0.2",
    "MIMAMORU_RECORDING__RECONNECT_MAX_SECONDS": "1",
}


def add_camera(installation: Installation, source: str) -> None:
    result = mimamoru(
        "camera",
        "add",
        "--data-dir",
        str(installation.data_dir),
        "--name",
        "c",
        "--source",
        source,
        "--purpose",
        "crime_prevention",
    )
    assert result.returncode == 0, result.stderr


def files(root: Path, pattern: str) -> list[Path]:
    return sorted(root.rglob(pattern)) if root.exists() else []


def test_kill_9_mid_segment_then_restart_is_consistent(
    installation: Installation, tmp_path: Path
) -> None:
    segments = installation.data_dir / "segments"
    add_camera(installation, "test://pattern?size=320x240&rate=15")
    with (tmp_path / "first.log").open("w") as log:
        server = start_serve(installation.data_dir, free_port(), env=FAST, log=log)
        try:
            wait_until(lambda: len(files(segments, "*.mp4")) >= 3, 60, "three segments")
            wait_until(lambda: files(segments, "*.part"), 10, "a segment being written")
        finally:
            server.send_signal(signal.SIGKILL)
            server.wait(10)
    assert files(segments, "*.part"), "killed mid-segment"

    check = mimamoru("storage", "verify", "--data-dir", str(installation.data_dir))
    assert "0 corrupt, 0 missing" in check.stdout
    assert "1 file(s) written in the last 120 s" in check.stdout
    for part in files(segments, "*.part"):  # as if the crash happened a while ago
        os.utime(part, (part.stat().st_atime, part.stat().st_mtime - 600))
    check = mimamoru("storage", "verify", "--data-dir", str(installation.data_dir))
    assert check.returncode == 1, check.stdout
    assert "unfinished:" in check.stdout and "1 unfinished file(s)" in check.stdout

    before = len(files(segments, "*.mp4"))
    with (tmp_path / "second.log").open("w") as log:
        server = start_serve(installation.data_dir, free_port(), env=FAST, log=log)
        try:
            wait_until(lambda: len(files(segments, "*.mp4")) >= before + 2, 60, "recording resumed")
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(30)
    assert server.returncode == 0, (tmp_path / "second.log").read_text()
    assert "removed 1 unfinished segment file" in (tmp_path / "second.log").read_text()
    check = mimamoru("storage", "verify", "--data-dir", str(installation.data_dir))
    assert check.returncode == 0, check.stdout
    assert "0 corrupt, 0 missing; 0 unfinished file(s), 0 unindexed file(s)" in check.stdout


def test_reconcile_reindexes_finished_files_and_reports_lost_ones(
    installation: Installation, tmp_path: Path
) -> None:
    services = Services.build(installation.settings())
    try:
        services.cameras.add(
            name="c", source="test://pattern", purposes=["crime_prevention"], actor="t"
        )
        clock = SystemClock()
        clip = make_h264_file(tmp_path / "clip.mp4", seconds=2.0, rate=10)
        # A file renamed into place by a recorder that died before indexing it.
        start = clock.now().replace(microsecond=0)
        orphan = services.store.create(1, start)
        orphan.write(clip.read_bytes())
        orphan.commit()
        junk = services.store.root / "1" / start.strftime("%Y%m%d") / "000000-000000.mp4"
        junk.write_bytes(b"not a segment")
        part = services.store.root / "1" / "x.mp4.part"
        part.write_bytes(b"half")
        gone = write_segment(services, 1, start)
        services.store.path_of(gone.path).unlink()

        report = reconcile_store(services.database, services.store, clock)

        assert (report.reindexed, report.removed_orphans, report.removed_parts, report.lost) == (
            1,
            1,
            1,
            1,
        )
        [indexed] = [
            r
            for r in services.segments.in_range(1, start, start + timedelta(hours=1))
            if r.id != gone.id
        ]
        assert indexed.path == orphan.relative.as_posix()
        assert indexed.frame_count == 20 and (indexed.width, indexed.height) == (320, 240)
        assert abs((indexed.end - indexed.start).total_seconds() - 2.0) < 0.2
        assert services.segments.get(gone.id).status == LOST  # type: ignore[union-attr]
        verify = verify_store(services.database, services.store)
        assert verify.ok == 1 and len(verify.missing) == 1 and not verify.orphans
    finally:
        services.close()


@pytest.fixture
def small_volume(installation: Installation) -> Iterator[Path]:
    """A 4 MiB tmpfs as the segment store: a disk that really fills up."""
    target = installation.data_dir / "segments"
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m,mode=0700", "tmpfs", str(target)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {mounted.stderr.strip()}")
    try:
        yield target
    finally:
        subprocess.run(["umount", "-l", str(target)], check=False)


def test_full_disk_discards_the_partial_segment_and_resumes_when_space_returns(
    installation: Installation, small_volume: Path, tmp_path: Path
) -> None:
    filler = small_volume / "filler"
    filler.write_bytes(os.urandom(2 * 1024 * 1024))
    add_camera(installation, "test://pattern?size=640x360&rate=15")
    env = {
        **FAST,
        "MIMAMORU_RECORDING__BITRATE_KBPS": "4000",  # ~0.5 MB per one-second segment
        # Only the volume filling up is under test here, not the pressure cleanup.
        "MIMAMORU_STORAGE__MIN_FREE_PERCENT": "0",
        "MIMAMORU_STORAGE__MIN_FREE_BYTES": "0",
    }
    log_path = tmp_path / "serve.log"
    with log_path.open("w") as log:
        server = start_serve(installation.data_dir, free_port(), env=env, log=log)
        try:
            wait_until(
                lambda: "No space left on device" in log_path.read_text(), 90, "the disk to fill"
            )
            wait_until(lambda: "discarding segment" in log_path.read_text(), 10, "a discard")
            kept_while_full = len(files(small_volume, "*.mp4"))
            filler.unlink()  # space returns
            wait_until(
                lambda: len(files(small_volume, "*.mp4")) > kept_while_full,
                60,
                "recording to resume",
            )
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(30)
        assert server.returncode == 0, log_path.read_text()
        check = mimamoru("storage", "verify", "--data-dir", str(installation.data_dir))
        assert check.returncode == 0, check.stdout + log_path.read_text()[-3000:]
        assert "0 corrupt, 0 missing; 0 unfinished file(s), 0 unindexed file(s)" in check.stdout
