from datetime import UTC, datetime

import av
import numpy as np

from mimamoru.media.filters import ClockOverlay, luma_plane, plane_view
from mimamoru.media.font import render_text


def test_render_text_size_scales() -> None:
    assert render_text("12:34", 1).shape == (7, 30)
    assert render_text("1", 3).shape == (21, 18)


def test_clock_overlay_draws_into_the_frame() -> None:
    frame = av.VideoFrame.from_ndarray(
        np.full((240 * 3 // 2, 320), 128, np.uint8), format="yuv420p"
    )
    ClockOverlay().apply(frame, datetime(2026, 11, 28, 12, 34, 56, tzinfo=UTC))
    luma = luma_plane(frame)
    corner = luma[-20:, :200]
    assert (corner == 235).any(), "text pixels drawn"
    assert (corner == 16).any(), "background box drawn"
    assert (luma[:200, :] == 128).all(), "rest of the picture untouched"
    assert (plane_view(frame, 1)[-5:, :50] == 128).all(), "neutral chroma under the text"


def test_different_times_draw_different_pixels() -> None:
    frames = []
    for second in (1, 2):
        frame = av.VideoFrame.from_ndarray(
            np.zeros((120 * 3 // 2, 160), np.uint8), format="yuv420p"
        )
        ClockOverlay().apply(frame, datetime(2026, 1, 1, 0, 0, second, tzinfo=UTC))
        frames.append(luma_plane(frame).copy())
    assert not np.array_equal(frames[0], frames[1])
