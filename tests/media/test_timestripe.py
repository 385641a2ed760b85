"""The time stripe survives H.264 exactly, and a damaged stripe is refused, not misread."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from fractions import Fraction

import av
import numpy as np
import pytest

from mimamoru.clock import ManualClock
from mimamoru.errors import SourceError
from mimamoru.media.sources import parse_source
from mimamoru.media.timestripe import (
    BLOCKS,
    GUARD,
    MIN_WIDTH,
    TimeStripe,
    crc8,
    decode_bits,
    draw_stripe,
    geometry,
    read_stripe,
    stripe_bits,
    to_milliseconds,
)
from tests.media.conftest import RecorderFactory

START = datetime(2026, 11, 29, 1, 2, 3, 456_000, tzinfo=UTC)


def noisy_frame(width: int, height: int, seed: int) -> av.VideoFrame:
    """A busy picture (random noise): the hardest background for the encoder around the band."""
    rng = np.random.default_rng(seed)
    picture = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
    return av.VideoFrame.from_ndarray(picture, format="rgb24").reformat(format="yuv420p")


def encode_and_decode(width: int, height: int, times: list[datetime]) -> list[av.VideoFrame]:
    """Stripe each frame, encode with libx264 as the recorder does, decode again."""
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp4") as output:
        stream = output.add_stream(
            "libx264", rate=Fraction(15), options={"preset": "veryfast", "crf": "28"}
        )
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for index, moment in enumerate(times):
            stripe = TimeStripe(ManualClock(moment))  # the capture time comes from the clock
            frame = stripe.apply(noisy_frame(width, height, index), moment)
            frame.pts = index
            for packet in stream.encode(frame):
                output.mux(packet)
        for packet in stream.encode(None):
            output.mux(packet)
    buffer.seek(0)
    with av.open(buffer) as source:
        return list(source.decode(video=0))


@pytest.mark.parametrize(("width", "height"), [(640, 360), (1920, 1080), (MIN_WIDTH, 64)])
def test_round_trip_through_x264_recovers_the_time_exactly(width: int, height: int) -> None:
    times = [START + timedelta(milliseconds=67 * index + index % 3) for index in range(12)]
    decoded = encode_and_decode(width, height, times)
    assert len(decoded) == len(times)
    for frame, moment in zip(decoded, times, strict=True):
        expected = to_milliseconds(moment)
        assert read_stripe(frame.to_ndarray(format="gray")) == expected
        # The browser reads RGB from a canvas: the same stripe must read from RGB too.
        assert read_stripe(frame.to_ndarray(format="rgb24")) == expected


def clean_luma(milliseconds: int, width: int = 640, height: int = 64) -> np.ndarray:
    luma = np.full((height, width), 128, dtype=np.uint8)
    draw_stripe(luma, milliseconds)
    return luma


def test_a_flipped_block_is_refused() -> None:
    value = to_milliseconds(START)
    assert read_stripe(clean_luma(value)) == value
    shape = geometry(640)
    for index in range(BLOCKS):  # every single block, data, check and guards alike
        luma = clean_luma(value)
        x = shape.left + index * shape.block
        block = luma[: shape.block, x : x + shape.block]
        block[:] = 235 if block[shape.block // 2, shape.block // 2] < 128 else 16
        assert read_stripe(luma) is None, f"flipped block {index} was not noticed"


def test_a_grey_or_missing_stripe_is_refused() -> None:
    value = to_milliseconds(START)
    smeared = clean_luma(value)
    shape = geometry(640)
    x = shape.left + 20 * shape.block
    smeared[: shape.block, x : x + shape.block] = 128  # neither black nor white
    assert read_stripe(smeared) is None
    assert read_stripe(np.full((64, 640), 16, dtype=np.uint8)) is None  # all black
    assert read_stripe(np.full((64, 640), 235, dtype=np.uint8)) is None  # all white
    rng = np.random.default_rng(1)
    noise = rng.integers(0, 256, (64, 640), dtype=np.uint8)
    assert read_stripe(noise) is None
    assert read_stripe(np.zeros((64, MIN_WIDTH - 2), dtype=np.uint8)) is None  # too narrow
    assert read_stripe(np.zeros((4, 640), dtype=np.uint8)) is None  # too short


def test_bits_layout_and_check() -> None:
    bits = stripe_bits(0x0123456789AB)
    assert len(bits) == BLOCKS
    assert tuple(bits[:3]) == GUARD and tuple(bits[-3:]) == GUARD
    assert decode_bits(bits) == 0x0123456789AB
    wrong_check = list(bits)
    wrong_check[-4] ^= 1
    assert decode_bits(wrong_check) is None
    assert crc8(b"123456789") == 0xF4  # the CRC-8/SMBUS check value
    with pytest.raises(ValueError, match="does not fit"):
        stripe_bits(1 << 48)


def test_geometry_keeps_blocks_at_least_eight_pixels() -> None:
    for width in (MIN_WIDTH, 640, 1280, 1920, 3840):
        shape = geometry(width)
        assert shape.block >= 8 and shape.block % 2 == 0
        assert shape.left + shape.block * BLOCKS <= width
    with pytest.raises(ValueError, match="at least"):
        geometry(MIN_WIDTH - 2)


def test_clock_option_of_the_test_pattern() -> None:
    assert parse_source("test://pattern?size=1280x720&rate=15&clock=1").time_stripe
    assert not parse_source("test://pattern?size=1280x720&clock=0").time_stripe
    assert not parse_source("test://pattern").time_stripe
    with pytest.raises(SourceError, match="must be 0 or 1"):
        parse_source("test://pattern?clock=yes")
    with pytest.raises(SourceError, match="too small for the time stripe"):
        parse_source("test://pattern?size=320x240&clock=1")


def test_recorded_frames_carry_their_capture_time(run_recorder: RecorderFactory) -> None:
    """The stripe is in the encoded pixels: what is stored (and, byte for byte, sent live)."""
    before = to_milliseconds(datetime.now(UTC))
    run = run_recorder("test://pattern?size=640x360&rate=15&clock=1")
    run.wait_for(lambda: len(run.segments) >= 2)
    run.stop()
    after = to_milliseconds(datetime.now(UTC))
    previous = before - 1
    for segment in run.segments:
        with av.open(str(run.path(segment))) as source:
            stamps = [read_stripe(f.to_ndarray(format="gray")) for f in source.decode(video=0)]
        assert stamps and all(stamp is not None for stamp in stamps)
        readable = [stamp for stamp in stamps if stamp is not None]
        # Captured no earlier than its place on the recorder's timeline (pacing waits for it).
        assert readable[0] >= to_milliseconds(segment.start) - 50
        for stamp in readable:
            assert previous < stamp <= after
            previous = stamp
