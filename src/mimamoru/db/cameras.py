"""Queries on cameras."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from mimamoru.db.tables import Camera, MaskVersion


def add_camera(
    session: Session,
    *,
    name: str,
    source: str,
    retention_hours: int,
    now: datetime,
    retention_justification: str | None = None,
    masks: str = "[]",
    mask_version: int = 0,
) -> Camera:
    camera = Camera(
        name=name,
        source=source,
        retention_hours=retention_hours,
        retention_justification=retention_justification,
        enabled=True,
        masks=masks,
        mask_version=mask_version,
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


def camera_for_update(session: Session, camera_id: int) -> Camera | None:
    """The camera row, locked against a concurrent change where the database can lock rows."""
    return session.scalar(select(Camera).where(Camera.id == camera_id).with_for_update())


def add_mask_version(
    session: Session, *, camera_id: int, version: int, masks: str, changed_by: str, now: datetime
) -> MaskVersion:
    row = MaskVersion(
        camera_id=camera_id, version=version, masks=masks, changed_by=changed_by, created_at=now
    )
    session.add(row)
    session.flush()
    return row


def mask_history(session: Session, camera_id: int) -> Sequence[MaskVersion]:
    return session.scalars(
        select(MaskVersion).where(MaskVersion.camera_id == camera_id).order_by(MaskVersion.version)
    ).all()
