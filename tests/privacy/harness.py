"""Run the real recorder over a file as fast as it decodes, with masks, and collect everything."""

from __future__ import annotations

import dataclasses
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mimamoru.clock import SystemClock
from mimamoru.crypto.keyring import MemoryKeys
from mimamoru.media.live import LiveHub
from mimamoru.media.recorder import CameraJob, Recorder
from mimamoru.media.segmenter import FinishedSegment
from mimamoru.media.sources import parse_source
from mimamoru.media.status import CameraState, CameraStatus
from mimamoru.privacy.masks import Mask
from mimamoru.settings import RecordingSettings
from mimamoru.storage.segments import SegmentStore
from tests.conftest import FAST_RECORDING
from tests.support.media import plaintext_copy
from tests.support.pixels import U8Array, decode_planes


class RecordingHub(LiveHub):
    """A real hub that also keeps every byte it was asked to publish."""

    def __init__(self) -> None:
        super().__init__()
        self.stream = bytearray()
        self.inits = 0

    def publish_init(self, data: bytes) -> None:
        if self.inits == 0:
            self.stream += data
        self.inits += 1
        super().publish_init(data)

    def publish_fragment(self, data: bytes) -> None:
        if self.inits == 1:  # the first segment's stream is one playable fMP4
            self.stream += data
        super().publish_fragment(data)


@dataclass
class Run:
    recorder: Recorder
    segments: list[FinishedSegment]
    store: SegmentStore
    hub: RecordingHub
    snapshot: bytes | None = None  # the last snapshot seen while recording
    frames: list[tuple[U8Array, U8Array, U8Array]] = field(default_factory=list)


def record_file(
    source: Path,
    workdir: Path,
    masks: tuple[Mask, ...] = (),
    *,
    realtime: bool = False,
    **settings: Any,
) -> Run:
    """Record ``source`` once through (not looped); returns the decoded stored frames.

    By default x264 encodes losslessly (CRF 0), so the checks see exactly what the mask
    filter wrote, not the encoder's quantisation noise; ``test_masks_hold_at_default_quality``
    covers the shipped settings.
    """
    spec = dataclasses.replace(parse_source(f"file://{source}"), realtime=realtime, loop=False)
    options = {**FAST_RECORDING, "crf": 0, "segment_seconds": 60.0, **settings}
    store = SegmentStore(workdir / "segments", MemoryKeys())
    segments: list[FinishedSegment] = []
    clock = SystemClock()
    hub = RecordingHub()
    recorder = Recorder(
        CameraJob(1, "masked", spec, (), 1 if masks else 0, masks),
        RecordingSettings.model_validate(options),
        store,
        segments.append,
        hub,
        clock,
        CameraStatus(clock),
    )
    thread = threading.Thread(target=recorder.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    snapshot = None
    while recorder.status.state is not CameraState.OFFLINE and time.monotonic() < deadline:
        snapshot = recorder.snapshot_jpeg() or snapshot
        time.sleep(0.02)
    recorder.stop()
    thread.join(20)
    assert recorder.status.state in (CameraState.OFFLINE, CameraState.STOPPED)
    run = Run(recorder, segments, store, hub, snapshot)
    for segment in segments:
        run.frames += decode_planes(plaintext_copy(store, segment.relative_path))
    return run
