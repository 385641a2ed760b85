"""Writing one fragmented-MP4 segment, teed to the live hub as it is written.

Each segment is a self-contained fMP4 file (init segment, then fragments), so
it plays on its own in a browser or VLC, and the live hub receives exactly the
bytes that are stored. A fragment is cut at every keyframe and, between
keyframes, once it holds ``live_fragment_ms`` of video: a fragment leaves the
server only when it is complete, so the fragment length, not the camera's
keyframe interval, sets the live latency. Only fragments cut at a keyframe
start with a sync sample (see :func:`mimamoru.media.fmp4.starts_with_sync_sample`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any

import av
import av.video.stream

from mimamoru.media.fmp4 import BoxSplitter
from mimamoru.media.live import LiveHub
from mimamoru.storage.segments import SegmentFile

logger = logging.getLogger(__name__)

FRAGMENTED_MP4 = {"movflags": "frag_keyframe+empty_moov+default_base_moof"}
DEFAULT_LIVE_FRAGMENT_MS = 200
ENCODER_TIME_BASE = Fraction(1, 90_000)


def fragmented_mp4_options(live_fragment_ms: int) -> dict[str, str]:
    """Muxer options: a fragment at each keyframe and at least every ``live_fragment_ms``."""
    # frag_duration is in microseconds; the muxer cuts before the first packet that would
    # make the fragment at least this long.
    return {**FRAGMENTED_MP4, "frag_duration": str(live_fragment_ms * 1000)}


@dataclass(frozen=True)
class EncoderSettings:
    preset: str
    crf: int
    keyframe_interval_seconds: float
    threads: int = 0
    bitrate_kbps: int | None = None


@dataclass(frozen=True)
class FinishedSegment:
    camera_id: int
    relative_path: str
    start: datetime
    end: datetime
    bytes: int
    sha256: str
    frame_count: int
    codec: str
    width: int
    height: int
    mask_version: int
    key_id: int
    stored_bytes: int
    stored_sha256: str


class _Tee:
    """The file-like object PyAV writes to: no seek, so the muxer writes sequentially."""

    def __init__(self, target: SegmentFile, hub: LiveHub | None) -> None:
        self._target = target
        self._splitter = (
            BoxSplitter(hub.publish_init, hub.publish_fragment) if hub is not None else None
        )

    def write(self, data: bytes | memoryview) -> int:
        chunk = bytes(data)
        self._target.write(chunk)
        if self._splitter is not None:
            self._splitter.feed(chunk)
        return len(chunk)


class SegmentWriter:
    """One segment; built either for stream copy or for encoding frames."""

    def __init__(
        self,
        camera_id: int,
        target: SegmentFile,
        hub: LiveHub | None,
        start: datetime,
        mask_version: int = 0,
        live_fragment_ms: int = DEFAULT_LIVE_FRAGMENT_MS,
    ) -> None:
        self.camera_id = camera_id
        self.mask_version = mask_version
        self.start = start
        self.last_end = start
        self.frame_count = 0
        self._target = target
        self._container = av.open(
            _Tee(target, hub), "w", format="mp4", options=fragmented_mp4_options(live_fragment_ms)
        )
        self._stream: av.video.stream.VideoStream | None = None
        self._offset: int | None = None
        self._next_pts = 0
        self.width = 0
        self.height = 0

    @property
    def bytes_written(self) -> int:
        return self._target.bytes_written

    @property
    def elapsed(self) -> timedelta:
        return self.last_end - self.start

    # -- stream copy -----------------------------------------------------------------
    def add_copy_stream(self, template: av.video.stream.VideoStream) -> None:
        stream = self._container.add_stream_from_template(template)
        self._stream = stream
        self.width, self.height = template.codec_context.width, template.codec_context.height

    def write_packet(self, packet: av.Packet[Any], wall_end: datetime) -> None:
        """Mux a compressed packet, rebasing timestamps so the segment starts at zero."""
        assert self._stream is not None
        dts = packet.dts if packet.dts is not None else packet.pts
        if dts is None:
            return
        if self._offset is None:
            self._offset = dts
        packet.dts = dts - self._offset
        packet.pts = (packet.pts if packet.pts is not None else dts) - self._offset
        if packet.dts < 0 or packet.pts < 0:
            return
        packet.stream = self._stream
        self._container.mux(packet)
        self.frame_count += 1
        self.last_end = wall_end

    # -- encode ----------------------------------------------------------------------
    def add_encoder(
        self, width: int, height: int, rate: Fraction, settings: EncoderSettings
    ) -> None:
        options = {"preset": settings.preset, "tune": "zerolatency"}
        if settings.bitrate_kbps:
            # Capped bitrate with a one-second buffer: predictable storage per camera.
            kbps = settings.bitrate_kbps
            options.update({"b": f"{kbps}k", "maxrate": f"{kbps}k", "bufsize": f"{kbps}k"})
        else:
            options["crf"] = str(settings.crf)
        stream = self._container.add_stream("libx264", rate=rate, options=options)
        stream.width = width
        stream.height = height
        stream.pix_fmt = "yuv420p"
        stream.time_base = ENCODER_TIME_BASE
        stream.codec_context.time_base = ENCODER_TIME_BASE
        stream.codec_context.gop_size = max(
            1, round(float(rate) * settings.keyframe_interval_seconds)
        )
        if settings.threads:
            stream.codec_context.thread_count = settings.threads
        self._stream = stream
        self.width, self.height = width, height

    def write_frame(self, frame: av.VideoFrame, wall_time: datetime, wall_end: datetime) -> None:
        assert self._stream is not None
        pts = round((wall_time - self.start).total_seconds() / ENCODER_TIME_BASE)
        if self.frame_count and pts < self._next_pts:
            return  # a frame out of order or too close to the previous one is dropped
        frame.pts = pts
        frame.time_base = ENCODER_TIME_BASE
        # Decoders mark frames I/P; x264 would obey and make every frame a keyframe.
        frame.pict_type = av.video.frame.PictureType.NONE
        for packet in self._stream.encode(frame):
            self._container.mux(packet)
        self.frame_count += 1
        self._next_pts = pts + 1
        self.last_end = wall_end

    # -- finish ----------------------------------------------------------------------
    def close(self) -> FinishedSegment | None:
        """Flush and commit the file; ``None`` if it holds no frames or could not be written.

        If flushing the encoder fails, the fragments already written are still a playable
        file, so they are kept. If writing the file failed (a full disk), the partial file
        is discarded: nothing half-written is ever committed.
        """
        try:
            if self._stream is not None and self._stream.codec_context.is_encoder:
                for packet in self._stream.encode(None):
                    self._container.mux(packet)
            self._container.close()
        except (av.FFmpegError, OSError, ValueError):
            if self._target.failure is None:
                logger.exception(
                    "camera %s: could not finish segment cleanly; keeping what was written",
                    self.camera_id,
                )
        if self._target.failure is not None:
            logger.error(
                "camera %s: discarding segment %s: writing it failed: %s",
                self.camera_id,
                self._target.relative,
                self._target.failure,
            )
            self._target.discard()
            return None
        if self.frame_count == 0 or self._target.bytes_written == 0:
            self._target.discard()
            return None
        try:
            self._target.commit()
        except OSError as exc:
            logger.error(
                "camera %s: discarding segment %s: %s", self.camera_id, self._target.relative, exc
            )
            return None
        return FinishedSegment(
            camera_id=self.camera_id,
            relative_path=self._target.relative.as_posix(),
            start=self.start,
            end=self.last_end,
            bytes=self._target.bytes_written,
            sha256=self._target.sha256,
            frame_count=self.frame_count,
            codec="h264",
            width=self.width,
            height=self.height,
            mask_version=self.mask_version,
            key_id=self._target.key_id,
            stored_bytes=self._target.stored_bytes,
            stored_sha256=self._target.stored_sha256,
        )
