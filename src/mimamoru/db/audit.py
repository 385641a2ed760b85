"""Queries on the audit chain."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, DateTime, Result, Table, func, insert, select, type_coerce
from sqlalchemy.orm import Session

from mimamoru.db.tables import AuditEvent, Base

# Appends and verification use SQLAlchemy core on a connection: no ORM objects, no session.
AUDIT_EVENTS: Table = Base.metadata.tables["audit_events"]
_INSERT = insert(AUDIT_EVENTS)
_TAIL = select(AUDIT_EVENTS.c.id, AUDIT_EVENTS.c.hash).order_by(AUDIT_EVENTS.c.id.desc()).limit(1)
STREAM_PAGE = 5000  # rows per fetch when walking the chain


# PostgreSQL advisory lock that appends to the chain take in turns ("mimamoru" in ASCII).
CHAIN_LOCK = 0x6D696D616D6F7275


def lock_chain(connection: Connection, *, reading_tail: bool) -> None:
    """Make this transaction the chain's only writer until it ends, where that is needed.

    PostgreSQL: every append takes the same transaction-level advisory lock, so writers
    in several processes queue in turn instead of racing (a writer that has to read the
    tail first would otherwise keep losing to one that remembers it). SQLite has one writer
    at a time anyway; an append that reads the tail first takes the write lock before it
    (``BEGIN IMMEDIATE``), so that no other writer can slip in between.
    """
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({CHAIN_LOCK})")
    elif reading_tail:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def tail(connection: Connection) -> tuple[int, str] | None:
    """(id, hash) of the last entry, or ``None`` for an empty log."""
    row = connection.execute(_TAIL).first()
    return (row[0], row[1]) if row is not None else None


def insert_event(
    connection: Connection,
    *,
    occurred_at: datetime,
    actor: str,
    action: str,
    camera_id: int | None,
    detail: str,
    prev_id: int,
    prev_hash: str,
    hash: str,
) -> int:
    """Insert one entry; returns its id. ``IntegrityError`` if ``prev_id`` is taken."""
    result = connection.execute(
        _INSERT,
        {
            "occurred_at": occurred_at,
            "actor": actor,
            "action": action,
            "camera_id": camera_id,
            "detail": detail,
            "prev_id": prev_id,
            "prev_hash": prev_hash,
            "hash": hash,
        },
    )
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def events_in_order(session: Session) -> Sequence[AuditEvent]:
    return session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()


def id_bounds(connection: Connection) -> tuple[int, int] | None:
    """(smallest id, largest id), or ``None`` for an empty log."""
    row = connection.execute(select(func.min(AUDIT_EVENTS.c.id), func.max(AUDIT_EVENTS.c.id))).one()
    return None if row[0] is None else (int(row[0]), int(row[1]))


def stream_events(
    connection: Connection, first_id: int | None = None, last_id: int | None = None
) -> Result[int, datetime, str, str, int | None, str, str, str]:
    """Events in id order (all, or ids ``first_id..last_id``) as plain rows, fetched in
    pages so a long log does not fill memory. ``occurred_at`` comes back naive (UTC, as
    stored): making 10^6 of them timezone-aware costs a fifth of verifying them.

    Close the result when stopping early: on PostgreSQL it holds a server-side cursor.
    """
    columns = AUDIT_EVENTS.c
    query = select(
        columns.id,
        type_coerce(columns.occurred_at, DateTime()),
        columns.actor,
        columns.action,
        columns.camera_id,
        columns.detail,
        columns.prev_hash,
        columns.hash,
    ).order_by(columns.id)
    if first_id is not None:
        query = query.where(columns.id >= first_id)
    if last_id is not None:
        query = query.where(columns.id <= last_id)
    return connection.execution_options(stream_results=True, yield_per=STREAM_PAGE).execute(query)


def count_events(connection: Connection | Session) -> int:
    return connection.scalar(select(func.count()).select_from(AUDIT_EVENTS)) or 0


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
