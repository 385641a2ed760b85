"""Copy ↔ encode switching when masks come and go, and what stream copy really stores."""

from __future__ import annotations

import time
from pathlib import Path

import av
import numpy as np

from mimamoru.privacy.masks import parse_masks, rasterise
from tests.media.conftest import RecorderFactory
from tests.support.media import make_h264_file
from tests.support.pixels import decode_planes, erode


def packet_payloads(path: Path) -> list[bytes]:
    with av.open(str(path)) as container:
        return [bytes(packet) for packet in container.demux(video=0) if packet.size]


def test_copy_mode_stores_the_source_packets_unchanged(
    run_recorder: RecorderFactory, tmp_path: Path
) -> None:
    clip = make_h264_file(tmp_path / "clip.mp4", seconds=2.0, rate=15)
    source = set(packet_payloads(clip))
    run = run_recorder(f"file://{clip}")
    run.wait_for(lambda: len(run.segments) >= 3)
    run.stop()
    assert run.recorder.status.snapshot().mode == "copy"
    stored = [payload for s in run.segments for payload in packet_payloads(run.path(s))]
    assert stored and all(payload in source for payload in stored), "bit-exact stream copy"


def test_masks_switch_copy_to_encode_at_a_keyframe_and_back(
    run_recorder: RecorderFactory, tmp_path: Path
) -> None:
    clip = make_h264_file(tmp_path / "clip.mp4", seconds=3.0, rate=15)
    source = set(packet_payloads(clip))
    masks = parse_masks([{"points": [[0.25, 0.25], [0.75, 0.25], [0.75, 0.75], [0.25, 0.75]]}])
    run = run_recorder(f"file://{clip}", crf=0)
    run.wait_for(lambda: len(run.segments) >= 2)
    changed_at = run.recorder._clock.now()
    started = time.monotonic()
    run.recorder.set_masks(1, masks)
    run.wait_for(lambda: sum(1 for s in run.segments if s.mask_version == 1) >= 2)
    first_masked = next(s for s in run.segments if s.mask_version == 1)
    # One keyframe interval (1 s) at most, plus a little scheduling.
    assert (first_masked.start - changed_at).total_seconds() <= 1.5
    assert time.monotonic() - started < 10
    assert run.recorder.status.snapshot().mode == "encode"
    inner = erode(rasterise(masks[0].points, 320, 240), 2)
    for segment in (s for s in run.segments if s.mask_version == 1):
        frames = decode_planes(run.path(segment))
        assert frames
        for y, _u, _v in frames:
            assert np.abs(y[inner].astype(int) - 128).max() <= 3, "masked from the keyframe on"

    run.recorder.set_masks(2, ())
    run.wait_for(lambda: sum(1 for s in run.segments if s.mask_version == 2) >= 3)
    run.stop()
    assert run.recorder.status.snapshot().mode == "copy"
    # Until the next keyframe the camera is still encoding (now without masks); from the
    # keyframe on, it copies again.
    unmasked = [s for s in run.segments if s.mask_version == 2]
    for segment in unmasked[1:]:
        assert all(payload in source for payload in packet_payloads(run.path(segment)))
    versions = [s.mask_version for s in run.segments]
    assert versions == sorted(versions), "versions never interleave"


def test_snapshot_is_withheld_until_frames_carry_the_new_masks(
    run_recorder: RecorderFactory, tmp_path: Path
) -> None:
    clip = make_h264_file(tmp_path / "clip.mp4", seconds=2.0, rate=15)
    run = run_recorder(f"file://{clip}")
    run.wait_for(lambda: run.recorder.snapshot_jpeg() is not None)
    masks = parse_masks([{"points": [[0.1, 0.1], [0.9, 0.1], [0.9, 0.9], [0.1, 0.9]]}])
    run.recorder.set_masks(1, masks)
    assert run.recorder.snapshot_jpeg() is None, "no old, unmasked picture after a change"
    run.wait_for(lambda: run.recorder.snapshot_jpeg() is not None, 10)
    jpeg = run.recorder.snapshot_jpeg()
    run.stop()
    assert jpeg is not None
    import io

    with av.open(io.BytesIO(jpeg)) as container:
        gray = next(container.decode(video=0)).to_ndarray(format="gray")
    assert abs(float(gray[60:180, 60:260].mean()) - 128) < 6
