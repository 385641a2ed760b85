"""Groups of cameras: a grant on a camera group applies to every camera in it.

Only administrators create, change and delete camera groups and set their cameras (the
API and CLI check that); every change is audited with before and after. Taking a camera
out of a camera group takes the group's grants off that camera at the next request;
deleting a camera group deletes every grant on it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from mimamoru.access.grants import record_of
from mimamoru.access.named_groups import NamedGroups, parse_ids
from mimamoru.audit.log import AuditLog
from mimamoru.clock import Clock
from mimamoru.db import cameras as camera_queries
from mimamoru.db import grants as grant_queries
from mimamoru.db import groups as group_queries
from mimamoru.db import users as user_queries
from mimamoru.db.engine import Database
from mimamoru.db.tables import CameraGroup
from mimamoru.errors import NotFoundError

CAMERA_GROUP_NAME_MAX = 100


@dataclass(frozen=True)
class CameraGroupRecord:
    id: int
    name: str
    description: str
    camera_ids: tuple[int, ...]
    created_at: datetime


def _record(session: Session, row: CameraGroup) -> CameraGroupRecord:
    cameras = tuple(group_queries.camera_ids(session, row.id))
    return CameraGroupRecord(row.id, row.name, row.description, cameras, row.created_at)


def _grants_on(session: Session, camera_group_id: int) -> list[dict[str, Any]]:
    """The grants on the camera group, each with the user or group it belongs to."""
    described = []
    for row in grant_queries.grants_on_camera_group(session, camera_group_id):
        subject: dict[str, Any] = {}
        if row.user_id is not None:
            user = user_queries.user_by_id(session, row.user_id)
            subject["user"] = user.username if user is not None else row.user_id
        elif row.group_id is not None:
            group = group_queries.group_by_id(session, row.group_id)
            subject["group"] = group.name if group is not None else row.group_id
        described.append({**subject, **record_of(row).as_dict()})
    return described


def _contents(session: Session, row: CameraGroup) -> dict[str, Any]:
    """What a deleted camera group's audit entry keeps: its cameras and the grants on it."""
    return {
        "camera_ids": group_queries.camera_ids(session, row.id),
        "grants": _grants_on(session, row.id),
    }


class CameraGroupService:
    def __init__(self, database: Database, clock: Clock, audit: AuditLog) -> None:
        self._database = database
        self._clock = clock
        self._audit = audit
        self._named = NamedGroups(
            database,
            clock,
            audit,
            noun="camera group",
            audit_key="camera_group",
            name_max=CAMERA_GROUP_NAME_MAX,
            by_name=group_queries.camera_group_by_name,
            add=group_queries.add_camera_group,
            for_update=group_queries.camera_group_for_update,
            record=_record,
        )

    def list(self) -> list[CameraGroupRecord]:
        with self._database.session() as session:
            cameras = group_queries.all_cameras(session)
            return [
                CameraGroupRecord(
                    row.id,
                    row.name,
                    row.description,
                    tuple(cameras.get(row.id, ())),
                    row.created_at,
                )
                for row in group_queries.list_camera_groups(session)
            ]

    def get(self, camera_group_id: int) -> CameraGroupRecord:
        with self._database.session() as session:
            return _record(session, self._camera_group(session, camera_group_id))

    def by_name(self, name: str) -> CameraGroupRecord:
        with self._database.session() as session:
            row = group_queries.camera_group_by_name(session, name.strip())
            if row is None:
                raise NotFoundError(f"camera group {name!r} not found")
            return _record(session, row)

    def create(self, *, name: str, description: str = "", actor: str) -> CameraGroupRecord:
        return self._named.create(name=name, description=description, actor=actor)

    def update(
        self,
        camera_group_id: int,
        *,
        actor: str,
        name: str | None = None,
        description: str | None = None,
    ) -> CameraGroupRecord:
        """Rename the camera group or change its description; fields left None stay."""
        return self._named.update(camera_group_id, actor=actor, name=name, description=description)

    def delete(self, camera_group_id: int, *, actor: str) -> None:
        """Delete the camera group, its list of cameras and every grant on it."""
        self._named.delete(camera_group_id, actor=actor, contents=_contents)

    def set_cameras(
        self, camera_group_id: int, camera_ids: Sequence[int], actor: str
    ) -> CameraGroupRecord:
        """Make exactly these cameras the camera group's cameras."""
        wanted = parse_ids(camera_ids, noun="camera", field="camera_ids")
        with self._database.session() as session:
            row = self._camera_group(session, camera_group_id, lock=True)
            for camera_id in wanted:
                if camera_queries.camera_by_id(session, camera_id) is None:
                    raise NotFoundError(f"camera {camera_id} not found")
            before = group_queries.camera_ids(session, camera_group_id)
            group_queries.set_cameras(session, camera_group_id, wanted)
            record = _record(session, row)
        self._audit.append(
            actor=actor,
            action="camera_group.cameras_set",
            detail={"camera_group": record.name, "before": before, "after": wanted},
        )
        return record

    @staticmethod
    def _camera_group(session: Session, camera_group_id: int, *, lock: bool = False) -> CameraGroup:
        row = (
            group_queries.camera_group_for_update(session, camera_group_id)
            if lock
            else group_queries.camera_group_by_id(session, camera_group_id)
        )
        if row is None:
            raise NotFoundError(f"camera group {camera_group_id} not found")
        return row
