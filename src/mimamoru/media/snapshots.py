"""The latest picture of a camera, as JPEG on request.

In encode mode the recorder hands over every finished (masked) frame; in copy mode
(no masks) it keeps the last keyframe's bytes and decodes it only when asked. A
snapshot is only given out if it was produced under the camera's current mask
version, so a mask change can never be bypassed through an old picture.
"""

from __future__ import annotations

import threading
from fractions import Fraction
from typing import Any

import av
import av.codec.context

JPEG_QSCALE = 3  # FFmpeg qscale: 2 is best, 31 worst
FF_QP2LAMBDA = 118


class SnapshotKeeper:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._frame: av.VideoFrame | None = None
        self._keyframe: tuple[str, bytes | None, av.Packet[Any]] | None = None
        self._version = -1

    def keep_frame(self, frame: av.VideoFrame, mask_version: int) -> None:
        with self._lock:
            self._frame, self._keyframe, self._version = frame, None, mask_version

    def keep_keyframe(
        self, codec: av.codec.context.CodecContext, packet: av.Packet[Any], mask_version: int
    ) -> None:
        """``packet`` must be a detached copy: muxing empties the demuxed original."""
        extradata = codec.extradata
        with self._lock:
            self._frame = None
            self._keyframe = (codec.name, bytes(extradata) if extradata else None, packet)
            self._version = mask_version

    def clear(self) -> None:
        with self._lock:
            self._frame, self._keyframe, self._version = None, None, -1

    def jpeg(self, current_mask_version: int) -> bytes | None:
        with self._lock:
            if self._version != current_mask_version:
                return None
            frame, keyframe = self._frame, self._keyframe
        if frame is None and keyframe is not None:
            frame = _decode_keyframe(*keyframe)
        return _encode_jpeg(frame) if frame is not None else None


def _decode_keyframe(
    codec_name: str, extradata: bytes | None, packet: av.Packet[Any]
) -> av.VideoFrame | None:
    decoder = av.CodecContext.create(codec_name, "r")
    if extradata:
        decoder.extradata = extradata
    frames = [
        frame
        for frame in decoder.decode(packet)  # type: ignore[attr-defined]
        if isinstance(frame, av.VideoFrame)
    ]
    frames += [
        frame
        for frame in decoder.decode(None)  # type: ignore[attr-defined]
        if isinstance(frame, av.VideoFrame)
    ]
    return frames[0] if frames else None


def _encode_jpeg(frame: av.VideoFrame) -> bytes:
    encoder = av.CodecContext.create("mjpeg", "w")
    encoder.width = frame.width
    encoder.height = frame.height
    encoder.pix_fmt = "yuvj420p"
    encoder.time_base = Fraction(1, 25)
    encoder.flags |= av.codec.context.Flags.qscale
    encoder.global_quality = JPEG_QSCALE * FF_QP2LAMBDA
    source = frame.reformat(format="yuvj420p")
    source.pts = 0
    packets = list(encoder.encode(source)) + list(encoder.encode(None))
    return b"".join(bytes(packet) for packet in packets)
