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


def plane_view(frame: av.VideoFrame, index: int) -> npt.NDArray[np.uint8]:
    """A writable view of one plane of a planar frame (rows x visible columns)."""
    plane = frame.planes[index]
    rows = np.frombuffer(memoryview(plane), np.uint8).reshape(plane.height, plane.line_size)
    return rows[:, : plane.width]


def luma_plane(frame: av.VideoFrame) -> npt.NDArray[np.uint8]:
    return plane_view(frame, 0)


class ClockOverlay:
    """Burns the wall-clock time (UTC), white on black, into the bottom-left corner.

    Expects a yuv420p frame (the pipeline converts to it before filtering).
    """

    def apply(self, frame: av.VideoFrame, wall_time: datetime) -> av.VideoFrame:
        text = wall_time.strftime("%Y-%m-%d %H:%M:%S.") + f"{wall_time.microsecond // 100000}Z"
        luma = luma_plane(frame)
        scale = max(1, frame.height // 180)
        glyphs = render_text(text, scale)
        margin = 2 * scale
        box_h = min(glyphs.shape[0] + 2 * margin, luma.shape[0]) & ~1
        box_w = min(glyphs.shape[1] + 2 * margin, luma.shape[1]) & ~1
        top = (luma.shape[0] - box_h) & ~1
        box = luma[top : top + box_h, :box_w]
        box[:] = 16
        target = box[margin : margin + glyphs.shape[0], margin : margin + glyphs.shape[1]]
        target[glyphs[: target.shape[0], : target.shape[1]]] = 235
        for chroma_index in (1, 2):  # neutral chroma: grey text, not tinted by the picture
            plane_view(frame, chroma_index)[top // 2 : (top + box_h) // 2, : box_w // 2] = 128
        return frame
