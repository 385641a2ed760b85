"""The day timeline: ranges, gaps and days in a zone (pure functions, no database)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from mimamoru.storage import timeline
from mimamoru.storage.holds import HoldRecord
from mimamoru.storage.index import SegmentRecord

T0 = datetime(2026, 11, 28, 1, 0, tzinfo=UTC)  # 10:00 in Tokyo


def segment(number: int, start: datetime, seconds: float, status: str = "ok") -> SegmentRecord:
    return SegmentRecord(
        id=number,
        camera_id=1,
        start=start,
        end=start + timedelta(seconds=seconds),
        bytes=1,
        sha256="",
        path="",
        frame_count=int(seconds * 10),
        width=16,
        height=16,
        mask_version=0,
        key_id=None,
        stored_bytes=1,
        stored_sha256="",
        status=status,
    )


def hold(start: datetime, end: datetime) -> HoldRecord:
    expires = end + timedelta(days=30)
    return HoldRecord(1, 1, start, end, "incident", expires, "a", start, None, None)


def test_a_day_in_tokyo_starts_at_15_utc_the_day_before() -> None:
    start, end = timeline.day_bounds(date(2026, 11, 28), "Asia/Tokyo")
    assert start == datetime(2026, 11, 27, 15, tzinfo=UTC)
    assert end - start == timedelta(hours=24)


def test_a_day_with_a_daylight_saving_change_has_23_hours() -> None:
    start, end = timeline.day_bounds(date(2026, 3, 8), "America/New_York")
    assert end - start == timedelta(hours=23)


def test_consecutive_segments_make_one_range_and_a_gap_separates_ranges() -> None:
    pieces = [
        segment(1, T0, 4),
        segment(2, T0 + timedelta(seconds=4), 4),
        segment(3, T0 + timedelta(seconds=8.4), 4),  # within a second: still continuous
        segment(4, T0 + timedelta(minutes=5), 4),
    ]
    ranges = timeline.merge(reversed(pieces))
    assert [(r.start, r.end) for r in ranges] == [
        (T0, T0 + timedelta(seconds=12.4)),
        (T0 + timedelta(minutes=5), T0 + timedelta(minutes=5, seconds=4)),
    ]
    assert [p.id for p in ranges[0].segments] == [1, 2, 3]


def test_corrupt_and_lost_segments_are_gaps() -> None:
    pieces = [
        segment(1, T0, 4),
        segment(2, T0 + timedelta(seconds=4), 4, status="corrupt"),
        segment(3, T0 + timedelta(seconds=8), 4, status="lost"),
        segment(4, T0 + timedelta(seconds=12), 4),
    ]
    assert [[p.id for p in r.segments] for r in timeline.merge(pieces)] == [[1], [4]]


def test_gaps_cover_the_day_up_to_now_and_holds_that_overlap_it() -> None:
    day = date(2026, 11, 28)
    start, end = timeline.day_bounds(day, "Asia/Tokyo")
    now = T0 + timedelta(hours=1)
    built = timeline.build(
        "Asia/Tokyo",
        day,
        [segment(1, T0, 60)],
        [
            hold(T0, T0 + timedelta(minutes=1)),
            hold(end + timedelta(hours=1), end + timedelta(hours=2)),
        ],
        now,
    )
    assert (built.start, built.end) == (start, end)
    assert [(g.start, g.end) for g in built.gaps] == [
        (start, T0),
        (T0 + timedelta(seconds=60), now),  # the future is not a gap
    ]
    assert [h.start for h in built.holds] == [T0]


def test_today_is_the_date_in_the_zone() -> None:
    assert timeline.today_in("Asia/Tokyo", datetime(2026, 11, 28, 16, tzinfo=UTC)) == date(
        2026, 11, 29
    )
