"""Queries on failed-login counters."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mimamoru.db.tables import LoginThrottle


def entry(session: Session, key: str) -> LoginThrottle | None:
    return session.get(LoginThrottle, key)


def count_failure(session: Session, key: str, now: datetime) -> LoginThrottle:
    """Add one failure to ``key``'s counter and return the row.

    The increment is one UPDATE, so parallel failures all count: on SQLite, where reads
    before the first write are outside the transaction and row locks do not exist, a
    read-then-write would lose some of them.
    """
    result = session.execute(
        update(LoginThrottle)
        .where(LoginThrottle.key == key)
        .values(failures=LoginThrottle.failures + 1, last_failure_at=now)
    )
    if not getattr(result, "rowcount", 0):
        try:
            with session.begin_nested():
                session.add(
                    LoginThrottle(key=key, failures=1, last_failure_at=now, locked_until=None)
                )
        except IntegrityError:  # a parallel failure made it first: count on its row
            session.execute(
                update(LoginThrottle)
                .where(LoginThrottle.key == key)
                .values(failures=LoginThrottle.failures + 1, last_failure_at=now)
            )
    row = session.scalar(
        select(LoginThrottle)
        .where(LoginThrottle.key == key)
        .execution_options(populate_existing=True)
    )
    assert row is not None
    return row


def clear(session: Session, keys: Sequence[str]) -> None:
    session.execute(delete(LoginThrottle).where(LoginThrottle.key.in_(keys)))
