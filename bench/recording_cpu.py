"""CPU cost of recording one camera: mimamoru's recorder against the FFmpeg command line.

Both record the same source in real time into fragmented-MP4 segments for the same
duration, in the same run:

- encode: FFmpeg's testsrc2 at 1280x720, 15 fps, libx264 (veryfast, CRF 23, 1 s GOP).
  mimamoru also burns in its clock overlay, which FFmpeg's command line does not.
- copy: an H.264 file played in real time and looped, stream-copied (no decode/encode).

Reported: CPU seconds (user + system) per second of recording, and the ratio to FFmpeg
(lower is better; 1.0 means equal cost). Needs the `ffmpeg` command (Debian: ffmpeg).

    .venv/bin/python bench/recording_cpu.py [--seconds 20]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from benchlib import cpu_children, cpu_self, make_h264_input
from mimamoru.clock import SystemClock
from mimamoru.crypto.keyring import MemoryKeys
from mimamoru.media.live import LiveHub
from mimamoru.media.recorder import CameraJob, Recorder
from mimamoru.media.segmenter import FinishedSegment
from mimamoru.media.sources import parse_source
from mimamoru.media.status import CameraStatus
from mimamoru.settings import RecordingSettings
from mimamoru.storage.segments import SegmentStore

SIZE, RATE = "1280x720", 15
SETTINGS = RecordingSettings(segment_seconds=4.0, encoder_preset="veryfast", crf=23)


def run_mimamoru(source: str, seconds: float, workdir: Path) -> tuple[float, int]:
    segments: list[FinishedSegment] = []
    clock = SystemClock()
    recorder = Recorder(
        CameraJob(1, "bench", parse_source(source)),
        SETTINGS,
        SegmentStore(workdir / "mimamoru", MemoryKeys()),
        segments.append,
        LiveHub(),
        clock,
        CameraStatus(clock),
    )
    before = cpu_self()
    thread = threading.Thread(target=recorder.run)
    thread.start()
    time.sleep(seconds)
    recorder.stop()
    thread.join()
    return (cpu_self() - before) / seconds, sum(s.frame_count for s in segments)


def run_ffmpeg(input_args: list[str], codec_args: list[str], seconds: float, out: Path) -> float:
    out.mkdir(parents=True, exist_ok=True)
    command = [
        "ffmpeg",
        "-loglevel",
        "error",
        "-nostdin",
        "-re",
        *input_args,
        "-t",
        str(seconds),
        "-an",
        *codec_args,
        "-f",
        "segment",
        "-segment_time",
        str(SETTINGS.segment_seconds),
        "-segment_format",
        "mp4",
        "-segment_format_options",
        "movflags=+frag_keyframe+empty_moov+default_base_moof",
        str(out / "%05d.mp4"),
    ]
    before = cpu_children()
    subprocess.run(command, check=True)
    return (cpu_children() - before) / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    if shutil.which("ffmpeg") is None:
        sys.exit("error: this benchmark compares against the `ffmpeg` command; install it first")
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        encode_ours, frames = run_mimamoru(
            f"test://pattern?size={SIZE}&rate={RATE}", args.seconds, workdir / "enc"
        )
        encode_ffmpeg = run_ffmpeg(
            ["-f", "lavfi", "-i", f"testsrc2=size={SIZE}:rate={RATE}"],
            [
                "-c:v",
                "libx264",
                "-preset",
                "veryfast",
                "-crf",
                "23",
                "-g",
                str(RATE),
                "-tune",
                "zerolatency",
                "-pix_fmt",
                "yuv420p",
            ],
            args.seconds,
            workdir / "enc-ffmpeg",
        )
        clip = workdir / "clip.mp4"
        make_h264_input(clip, 1280, 720, RATE, 10.0)
        copy_ours, copied_frames = run_mimamoru(f"file://{clip}", args.seconds, workdir / "copy")
        copy_ffmpeg = run_ffmpeg(
            ["-stream_loop", "-1", "-i", str(clip)],
            ["-c:v", "copy"],
            args.seconds,
            workdir / "copy-ffmpeg",
        )
    result = {
        "bench": "recording_cpu",
        "seconds": args.seconds,
        "source": f"{SIZE}@{RATE}",
        "encode_cpu_per_s_mimamoru": round(encode_ours, 4),
        "encode_cpu_per_s_ffmpeg": round(encode_ffmpeg, 4),
        "encode_ratio_vs_ffmpeg": round(encode_ours / encode_ffmpeg, 3),
        "encode_frames_recorded": frames,
        "copy_cpu_per_s_mimamoru": round(copy_ours, 4),
        "copy_cpu_per_s_ffmpeg": round(copy_ffmpeg, 4),
        "copy_ratio_vs_ffmpeg": round(copy_ours / copy_ffmpeg, 3) if copy_ffmpeg else None,
        "copy_frames_recorded": copied_frames,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
