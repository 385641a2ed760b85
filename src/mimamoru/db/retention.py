"""Queries for the retention sweeper: expired and oldest unheld segments, deletion records."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import Row, case, delete, func, literal, or_, select
from sqlalchemy.orm import Session

from mimamoru.db.holds import segment_is_held
from mimamoru.db.tables import Camera, DeletionRecord, Segment
from mimamoru.db.types import UTCDateTime

# id, camera_id, path, stored_bytes, start_time, end_time
SegmentRow = Row[int, int, str, int, datetime, datetime]
_SEGMENT_COLUMNS = (
    Segment.id,
    Segment.camera_id,
    Segment.path,
    Segment.stored_bytes,
    Segment.start_time,
    Segment.end_time,
)


def camera_retention(session: Session) -> Sequence[Row[int, int]]:
    return session.execute(select(Camera.id, Camera.retention_hours).order_by(Camera.id)).all()


def expired_unheld(
    session: Session,
    cutoffs: Mapping[int, datetime],
    now: datetime,
    after: tuple[datetime, int] | None,
    limit: int,
) -> Sequence[SegmentRow]:
    """Unheld segments that ended by their camera's cutoff, oldest first, after ``after``.

    One pass in time order over all cameras (not camera by camera): segments are written
    in time order, so deleting in time order keeps each index page's changes together.
    ``after`` is the (start, id) of the last row of the previous batch, so rows that are
    skipped (held, or of a camera with a longer retention) are read once, not every batch.
    """
    cutoff_of_camera = case(
        {camera: literal(cutoff, UTCDateTime()) for camera, cutoff in cutoffs.items()},
        value=Segment.camera_id,
    )
    query = (
        select(*_SEGMENT_COLUMNS)
        .where(
            Segment.start_time < max(cutoffs.values()),
            Segment.end_time <= cutoff_of_camera,
            ~segment_is_held(now),
        )
        .order_by(Segment.start_time, Segment.id)
        .limit(limit)
    )
    if after is not None:
        start, segment_id = after
        # The plain range lets the database seek in the start-time index.
        query = query.where(
            Segment.start_time >= start,
            or_(Segment.start_time > start, Segment.id > segment_id),
        )
    return session.execute(query).all()


def oldest_unheld(session: Session, now: datetime, limit: int) -> Sequence[SegmentRow]:
    return session.execute(
        select(*_SEGMENT_COLUMNS)
        .where(~segment_is_held(now))
        .order_by(Segment.start_time, Segment.id)
        .limit(limit)
    ).all()


def count_segments(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Segment)) or 0


def delete_segments(session: Session, segment_ids: Sequence[int]) -> None:
    session.execute(delete(Segment).where(Segment.id.in_(segment_ids)))


def add_deletion_record(session: Session, record: DeletionRecord) -> DeletionRecord:
    session.add(record)
    session.flush()
    return record


def deletion_records(
    session: Session, camera_id: int | None, limit: int
) -> Sequence[DeletionRecord]:
    query = select(DeletionRecord).order_by(DeletionRecord.id.desc()).limit(limit)
    if camera_id is not None:
        query = query.where(DeletionRecord.camera_id == camera_id)
    return session.scalars(query).all()
