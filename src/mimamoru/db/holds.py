"""Queries on evidence holds."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, and_, exists, select
from sqlalchemy.orm import Session

from mimamoru.db.tables import Hold, Segment


def add_hold(session: Session, hold: Hold) -> Hold:
    session.add(hold)
    session.flush()
    return hold


def hold_by_id(session: Session, hold_id: int) -> Hold | None:
    return session.get(Hold, hold_id)


def list_holds(session: Session, *, active_at: datetime | None) -> Sequence[Hold]:
    query = select(Hold).order_by(Hold.id)
    if active_at is not None:
        query = query.where(Hold.released_at.is_(None), Hold.expires_at > active_at)
    return session.scalars(query).all()


def segment_is_held(now: datetime) -> ColumnElement[bool]:
    """SQL condition: an active hold covers (part of) the segment in the outer query."""
    return exists().where(
        and_(
            Hold.camera_id == Segment.camera_id,
            Hold.released_at.is_(None),
            Hold.expires_at > now,
            Hold.start_time < Segment.end_time,
            Hold.end_time > Segment.start_time,
        )
    )


def held(session: Session, camera_id: int, start: datetime, end: datetime, now: datetime) -> bool:
    """Whether an active hold covers any of [start, end) of the camera."""
    return bool(
        session.scalar(
            select(Hold.id)
            .where(
                Hold.camera_id == camera_id,
                Hold.released_at.is_(None),
                Hold.expires_at > now,
                Hold.start_time < end,
                Hold.end_time > start,
            )
            .limit(1)
        )
    )
