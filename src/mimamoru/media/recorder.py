"""One camera's recorder: connect, demux, (decode → filter → encode), segment, index.

A recorder runs in its own thread under the supervisor. Every failure of the
camera — unreachable, refused, dropped, garbage — ends the current connection
(the segment so far is kept), sets the status to ``offline`` or ``error`` with
the reason, and retries with exponential backoff capped at
``recording.reconnect_max_seconds``. Nothing escapes the thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any

import av
import av.container
import av.video.stream

from mimamoru.clock import Clock
from mimamoru.errors import MimamoruError
from mimamoru.media.filters import ClockOverlay, FrameFilter
from mimamoru.media.live import LiveHub
from mimamoru.media.segmenter import EncoderSettings, FinishedSegment, SegmentWriter
from mimamoru.media.snapshots import SnapshotKeeper
from mimamoru.media.sources import SourceSpec, redact_source
from mimamoru.media.status import CameraState, CameraStatus
from mimamoru.media.timestripe import TimeStripe
from mimamoru.privacy.filter import MaskState
from mimamoru.privacy.masks import Mask
from mimamoru.settings import RecordingSettings
from mimamoru.storage.segments import SegmentStore

logger = logging.getLogger(__name__)

SegmentSink = Callable[[FinishedSegment], object]
COPYABLE_CODECS = frozenset({"h264"})
UNCOMPRESSED_CODECS = frozenset({"rawvideo", "wrapped_avframe"})
DEFAULT_RATE = Fraction(15)
# Wall-clock and stream clock are re-aligned at a segment boundary when they
# drift further apart than this (camera clocks drift; RTSP timestamps jump).
MAX_DRIFT_SECONDS = 2.0


class StreamEnded(Exception):
    """The source closed the stream."""


class SourceProblem(Exception):
    """The source is reachable but unusable (no video, undecodable)."""


@dataclass(frozen=True)
class CameraJob:
    camera_id: int
    name: str
    source: SourceSpec
    filters: Sequence[FrameFilter] = ()
    mask_version: int = 0
    masks: tuple[Mask, ...] = ()


def _detached(packet: av.Packet[Any]) -> av.Packet[Any]:
    copy = av.Packet(bytes(packet))
    copy.pts, copy.dts = packet.pts, packet.dts
    copy.time_base = packet.time_base
    copy.is_keyframe = packet.is_keyframe
    return copy


class _Timeline:
    """Maps stream time (seconds) to wall-clock time for one connection."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._anchor_stream: float | None = None
        self._anchor_wall = clock.now()
        self._anchor_mono = clock.monotonic()

    def wall(self, stream_time: float) -> datetime:
        if self._anchor_stream is None:
            self.reanchor(stream_time)
        assert self._anchor_stream is not None
        return self._anchor_wall + timedelta(seconds=stream_time - self._anchor_stream)

    def reanchor(self, stream_time: float, wall: datetime | None = None) -> None:
        self._anchor_stream = stream_time
        self._anchor_wall = wall if wall is not None else self._clock.now()
        self._anchor_mono = self._clock.monotonic() - (
            (self._clock.now() - self._anchor_wall).total_seconds()
        )

    def drift(self, stream_time: float) -> float:
        return abs((self.wall(stream_time) - self._clock.now()).total_seconds())

    def due_in(self, stream_time: float) -> float:
        """Seconds until ``stream_time`` is due when playing in real time."""
        if self._anchor_stream is None:
            return 0.0
        due = self._anchor_mono + (stream_time - self._anchor_stream)
        return due - self._clock.monotonic()


class Recorder:
    def __init__(
        self,
        job: CameraJob,
        settings: RecordingSettings,
        store: SegmentStore,
        sink: SegmentSink,
        hub: LiveHub,
        clock: Clock,
        status: CameraStatus,
    ) -> None:
        self.job = job
        self._settings = settings
        self._store = store
        self._sink = sink
        self._hub = hub
        self._clock = clock
        self.status = status
        self._stop = threading.Event()
        self._writer: SegmentWriter | None = None
        filters = list(job.filters)
        if job.source.burn_in_clock:
            filters.append(ClockOverlay())
        if job.source.time_stripe:
            filters.append(TimeStripe(clock))
        self._filters: list[FrameFilter] = filters
        self._encoder = EncoderSettings(
            settings.encoder_preset,
            settings.crf,
            settings.keyframe_interval_seconds,
            settings.encoder_threads,
            settings.bitrate_kbps,
        )
        self._masks = MaskState(job.mask_version, job.masks)
        self._snapshots = SnapshotKeeper()

    @property
    def label(self) -> str:
        return f"camera {self.job.camera_id} ({self.job.name})"

    def stop(self) -> None:
        self._stop.set()

    def run(self) -> None:
        """The thread body: record until stopped, reconnecting with backoff."""
        delay = self._settings.reconnect_initial_seconds
        while not self._stop.is_set():
            self.status.set_state(CameraState.STARTING, "connecting")
            started = self._clock.monotonic()
            try:
                self._record_connection()
            except StreamEnded as exc:
                self._fail(CameraState.OFFLINE, str(exc))
            except (SourceProblem, MimamoruError) as exc:
                # Includes a paused store (full of held footage) and an unusable data key.
                self._fail(CameraState.ERROR, str(exc))
            except (av.FFmpegError, OSError, TimeoutError) as exc:
                self._fail(CameraState.OFFLINE, self._describe(exc))
            except Exception as exc:  # a bug must not kill the thread or the other cameras
                logger.exception("%s: unexpected recorder failure", self.label)
                self._fail(CameraState.ERROR, f"internal error: {type(exc).__name__}: {exc}")
            finally:
                self._finish_segment()
                self._hub.reset()
                self._snapshots.clear()  # an offline camera has no current picture
            if self._stop.is_set():
                break
            if self._clock.monotonic() - started > self._settings.reconnect_max_seconds:
                delay = self._settings.reconnect_initial_seconds
            logger.info("%s: reconnecting in %.1f s", self.label, delay)
            self._wait(delay)
            delay = min(delay * 2, self._settings.reconnect_max_seconds)
        self.status.set_state(CameraState.STOPPED)

    def _wait(self, seconds: float) -> None:
        """Sleep for the backoff, still beating so the watchdog knows this is not a hang."""
        deadline = self._clock.monotonic() + seconds
        while not self._stop.is_set():
            remaining = deadline - self._clock.monotonic()
            if remaining <= 0:
                return
            self.status.beat()
            self._stop.wait(min(remaining, 1.0))

    def _fail(self, state: CameraState, reason: str) -> None:
        if self._stop.is_set():
            return
        logger.warning("%s: %s: %s", self.label, state.value, reason)
        self.status.set_state(state, reason)

    def _describe(self, exc: BaseException) -> str:
        text = str(exc) or type(exc).__name__
        # FFmpeg messages may quote the URL; never let credentials into status or logs.
        return text.replace(self.job.source.url, redact_source(self.job.source.url))

    def _open(self) -> av.container.InputContainer:
        spec = self.job.source
        timeouts = (self._settings.open_timeout_seconds, self._settings.read_timeout_seconds)
        try:
            container = av.open(
                spec.open_target,
                mode="r",
                format=spec.format,
                options=spec.options,
                timeout=timeouts,
            )
        except FileNotFoundError as exc:
            raise SourceProblem(f"file not found: {spec.open_target}") from exc
        except av.error.InvalidDataError as exc:
            raise SourceProblem(f"not a video stream: {self._describe(exc)}") from exc
        if not container.streams.video:
            container.close()
            raise SourceProblem("source has no video stream")
        return container

    def _record_connection(self) -> None:
        timeline = _Timeline(self._clock)
        loop_offset = 0.0
        while not self._stop.is_set():
            container = self._open()
            try:
                last_time = self._pump(container, timeline, loop_offset)
            finally:
                container.close()
            if not self.job.source.loop or self._stop.is_set():
                raise StreamEnded("the camera closed the stream")
            # A looped file continues on the same timeline; the loop starts a new segment.
            self._finish_segment()
            loop_offset = last_time

    def _pump(
        self, container: av.container.InputContainer, timeline: _Timeline, loop_offset: float
    ) -> float:
        stream = container.streams.video[0]
        threads = self._settings.decoder_threads
        # One thread: slice threading (no extra latency); more: let FFmpeg pick frame threading.
        stream.thread_type = "SLICE" if threads == 1 else "AUTO"
        if threads:
            stream.codec_context.thread_count = threads
        copyable = not self._filters and stream.codec_context.name in COPYABLE_CODECS
        codec = stream.codec_context.codec
        # Raw and intra-only sources (test pattern, MJPEG) have no keyframe flags to wait for.
        keyframes_matter = not (codec.intra_only or codec.name in UNCOMPRESSED_CODECS)
        rate = stream.average_rate or stream.guessed_rate or DEFAULT_RATE
        frame_seconds = 1 / float(rate)
        time_base = stream.time_base or Fraction(1, 90_000)
        last_time = loop_offset
        first_time: float | None = None
        mode: str | None = None
        awaiting_keyframe = True
        # While copying: the packets since the last keyframe, so that masks arriving in the
        # middle of a GOP can take effect at once (decode from the keyframe, then mask).
        gop: list[av.Packet[Any]] = []
        resume_from: float | None = None  # frames before this were stored by the copy
        for packet in container.demux(stream):
            if self._stop.is_set():
                break
            self.status.beat()
            stamp = packet.dts if packet.dts is not None else packet.pts
            if stamp is None:
                continue  # the demuxer's end-of-stream flush packet
            if first_time is None:
                first_time = float(stamp * time_base)
            stream_time = loop_offset + float(stamp * time_base) - first_time
            if self.job.source.realtime:
                self._pace(timeline, stream_time)
                if self._stop.is_set():
                    break  # pacing was cut short: this frame's time has not come yet
            last_time = stream_time + frame_seconds
            masks = self._masks
            wanted = "copy" if copyable and not masks.masks else "encode"
            if mode == "copy" and wanted == "encode" and not packet.is_keyframe and gop:
                # Masks arrived mid-GOP: stop copying now rather than at the next keyframe,
                # so not one frame after the change is stored or shown unmasked.
                self._finish_segment()
                mode = "encode"
                self.status.set_mode(mode)
                self._snapshots.clear()
                self._warm_decoder(stream, gop)
                gop = []
                resume_from = stream_time - frame_seconds / 2
            elif mode != wanted and (mode is None or packet.is_keyframe):
                # Copy and encode switch only on a keyframe: a copied segment must start
                # with one, and a decoder can only start from one.
                self._finish_segment()
                mode = wanted
                self.status.set_mode(mode)
                self._snapshots.clear()
                awaiting_keyframe = True
            if awaiting_keyframe and keyframes_matter and not packet.is_keyframe:
                continue  # nothing decodes before the first keyframe
            awaiting_keyframe = False
            if mode == "copy":
                if packet.is_keyframe:
                    gop = []
                detached = _detached(packet)  # muxing takes the packet's data, so copy first
                gop.append(detached)
                if packet.is_keyframe:
                    self._snapshots.keep_keyframe(stream.codec_context, detached, masks.version)
                self._copy_packet(packet, stream, timeline, stream_time, frame_seconds, masks)
                continue
            try:
                frames = packet.decode()
            except av.error.InvalidDataError as exc:
                self.status.decode_error()
                logger.warning("%s: corrupt packet skipped to next keyframe: %s", self.label, exc)
                awaiting_keyframe = True
                continue
            for frame in frames:
                frame_time = stream_time
                if frame.time is not None:
                    frame_time = loop_offset + frame.time - first_time
                if resume_from is not None and frame_time < resume_from:
                    continue  # a frame the decoder held back during warm-up; already copied
                self._encode_frame(frame, rate, timeline, frame_time, frame_seconds)
        return last_time

    def _warm_decoder(
        self, stream: av.video.stream.VideoStream, packets: Sequence[av.Packet[Any]]
    ) -> None:
        """Feed the GOP so far to the decoder; those frames were already stored."""
        for packet in packets:
            try:
                stream.codec_context.decode(packet)
            except av.error.InvalidDataError:
                self.status.decode_error()

    def _pace(self, timeline: _Timeline, stream_time: float) -> None:
        timeline.wall(stream_time)  # anchors the timeline on the first packet
        wait = timeline.due_in(stream_time)
        while wait > 0 and not self._stop.is_set():
            self._stop.wait(min(wait, 0.5))
            wait = timeline.due_in(stream_time)

    def _copy_packet(
        self,
        packet: av.Packet[Any],
        stream: av.video.stream.VideoStream,
        timeline: _Timeline,
        stream_time: float,
        frame_seconds: float,
        masks: MaskState,
    ) -> None:
        writer = self._writer
        if writer is None and not packet.is_keyframe:
            return  # nothing decodes before the first keyframe
        if packet.is_keyframe and (writer is None or self._segment_full(writer)):
            self._finish_segment()
            self._realign(timeline, stream_time)
            writer = self._start_segment(timeline.wall(stream_time), masks.version)
            writer.add_copy_stream(stream)
        assert writer is not None
        size = packet.size
        writer.write_packet(packet, timeline.wall(stream_time + frame_seconds))
        self._count_frame(size)

    def _encode_frame(
        self,
        frame: av.VideoFrame,
        rate: Fraction,
        timeline: _Timeline,
        frame_time: float,
        frame_seconds: float,
    ) -> None:
        wall = timeline.wall(frame_time)
        # x264 needs even dimensions in 4:2:0: an odd-sized picture is scaled to the even size
        # just below, and masks are rasterised for that size.
        width, height = frame.width - frame.width % 2, frame.height - frame.height % 2
        if frame.format.name != "yuv420p" or (width, height) != (frame.width, frame.height):
            frame = frame.reformat(width=width, height=height, format="yuv420p")
        for frame_filter in self._filters:
            frame = frame_filter.apply(frame, wall)
        # The mask is the last thing to touch the pixels, and it happens before encoding:
        # nothing after this line ever sees what lies under a mask.
        masks = self._masks
        masks.apply(frame)
        writer = self._writer
        resized = writer is not None and (writer.width, writer.height) != (width, height)
        new_masks = writer is not None and writer.mask_version != masks.version
        if writer is None or resized or new_masks or self._segment_full(writer):
            self._finish_segment()
            self._realign(timeline, frame_time)
            wall = timeline.wall(frame_time)
            writer = self._start_segment(wall, masks.version)
            writer.add_encoder(width, height, rate, self._encoder)
        written_before = writer.bytes_written
        try:
            writer.write_frame(frame, wall, timeline.wall(frame_time + frame_seconds))
        except av.FFmpegError as exc:
            raise SourceProblem(f"H.264 encoder failed: {exc}") from exc
        self._snapshots.keep_frame(frame, masks.version)
        self._count_frame(writer.bytes_written - written_before)

    def _realign(self, timeline: _Timeline, stream_time: float) -> None:
        if not self.job.source.realtime and timeline.drift(stream_time) > MAX_DRIFT_SECONDS:
            logger.info("%s: camera clock drifted; realigning to wall-clock time", self.label)
            timeline.reanchor(stream_time)

    def _count_frame(self, size: int) -> None:
        self.status.frame(size)
        if self.status.state is not CameraState.RECORDING:
            self.status.set_state(CameraState.RECORDING)

    def _segment_full(self, writer: SegmentWriter) -> bool:
        return writer.elapsed.total_seconds() >= self._settings.segment_seconds

    def _start_segment(self, start: datetime, mask_version: int) -> SegmentWriter:
        target = self._store.create(self.job.camera_id, start)
        self._writer = SegmentWriter(
            self.job.camera_id,
            target,
            self._hub,
            start,
            mask_version,
            live_fragment_ms=self._settings.live_fragment_ms,
        )
        return self._writer

    # -- masks and snapshots (called from other threads) ------------------------------
    def set_masks(self, version: int, masks: Sequence[Mask]) -> None:
        """Take new masks; they apply from the next frame (encode) or keyframe (copy)."""
        if version == self._masks.version:
            return
        self._snapshots.clear()
        self._masks = MaskState(version, tuple(masks))
        logger.info("%s: privacy masks now version %d (%d masks)", self.label, version, len(masks))

    def snapshot_jpeg(self, mask_version: int | None = None) -> bytes | None:
        """The latest frame as JPEG, only if it was produced under the current masks.

        ``mask_version`` is the version saved in the database; until the recorder has
        caught up with it there is no snapshot, rather than one with the old masks.
        """
        version = self._masks.version if mask_version is None else mask_version
        return self._snapshots.jpeg(version)

    def _finish_segment(self) -> None:
        writer, self._writer = self._writer, None
        if writer is None:
            return
        finished = writer.close()
        if finished is None:
            return
        try:
            self._sink(finished)
        except Exception:
            # The file is safe on disk; only its index row is missing. Say so loudly.
            logger.exception(
                "%s: segment %s recorded but not indexed", self.label, finished.relative_path
            )
