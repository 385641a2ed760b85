"""Queries on grants."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from mimamoru.db.tables import Grant


def grants_of_user(session: Session, user_id: int) -> Sequence[Grant]:
    return session.scalars(
        select(Grant).where(Grant.user_id == user_id).order_by(Grant.camera_id)
    ).all()


def grant_for(session: Session, user_id: int, camera_id: int) -> Grant | None:
    return session.scalar(
        select(Grant).where(Grant.user_id == user_id, Grant.camera_id == camera_id)
    )


def replace_grants(session: Session, user_id: int, grants: Sequence[Grant]) -> None:
    session.execute(delete(Grant).where(Grant.user_id == user_id))
    session.add_all(grants)
    session.flush()
