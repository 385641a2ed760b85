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
from mimamoru.media.filters import ClockOverlay, FrameFilter
from mimamoru.media.live import LiveHub
from mimamoru.media.segmenter import EncoderSettings, FinishedSegment, SegmentWriter
from mimamoru.media.sources import SourceSpec, redact_source
from mimamoru.media.status import CameraState, CameraStatus
from mimamoru.settings import RecordingSettings
from mimamoru.storage.segments import SegmentStore

logger = logging.getLogger(__name__)

SegmentSink = Callable[[FinishedSegment], object]
COPYABLE_CODECS = frozenset({"h264"})
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
        self._filters: list[FrameFilter] = filters
        self._encoder = EncoderSettings(
            settings.encoder_preset, settings.crf, settings.keyframe_interval_seconds
        )

    @property
    def label(self) -> str:
        return f"camera {self.job.camera_id} ({self.job.name})"

    def stop(self) -> None:
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

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
            except SourceProblem as exc:
                self._fail(CameraState.ERROR, str(exc))
            except (av.FFmpegError, OSError, TimeoutError) as exc:
                self._fail(CameraState.OFFLINE, self._describe(exc))
            except Exception as exc:  # a bug must not kill the thread or the other cameras
                logger.exception("%s: unexpected recorder failure", self.label)
                self._fail(CameraState.ERROR, f"internal error: {type(exc).__name__}: {exc}")
            finally:
                self._finish_segment()
                self._hub.reset()
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
        stream.thread_type = "AUTO"
        codec_name = stream.codec_context.name
        copy = not self._filters and codec_name in COPYABLE_CODECS
        self.status.set_mode("copy" if copy else "encode")
        rate = stream.average_rate or stream.guessed_rate or DEFAULT_RATE
        frame_seconds = 1 / float(rate)
        time_base = stream.time_base or Fraction(1, 90_000)
        last_time = loop_offset
        first_time: float | None = None
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
            if copy:
                self._copy_packet(packet, stream, timeline, stream_time, frame_seconds)
            else:
                for frame in packet.decode():
                    frame_time = stream_time
                    if frame.time is not None and first_time is not None:
                        frame_time = loop_offset + frame.time - first_time
                    self._encode_frame(frame, rate, timeline, frame_time, frame_seconds)
            last_time = stream_time + frame_seconds
        return last_time

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
    ) -> None:
        writer = self._writer
        if writer is None and not packet.is_keyframe:
            return  # nothing decodes before the first keyframe
        if packet.is_keyframe and (writer is None or self._segment_full(writer)):
            self._finish_segment()
            self._realign(timeline, stream_time)
            writer = self._start_segment(timeline.wall(stream_time))
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
        width, height = frame.width - frame.width % 2, frame.height - frame.height % 2
        if frame.format.name != "yuv420p" or (width, height) != (frame.width, frame.height):
            frame = frame.reformat(width=width, height=height, format="yuv420p")
        for frame_filter in self._filters:
            frame = frame_filter.apply(frame, wall)
        writer = self._writer
        resized = writer is not None and (writer.width, writer.height) != (width, height)
        if writer is None or resized or self._segment_full(writer):
            self._finish_segment()
            self._realign(timeline, frame_time)
            wall = timeline.wall(frame_time)
            writer = self._start_segment(wall)
            writer.add_encoder(width, height, rate, self._encoder)
        written_before = writer.bytes_written
        writer.write_frame(frame, wall, timeline.wall(frame_time + frame_seconds))
        self._count_frame(writer.bytes_written - written_before)

    def _realign(self, timeline: _Timeline, stream_time: float) -> None:
        if not self.job.source.realtime and timeline.drift(stream_time) > MAX_DRIFT_SECONDS:
            logger.info("%s: camera clock drifted; realigning to wall-clock time", self.label)
            timeline.reanchor(stream_time)

    def _count_frame(self, size: int) -> None:
        self.status.frame(size)
        if self.status.snapshot().state is not CameraState.RECORDING:
            self.status.set_state(CameraState.RECORDING)

    def _segment_full(self, writer: SegmentWriter) -> bool:
        return writer.elapsed.total_seconds() >= self._settings.segment_seconds

    def _start_segment(self, start: datetime) -> SegmentWriter:
        target = self._store.create(self.job.camera_id, start)
        self._writer = SegmentWriter(self.job.camera_id, target, self._hub, start)
        return self._writer

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
