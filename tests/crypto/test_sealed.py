"""The sealed file format: round trips, random access, and every kind of tampering."""

from __future__ import annotations

import io
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mimamoru.crypto.sealed import (
    HEADER_SIZE,
    MIN_CHUNK_SIZE,
    TAG_SIZE,
    AuthenticationFailed,
    DataKey,
    SealedFileError,
    SealedReader,
    SealedWriter,
    stored_size,
)

KEY = DataKey(7, bytes(range(32)))
CHUNK = MIN_CHUNK_SIZE


def seal(data: bytes, key: DataKey = KEY, context: bytes = b"a", pieces: int = 3) -> bytes:
    sink = io.BytesIO()
    writer = SealedWriter(sink, key, context, CHUNK)
    step = max(1, len(data) // pieces)
    for offset in range(0, len(data), step):
        writer.write(data[offset : offset + step])
    writer.close()
    assert writer.stored_bytes == len(sink.getvalue())
    return sink.getvalue()


def open_sealed(blob: bytes, key: DataKey = KEY, context: bytes = b"a") -> SealedReader:
    return SealedReader(io.BytesIO(blob), len(blob), key, context)


@settings(max_examples=60, deadline=None)
@given(size=st.integers(0, 5 * CHUNK + 3), pieces=st.integers(1, 9))
def test_round_trip_any_size_and_write_pattern(size: int, pieces: int) -> None:
    data = os.urandom(size)
    blob = seal(data, pieces=pieces)
    assert len(blob) == stored_size(size, CHUNK)
    reader = open_sealed(blob)
    assert reader.size == size
    assert reader.read_all() == data


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_any_byte_range_reads_back(data: st.DataObject) -> None:
    plain = bytes(index % 251 for index in range(3 * CHUNK + 100))
    reader = open_sealed(seal(plain))
    start = data.draw(st.integers(0, len(plain) - 1))
    end = data.draw(st.integers(start + 1, len(plain)))
    assert b"".join(reader.iter_range(start, end)) == plain[start:end]


def test_nothing_of_the_plaintext_is_visible() -> None:
    plain = b"ftypisom" + b"\x00" * 5000 + b"moof" + b"mdat" * 100
    blob = seal(plain)
    for marker in (b"ftyp", b"moof", b"mdat", b"\x00" * 64):
        assert marker not in blob[HEADER_SIZE:]


PLAIN = os.urandom(4 * CHUNK + 17)


@pytest.mark.parametrize("offset", [0, 8, 12, 20, HEADER_SIZE, HEADER_SIZE + CHUNK + 5, -1])
def test_a_flipped_bit_anywhere_is_detected(offset: int) -> None:
    blob = bytearray(seal(PLAIN))
    blob[offset] ^= 0x01
    with pytest.raises(SealedFileError):
        open_sealed(bytes(blob)).verify()


@pytest.mark.parametrize(
    "cut",
    [
        HEADER_SIZE + (CHUNK + TAG_SIZE),  # exactly after the first chunk
        HEADER_SIZE + 3 * (CHUNK + TAG_SIZE),  # exactly after the last full chunk
        HEADER_SIZE + 2 * (CHUNK + TAG_SIZE) + 100,  # inside a chunk
        HEADER_SIZE + 5,  # inside the first chunk's tag area
        10,  # inside the header
    ],
)
def test_truncation_is_detected(cut: int) -> None:
    blob = seal(PLAIN)[:cut]
    with pytest.raises(SealedFileError):
        open_sealed(blob).verify()


def chunks_of(blob: bytes) -> list[bytes]:
    body = blob[HEADER_SIZE:]
    size = CHUNK + TAG_SIZE
    return [body[offset : offset + size] for offset in range(0, len(body), size)]


def test_reordered_chunks_are_detected() -> None:
    blob = seal(PLAIN)
    parts = chunks_of(blob)
    parts[0], parts[1] = parts[1], parts[0]
    with pytest.raises(AuthenticationFailed, match="chunk 0"):
        open_sealed(blob[:HEADER_SIZE] + b"".join(parts)).verify()


def test_chunks_spliced_from_another_file_are_detected() -> None:
    one, two = seal(PLAIN), seal(PLAIN)  # same key, same content, same context
    parts = chunks_of(one)
    parts[2] = chunks_of(two)[2]
    with pytest.raises(AuthenticationFailed, match="chunk 2"):
        open_sealed(one[:HEADER_SIZE] + b"".join(parts)).verify()


def test_a_file_in_another_files_place_is_detected() -> None:
    blob = seal(PLAIN, context=b"segment 1/a.mp4")
    assert open_sealed(blob, context=b"segment 1/a.mp4").read_all() == PLAIN
    with pytest.raises(AuthenticationFailed):
        open_sealed(blob, context=b"segment 1/b.mp4").verify()


def test_a_final_chunk_dropped_with_its_flag_is_detected() -> None:
    # Dropping the short final chunk leaves whole chunks only; the new last one lacks the flag.
    blob = seal(PLAIN)
    with pytest.raises(AuthenticationFailed):
        open_sealed(blob[: HEADER_SIZE + 4 * (CHUNK + TAG_SIZE)]).verify()


def test_wrong_key_and_foreign_files_are_refused() -> None:
    blob = seal(PLAIN)
    with pytest.raises(AuthenticationFailed, match="different data key"):
        open_sealed(blob, DataKey(8, bytes(32)))
    with pytest.raises(AuthenticationFailed):
        open_sealed(blob, DataKey(7, bytes(32))).verify()
    with pytest.raises(SealedFileError, match="not a mimamoru sealed file"):
        open_sealed(b"\x00\x00\x00\x18ftypisom" + bytes(100))
    with pytest.raises(SealedFileError, match="shorter than"):
        open_sealed(b"MMR")


def test_data_key_never_prints_its_secret() -> None:
    assert repr(KEY) == "DataKey(id=7)"
    with pytest.raises(ValueError, match="32 bytes"):
        DataKey(1, b"short")
