"""Fixtures for running one recorder against a real source."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from mimamoru.clock import SystemClock
from mimamoru.crypto.keyring import MemoryKeys
from mimamoru.media.live import LiveHub
from mimamoru.media.recorder import CameraJob, Recorder
from mimamoru.media.segmenter import FinishedSegment
from mimamoru.media.sources import parse_source
from mimamoru.media.status import CameraState, CameraStatus
from mimamoru.settings import RecordingSettings
from mimamoru.storage.segments import SegmentStore
from tests.conftest import FAST_RECORDING
from tests.support.media import plaintext_copy


@dataclass
class RecorderRun:
    recorder: Recorder
    thread: threading.Thread
    segments: list[FinishedSegment]
    store: SegmentStore
    hub: LiveHub
    states: list[tuple[CameraState, str | None]]

    def wait_for(self, condition: Callable[[], bool], timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            assert self.thread.is_alive(), "recorder thread died"
            time.sleep(0.05)
        raise AssertionError(f"condition not met in {timeout} s; status {self.status()}")

    def status(self) -> CameraState:
        return self.recorder.status.snapshot().state

    def path(self, segment: FinishedSegment) -> Path:
        """A decrypted copy of the segment, for the media checks to open."""
        return plaintext_copy(self.store, segment.relative_path)

    def stop(self) -> None:
        self.recorder.stop()
        self.thread.join(20)
        assert not self.thread.is_alive(), "recorder did not stop"


RecorderFactory = Callable[..., RecorderRun]


@pytest.fixture
def run_recorder(tmp_path: Path) -> Iterator[RecorderFactory]:
    runs: list[RecorderRun] = []

    def start(source: str, **overrides: object) -> RecorderRun:
        values = {**FAST_RECORDING, **overrides}
        try:
            settings = RecordingSettings.model_validate(values)
        except ValueError:
            # Lets a test hand the real encoder a value the settings would refuse.
            settings = RecordingSettings.model_construct(**values)
        store = SegmentStore(tmp_path / "segments", MemoryKeys())
        segments: list[FinishedSegment] = []
        states: list[tuple[CameraState, str | None]] = []
        clock = SystemClock()
        status = _RecordingStatus(clock, states)
        hub = LiveHub()
        recorder = Recorder(
            CameraJob(1, "test", parse_source(source)),
            settings,
            store,
            segments.append,
            hub,
            clock,
            status,
        )
        thread = threading.Thread(target=recorder.run, daemon=True)
        thread.start()
        run = RecorderRun(recorder, thread, segments, store, hub, states)
        runs.append(run)
        return run

    yield start
    for run in runs:
        run.recorder.stop()
        run.thread.join(20)


class _RecordingStatus(CameraStatus):
    """A real status object that also remembers every state it passed through."""

    def __init__(self, clock: SystemClock, states: list[tuple[CameraState, str | None]]) -> None:
        super().__init__(clock)
        self._history = states

    def set_state(self, state: CameraState, reason: str | None = None) -> None:
        self._history.append((state, reason))
        super().set_state(state, reason)
