"""Queries on master-key fingerprints and wrapped data keys."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import exists, func, select, update
from sqlalchemy.orm import Session

from mimamoru.db.tables import DataKeyRecord, MasterKeyRecord, Segment, WrappedSecret


def master_keys(session: Session) -> Sequence[MasterKeyRecord]:
    return session.scalars(select(MasterKeyRecord).order_by(MasterKeyRecord.created_at)).all()


def master_key(session: Session, fingerprint: str) -> MasterKeyRecord | None:
    return session.get(MasterKeyRecord, fingerprint)


def add_master_key(session: Session, fingerprint: str, state: str, now: datetime) -> None:
    session.add(MasterKeyRecord(fingerprint=fingerprint, state=state, created_at=now))
    session.flush()


def data_key_for_period(
    session: Session, camera_id: int, period_start: datetime
) -> DataKeyRecord | None:
    return session.scalars(
        select(DataKeyRecord).where(
            DataKeyRecord.camera_id == camera_id, DataKeyRecord.period_start == period_start
        )
    ).one_or_none()


def data_key(session: Session, key_id: int) -> DataKeyRecord | None:
    return session.get(DataKeyRecord, key_id)


def wrapped_under(session: Session, fingerprint: str, limit: int) -> Sequence[DataKeyRecord]:
    return session.scalars(
        select(DataKeyRecord)
        .where(DataKeyRecord.master_fingerprint == fingerprint, DataKeyRecord.wrapped.is_not(None))
        .order_by(DataKeyRecord.id)
        .limit(limit)
    ).all()


def count_wrapped_under(session: Session, fingerprint: str) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(DataKeyRecord)
            .where(
                DataKeyRecord.master_fingerprint == fingerprint, DataKeyRecord.wrapped.is_not(None)
            )
        )
        or 0
    )


def count_live_keys(session: Session) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(DataKeyRecord)
            .where(DataKeyRecord.wrapped.is_not(None))
        )
        or 0
    )


def unused_expired_keys(
    session: Session, camera_id: int, cutoff: datetime, limit: int
) -> Sequence[int]:
    """Live keys of a camera whose period ended by ``cutoff`` and that no segment uses."""
    in_use = exists().where(Segment.key_id == DataKeyRecord.id)
    return session.scalars(
        select(DataKeyRecord.id)
        .where(
            DataKeyRecord.camera_id == camera_id,
            DataKeyRecord.period_end <= cutoff,
            DataKeyRecord.wrapped.is_not(None),
            ~in_use,
        )
        .order_by(DataKeyRecord.id)
        .limit(limit)
    ).all()


def destroy_keys(session: Session, key_ids: Sequence[int], now: datetime) -> int:
    if not key_ids:
        return 0
    result = session.execute(
        update(DataKeyRecord)
        .where(DataKeyRecord.id.in_(key_ids), DataKeyRecord.wrapped.is_not(None))
        .values(wrapped=None, master_fingerprint=None, destroyed_at=now)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def wrapped_secret(session: Session, name: str) -> WrappedSecret | None:
    return session.get(WrappedSecret, name)


def secrets_wrapped_under(session: Session, fingerprint: str) -> Sequence[WrappedSecret]:
    return session.scalars(
        select(WrappedSecret).where(WrappedSecret.master_fingerprint == fingerprint)
    ).all()
