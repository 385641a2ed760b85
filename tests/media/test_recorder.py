"""The recorder against real sources: the test pattern, an H.264 file and an RTSP camera."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import av
import numpy as np
import pytest

from mimamoru.media.status import CameraState
from tests.media.conftest import RecorderFactory, RecorderRun
from tests.support.http_camera import http_camera
from tests.support.media import decode_file, make_h264_file
from tests.support.servers import free_port, rtsp_camera


def assert_contiguous(run: RecorderRun, tolerance: float = 0.15) -> None:
    """Consecutive segments of one connection meet: no gap, no overlap."""
    for before, after in zip(run.segments, run.segments[1:], strict=False):
        gap = (after.start - before.end).total_seconds()
        assert abs(gap) <= tolerance, f"gap of {gap:.3f} s between segments"


def test_test_pattern_is_encoded_into_playable_segments(run_recorder: RecorderFactory) -> None:
    run = run_recorder("test://pattern?size=320x240&rate=15")
    run.wait_for(lambda: len(run.segments) >= 3)
    run.stop()
    assert run.recorder.status.snapshot().mode == "encode"
    assert_contiguous(run)
    total_frames = 0
    for segment in run.segments:
        decoded = decode_file(run.path(segment))
        assert decoded.codec == "h264"
        assert (decoded.width, decoded.height) == (320, 240)
        assert decoded.frames == segment.frame_count
        assert decoded.max_gap_seconds < 0.1, "no dropped frames inside a segment"
        total_frames += decoded.frames
        wall = (segment.end - segment.start).total_seconds()
        assert wall == pytest.approx(decoded.frames / 15, abs=0.1)
    recorded = (run.segments[-1].end - run.segments[0].start).total_seconds()
    assert total_frames == pytest.approx(recorded * 15, abs=2)


def test_test_pattern_carries_a_moving_clock(run_recorder: RecorderFactory) -> None:
    run = run_recorder("test://pattern?size=320x240&rate=15")
    run.wait_for(lambda: len(run.segments) >= 2)
    run.stop()
    corners = []
    for segment in run.segments[:2]:
        with av.open(str(run.path(segment))) as container:
            frame = next(container.decode(video=0))
            corners.append(frame.to_ndarray(format="gray")[-12:, :200].astype(int))
    assert np.abs(corners[0] - corners[1]).max() > 100, "the burned-in time changed"


def test_h264_file_is_stream_copied_and_looped(
    run_recorder: RecorderFactory, tmp_path: Path
) -> None:
    clip = make_h264_file(tmp_path / "clip.mp4", seconds=2.0, rate=15)
    run = run_recorder(f"file://{clip}")
    run.wait_for(lambda: len(run.segments) >= 4)  # more than the 2 s clip: it looped
    run.stop()
    assert run.recorder.status.snapshot().mode == "copy"
    assert_contiguous(run)
    for segment in run.segments:
        decoded = decode_file(run.path(segment))
        assert decoded.frames == segment.frame_count
    # Keyframe every second, 1 s segments: whole segments hold one second of video.
    assert [segment.frame_count for segment in run.segments[:4]] == [15, 15, 15, 15]


def test_segments_are_indexed_with_hash_and_size(run_recorder: RecorderFactory) -> None:
    import hashlib

    run = run_recorder("test://pattern?size=160x120&rate=10")
    run.wait_for(lambda: len(run.segments) >= 1)
    run.stop()
    segment = run.segments[0]
    data = run.path(segment).read_bytes()
    assert segment.bytes == len(data)
    assert segment.sha256 == hashlib.sha256(data).hexdigest()
    assert not list(run.store.root.rglob("*.part")), "no half-written files after stop"


@pytest.mark.rtsp
def test_rtsp_camera_is_recorded_by_stream_copy(run_recorder: RecorderFactory) -> None:
    with rtsp_camera() as camera:
        run = run_recorder(camera.url())
        run.wait_for(lambda: len(run.segments) >= 4)
        run.stop()
    assert run.recorder.status.snapshot().mode == "copy"
    assert_contiguous(run)
    total = 0
    for segment in run.segments:
        decoded = decode_file(run.path(segment))
        assert decoded.codec == "h264"
        assert (decoded.width, decoded.height) == (320, 240)
        assert decoded.frames == segment.frame_count
        assert decoded.max_gap_seconds < 0.2
        total += decoded.frames
    span = (run.segments[-1].end - run.segments[0].start).total_seconds()
    assert total == pytest.approx(span * 15, rel=0.1)


@pytest.mark.rtsp
def test_rtsp_camera_that_goes_away_and_comes_back(run_recorder: RecorderFactory) -> None:
    port = free_port()
    with rtsp_camera(port) as camera:
        run = run_recorder(camera.url())
        run.wait_for(lambda: len(run.segments) >= 2)
    # Camera gone: the open segment is closed and kept, status says offline with a reason.
    run.wait_for(lambda: run.status() in (CameraState.OFFLINE, CameraState.STARTING), 20)
    run.wait_for(lambda: any(state is CameraState.OFFLINE for state, _ in run.states), 20)
    before = len(run.segments)
    offline_reasons = [reason for state, reason in run.states if state is CameraState.OFFLINE]
    assert all(offline_reasons), "offline always comes with a reason"
    with rtsp_camera(port):
        run.wait_for(lambda: len(run.segments) >= before + 2, 40)
        run.stop()
    assert run.thread.is_alive() is False
    starts = [segment.start for segment in run.segments]
    gaps = [
        (after.start - before_.end)
        for before_, after in zip(run.segments, run.segments[1:], strict=False)
    ]
    assert max(gaps) > timedelta(seconds=0.5), "the outage is visible as a gap in the index"
    assert starts == sorted(starts)
    assert not any(state is CameraState.ERROR for state, _ in run.states)
    for segment in run.segments:
        assert decode_file(run.path(segment)).frames == segment.frame_count


@pytest.mark.rtsp
def test_wrong_rtsp_password_never_shows_the_password(run_recorder: RecorderFactory) -> None:
    with rtsp_camera(user="viewer", password="right-password") as camera:
        run = run_recorder(camera.url("viewer:wrong-secret"))
        run.wait_for(lambda: any(state is CameraState.OFFLINE for state, _ in run.states), 20)
        run.stop()
    reasons = " ".join(reason or "" for _, reason in run.states)
    assert "wrong-secret" not in reasons
    assert not run.segments


def test_unreachable_camera_goes_offline_and_retries(run_recorder: RecorderFactory) -> None:
    run = run_recorder(f"rtsp://127.0.0.1:{free_port()}/nothing-here")
    run.wait_for(lambda: run.recorder.status.snapshot().reconnect_attempts >= 3, 30)
    run.stop()
    offline = [reason for state, reason in run.states if state is CameraState.OFFLINE]
    assert offline and all(offline)
    assert run.segments == []


def test_missing_file_is_an_error_with_the_path(run_recorder: RecorderFactory) -> None:
    run = run_recorder("file:///nonexistent/video.mp4")
    run.wait_for(lambda: run.status() is CameraState.ERROR, 20)
    reason = run.recorder.status.snapshot().reason or ""
    run.stop()
    assert "file not found: /nonexistent/video.mp4" in reason


def test_file_that_is_not_video_is_an_error(run_recorder: RecorderFactory, tmp_path: Path) -> None:
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"this is not a video" * 100)
    run = run_recorder(f"file://{junk}")
    run.wait_for(lambda: run.status() is CameraState.ERROR, 20)
    reason = run.recorder.status.snapshot().reason or ""
    run.stop()
    assert reason.startswith("not a video stream")


def test_http_mjpeg_camera_is_re_encoded_to_h264(run_recorder: RecorderFactory) -> None:
    with http_camera() as base:
        run = run_recorder(f"{base}/mjpeg")
        run.wait_for(lambda: len(run.segments) >= 2, 30)
        run.stop()
    assert run.recorder.status.snapshot().mode == "encode"
    for segment in run.segments:
        decoded = decode_file(run.path(segment))
        assert decoded.codec == "h264"
        assert (decoded.width, decoded.height) == (320, 240)
        assert decoded.frames == segment.frame_count > 0


def test_http_mp4_is_recorded_until_it_ends(run_recorder: RecorderFactory, tmp_path: Path) -> None:
    clip = make_h264_file(tmp_path / "clip.mp4", seconds=2.0, rate=15)
    with http_camera({"clip.mp4": clip}) as base:
        run = run_recorder(f"{base}/clip.mp4")
        run.wait_for(lambda: any(state is CameraState.OFFLINE for state, _ in run.states), 30)
        run.stop()
    assert run.recorder.status.snapshot().mode == "copy"
    assert sum(segment.frame_count for segment in run.segments) >= 30
    reasons = [reason for state, reason in run.states if state is CameraState.OFFLINE]
    assert "the camera closed the stream" in reasons


def test_bitrate_setting_replaces_crf(run_recorder: RecorderFactory) -> None:
    sizes = {}
    for label, options in (("low", {"bitrate_kbps": 100}), ("high", {"bitrate_kbps": 2000})):
        run = run_recorder("test://pattern?size=320x240&rate=15", **options)
        run.wait_for(lambda run=run: len(run.segments) >= 3)
        run.stop()
        middle = run.segments[1]
        seconds = (middle.end - middle.start).total_seconds()
        sizes[label] = middle.bytes * 8 / 1000 / seconds
    assert sizes["low"] < 250, sizes
    assert sizes["high"] > 3 * sizes["low"], sizes
