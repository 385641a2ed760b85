"""Frame filters: the seam between decode and encode.

A camera whose pipeline has any filter is decoded, filtered frame by frame and
re-encoded; one without filters (and with H.264 input) is stream-copied.
Privacy masks and, later, face blurring are filters; so is the clock burned
into the test pattern. Filters change pixels in place on the decoded frame, so
nothing downstream ever sees the original pixels.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

import av
import numpy as np
import numpy.typing as npt

from mimamoru.media.font import render_text


class FrameFilter(Protocol):
    def apply(self, frame: av.VideoFrame, wall_time: datetime) -> av.VideoFrame:
        """Return the filtered frame (may be the same object, changed in place)."""


def luma_plane(frame: av.VideoFrame) -> npt.NDArray[np.uint8]:
    """A writable view of the frame's Y plane (rows x visible columns)."""
    plane = frame.planes[0]
    rows = np.frombuffer(memoryview(plane), np.uint8).reshape(plane.height, plane.line_size)
    return rows[:, : plane.width]


class ClockOverlay:
    """Burns the wall-clock time (UTC) into the top-left corner of each frame."""

    def apply(self, frame: av.VideoFrame, wall_time: datetime) -> av.VideoFrame:
        if frame.format.name not in ("yuv420p", "yuvj420p", "nv12", "yuv422p", "yuv444p"):
            frame = frame.reformat(format="yuv420p")
        text = wall_time.strftime("%Y-%m-%d %H:%M:%S.") + f"{wall_time.microsecond // 100000}Z"
        luma = luma_plane(frame)
        scale = max(1, frame.height // 180)
        glyphs = render_text(text, scale)
        height, width = glyphs.shape
        margin = 2 * scale
        box_h = min(height + 2 * margin, luma.shape[0])
        box_w = min(width + 2 * margin, luma.shape[1])
        luma[:box_h, :box_w] = 16
        target = luma[margin : margin + height, margin : margin + width]
        visible = glyphs[: target.shape[0], : target.shape[1]]
        target[visible] = 235
        return frame
