"""Effective permissions: what all the grants that reach a user allow on one camera.

A grant reaches a user on a camera when it is the user's own grant or a grant of a group
the user belongs to, and it names the camera or a camera group holding it. The user may
do the union of the operations of every such grant. ``view`` comes with any of them. For
a windowed operation (``playback``, ``export``) the most permissive window among the
grants that include that operation applies: no window beats any window, otherwise the
largest number of hours. A grant without the operation lends it no window.

Administrators need no grants; that rule is the gate's (:mod:`mimamoru.access.gate`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from sqlalchemy.orm import Session

from mimamoru.access.grants import GRANTABLE, WINDOWED
from mimamoru.access.roles import Operation, Role
from mimamoru.db import cameras as camera_queries
from mimamoru.db import grants as grant_queries
from mimamoru.db import users as user_queries
from mimamoru.db.engine import Database
from mimamoru.errors import NotFoundError


@dataclass(frozen=True)
class Permission:
    """The effective permission of one user on one camera; there is none without a grant."""

    operations: frozenset[Operation]
    # For each windowed operation in ``operations``: its window in hours, None for none.
    windows: Mapping[Operation, int | None]

    def allows(self, operation: Operation) -> bool:
        return operation is Operation.VIEW or operation in self.operations

    def window_hours(self, operation: Operation) -> int | None:
        """How far back ``operation`` reaches, in hours; None: unlimited (or not windowed)."""
        return self.windows.get(operation)


def parse_operation_names(text: str) -> frozenset[Operation]:
    return frozenset(Operation(name) for name in text.split(",") if name)


def combine(terms: Iterable[tuple[str, int | None]]) -> Permission | None:
    """The union of grants given as (comma-separated operations, window); None if none."""
    operations: set[Operation] = set()
    windows: dict[Operation, int | None] = {}
    found = False
    for names, window in terms:
        found = True
        granted = parse_operation_names(names)
        operations |= granted
        for operation in granted & WINDOWED:
            if operation not in windows:
                windows[operation] = window
            else:
                windows[operation] = _wider(windows[operation], window)
    if not found:
        return None
    return Permission(frozenset(operations), windows)


def _wider(first: int | None, second: int | None) -> int | None:
    if first is None or second is None:
        return None
    return max(first, second)


def permission_of(session: Session, user_id: int, camera_id: int) -> Permission | None:
    """The user's effective permission on the camera from grants alone, in one query."""
    return combine(grant_queries.grants_reaching(session, user_id, camera_id))


def cameras_visible_to(session: Session, user_id: int) -> set[int]:
    """Cameras any grant reaches for the user, in one query."""
    return grant_queries.cameras_reached(session, user_id)


@dataclass(frozen=True)
class GrantSource:
    """One grant behind an effective permission: whose it is and what it names."""

    kind: Literal["user", "group"]
    group_id: int | None
    group_name: str | None
    camera_group_id: int | None
    camera_group_name: str | None
    operations: frozenset[Operation]
    playback_window_hours: int | None


@dataclass(frozen=True)
class CameraPermission:
    camera_id: int
    camera_name: str
    permission: Permission
    via: tuple[GrantSource, ...]


@dataclass(frozen=True)
class UserPermissions:
    user_id: int
    admin: bool
    cameras: tuple[CameraPermission, ...]


class PermissionService:
    """The effective permissions of a user on every camera, with the grants behind them."""

    def __init__(self, database: Database) -> None:
        self._database = database

    def of_user(self, user_id: int) -> UserPermissions:
        with self._database.session() as session:
            user = user_queries.user_by_id(session, user_id)
            if user is None:
                raise NotFoundError(f"user {user_id} not found")
            names = {row.id: row.name for row in camera_queries.list_cameras(session)}
            if user.role == Role.ADMIN.value:
                return UserPermissions(user_id, True, _everything(names))
            paths = grant_queries.grant_paths(session, user_id)
        per_camera: dict[int, list[grant_queries.GrantPath]] = {}
        for path in paths:
            per_camera.setdefault(path.camera_id, []).append(path)
        cameras = []
        for camera_id in sorted(per_camera):
            found = per_camera[camera_id]
            permission = combine((path.operations, path.playback_window_hours) for path in found)
            if permission is None or camera_id not in names:
                continue
            cameras.append(
                CameraPermission(camera_id, names[camera_id], permission, _sources(found))
            )
        return UserPermissions(user_id, False, tuple(cameras))


def _everything(names: Mapping[int, str]) -> tuple[CameraPermission, ...]:
    """An administrator's permissions: every operation on every camera, no window, no grant."""
    every = Permission(frozenset(GRANTABLE), dict.fromkeys(WINDOWED))
    return tuple(CameraPermission(camera_id, name, every, ()) for camera_id, name in names.items())


def _sources(paths: Sequence[grant_queries.GrantPath]) -> tuple[GrantSource, ...]:
    sources = [
        GrantSource(
            kind="user" if path.group_id is None else "group",
            group_id=path.group_id,
            group_name=path.group_name,
            camera_group_id=path.camera_group_id,
            camera_group_name=path.camera_group_name,
            operations=parse_operation_names(path.operations),
            playback_window_hours=path.playback_window_hours,
        )
        for path in paths
    ]
    # The user's own grants first, then by group; direct camera grants before camera groups.
    return tuple(
        sorted(
            sources,
            key=lambda source: (
                source.group_id is not None,
                source.group_id or 0,
                source.camera_group_id is not None,
                source.camera_group_id or 0,
            ),
        )
    )
