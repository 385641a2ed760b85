"""The time stripe: capture time burned into the picture as a machine-readable band.

Measuring live latency glass to glass needs the capture time inside the pixels
the viewer sees; a caption needs OCR, a stripe of blocks does not. The band
across the top of the frame holds, left to right:

    start guard (1 0 1) · 48 bits of UTC milliseconds since the epoch (MSB first)
    · CRC-8 of those six bytes · end guard (1 0 1)

Each bit is a square block, white (1) or black (0), at least
:data:`MIN_BLOCK` pixels wide so it survives H.264 and scaling intact. The
geometry depends only on the frame width, so a reader needs nothing else.
A reader samples the middle of each block and rejects the whole stripe when
a block is neither clearly black nor clearly white, a guard is wrong or the
CRC does not match — a misread is refused, never reported as a wrong time.

``static/timestripe.js`` is the same reader for the browser; keep the two in step.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import av
import numpy as np
import numpy.typing as npt

from mimamoru.clock import Clock
from mimamoru.media.filters import luma_plane, plane_view

TIME_BITS = 48
CHECK_BITS = 8
GUARD = (1, 0, 1)
BLOCKS = len(GUARD) + TIME_BITS + CHECK_BITS + len(GUARD)
MIN_BLOCK = 8
MIN_WIDTH = BLOCKS * MIN_BLOCK
# Limited-range luma of black and white; a reader's thresholds sit well inside.
BLACK, WHITE = 16, 235
LOW, HIGH = 96, 160
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class StripeGeometry:
    block: int  # side of one square block, in pixels (even)
    left: int  # x of the first block (even)

    @property
    def height(self) -> int:
        return self.block


def geometry(width: int) -> StripeGeometry:
    """Where the blocks are in a frame ``width`` pixels wide; raises if it cannot fit."""
    if width < MIN_WIDTH:
        raise ValueError(f"a time stripe needs a frame at least {MIN_WIDTH} pixels wide")
    block = (width // BLOCKS) & ~1
    left = ((width - block * BLOCKS) // 2) & ~1
    return StripeGeometry(block, left)


def crc8(data: bytes) -> int:
    """CRC-8 with polynomial 0x07 (CRC-8/SMBUS): catches every burst of up to 8 bits."""
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = ((crc << 1) ^ 0x07) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
    return crc


def stripe_bits(milliseconds: int) -> list[int]:
    """The blocks, left to right, for a time in UTC milliseconds since the epoch."""
    if not 0 <= milliseconds < 1 << TIME_BITS:
        raise ValueError(f"time {milliseconds} does not fit in {TIME_BITS} bits")
    payload = milliseconds.to_bytes(TIME_BITS // 8, "big")
    time_bits = [(milliseconds >> shift) & 1 for shift in range(TIME_BITS - 1, -1, -1)]
    check = crc8(payload)
    check_bits = [(check >> shift) & 1 for shift in range(CHECK_BITS - 1, -1, -1)]
    return [*GUARD, *time_bits, *check_bits, *GUARD]


def to_milliseconds(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(milliseconds=1)


def draw_stripe(luma: npt.NDArray[np.uint8], milliseconds: int) -> None:
    """Paint the stripe into a luma plane (rows x columns), in place."""
    shape = geometry(luma.shape[1])
    band = luma[: shape.height, :]
    band[:] = BLACK
    for index, bit in enumerate(stripe_bits(milliseconds)):
        if bit:
            x = shape.left + index * shape.block
            band[:, x : x + shape.block] = WHITE


def read_stripe(picture: npt.NDArray[np.uint8]) -> int | None:
    """The time in the stripe of a decoded picture, or ``None`` if it does not read cleanly.

    ``picture`` is a luma plane (rows x columns) or an RGB/RGBA image
    (rows x columns x channels), at the size the stripe was drawn.
    """
    if picture.ndim == 3:
        gray = picture[:, :, :3].mean(axis=2)
    elif picture.ndim == 2:
        gray = picture.astype(np.float64)
    else:
        return None
    try:
        shape = geometry(gray.shape[1])
    except ValueError:
        return None
    if gray.shape[0] < shape.height:
        return None
    quarter = max(1, shape.block // 4)
    rows = gray[quarter : shape.height - quarter, :]
    bits: list[int] = []
    for index in range(BLOCKS):
        x = shape.left + index * shape.block
        level = float(rows[:, x + quarter : x + shape.block - quarter].mean())
        if level >= HIGH:
            bits.append(1)
        elif level <= LOW:
            bits.append(0)
        else:
            return None  # neither black nor white: a smeared or covered stripe
    return decode_bits(bits)


def decode_bits(bits: list[int]) -> int | None:
    """The time from a stripe's blocks, or ``None`` if the guards or the CRC disagree."""
    guard = len(GUARD)
    if len(bits) != BLOCKS or tuple(bits[:guard]) != GUARD or tuple(bits[-guard:]) != GUARD:
        return None
    value = 0
    for bit in bits[guard : guard + TIME_BITS]:
        value = value << 1 | bit
    check = 0
    for bit in bits[guard + TIME_BITS : guard + TIME_BITS + CHECK_BITS]:
        check = check << 1 | bit
    if crc8(value.to_bytes(TIME_BITS // 8, "big")) != check:
        return None
    return value


class TimeStripe:
    """Frame filter: burns the frame's capture time into a stripe at the top.

    The time is read from the injectable clock seam (:mod:`mimamoru.clock`) as the
    frame enters the filters, not taken from the recorder's timeline (``wall_time``).
    The test pattern is generated on demand, so this moment is its capture: on a
    machine too busy to encode in real time the generated picture runs slow and its
    timeline falls ever further behind the real clock, and stamping the timeline
    would charge that slow motion to live delivery. Everything after capture —
    masks, encode, segmenting, fan-out, network, the browser — is in the figure.
    The band is neutral grey in chroma so the blocks stay pure black and white
    whatever the picture underneath.
    """

    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    def apply(self, frame: av.VideoFrame, wall_time: datetime) -> av.VideoFrame:
        luma = luma_plane(frame)
        draw_stripe(luma, to_milliseconds(self._clock.now()))
        band = geometry(luma.shape[1]).height
        for chroma_index in (1, 2):
            plane_view(frame, chroma_index)[: band // 2, :] = 128
        return frame
