"""The supervisor: one camera's trouble never stops another; hung recorders are replaced."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from pathlib import Path

import av
import pytest

from mimamoru.clock import SystemClock
from mimamoru.crypto.keyring import MemoryKeys
from mimamoru.media.filters import FrameFilter
from mimamoru.media.live import LiveHubs
from mimamoru.media.segmenter import FinishedSegment
from mimamoru.media.status import CameraState
from mimamoru.media.supervisor import CameraDefinition, Supervisor
from mimamoru.settings import RecordingSettings
from mimamoru.storage.segments import SegmentStore
from tests.conftest import FAST_RECORDING
from tests.support.servers import free_port

GOOD = CameraDefinition(1, "good", "test://pattern?size=160x120&rate=10")
UNREACHABLE = CameraDefinition(2, "unreachable", "rtsp://127.0.0.1:{port}/x")
INVALID = CameraDefinition(3, "invalid", "ftp://nowhere/x")


class Hang:
    """A frame filter that blocks, standing in for a recorder stuck inside a library call."""

    def __init__(self) -> None:
        self.release = threading.Event()

    def apply(self, frame: av.VideoFrame, wall_time: datetime) -> av.VideoFrame:
        self.release.wait()
        return frame


def wait_until(condition: Callable[[], bool], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met")


@pytest.fixture
def make_supervisor(
    tmp_path: Path,
) -> Iterator[Callable[..., tuple[Supervisor, list[FinishedSegment]]]]:
    made: list[Supervisor] = []

    def make(
        cameras: list[CameraDefinition],
        filters_for: Callable[[CameraDefinition], Sequence[FrameFilter]] = lambda _c: (),
        **overrides: object,
    ) -> tuple[Supervisor, list[FinishedSegment]]:
        segments: list[FinishedSegment] = []
        supervisor = Supervisor(
            RecordingSettings.model_validate({**FAST_RECORDING, **overrides}),
            SegmentStore(tmp_path / "segments", MemoryKeys()),
            segments.append,
            LiveHubs(),
            SystemClock(),
            lambda: list(cameras),
            filters_for,
        )
        supervisor.start()
        made.append(supervisor)
        return supervisor, segments

    yield make
    for supervisor in made:
        supervisor.stop(timeout=5)


def test_bad_cameras_do_not_stop_a_good_one(make_supervisor) -> None:  # type: ignore[no-untyped-def]
    unreachable = CameraDefinition(2, "unreachable", f"rtsp://127.0.0.1:{free_port()}/x")
    supervisor, segments = make_supervisor([GOOD, unreachable, INVALID])
    wait_until(lambda: sum(1 for s in segments if s.camera_id == 1) >= 3)
    good = supervisor.status(1)
    assert good is not None and good.state is CameraState.RECORDING
    invalid = supervisor.status(3)
    assert invalid is not None and invalid.state is CameraState.ERROR
    assert invalid.reason and "unsupported camera source scheme 'ftp'" in invalid.reason
    wait_until(lambda: (supervisor.status(2) or good).state is CameraState.OFFLINE)


def test_cameras_added_later_are_picked_up(make_supervisor) -> None:  # type: ignore[no-untyped-def]
    cameras: list[CameraDefinition] = []
    supervisor, segments = make_supervisor(cameras)
    assert supervisor.status(1) is None
    cameras.append(GOOD)
    wait_until(lambda: bool(segments), 10)
    cameras.clear()
    wait_until(lambda: supervisor.status(1) is None, 10)


def test_a_hung_recorder_is_replaced_and_reported(make_supervisor) -> None:  # type: ignore[no-untyped-def]
    hang = Hang()
    hung = CameraDefinition(4, "hung", "test://pattern?size=160x120&rate=10")
    supervisor, segments = make_supervisor(
        [GOOD, hung],
        filters_for=lambda camera: (hang,) if camera.camera_id == 4 else (),
        watchdog_seconds=2.0,
    )
    try:
        wait_until(
            lambda: (
                (status := supervisor.status(4)) is not None
                and status.state is CameraState.ERROR
                and "stalled" in (status.reason or "")
            ),
            20,
        )
        before = sum(1 for s in segments if s.camera_id == 1)
        wait_until(lambda: sum(1 for s in segments if s.camera_id == 1) > before + 1)
    finally:
        hang.release.set()
