"""Property tests: masks burned into every stored frame, the snapshot and the live stream.

Random convex polygons with each fill on a high-contrast moving checkerboard, at several
sizes (odd ones included). Every frame of the stored segments is decoded and checked.
"""

from __future__ import annotations

import io
import math
import tempfile
from functools import cache
from pathlib import Path

import av
import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from mimamoru.errors import ValidationFailedError
from mimamoru.privacy.masks import Mask, parse_masks, rasterise
from tests.privacy.harness import Run, record_file
from tests.support.patterns import make_checker_video
from tests.support.pixels import (
    BoolArray,
    U8Array,
    chroma_inner,
    decode_planes,
    dilate,
    erode,
    laplacian_energy,
    psnr,
    yuv_planes,
)

SIZES = [(160, 120), (161, 121), (240, 135), (97, 75)]
FLAT = {"gray": (128, 128, 128), "black": (16, 128, 128)}


@cache
def reference(size: tuple[int, int]) -> tuple[Path, list[tuple[U8Array, U8Array, U8Array]]]:
    """The input video and its unmasked encode, made once per size."""
    workdir = Path(tempfile.mkdtemp(prefix="mimamoru-masks-"))
    source = make_checker_video(workdir / "input.mkv", *size)
    run = record_file(source, workdir / "unmasked")
    assert run.recorder.status.snapshot().mode == "encode"
    return source, run.frames


@st.composite
def convex_polygons(draw: st.DrawFn) -> list[list[float]]:
    cx = draw(st.floats(0.3, 0.7))
    cy = draw(st.floats(0.3, 0.7))
    radius = draw(st.floats(0.2, 0.3))
    count = draw(st.integers(3, 8))
    angles = sorted(
        draw(st.lists(st.floats(0, 2 * math.pi), min_size=count, max_size=count, unique=True))
    )
    points = [[cx + radius * math.cos(a), cy + radius * math.sin(a)] for a in angles]
    return [[min(1.0, max(0.0, x)), min(1.0, max(0.0, y))] for x, y in points]


def check_masked(
    frames: list[tuple[U8Array, U8Array, U8Array]],
    unmasked: list[tuple[U8Array, U8Array, U8Array]],
    mask: Mask,
    margin: int = 2,
    tolerance: int = 3,
) -> None:
    height, width = frames[0][0].shape
    inside: BoolArray = rasterise(mask.points, width, height)
    inner = erode(inside, margin)
    inner_chroma = chroma_inner(inner)
    outside = ~dilate(inside, 8)
    assert inner.sum() > 50, "the polygon is big enough to test"
    for index, (y, u, v) in enumerate(frames):
        ref_y = unmasked[index][0]
        if mask.fill in FLAT:
            expect_y, expect_u, expect_v = FLAT[mask.fill]
            assert np.abs(y[inner].astype(int) - expect_y).max() <= tolerance, f"frame {index} Y"
            assert np.abs(u[inner_chroma].astype(int) - expect_u).max() <= tolerance
            assert np.abs(v[inner_chroma].astype(int) - expect_v).max() <= tolerance
        else:
            masked_energy = laplacian_energy(y, inner)
            source_energy = laplacian_energy(ref_y, inner)
            assert masked_energy <= 0.01 * source_energy, (
                f"frame {index}: high-frequency energy {masked_energy:.0f} vs {source_energy:.0f}"
            )
        if outside.any():
            assert psnr(y, ref_y, outside) >= 30, f"frame {index}: outside the mask changed"


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    size=st.sampled_from(SIZES),
    points=convex_polygons(),
    fill=st.sampled_from(["gray", "black", "mosaic", "blur"]),
    block=st.sampled_from([8, 16, 24]),
)
def test_every_stored_frame_is_masked(
    size: tuple[int, int], points: list[list[float]], fill: str, block: int
) -> None:
    try:
        (mask,) = parse_masks([{"points": points, "fill": fill, "block_size": block}])
    except ValidationFailedError:
        assume(False)  # nearly coincident corners: not a polygon worth recording
        return
    assume(
        erode(rasterise(mask.points, size[0] - size[0] % 2, size[1] - size[1] % 2), 2).sum() > 50
    )
    source, unmasked = reference(size)
    with tempfile.TemporaryDirectory() as workdir:
        run = record_file(source, Path(workdir), (mask,))
        assert run.recorder.status.snapshot().mode == "encode"
        assert len(run.frames) == len(unmasked)
        assert {segment.mask_version for segment in run.segments} == {1}
        check_masked(run.frames, unmasked, mask)


def _gray_run(tmp_path: Path) -> tuple[Run, Mask, list[tuple[U8Array, U8Array, U8Array]]]:
    source, unmasked = reference((160, 120))
    (mask,) = parse_masks([{"points": [[0.2, 0.2], [0.7, 0.25], [0.6, 0.8], [0.15, 0.6]]}])
    return record_file(source, tmp_path, (mask,), realtime=True), mask, unmasked


def test_snapshot_and_live_stream_are_masked(tmp_path: Path) -> None:
    run, mask, unmasked = _gray_run(tmp_path)
    jpeg = run.snapshot
    assert jpeg is not None and jpeg[:2] == b"\xff\xd8"
    assert run.recorder.snapshot_jpeg() is None, "an offline camera has no current picture"
    with av.open(io.BytesIO(jpeg)) as container:
        y, u, v = yuv_planes(next(container.decode(video=0)))
    # JPEG is full range (0-255); the recording is limited range (16-235): compare alike.
    snapshot = (
        np.rint(16 + y.astype(float) * 219 / 255).astype(np.uint8),
        np.rint(16 + u.astype(float) * 224 / 255).astype(np.uint8),
        np.rint(16 + v.astype(float) * 224 / 255).astype(np.uint8),
    )
    # The snapshot is whichever frame was newest when asked: compare with that frame.
    outside = ~dilate(rasterise(mask.points, 160, 120), 8)
    reference_frame = max(unmasked, key=lambda frame: psnr(snapshot[0], frame[0], outside))
    # JPEG works on 8x8 blocks, so its edges ring further than H.264's: check further in.
    check_masked([snapshot], [reference_frame], mask, margin=8, tolerance=4)
    live = decode_planes(bytes(run.hub.stream))
    assert live, "the live stream decodes"
    check_masked(live, unmasked[: len(live)], mask)


def test_masks_hold_at_default_quality(tmp_path: Path) -> None:
    """With the shipped encoder settings (CRF 23) the detail under a mask is still gone."""
    source, _lossless = reference((160, 120))
    (gray,) = parse_masks([{"points": [[0.1, 0.1], [0.45, 0.1], [0.45, 0.9], [0.1, 0.9]]}])
    (blur,) = parse_masks(
        [{"points": [[0.55, 0.1], [0.9, 0.1], [0.9, 0.9], [0.55, 0.9]], "fill": "blur"}]
    )
    unmasked = record_file(source, tmp_path / "plain", crf=23).frames
    run = record_file(source, tmp_path / "masked", (gray, blur), crf=23)
    inside_gray = erode(rasterise(gray.points, 160, 120), 4)
    inside_blur = erode(rasterise(blur.points, 160, 120), 4)
    for (y, _u, _v), (ref_y, _ru, _rv) in zip(run.frames, unmasked, strict=True):
        assert abs(float(y[inside_gray].mean()) - 128) < 2
        assert np.abs(y[inside_gray].astype(int) - 128).max() <= 16
        for inside in (inside_gray, inside_blur):
            assert laplacian_energy(y, inside) <= 0.01 * laplacian_energy(ref_y, inside)
