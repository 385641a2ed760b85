"""Copy ↔ encode switching when masks come and go, and what stream copy really stores."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import av
import numpy as np

from mimamoru.media.status import CameraState
from mimamoru.privacy.masks import parse_masks, rasterise
from tests.media.conftest import RecorderFactory
from tests.support.media import make_h264_file, packet_payloads
from tests.support.pixels import decode_planes, erode


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


def test_masks_switch_copy_to_encode_at_once_and_back_at_a_keyframe(
    run_recorder: RecorderFactory, tmp_path: Path
) -> None:
    clip = make_h264_file(tmp_path / "clip.mp4", seconds=3.0, rate=15)
    source = set(packet_payloads(clip))
    masks = parse_masks([{"points": [[0.25, 0.25], [0.75, 0.25], [0.75, 0.75], [0.25, 0.75]]}])
    run = run_recorder(f"file://{clip}", crf=0)
    run.wait_for(lambda: len(run.segments) >= 2)
    time.sleep(0.4)  # into the middle of a GOP (keyframe every 1 s)
    run.recorder.set_masks(1, masks)
    run.wait_for(lambda: sum(1 for s in run.segments if s.mask_version == 1) >= 2)
    first_masked = next(s for s in run.segments if s.mask_version == 1)
    last_copied = max((s for s in run.segments if s.mask_version == 0), key=lambda s: s.start)
    # Not at the next keyframe: the copy stops mid-GOP and the very next frame is masked.
    # (Times here are the stream's own timeline, not how fast this machine ran.)
    assert 0 < last_copied.frame_count < 15, "the copied segment was cut mid-GOP"
    assert abs(first_masked.start - last_copied.end) <= timedelta(milliseconds=1), (
        "the masked segment continues exactly where the copy stopped"
    )
    assert run.recorder.status.snapshot().mode == "encode"
    inner = erode(rasterise(masks[0].points, 320, 240), 2)
    for segment in (s for s in run.segments if s.mask_version == 1):
        frames = decode_planes(run.path(segment))
        assert frames
        for y, _u, _v in frames:
            assert np.abs(y[inner].astype(int) - 128).max() <= 3, "masked from the change on"

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


def corrupt_copy(clip: Path, target: Path) -> Path:
    """The clip with the middle of several non-key frames overwritten with garbage."""
    data = bytearray(clip.read_bytes())
    with av.open(str(clip)) as container:
        packets = [(p.pos, p.size, p.is_keyframe) for p in container.demux(video=0) if p.size]
    rng = np.random.default_rng(7)
    for position, size, keyframe in packets[3:40:6]:
        if not keyframe and position is not None and size > 40:
            data[position + 8 : position + size - 8] = rng.integers(
                0, 256, size - 16, np.uint8
            ).tobytes()
    target.write_bytes(bytes(data))
    return target


def test_corrupt_packets_are_skipped_and_counted(
    run_recorder: RecorderFactory, tmp_path: Path
) -> None:
    clip = corrupt_copy(make_h264_file(tmp_path / "clip.mp4", seconds=3.0), tmp_path / "bad.mp4")
    masks = parse_masks([{"points": [[0.1, 0.1], [0.3, 0.1], [0.3, 0.3]]}])
    run = run_recorder(f"file://{clip}")
    run.recorder.set_masks(1, masks)
    run.wait_for(lambda: run.recorder.status.snapshot().decode_errors >= 1, 20)
    run.wait_for(lambda: len(run.segments) >= 4, 20)
    run.stop()
    assert run.recorder.status.snapshot().mode == "encode"
    # Encoded segments decode cleanly; a copied one (before the masks took effect) keeps the
    # camera's bits exactly as sent, damage included.
    encoded = [segment for segment in run.segments if segment.mask_version == 1]
    assert encoded
    for segment in encoded:
        assert decode_planes(run.path(segment)), "what was stored still plays"


def test_encoder_that_cannot_open_is_an_error_and_keeps_old_recordings(
    run_recorder: RecorderFactory, tmp_path: Path
) -> None:
    clip = make_h264_file(tmp_path / "clip.mp4", seconds=2.0)
    good = run_recorder(f"file://{clip}")
    good.wait_for(lambda: len(good.segments) >= 2)
    good.stop()
    kept = {s.relative_path: good.path(s).read_bytes() for s in good.segments}
    # An x264 preset the settings would never accept reaches the real encoder here.
    broken = run_recorder("test://pattern?size=160x120&rate=10", encoder_preset="no-such-preset")
    broken.wait_for(lambda: broken.status() is CameraState.ERROR, 20)
    reason = broken.recorder.status.snapshot().reason or ""
    broken.stop()
    assert reason.startswith("H.264 encoder failed"), reason
    for relative, data in kept.items():
        assert good.store.read_plaintext(relative) == data
