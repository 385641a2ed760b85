"""Pixel checks for privacy masks: erosion, dilation, high-frequency energy, PSNR."""

from __future__ import annotations

import math
from pathlib import Path

import av
import numpy as np
import numpy.typing as npt

BoolArray = npt.NDArray[np.bool_]
U8Array = npt.NDArray[np.uint8]


def erode(mask: BoolArray, pixels: int) -> BoolArray:
    """Pixels whose whole (2*pixels+1)^2 neighbourhood is inside ``mask``."""
    result = mask.copy()
    height, width = mask.shape
    padded = np.zeros((height + 2 * pixels, width + 2 * pixels), bool)
    padded[pixels : pixels + height, pixels : pixels + width] = mask
    for dy in range(-pixels, pixels + 1):
        for dx in range(-pixels, pixels + 1):
            result &= padded[pixels + dy : pixels + dy + height, pixels + dx : pixels + dx + width]
    return result


def dilate(mask: BoolArray, pixels: int) -> BoolArray:
    return ~erode(~mask, pixels)


def chroma_inner(luma_inner: BoolArray) -> BoolArray:
    """Chroma samples whose 2x2 luma block lies wholly in ``luma_inner``."""
    height, width = luma_inner.shape
    trimmed = luma_inner[: height - height % 2, : width - width % 2]
    return trimmed.reshape(height // 2, 2, width // 2, 2).all(axis=(1, 3))


def laplacian_energy(plane: U8Array, where: BoolArray) -> float:
    data = plane.astype(np.float64)
    lap = np.zeros_like(data)
    lap[1:-1, 1:-1] = (
        4 * data[1:-1, 1:-1] - data[:-2, 1:-1] - data[2:, 1:-1] - data[1:-1, :-2] - data[1:-1, 2:]
    )
    return float((lap[where] ** 2).sum())


def psnr(a: U8Array, b: U8Array, where: BoolArray) -> float:
    diff = a[where].astype(np.float64) - b[where].astype(np.float64)
    mse = float((diff**2).mean()) if diff.size else 0.0
    return math.inf if mse == 0 else 10 * math.log10(255**2 / mse)


def yuv_planes(frame: av.VideoFrame) -> tuple[U8Array, U8Array, U8Array]:
    frame = frame.reformat(format="yuv420p")
    planes = []
    for index in range(3):
        plane = frame.planes[index]
        rows = np.frombuffer(memoryview(plane), np.uint8).reshape(plane.height, plane.line_size)
        planes.append(rows[:, : plane.width].copy())
    return planes[0], planes[1], planes[2]


def decode_planes(path: Path | bytes) -> list[tuple[U8Array, U8Array, U8Array]]:
    import io

    source: object = io.BytesIO(path) if isinstance(path, bytes) else str(path)
    with av.open(source) as container:  # type: ignore[call-overload]
        return [yuv_planes(frame) for frame in container.decode(video=0)]
