import struct

import pytest

from mimamoru.media.fmp4 import BoxSplitter, avc_codec_string


def box(kind: bytes, payload: bytes = b"") -> bytes:
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def test_splits_init_and_fragments_across_arbitrary_chunks() -> None:
    inits: list[bytes] = []
    fragments: list[bytes] = []
    splitter = BoxSplitter(inits.append, fragments.append)
    init = box(b"ftyp", b"isom") + box(b"moov", b"x" * 20)
    fragment_1 = box(b"moof", b"a" * 10) + box(b"mdat", b"b" * 100)
    fragment_2 = box(b"moof", b"c" * 10) + box(b"mdat", b"d" * 50)
    stream = init + fragment_1 + fragment_2 + box(b"mfra", b"z")
    for index in range(0, len(stream), 7):
        splitter.feed(stream[index : index + 7])
    assert inits == [init]
    assert fragments == [fragment_1, fragment_2]


def test_corrupt_box_size_is_rejected() -> None:
    splitter = BoxSplitter(lambda _b: None, lambda _b: None)
    with pytest.raises(ValueError, match="corrupt MP4 box"):
        splitter.feed(struct.pack(">I4s", 3, b"moof"))


def test_codec_string_from_avcc() -> None:
    init = box(b"moov", b"....avcC" + bytes([1, 0x64, 0x00, 0x1F, 0xFF]))
    assert avc_codec_string(init) == "avc1.64001F"


def test_codec_string_fallback() -> None:
    assert avc_codec_string(b"") == "avc1.42E01E"
