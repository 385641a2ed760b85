"""Queries on the recorded-segment index."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
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
