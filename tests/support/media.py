"""Test media made on the spot with PyAV (FFmpeg's test sources), and decoding checks."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av

from mimamoru.storage.segments import SegmentStore


def make_h264_file(
    path: Path, *, seconds: float = 3.0, rate: int = 15, size: str = "320x240"
) -> Path:
    """An MP4 of FFmpeg's testsrc2 encoded with libx264, one keyframe per second."""
    width, height = (int(part) for part in size.split("x"))
    source = av.open(f"testsrc2=size={size}:rate={rate}", format="lavfi")
    with av.open(str(path), "w") as output:
        stream = output.add_stream("libx264", rate=rate, options={"preset": "ultrafast"})
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.codec_context.gop_size = rate
        total = round(seconds * rate)
        for index, frame in enumerate(source.decode(video=0)):
            if index >= total:
                break
            frame.pts = index
            frame.time_base = Fraction(1, rate)
            frame.pict_type = av.video.frame.PictureType.NONE
            output.mux(stream.encode(frame))
        output.mux(stream.encode(None))
    source.close()
    return path


@dataclass(frozen=True)
class Decoded:
    frames: int
    duration: float
    width: int
    height: int
    codec: str
    first_pts_seconds: float
    max_gap_seconds: float


def decode_file(path: Path) -> Decoded:
    """Decode every frame; raises if the file is not playable."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        times: list[float] = []
        width = height = 0
        for frame in container.decode(stream):
            assert frame.time is not None
            times.append(frame.time)
            width, height = frame.width, frame.height
        codec = stream.codec_context.name
    gaps = [b - a for a, b in itertools.pairwise(times)]
    return Decoded(
        frames=len(times),
        duration=(times[-1] - times[0]) if len(times) > 1 else 0.0,
        width=width,
        height=height,
        codec=codec,
        first_pts_seconds=times[0] if times else 0.0,
        max_gap_seconds=max(gaps) if gaps else 0.0,
    )


def plaintext_copy(store: SegmentStore, relative: str) -> Path:
    """Decrypt a stored segment to a file beside the store, for tools that open paths."""
    target = store.root.parent / "plaintext" / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(store.read_plaintext(relative))
    return target


def packet_payloads(path: Path) -> list[bytes]:
    with av.open(str(path)) as container:
        return [bytes(packet) for packet in container.demux(video=0) if packet.size]
