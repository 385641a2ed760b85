"""Privacy masks: validated polygons, rasterised once per resolution, burned into frames.

A mask is a polygon in normalised coordinates (0..1 of the frame) with a fill:
``gray`` (mid-grey), ``black``, ``mosaic`` (blocks of ``block_size`` source pixels) or
``blur`` (so coarse the content cannot be recovered). Masks are applied to every plane of
the decoded yuv420p frame — chroma included — before encoding, so the original pixels
never reach a segment, the live stream or a snapshot.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from mimamoru.errors import ValidationFailedError

Fill = Literal["gray", "black", "mosaic", "blur"]
FILLS: tuple[Fill, ...] = ("gray", "black", "mosaic", "blur")
DEFAULT_BLOCK_SIZE = 16
MAX_BLOCK_SIZE = 256
MAX_POINTS = 64
MAX_MASKS = 32
# Blur keeps only detail coarser than this fraction of the shorter frame side (at least
# 8 px): a face or a screen under it is gone, only the overall colour remains.
BLUR_FRACTION = 1 / 16
MIN_BLUR_BLOCK = 8


@dataclass(frozen=True)
class Mask:
    points: tuple[tuple[float, float], ...]
    fill: Fill = "gray"
    block_size: int = DEFAULT_BLOCK_SIZE

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"points": [list(point) for point in self.points], "fill": self.fill}
        if self.fill == "mosaic":
            data["block_size"] = self.block_size
        return data


def parse_masks(raw: Sequence[Any]) -> tuple[Mask, ...]:
    """Validate masks from JSON-like data; the error names the mask index and the reason."""
    if not isinstance(raw, list | tuple):
        raise ValidationFailedError("masks must be a list")
    if len(raw) > MAX_MASKS:
        raise ValidationFailedError(f"at most {MAX_MASKS} masks per camera")
    return tuple(_parse_one(index, item) for index, item in enumerate(raw))


def _parse_one(index: int, item: Any) -> Mask:
    def problem(reason: str) -> ValidationFailedError:
        return ValidationFailedError(f"mask {index}: {reason}")

    if not isinstance(item, dict):
        raise problem("must be an object with points and fill")
    unknown = set(item) - {"points", "fill", "block_size"}
    if unknown:
        raise problem(f"unknown field(s) {', '.join(sorted(unknown))}")
    fill = item.get("fill", "gray")
    if fill not in FILLS:
        raise problem(f"unknown fill {fill!r} (use one of {', '.join(FILLS)})")
    block_size = item.get("block_size", DEFAULT_BLOCK_SIZE)
    if isinstance(block_size, bool) or not isinstance(block_size, int):
        raise problem("block_size must be a whole number of pixels")
    if fill == "mosaic" and block_size < 2:
        raise problem(f"mosaic block size {block_size} is too small (at least 2)")
    if fill == "mosaic" and block_size > MAX_BLOCK_SIZE:
        raise problem(f"mosaic block size {block_size} is too large (at most {MAX_BLOCK_SIZE})")
    if fill != "mosaic":
        block_size = DEFAULT_BLOCK_SIZE  # only mosaic uses it
    points_raw = item.get("points")
    if not isinstance(points_raw, list | tuple):
        raise problem("points must be a list of [x, y] pairs")
    if len(points_raw) < 3:
        raise problem(f"a polygon needs at least 3 points, got {len(points_raw)}")
    if len(points_raw) > MAX_POINTS:
        raise problem(f"a polygon may have at most {MAX_POINTS} points")
    points: list[tuple[float, float]] = []
    for number, point in enumerate(points_raw):
        if (
            not isinstance(point, list | tuple)
            or len(point) != 2
            or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in point)
        ):
            raise problem(f"point {number} must be [x, y] with numbers")
        x, y = float(point[0]), float(point[1])
        if not (0.0 <= x <= 1.0 and 0.0 <= y <= 1.0):
            raise problem(f"point {number} ({x:g}, {y:g}) is outside 0..1")
        points.append((x, y))
    if _self_intersecting(points):
        raise problem("the polygon intersects itself")
    if _area(points) < 1e-9:
        raise problem("the polygon has no area")
    return Mask(tuple(points), fill, block_size)


def _area(points: Sequence[tuple[float, float]]) -> float:
    total = 0.0
    for (x1, y1), (x2, y2) in zip(points, [*points[1:], points[0]], strict=True):
        total += x1 * y2 - x2 * y1
    return abs(total) / 2


def _orientation(a: tuple[float, float], b: tuple[float, float], c: tuple[float, float]) -> int:
    value = (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
    if abs(value) < 1e-12:
        return 0
    return 1 if value > 0 else -1


def _on_segment(a: tuple[float, float], b: tuple[float, float], p: tuple[float, float]) -> bool:
    return min(a[0], b[0]) <= p[0] <= max(a[0], b[0]) and min(a[1], b[1]) <= p[1] <= max(a[1], b[1])


def _segments_cross(
    p1: tuple[float, float],
    p2: tuple[float, float],
    q1: tuple[float, float],
    q2: tuple[float, float],
) -> bool:
    o1, o2 = _orientation(p1, p2, q1), _orientation(p1, p2, q2)
    o3, o4 = _orientation(q1, q2, p1), _orientation(q1, q2, p2)
    if o1 != o2 and o3 != o4:
        return True
    return (
        (o1 == 0 and _on_segment(p1, p2, q1))
        or (o2 == 0 and _on_segment(p1, p2, q2))
        or (o3 == 0 and _on_segment(q1, q2, p1))
        or (o4 == 0 and _on_segment(q1, q2, p2))
    )


def _self_intersecting(points: Sequence[tuple[float, float]]) -> bool:
    count = len(points)
    edges = [(points[i], points[(i + 1) % count]) for i in range(count)]
    for i in range(count):
        for j in range(i + 1, count):
            if j == i + 1 or (i == 0 and j == count - 1):
                continue  # neighbours share a vertex
            if _segments_cross(*edges[i], *edges[j]):
                return True
    return False


BoolArray = npt.NDArray[np.bool_]
U8Array = npt.NDArray[np.uint8]


def rasterise(points: Sequence[tuple[float, float]], width: int, height: int) -> BoolArray:
    """Pixels whose centre lies inside the polygon (even-odd rule), as a boolean image."""
    xs = (np.arange(width, dtype=np.float64) + 0.5) / width
    ys = (np.arange(height, dtype=np.float64) + 0.5) / height
    grid_x = xs[np.newaxis, :]
    inside = np.zeros((height, width), dtype=np.bool_)
    count = len(points)
    for index in range(count):
        x1, y1 = points[index]
        x2, y2 = points[(index + 1) % count]
        if y1 == y2:
            continue
        spans = (ys >= min(y1, y2)) & (ys < max(y1, y2))
        if not spans.any():
            continue
        rows = np.nonzero(spans)[0]
        crossing = x1 + (ys[rows] - y1) * (x2 - x1) / (y2 - y1)
        inside[rows] ^= grid_x < crossing[:, np.newaxis]
    return inside


def chroma_cover(luma_mask: BoolArray, chroma_height: int, chroma_width: int) -> BoolArray:
    """Chroma samples that share any pixel with the luma mask (4:2:0), so no colour leaks."""
    padded = np.zeros((chroma_height * 2, chroma_width * 2), dtype=np.bool_)
    rows = min(luma_mask.shape[0], padded.shape[0])
    cols = min(luma_mask.shape[1], padded.shape[1])
    padded[:rows, :cols] = luma_mask[:rows, :cols]
    blocks = padded.reshape(chroma_height, 2, chroma_width, 2)
    covered: BoolArray = np.logical_or.reduce(blocks, axis=(1, 3))
    return covered


@dataclass(frozen=True)
class _PlaneRegion:
    """One mask on one plane: the bounding box and the pixels inside it."""

    top: int
    bottom: int
    left: int
    right: int
    inside: BoolArray


def _region(mask: BoolArray) -> _PlaneRegion | None:
    rows = np.nonzero(mask.any(axis=1))[0]
    cols = np.nonzero(mask.any(axis=0))[0]
    if rows.size == 0:
        return None
    top, bottom = int(rows[0]), int(rows[-1]) + 1
    left, right = int(cols[0]), int(cols[-1]) + 1
    return _PlaneRegion(top, bottom, left, right, mask[top:bottom, left:right].copy())


def _tile_means(area: U8Array, block: int) -> U8Array:
    """Mean of each ``block`` x ``block`` tile (edge tiles padded by repeating the edge)."""
    height, width = area.shape
    pad_h, pad_w = (-height) % block, (-width) % block
    padded = np.pad(area, ((0, pad_h), (0, pad_w)), mode="edge") if pad_h or pad_w else area
    tiles = padded.reshape(padded.shape[0] // block, block, padded.shape[1] // block, block)
    sums = tiles.sum(axis=(1, 3), dtype=np.uint32)
    means: U8Array = ((sums + (block * block) // 2) // (block * block)).astype(np.uint8)
    return means


def block_means(area: U8Array, block: int) -> U8Array:
    """Each pixel replaced by the mean of its ``block`` x ``block`` tile (tiles from 0,0)."""
    height, width = area.shape
    means = _tile_means(area, block)
    return np.repeat(np.repeat(means, block, axis=0), block, axis=1)[:height, :width]


def _linear_weights(
    size: int, block: int, tiles: int
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp], npt.NDArray[np.float32]]:
    """For each pixel: the two tile centres around it and the weight of the second."""
    position = (np.arange(size, dtype=np.float32) + 0.5) / block - 0.5
    position = np.clip(position, 0, tiles - 1)
    lower = np.floor(position).astype(np.intp)
    upper = np.minimum(lower + 1, tiles - 1)
    return lower, upper, (position - lower).astype(np.float32)


def smooth(area: U8Array, block: int) -> U8Array:
    """Heavy blur: tile means, then bilinear interpolation between tile centres."""
    height, width = area.shape
    means = _tile_means(area, block).astype(np.float32)
    y0, y1, wy = _linear_weights(height, block, means.shape[0])
    x0, x1, wx = _linear_weights(width, block, means.shape[1])
    rows = means[y0] * (1 - wy)[:, np.newaxis] + means[y1] * wy[:, np.newaxis]
    result = rows[:, x0] * (1 - wx) + rows[:, x1] * wx
    return np.rint(result).astype(np.uint8)


class MaskRaster:
    """All masks of one camera rasterised for one frame size (yuv420p)."""

    def __init__(self, masks: Sequence[Mask], width: int, height: int) -> None:
        self.width = width
        self.height = height
        chroma_w, chroma_h = (width + 1) // 2, (height + 1) // 2
        self._layers: list[tuple[Mask, list[_PlaneRegion | None]]] = []
        for mask in masks:
            luma = rasterise(mask.points, width, height)
            chroma = chroma_cover(luma, chroma_h, chroma_w)
            self._layers.append((mask, [_region(luma), _region(chroma), _region(chroma)]))
        blur_block = max(MIN_BLUR_BLOCK, round(min(width, height) * BLUR_FRACTION))
        self._blur_blocks = (blur_block, blur_block // 2)

    def apply(self, planes: Sequence[U8Array]) -> None:
        """Burn every mask into the Y, U and V planes, in place."""
        for mask, regions in self._layers:
            for plane_index, region in enumerate(regions):
                if region is None:
                    continue
                plane = planes[plane_index]
                area = plane[region.top : region.bottom, region.left : region.right]
                np.copyto(area, self._fill(mask, plane_index, area), where=region.inside)

    def _fill(self, mask: Mask, plane_index: int, area: U8Array) -> U8Array | np.uint8:
        chroma = plane_index > 0
        if mask.fill == "gray":
            return np.uint8(128)
        if mask.fill == "black":
            return np.uint8(128 if chroma else 16)
        if mask.fill == "mosaic":
            block = max(1, mask.block_size // 2) if chroma else mask.block_size
            return block_means(area, block)
        return smooth(area, self._blur_blocks[1] if chroma else self._blur_blocks[0])


def mask_from_text(index: int, text: str) -> dict[str, Any]:
    """The CLI form ``"x1,y1 x2,y2 x3,y3 [fill=gray|black|mosaic|blur] [block=N]"``."""
    points: list[list[float]] = []
    item: dict[str, Any] = {"points": points}
    for token in text.split():
        if token.startswith("fill="):
            item["fill"] = token[len("fill=") :]
        elif token.startswith("block="):
            try:
                item["block_size"] = int(token[len("block=") :])
            except ValueError:
                raise ValidationFailedError(
                    f"mask {index}: block size {token[len('block=') :]!r} is not a whole number"
                ) from None
        else:
            x_text, comma, y_text = token.partition(",")
            try:
                if not comma:
                    raise ValueError(token)
                points.append([float(x_text), float(y_text)])
            except ValueError:
                raise ValidationFailedError(
                    f"mask {index}: {token!r} is not a point written x,y (e.g. 0.25,0.5)"
                ) from None
    return item
