"""Queries on failed-login counters."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mimamoru.db.tables import LoginThrottle


def entry(session: Session, key: str) -> LoginThrottle | None:
    return session.get(LoginThrottle, key)


def entry_for_update(session: Session, key: str, now: datetime) -> LoginThrottle:
    """The counter row for ``key``, locked; made (at zero) if there is none yet."""
    row = session.scalar(select(LoginThrottle).where(LoginThrottle.key == key).with_for_update())
    if row is not None:
        return row
    try:
        with session.begin_nested():
            row = LoginThrottle(key=key, failures=0, last_failure_at=now, locked_until=None)
            session.add(row)
    except IntegrityError:  # a parallel failure made it first
        row = session.scalar(
            select(LoginThrottle).where(LoginThrottle.key == key).with_for_update()
        )
        assert row is not None
    return row


def clear(session: Session, keys: Sequence[str]) -> None:
    session.execute(delete(LoginThrottle).where(LoginThrottle.key.in_(keys)))
