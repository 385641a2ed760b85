"""High-contrast moving test input, stored losslessly (FFV1) so any size works, odd ones too."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np


def checker_frame(width: int, height: int, index: int, cell: int = 4) -> np.ndarray:
    """A black/white checkerboard that moves one pixel per frame, with coloured chroma."""
    ys, xs = np.indices((height, width))
    luma = (((xs + index) // cell + ys // cell) % 2 * 219 + 16).astype(np.uint8)
    chroma_h, chroma_w = (height + 1) // 2, (width + 1) // 2
    u = np.full((chroma_h, chroma_w), 60 + (index * 7) % 120, np.uint8)
    v = np.full((chroma_h, chroma_w), 200 - (index * 5) % 120, np.uint8)
    return np.concatenate([luma.ravel(), u.ravel(), v.ravel()])


def make_checker_video(
    path: Path, width: int, height: int, frames: int = 12, rate: int = 10
) -> Path:
    with av.open(str(path), "w", format="matroska") as output:
        stream = output.add_stream("ffv1", rate=rate)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for index in range(frames):
            frame = av.VideoFrame(width, height, "yuv420p")
            data = checker_frame(width, height, index)
            offset = 0
            for plane in frame.planes:
                rows = np.frombuffer(memoryview(plane), np.uint8).reshape(
                    plane.height, plane.line_size
                )
                size = plane.width * plane.height
                rows[:, : plane.width] = data[offset : offset + size].reshape(
                    plane.height, plane.width
                )
                offset += size
            frame.pts = index
            frame.time_base = Fraction(1, rate)
            output.mux(stream.encode(frame))
        output.mux(stream.encode(None))
    return path
