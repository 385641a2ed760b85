"""Queries on the audit chain."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Result, func, select
from sqlalchemy.orm import Session

from mimamoru.db.tables import AuditEvent


def last_event(session: Session) -> AuditEvent | None:
    return session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1))


def add_event(session: Session, event: AuditEvent) -> AuditEvent:
    session.add(event)
    session.flush()
    return event


def events_in_order(session: Session) -> Sequence[AuditEvent]:
    return session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()


def stream_events(session: Session) -> Result[int, datetime, str, str, int | None, str, str, str]:
    """Every event in id order as plain rows (not ORM objects: 3x faster to read), fetched
    in pages so a long log does not fill memory.

    Close the result when stopping early: on PostgreSQL it holds a server-side cursor.
    """
    return session.execute(
        select(
            AuditEvent.id,
            AuditEvent.occurred_at,
            AuditEvent.actor,
            AuditEvent.action,
            AuditEvent.camera_id,
            AuditEvent.detail,
            AuditEvent.prev_hash,
            AuditEvent.hash,
        )
        .order_by(AuditEvent.id)
        .execution_options(yield_per=5000)
    )


def count_events(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(AuditEvent)) or 0


def event_by_id(session: Session, event_id: int) -> AuditEvent | None:
    return session.get(AuditEvent, event_id)


def events_filtered(
    session: Session,
    *,
    actor: str | None,
    camera_id: int | None,
    action: str | None,
    since: datetime | None,
    until: datetime | None,
    before_id: int | None,
    limit: int,
) -> Sequence[AuditEvent]:
    """Newest first; ``action`` matches exactly or, ending in ``.``, as a prefix."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if actor is not None:
        query = query.where(AuditEvent.actor == actor)
    if camera_id is not None:
        query = query.where(AuditEvent.camera_id == camera_id)
    if action is not None:
        query = query.where(
            AuditEvent.action.startswith(action, autoescape=True)
            if action.endswith(".")
            else AuditEvent.action == action
        )
    if since is not None:
        query = query.where(AuditEvent.occurred_at >= since)
    if until is not None:
        query = query.where(AuditEvent.occurred_at < until)
    if before_id is not None:
        query = query.where(AuditEvent.id < before_id)
    return session.scalars(query).all()
