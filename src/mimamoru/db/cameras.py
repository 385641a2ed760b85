"""Queries on cameras."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from mimamoru.db.tables import Camera


def add_camera(
    session: Session, *, name: str, source: str, retention_days: int, now: datetime
) -> Camera:
    camera = Camera(
        name=name,
        source=source,
        retention_days=retention_days,
        enabled=True,
        created_at=now,
        updated_at=now,
    )
    session.add(camera)
    session.flush()
    return camera


def camera_by_id(session: Session, camera_id: int) -> Camera | None:
    return session.get(Camera, camera_id)


def camera_by_name(session: Session, name: str) -> Camera | None:
    return session.scalar(select(Camera).where(Camera.name == name))


def list_cameras(session: Session) -> Sequence[Camera]:
    return session.scalars(select(Camera).order_by(Camera.id)).all()


def enabled_cameras(session: Session) -> Sequence[Camera]:
    return session.scalars(select(Camera).where(Camera.enabled.is_(True)).order_by(Camera.id)).all()
