"""Queries on the recorded-segment index."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from mimamoru.db.tables import Segment


def add_segment(session: Session, segment: Segment) -> Segment:
    session.add(segment)
    session.flush()
    return segment


def segment_by_id(session: Session, segment_id: int) -> Segment | None:
    return session.get(Segment, segment_id)


def segments_in_range(
    session: Session, camera_id: int, start: datetime, end: datetime
) -> Sequence[Segment]:
    """Segments of a camera that overlap [start, end), oldest first."""
    return session.scalars(
        select(Segment)
        .where(
            Segment.camera_id == camera_id,
            Segment.end_time > start,
            Segment.start_time < end,
        )
        .order_by(Segment.start_time, Segment.id)
    ).all()


def segments_after(session: Session, after_id: int, limit: int) -> Sequence[Segment]:
    """A page of the whole index in id order, for checks that walk every segment."""
    return session.scalars(
        select(Segment).where(Segment.id > after_id).order_by(Segment.id).limit(limit)
    ).all()


def paths_under(session: Session, prefix: str) -> set[str]:
    """Indexed paths that start with ``prefix`` (a directory ending in ``/``)."""
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return set(
        session.scalars(select(Segment.path).where(Segment.path >= prefix, Segment.path < upper))
    )


def set_status(session: Session, segment_ids: Sequence[int], value: str) -> None:
    if segment_ids:
        session.execute(update(Segment).where(Segment.id.in_(segment_ids)).values(status=value))
