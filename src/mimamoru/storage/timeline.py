"""A camera's day as a timeline: recorded ranges, the gaps between them, evidence holds.

Times are UTC throughout; the caller picks the day in the site's time zone, so a day is
23, 24 or 25 hours long where the zone has daylight saving time.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from mimamoru.storage.holds import HoldRecord
from mimamoru.storage.index import SegmentRecord
from mimamoru.storage.verify import CORRUPT, LOST

# Segments closer than this are one continuous range: a recorder's segment ends where the
# next begins, up to rounding of the timestamps and the time it takes to open the next file.
CONTINUOUS = timedelta(seconds=1)


@dataclass(frozen=True)
class Piece:
    """One playable segment of a range."""

    id: int
    start: datetime
    end: datetime
    frame_count: int


@dataclass
class RecordedRange:
    start: datetime
    end: datetime
    segments: list[Piece] = field(default_factory=list)


@dataclass(frozen=True)
class Span:
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Timeline:
    zone: str
    day: date
    start: datetime  # the day's first instant in the zone, as UTC
    end: datetime  # the next day's first instant, as UTC
    ranges: list[RecordedRange]
    gaps: list[Span]
    holds: list[HoldRecord]


def day_bounds(day: date, zone: str) -> tuple[datetime, datetime]:
    """``[start, end)`` of ``day`` in ``zone``, in UTC."""
    tz = ZoneInfo(zone)
    start = datetime.combine(day, time(), tzinfo=tz).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(), tzinfo=tz).astimezone(UTC)
    return start, end


def today_in(zone: str, now: datetime) -> date:
    return now.astimezone(ZoneInfo(zone)).date()


def merge(segments: Iterable[SegmentRecord]) -> list[RecordedRange]:
    """Consecutive playable segments joined into ranges, oldest first."""
    ranges: list[RecordedRange] = []
    for record in sorted(segments, key=lambda r: r.start):
        if record.status in (CORRUPT, LOST):
            # Corrupt or lost footage is not played back; it shows as a gap.
            continue
        piece = Piece(record.id, record.start, record.end, record.frame_count)
        if ranges and record.start - ranges[-1].end <= CONTINUOUS:
            ranges[-1].end = max(ranges[-1].end, record.end)
            ranges[-1].segments.append(piece)
        else:
            ranges.append(RecordedRange(record.start, record.end, [piece]))
    return ranges


def gaps_between(ranges: Sequence[RecordedRange], start: datetime, end: datetime) -> list[Span]:
    """The parts of ``[start, end)`` with no recording, up to ``end`` (or now, if earlier)."""
    gaps: list[Span] = []
    cursor = start
    for recorded in ranges:
        if recorded.start > cursor:
            gaps.append(Span(cursor, min(recorded.start, end)))
        cursor = max(cursor, recorded.end)
    if cursor < end:
        gaps.append(Span(cursor, end))
    return gaps


def build(
    zone: str,
    day: date,
    segments: Iterable[SegmentRecord],
    holds: Iterable[HoldRecord],
    now: datetime,
) -> Timeline:
    start, end = day_bounds(day, zone)
    ranges = merge(segments)
    # The future is not a gap: nothing could have been recorded there yet.
    gaps = gaps_between(ranges, start, min(end, max(start, now)))
    overlapping = [h for h in holds if h.start < end and h.end > start]
    return Timeline(zone, day, start, end, ranges, gaps, overlapping)
