"""Privacy masks: mimamoru's mask pipeline against the FFmpeg command line doing the same job.

For each size (1080p and 720p, 15 fps) the benchmark makes an H.264 input of FFmpeg's
testsrc2, then, in the same run:

- mimamoru: the real recorder reads the file as fast as it can (no real-time pacing),
  decodes, burns in three rectangular gray masks, encodes with libx264 and writes
  fragmented-MP4 segments — decoder and encoder each on one thread;
- FFmpeg: ``ffmpeg -threads 1 -i IN -vf drawbox=...:t=fill,... -c:v libx264 -preset P
  -threads 1`` with the same x264 options (preset, CRF, tune, GOP) and the same
  rectangles, writing the same kind of segments.

It prints frames/s for both, the ratio (mimamoru / FFmpeg; 1.0 = as fast), CPU-seconds per
stream-hour, how many masked 1080p15 streams one core sustains, and the CPU share of one
unmasked 1080p15 camera recorded in copy mode in real time. Needs ``ffmpeg`` (Debian:
ffmpeg). The last line is JSON.

    .venv/bin/python bench/masked_recording.py [--seconds 60] [--preset veryfast]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import av

from benchlib import cpu_self, make_h264_input
from mimamoru.clock import SystemClock
from mimamoru.crypto.keyring import MemoryKeys
from mimamoru.media.live import LiveHub
from mimamoru.media.recorder import CameraJob, Recorder
from mimamoru.media.segmenter import FinishedSegment
from mimamoru.media.sources import parse_source
from mimamoru.media.status import CameraState, CameraStatus
from mimamoru.privacy.masks import Mask, parse_masks
from mimamoru.settings import RecordingSettings
from mimamoru.storage.segments import SegmentStore

RATE = 15
CRF = 23
# Rectangles as (x, y, w, h) fractions: a window, a door, a till.
RECTANGLES = [(0.05, 0.05, 0.25, 0.3), (0.6, 0.1, 0.15, 0.6), (0.35, 0.65, 0.3, 0.2)]


def masks() -> tuple[Mask, ...]:
    return parse_masks(
        [
            {"points": [[x, y], [x + w, y], [x + w, y + h], [x, y + h]], "fill": "gray"}
            for x, y, w, h in RECTANGLES
        ]
    )


def recorder_for(
    source: Path,
    workdir: Path,
    settings: RecordingSettings,
    job_masks: tuple[Mask, ...],
    realtime: bool,
) -> tuple[Recorder, list[FinishedSegment]]:
    spec = dataclasses.replace(parse_source(f"file://{source}"), realtime=realtime, loop=realtime)
    segments: list[FinishedSegment] = []
    clock = SystemClock()
    recorder = Recorder(
        CameraJob(1, "bench", spec, (), 1 if job_masks else 0, job_masks),
        settings,
        SegmentStore(workdir, MemoryKeys()),
        segments.append,
        LiveHub(),
        clock,
        CameraStatus(clock),
    )
    return recorder, segments


def run_mimamoru(source: Path, workdir: Path, preset: str) -> tuple[float, float, int]:
    """Frames per second and CPU seconds per frame of the masked pipeline."""
    settings = RecordingSettings(
        encoder_preset=preset,  # type: ignore[arg-type]
        crf=CRF,
        keyframe_interval_seconds=1.0,
        segment_seconds=4.0,
        encoder_threads=1,
        decoder_threads=1,
    )
    recorder, segments = recorder_for(source, workdir, settings, masks(), realtime=False)
    thread = threading.Thread(target=recorder.run)
    cpu_before, started = cpu_self(), time.perf_counter()
    thread.start()
    while recorder.status.state is not CameraState.OFFLINE:
        time.sleep(0.01)
    wall = time.perf_counter() - started
    cpu = cpu_self() - cpu_before
    recorder.stop()
    thread.join()
    frames = sum(segment.frame_count for segment in segments)
    return frames / wall, cpu / frames, frames


def run_ffmpeg(source: Path, workdir: Path, preset: str, width: int, height: int) -> float:
    boxes = ",".join(
        f"drawbox=x={round(x * width)}:y={round(y * height)}:w={round(w * width)}"
        f":h={round(h * height)}:color=0x808080:t=fill"
        for x, y, w, h in RECTANGLES
    )
    workdir.mkdir(parents=True, exist_ok=True)
    command = [
        "ffmpeg",
        "-loglevel",
        "error",
        "-nostdin",
        "-threads",
        "1",
        "-i",
        str(source),
        "-vf",
        boxes,
        "-filter_threads",
        "1",
        "-an",
        "-c:v",
        "libx264",
        "-preset",
        preset,
        "-tune",
        "zerolatency",
        "-crf",
        str(CRF),
        "-g",
        str(RATE),
        "-threads",
        "1",
        "-f",
        "segment",
        "-segment_time",
        "4",
        "-segment_format",
        "mp4",
        "-segment_format_options",
        "movflags=+frag_keyframe+empty_moov+default_base_moof",
        str(workdir / "%05d.mp4"),
    ]
    started = time.perf_counter()
    subprocess.run(command, check=True)
    wall = time.perf_counter() - started
    with av.open(str(source)) as container:
        frames = container.streams.video[0].frames
    return frames / wall


def copy_mode_cpu_percent(source: Path, workdir: Path, seconds: float) -> float:
    recorder, _segments = recorder_for(
        source, workdir, RecordingSettings(segment_seconds=4.0), (), realtime=True
    )
    thread = threading.Thread(target=recorder.run)
    thread.start()
    time.sleep(2)  # connected and past the first keyframe
    cpu_before, started = cpu_self(), time.perf_counter()
    time.sleep(seconds)
    cpu = cpu_self() - cpu_before
    wall = time.perf_counter() - started
    assert recorder.status.snapshot().mode == "copy"
    recorder.stop()
    thread.join()
    return 100 * cpu / wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the inputs")
    parser.add_argument("--preset", default="veryfast")
    parser.add_argument("--copy-seconds", type=float, default=20.0)
    args = parser.parse_args()
    if shutil.which("ffmpeg") is None:
        sys.exit("error: this benchmark compares against the `ffmpeg` command; install it first")
    result: dict[str, object] = {
        "bench": "masked_recording",
        "preset": args.preset,
        "input_seconds": args.seconds,
    }
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        for label, (width, height) in (("1080p", (1920, 1080)), ("720p", (1280, 720))):
            source = workdir / f"input-{label}.mp4"
            make_h264_input(source, width, height, RATE, args.seconds, preset="ultrafast")
            ours_fps, cpu_per_frame, frames = run_mimamoru(
                source, workdir / f"m-{label}", args.preset
            )
            ffmpeg_fps = run_ffmpeg(source, workdir / f"f-{label}", args.preset, width, height)
            cpu_hour = cpu_per_frame * RATE * 3600
            print(
                f"{label}: mimamoru {ours_fps:.1f} fps, ffmpeg {ffmpeg_fps:.1f} fps, "
                f"ratio {ours_fps / ffmpeg_fps:.3f}, {cpu_hour:.0f} CPU-s per stream-hour "
                f"({frames} frames)"
            )
            result[f"mimamoru_fps_{label}"] = round(ours_fps, 2)
            result[f"ffmpeg_fps_{label}"] = round(ffmpeg_fps, 2)
            result[f"ratio_vs_ffmpeg_{label}"] = round(ours_fps / ffmpeg_fps, 3)
            result[f"cpu_seconds_per_stream_hour_{label}"] = round(cpu_hour)
            if label == "1080p":
                result["masked_1080p15_streams_per_core"] = round(1 / (cpu_per_frame * RATE), 2)
                copy_percent = copy_mode_cpu_percent(source, workdir / "copy", args.copy_seconds)
                print(f"1080p15 copy mode: {copy_percent:.2f}% of one core")
                result["copy_mode_cpu_percent_1080p15"] = round(copy_percent, 2)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
