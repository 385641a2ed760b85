"""Queries on exports, the provision register and the per-export package keys."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from mimamoru.db.tables import Camera, Export, ProvisionEntry, WrappedSecret


def add_export(session: Session, export: Export) -> Export:
    session.add(export)
    session.flush()
    return export


def export_by_id(session: Session, export_id: int) -> Export | None:
    return session.get(Export, export_id)


def list_exports(
    session: Session, camera_ids: Sequence[int] | None, limit: int
) -> Sequence[Export]:
    query = select(Export).order_by(Export.id.desc()).limit(limit)
    if camera_ids is not None:
        query = query.where(Export.camera_id.in_(camera_ids))
    return session.scalars(query).all()


def unfinished_exports(session: Session) -> Sequence[Export]:
    return session.scalars(
        select(Export).where(Export.state.in_(("queued", "running"))).order_by(Export.id)
    ).all()


def expired_exports(session: Session, now: datetime) -> Sequence[Export]:
    return session.scalars(
        select(Export)
        .where(Export.expires_at <= now, Export.state != "expired")
        .order_by(Export.id)
    ).all()


def count_download(session: Session, export_id: int) -> int:
    session.execute(
        update(Export)
        .where(Export.id == export_id)
        .values(download_count=Export.download_count + 1)
    )
    count = session.scalar(select(Export.download_count).where(Export.id == export_id))
    return int(count or 0)


def set_export_without_approval(session: Session, camera_id: int, value: bool) -> bool:
    camera = session.get(Camera, camera_id, with_for_update=True)
    if camera is None:
        return False
    camera.export_without_approval = value
    return True


def export_without_approval(session: Session, camera_id: int) -> bool:
    return bool(
        session.scalar(select(Camera.export_without_approval).where(Camera.id == camera_id))
    )


def delete_wrapped_secret(session: Session, name: str) -> None:
    session.execute(delete(WrappedSecret).where(WrappedSecret.name == name))


def add_provision(session: Session, entry: ProvisionEntry) -> ProvisionEntry:
    session.add(entry)
    session.flush()
    return entry


def list_provisions(session: Session, limit: int) -> Sequence[ProvisionEntry]:
    return session.scalars(
        select(ProvisionEntry)
        .order_by(ProvisionEntry.provided_at.desc(), ProvisionEntry.id.desc())
        .limit(limit)
    ).all()


def prune_provisions(session: Session, now: datetime) -> int:
    """Delete entries past their keep-until date; returns how many."""
    doomed = session.scalars(
        select(ProvisionEntry.id).where(ProvisionEntry.keep_until <= now)
    ).all()
    if doomed:
        session.execute(delete(ProvisionEntry).where(ProvisionEntry.id.in_(doomed)))
    return len(doomed)
