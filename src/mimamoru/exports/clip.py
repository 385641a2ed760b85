"""One MP4 from the stored segments of a time range: stream copy, never a re-encode.

Each sealed segment is authenticated and decrypted in memory (``storage/playback.py``),
demuxed, and its packets are copied into one ordinary (not fragmented) MP4 whose ``moov``
box comes first, so browsers, VLC and the desktop players start it at once. Timestamps
keep the wall-clock distance from the clip's first frame: a gap in the recording is a
gap in the clip's timeline, and the clip's duration is the range it covers.

The clip starts at the last keyframe at or before the requested start (a copied clip can
only start on a keyframe; starting later would drop requested footage) and ends with the
last frame that starts before the requested end. The manifest records both the requested
and the covered range.

The MP4 is written to an anonymous in-memory file (``memfd``) rather than into the data
dir: plaintext footage is never written to disk. FFmpeg's ``faststart`` pass reopens the
output by name, which ``/proc/self/fd/N`` allows.
"""

from __future__ import annotations

import io
import logging
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction
from pathlib import Path

import av

from mimamoru.errors import ValidationFailedError
from mimamoru.storage.index import SegmentIndex, SegmentRecord
from mimamoru.storage.playback import SegmentUnavailable, open_verified
from mimamoru.storage.segments import SegmentStore

logger = logging.getLogger(__name__)

# Segments of one connection abut exactly; a hole longer than this is reported as a gap.
GAP_TOLERANCE = timedelta(milliseconds=500)
NO_RECORDING = "no recording"


@dataclass(frozen=True)
class Gap:
    start: datetime
    end: datetime
    reason: str = NO_RECORDING

    def as_dict(self) -> dict[str, str]:
        return {"start": iso(self.start), "end": iso(self.end), "reason": self.reason}


@dataclass(frozen=True)
class Clip:
    size: int
    covered_start: datetime
    covered_end: datetime
    gaps: tuple[Gap, ...]
    mask_versions: tuple[int, ...]
    frames: int
    codec: str
    width: int
    height: int


def iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def merged_ranges(records: Sequence[SegmentRecord]) -> list[tuple[datetime, datetime]]:
    """Recorded time as merged ``(start, end)`` runs, oldest first."""
    runs: list[tuple[datetime, datetime]] = []
    for record in sorted(records, key=lambda item: item.start):
        if runs and record.start - runs[-1][1] <= GAP_TOLERANCE:
            runs[-1] = (runs[-1][0], max(runs[-1][1], record.end))
        else:
            runs.append((record.start, record.end))
    return runs


def gaps_in(records: Sequence[SegmentRecord], start: datetime, end: datetime) -> list[Gap]:
    """The parts of ``[start, end)`` that no segment covers."""
    gaps: list[Gap] = []
    cursor = start
    for run_start, run_end in merged_ranges(records):
        if run_start - cursor > GAP_TOLERANCE:
            gaps.append(Gap(cursor, min(run_start, end)))
        cursor = max(cursor, run_end)
        if cursor >= end:
            break
    if end - cursor > GAP_TOLERANCE:
        gaps.append(Gap(cursor, end))
    return gaps


@contextmanager
def memory_file(name: str) -> Iterator[tuple[int, str]]:
    """An anonymous in-memory file: its descriptor and a path FFmpeg can open (twice)."""
    fd = os.memfd_create(name)
    try:
        yield fd, f"/proc/self/fd/{fd}"
    finally:
        os.close(fd)


class _Remuxer:
    """Copies packets of successive segments into one output stream."""

    def __init__(self, path: str, export_id: int, origin_note: str) -> None:
        self.output = av.open(path, "w", format="mp4", options={"movflags": "+faststart"})
        # The watermark: container tags that name the export; players show "comment".
        self.output.metadata["title"] = f"mimamoru export {export_id}"
        self.output.metadata["comment"] = f"mimamoru export {export_id}; {origin_note}"
        self.stream: av.VideoStream | None = None
        self.extradata: bytes | None = None
        self.origin: datetime | None = None
        self.last_dts_seconds = -1.0
        self.frames = 0
        self.covered_end: datetime | None = None
        self.codec = ""
        self.width = self.height = 0

    def add(self, record: SegmentRecord, plaintext: bytes, start: datetime, end: datetime) -> bool:
        """Copy the packets of one segment that fall in ``[start, end)``; False if none."""
        with av.open(io.BytesIO(plaintext), "r") as source:
            if not source.streams.video:
                raise ValidationFailedError(f"recording {record.id} holds no video stream")
            video = source.streams.video[0]
            time_base = video.time_base or Fraction(1, 90_000)
            packets = [packet for packet in source.demux(video) if packet.dts is not None]
            first = self._first_packet(packets, record, start, time_base)
            if first is None:
                return False
            if self.stream is None:
                self.stream = self.output.add_stream_from_template(video)
                self.extradata = video.codec_context.extradata
                self.codec = video.codec_context.name
                self.width, self.height = video.codec_context.width, video.codec_context.height
            elif video.codec_context.extradata != self.extradata or (
                video.codec_context.width,
                video.codec_context.height,
            ) != (self.width, self.height):
                raise ValidationFailedError(
                    f"the recording changes its encoding at {iso(record.start)} (a privacy "
                    "mask or camera setting changed); export the parts before and after "
                    "separately"
                )
            copied = False
            for packet in packets[first:]:
                assert packet.dts is not None
                wall = record.start + timedelta(seconds=float(packet.dts * time_base))
                if wall >= end:
                    break
                if self.origin is None:
                    self.origin = wall
                offset = round((record.start - self.origin).total_seconds() / time_base)
                dts = packet.dts + offset
                if float(dts * time_base) <= self.last_dts_seconds:
                    # Rounding at a segment boundary must not make time run backwards.
                    dts = int(self.last_dts_seconds / time_base) + 1
                pts = (packet.pts if packet.pts is not None else packet.dts) - packet.dts + dts
                packet.dts, packet.pts = dts, pts
                packet.time_base = time_base
                packet.stream = self.stream
                self.output.mux(packet)
                self.last_dts_seconds = float(dts * time_base)
                duration = float((packet.duration or 0) * time_base)
                self.covered_end = min(wall + timedelta(seconds=duration), end)
                self.frames += 1
                copied = True
            return copied

    def _first_packet(
        self,
        packets: Sequence[av.Packet[av.VideoStream]],
        record: SegmentRecord,
        start: datetime,
        time_base: Fraction,
    ) -> int | None:
        """Where copying starts: the last keyframe at or before ``start`` (or the first)."""
        if self.origin is not None:
            return 0 if packets else None
        chosen: int | None = None
        for index, packet in enumerate(packets):
            assert packet.dts is not None
            wall = record.start + timedelta(seconds=float(packet.dts * time_base))
            if packet.is_keyframe and (wall <= start or chosen is None):
                chosen = index
            if wall > start and chosen is not None:
                break
        return chosen

    def close(self) -> None:
        try:
            self.output.close()
        except av.FFmpegError:
            if self.stream is not None:
                raise
            # Nothing was copied: the empty output cannot be finished, and is not needed.


def build_clip(
    store: SegmentStore,
    index: SegmentIndex,
    records: Sequence[SegmentRecord],
    start: datetime,
    end: datetime,
    export_id: int,
    path: str | Path,
    progress: Callable[[float], None] = lambda _fraction: None,
) -> Clip:
    """Write the clip of ``[start, end)`` to ``path``; raises if nothing could be copied."""
    ordered = sorted(records, key=lambda item: item.start)
    gaps = gaps_in(ordered, start, end)
    remuxer = _Remuxer(str(path), export_id, f"{iso(start)}/{iso(end)}")
    used_versions: set[int] = set()
    try:
        for number, record in enumerate(ordered, 1):
            try:
                playable = open_verified(store, index, record)
                plaintext = b"".join(playable.iter_range(0, playable.size))
            except SegmentUnavailable as exc:
                logger.warning("export %s: recording %s skipped: %s", export_id, record.id, exc)
                gaps.append(
                    Gap(max(record.start, start), min(record.end, end), f"unreadable: {exc}")
                )
                continue
            if remuxer.add(record, plaintext, start, end):
                used_versions.add(record.mask_version)
            progress(number / len(ordered))
        if remuxer.stream is None or remuxer.origin is None or remuxer.covered_end is None:
            raise ValidationFailedError("no readable footage in the requested range")
    finally:
        remuxer.close()
    return Clip(
        size=Path(path).stat().st_size,
        covered_start=remuxer.origin,
        covered_end=remuxer.covered_end,
        gaps=tuple(sorted(gaps, key=lambda gap: gap.start)),
        mask_versions=tuple(sorted(used_versions)),
        frames=remuxer.frames,
        codec=remuxer.codec,
        width=remuxer.width,
        height=remuxer.height,
    )
