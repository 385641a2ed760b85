"""Splitting a fragmented-MP4 byte stream into init segment and fragments.

The muxer writes bytes in arbitrary pieces; live viewers need whole units:
the init segment (``ftyp`` + ``moov``) once, then each ``moof`` + ``mdat``.
Only some fragments start with a keyframe (the segmenter also cuts between
keyframes, for latency); :func:`starts_with_sync_sample` tells which.
"""

from __future__ import annotations

import struct
from collections.abc import Callable

InitCallback = Callable[[bytes], None]
FragmentCallback = Callable[[bytes], None]


class BoxSplitter:
    def __init__(self, on_init: InitCallback, on_fragment: FragmentCallback) -> None:
        self._on_init = on_init
        self._on_fragment = on_fragment
        self._buffer = bytearray()
        self._init = bytearray()
        self._fragment = bytearray()
        self._init_sent = False

    def feed(self, data: bytes) -> None:
        self._buffer += data
        while len(self._buffer) >= 8:
            size, box_type = struct.unpack(">I4s", self._buffer[:8])
            if size == 1:
                if len(self._buffer) < 16:
                    return
                size = struct.unpack(">Q", self._buffer[8:16])[0]
            if size < 8:
                raise ValueError(f"corrupt MP4 box {box_type!r} of size {size}")
            if len(self._buffer) < size:
                return
            box = bytes(self._buffer[:size])
            del self._buffer[:size]
            self._handle(box_type, box)

    def _handle(self, box_type: bytes, box: bytes) -> None:
        if box_type in (b"ftyp", b"moov"):
            self._init += box
            if box_type == b"moov":
                self._on_init(bytes(self._init))
                self._init_sent = True
        elif box_type in (b"styp", b"moof"):
            self._fragment = bytearray(box)
        elif box_type == b"mdat" and self._fragment:
            self._fragment += box
            self._on_fragment(bytes(self._fragment))
            self._fragment = bytearray()


# ISO/IEC 14496-12 sample flags: sample_is_non_sync_sample.
NON_SYNC_SAMPLE = 0x10000
# tfhd flags
_TFHD_BASE_DATA_OFFSET = 0x01
_TFHD_SAMPLE_DESCRIPTION_INDEX = 0x02
_TFHD_DEFAULT_DURATION = 0x08
_TFHD_DEFAULT_SIZE = 0x10
_TFHD_DEFAULT_FLAGS = 0x20
# trun flags
_TRUN_DATA_OFFSET = 0x01
_TRUN_FIRST_SAMPLE_FLAGS = 0x04
_TRUN_SAMPLE_DURATION = 0x100
_TRUN_SAMPLE_SIZE = 0x200
_TRUN_SAMPLE_FLAGS = 0x400


def _boxes(data: bytes, start: int, end: int) -> dict[bytes, tuple[int, int]]:
    """The first box of each type between ``start`` and ``end``: type -> (payload start, end)."""
    found: dict[bytes, tuple[int, int]] = {}
    offset = start
    while offset + 8 <= end:
        size, box_type = struct.unpack_from(">I4s", data, offset)
        header = 8
        if size == 1:
            if offset + 16 > end:
                break
            size = struct.unpack_from(">Q", data, offset + 8)[0]
            header = 16
        elif size == 0:
            size = end - offset
        if size < header or offset + size > end:
            break
        found.setdefault(box_type, (offset + header, offset + size))
        offset += size
    return found


def starts_with_sync_sample(fragment: bytes) -> bool:
    """Whether the first sample of a ``moof`` + ``mdat`` fragment is a sync sample (keyframe).

    The first sample's flags come from ``trun`` (first-sample flags, else its per-sample
    flags), else from the ``tfhd`` default. A fragment whose flags cannot be found (none
    of these present: the default is in the init segment's ``trex``; or not an fMP4
    fragment at all) counts as a sync sample, which is what every fragment was before
    the segmenter cut between keyframes.
    """
    moof = _boxes(fragment, 0, len(fragment)).get(b"moof")
    if moof is None:
        return True
    traf = _boxes(fragment, *moof).get(b"traf")
    if traf is None:
        return True
    children = _boxes(fragment, *traf)
    flags: int | None = None
    tfhd = children.get(b"tfhd")
    if tfhd is not None and tfhd[1] - tfhd[0] >= 8:
        (tfhd_flags,) = struct.unpack_from(">I", fragment, tfhd[0])
        offset = tfhd[0] + 8  # version + flags, track_ID
        for bit, size in (
            (_TFHD_BASE_DATA_OFFSET, 8),
            (_TFHD_SAMPLE_DESCRIPTION_INDEX, 4),
            (_TFHD_DEFAULT_DURATION, 4),
            (_TFHD_DEFAULT_SIZE, 4),
        ):
            if tfhd_flags & bit:
                offset += size
        if tfhd_flags & _TFHD_DEFAULT_FLAGS and offset + 4 <= tfhd[1]:
            (flags,) = struct.unpack_from(">I", fragment, offset)
    trun = children.get(b"trun")
    if trun is not None and trun[1] - trun[0] >= 8:
        trun_flags, sample_count = struct.unpack_from(">II", fragment, trun[0])
        offset = trun[0] + 8
        if trun_flags & _TRUN_DATA_OFFSET:
            offset += 4
        if trun_flags & _TRUN_FIRST_SAMPLE_FLAGS:
            if offset + 4 <= trun[1]:
                (flags,) = struct.unpack_from(">I", fragment, offset)
        elif trun_flags & _TRUN_SAMPLE_FLAGS and sample_count:
            for bit in (_TRUN_SAMPLE_DURATION, _TRUN_SAMPLE_SIZE):
                if trun_flags & bit:
                    offset += 4
            if offset + 4 <= trun[1]:
                (flags,) = struct.unpack_from(">I", fragment, offset)
    return flags is None or not flags & NON_SYNC_SAMPLE


def avc_codec_string(init_segment: bytes) -> str:
    """RFC 6381 codec string (``avc1.PPCCLL``) from the ``avcC`` box of an init segment."""
    index = init_segment.find(b"avcC")
    if index < 0 or len(init_segment) < index + 8:
        return "avc1.42E01E"  # Constrained Baseline 3.0: what every decoder can try
    profile, compatibility, level = init_segment[index + 5 : index + 8]
    return f"avc1.{profile:02X}{compatibility:02X}{level:02X}"
