"""Shared by the benchmarks: CPU clocks, generated H.264 inputs, a server process."""

from __future__ import annotations

import resource
import ssl
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import httpx


def cpu_self() -> float:
    """User + system CPU seconds of this process, all threads."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def cpu_children() -> float:
    """User + system CPU seconds of finished child processes (the FFmpeg peer)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def make_h264_input(
    path: Path, width: int, height: int, rate: int, seconds: float, preset: str = "veryfast"
) -> int:
    """FFmpeg's testsrc2 encoded with libx264, one keyframe per second; returns frames."""
    frames = round(seconds * rate)
    source = av.open(f"testsrc2=size={width}x{height}:rate={rate}", format="lavfi")
    with av.open(str(path), "w") as output:
        stream = output.add_stream("libx264", rate=rate, options={"preset": preset})
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.codec_context.gop_size = rate
        for index, frame in enumerate(source.decode(video=0)):
            if index >= frames:
                break
            frame.pts, frame.time_base = index, Fraction(1, rate)
            # Decoded test frames are marked I; x264 would obey and make every frame a key.
            frame.pict_type = av.video.frame.PictureType.NONE
            output.mux(stream.encode(frame))
        output.mux(stream.encode(None))
    source.close()
    return frames


def rounded(values: dict[str, Any]) -> dict[str, Any]:
    """Figures for the final JSON line: 4 decimals below 10, 1 above."""

    def one(value: Any) -> Any:
        if isinstance(value, float):
            return round(value, 4) if abs(value) < 10 else round(value, 1)
        return value

    return {key: one(value) for key, value in values.items()}


@contextmanager
def server_process(command: list[str], url: str, ca: ssl.SSLContext, log: Path) -> Iterator[int]:
    """Run a server process until it answers ``url``; yields its pid, stops it after."""
    with log.open("wb") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"server exited early: {log.read_text(errors='replace')}")
            try:
                if httpx.get(url, verify=ca, timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"server did not answer {url} in 60 s")
            time.sleep(0.2)
        yield process.pid
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
