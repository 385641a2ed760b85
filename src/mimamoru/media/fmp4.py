"""Splitting a fragmented-MP4 byte stream into init segment and fragments.

The muxer writes bytes in arbitrary pieces; live viewers need whole units:
the init segment (``ftyp`` + ``moov``) once, then each ``moof`` + ``mdat``.
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


def avc_codec_string(init_segment: bytes) -> str:
    """RFC 6381 codec string (``avc1.PPCCLL``) from the ``avcC`` box of an init segment."""
    index = init_segment.find(b"avcC")
    if index < 0 or len(init_segment) < index + 8:
        return "avc1.42E01E"  # Constrained Baseline 3.0: what every decoder can try
    profile, compatibility, level = init_segment[index + 5 : index + 8]
    return f"avc1.{profile:02X}{compatibility:02X}{level:02X}"
