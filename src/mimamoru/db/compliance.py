"""Queries on the compliance records: profile, locations, sites, purposes, signs, reviews."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from mimamoru.db.tables import (
    Camera,
    CameraPurpose,
    CameraPurposeChange,
    CameraSite,
    ComplianceReview,
    OperatorProfile,
    Purpose,
    SignAttestation,
    Site,
    StorageLocation,
    User,
)

PROFILE_ID = 1


def profile(session: Session) -> OperatorProfile | None:
    return session.get(OperatorProfile, PROFILE_ID)


def profile_for_update(session: Session) -> OperatorProfile:
    """The single profile row, made empty on first use."""
    row = session.scalar(
        select(OperatorProfile).where(OperatorProfile.id == PROFILE_ID).with_for_update()
    )
    if row is None:
        row = OperatorProfile(id=PROFILE_ID)
        session.add(row)
    return row


# Storage locations.


def locations(session: Session) -> Sequence[StorageLocation]:
    return session.scalars(select(StorageLocation).order_by(StorageLocation.id)).all()


def location(session: Session, location_id: int) -> StorageLocation | None:
    return session.get(StorageLocation, location_id)


def location_by_name(session: Session, name: str) -> StorageLocation | None:
    return session.scalar(select(StorageLocation).where(StorageLocation.name == name))


# Sites.


def sites(session: Session) -> Sequence[Site]:
    return session.scalars(select(Site).order_by(Site.id)).all()


def site(session: Session, site_id: int) -> Site | None:
    return session.get(Site, site_id)


def site_by_name(session: Session, name: str) -> Site | None:
    return session.scalar(select(Site).where(Site.name == name))


def camera_site_ids(session: Session) -> dict[int, int]:
    """camera id -> site id, for every camera that has a site."""
    rows = session.execute(select(CameraSite.camera_id, CameraSite.site_id)).all()
    return {camera_id: site_id for camera_id, site_id in rows}


def cameras_at_site(session: Session, site_id: int) -> list[int]:
    return list(
        session.scalars(
            select(CameraSite.camera_id)
            .where(CameraSite.site_id == site_id)
            .order_by(CameraSite.camera_id)
        )
    )


def set_camera_site(session: Session, camera_id: int, site_id: int | None) -> None:
    session.execute(delete(CameraSite).where(CameraSite.camera_id == camera_id))
    if site_id is not None:
        session.add(CameraSite(camera_id=camera_id, site_id=site_id))
    session.flush()


# Purposes.


def purposes(session: Session) -> Sequence[Purpose]:
    return session.scalars(select(Purpose).order_by(Purpose.id)).all()


def purpose(session: Session, purpose_id: int) -> Purpose | None:
    return session.get(Purpose, purpose_id)


def purposes_by_code(session: Session, codes: Iterable[str]) -> dict[str, Purpose]:
    wanted = list(codes)
    if not wanted:
        return {}
    rows = session.scalars(select(Purpose).where(Purpose.code.in_(wanted))).all()
    return {row.code: row for row in rows}


def purpose_in_use(session: Session, purpose_id: int) -> int:
    """How many cameras have this purpose now."""
    return (
        session.scalar(
            select(func.count())
            .select_from(CameraPurpose)
            .where(CameraPurpose.purpose_id == purpose_id)
        )
        or 0
    )


def camera_purpose_codes(session: Session) -> dict[int, list[str]]:
    """camera id -> its purpose codes (registry order), for every camera with one."""
    rows = session.execute(
        select(CameraPurpose.camera_id, Purpose.code)
        .join(Purpose, Purpose.id == CameraPurpose.purpose_id)
        .order_by(CameraPurpose.camera_id, Purpose.id)
    ).all()
    out: dict[int, list[str]] = {}
    for camera_id, code in rows:
        out.setdefault(camera_id, []).append(code)
    return out


def cameras_with_purpose(session: Session) -> set[int]:
    return set(session.scalars(select(CameraPurpose.camera_id).distinct()))


def replace_camera_purposes(session: Session, camera_id: int, purpose_ids: Iterable[int]) -> None:
    session.execute(delete(CameraPurpose).where(CameraPurpose.camera_id == camera_id))
    session.add_all(
        CameraPurpose(camera_id=camera_id, purpose_id=purpose_id) for purpose_id in purpose_ids
    )
    session.flush()


def purpose_versions(session: Session) -> dict[int, int]:
    """camera id -> the version of its purposes (0: never set)."""
    rows = session.execute(
        select(CameraPurposeChange.camera_id, func.max(CameraPurposeChange.version)).group_by(
            CameraPurposeChange.camera_id
        )
    ).all()
    return {camera_id: version for camera_id, version in rows}


def purpose_version(session: Session, camera_id: int) -> int:
    return (
        session.scalar(
            select(func.max(CameraPurposeChange.version)).where(
                CameraPurposeChange.camera_id == camera_id
            )
        )
        or 0
    )


def add_purpose_change(
    session: Session,
    *,
    camera_id: int,
    version: int,
    before: str,
    after: str,
    changed_by: str,
    now: datetime,
) -> CameraPurposeChange:
    row = CameraPurposeChange(
        camera_id=camera_id,
        version=version,
        before=before,
        after=after,
        changed_by=changed_by,
        changed_at=now,
    )
    session.add(row)
    session.flush()
    return row


def purpose_changes(session: Session, camera_id: int) -> Sequence[CameraPurposeChange]:
    return session.scalars(
        select(CameraPurposeChange)
        .where(CameraPurposeChange.camera_id == camera_id)
        .order_by(CameraPurposeChange.version)
    ).all()


def last_purpose_change_at(session: Session) -> datetime | None:
    return session.scalar(select(func.max(CameraPurposeChange.changed_at)))


# Sign attestations.


def add_attestation(session: Session, row: SignAttestation) -> SignAttestation:
    session.add(row)
    session.flush()
    return row


def latest_attestations(session: Session) -> dict[int, SignAttestation]:
    """camera id -> its newest attestation (the photo column is not loaded)."""
    newest = (
        select(SignAttestation.camera_id, func.max(SignAttestation.id).label("id"))
        .group_by(SignAttestation.camera_id)
        .subquery()
    )
    rows = session.scalars(
        select(SignAttestation).join(newest, newest.c.id == SignAttestation.id)
    ).all()
    return {row.camera_id: row for row in rows}


def latest_attestation(session: Session, camera_id: int) -> SignAttestation | None:
    return session.scalar(
        select(SignAttestation)
        .where(SignAttestation.camera_id == camera_id)
        .order_by(SignAttestation.id.desc())
        .limit(1)
    )


# Reviews.


def add_review(
    session: Session, *, kind: str, camera_id: int | None, note: str, actor: str, now: datetime
) -> ComplianceReview:
    row = ComplianceReview(
        kind=kind, camera_id=camera_id, note=note, reviewed_by=actor, reviewed_at=now
    )
    session.add(row)
    session.flush()
    return row


def latest_reviews(session: Session, kind: str) -> dict[int | None, ComplianceReview]:
    """(camera id or None) -> the newest review of this kind."""
    newest = (
        select(ComplianceReview.camera_id, func.max(ComplianceReview.id).label("id"))
        .where(ComplianceReview.kind == kind)
        .group_by(ComplianceReview.camera_id)
        .subquery()
    )
    rows = session.scalars(
        select(ComplianceReview).join(newest, newest.c.id == ComplianceReview.id)
    ).all()
    return {row.camera_id: row for row in rows}


# Facts from elsewhere that the dashboard reads.


def active_users(session: Session) -> Sequence[User]:
    return session.scalars(select(User).where(User.disabled.is_(False)).order_by(User.id)).all()


def all_cameras(session: Session) -> Sequence[Camera]:
    return session.scalars(select(Camera).order_by(Camera.id)).all()
