"""Queries on grants: a user's or a group's own grants, and the grants that reach a user."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from sqlalchemy import ColumnElement, Integer, bindparam, delete, or_, select, union, union_all
from sqlalchemy.orm import Session

from mimamoru.db.tables import CameraGroup, CameraGroupMember, Grant, Group, GroupMember


def grants_of_user(session: Session, user_id: int) -> Sequence[Grant]:
    """The user's own grants (not those of their groups)."""
    return session.scalars(select(Grant).where(Grant.user_id == user_id)).all()


def grants_of_group(session: Session, group_id: int) -> Sequence[Grant]:
    return session.scalars(select(Grant).where(Grant.group_id == group_id)).all()


def grants_on_camera_group(session: Session, camera_group_id: int) -> Sequence[Grant]:
    return session.scalars(select(Grant).where(Grant.camera_group_id == camera_group_id)).all()


def replace_user_grants(session: Session, user_id: int, grants: Sequence[Grant]) -> None:
    session.execute(delete(Grant).where(Grant.user_id == user_id))
    session.add_all(grants)
    session.flush()


def replace_group_grants(session: Session, group_id: int, grants: Sequence[Grant]) -> None:
    session.execute(delete(Grant).where(Grant.group_id == group_id))
    session.add_all(grants)
    session.flush()


# The statements below are built once with bind parameters: the gate runs them on every
# request, and a prebuilt statement skips SQLAlchemy's construction (its compiled form is
# cached either way).
_USER = bindparam("user_id", type_=Integer)
_CAMERA = bindparam("camera_id", type_=Integer)


def _subjects() -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """The user's own grants; their groups' grants. Apart, so each can use its own index."""
    groups_of_user = select(GroupMember.group_id).where(GroupMember.user_id == _USER)
    return Grant.user_id == _USER, Grant.group_id.in_(groups_of_user)


def _reaches_user() -> ColumnElement[bool]:
    """The grant is the user's own or one of their groups'."""
    return or_(*_subjects())


# Every grant that reaches (user, camera): on the camera itself, or on a camera group
# holding it; the user's own or one of their groups'. One statement, each branch led by an
# index (grants.camera_id; camera_group_members.camera_id, then grants.camera_group_id).
_GRANTS_FOR_CAMERA = union_all(
    select(Grant.operations, Grant.playback_window_hours).where(
        Grant.camera_id == _CAMERA, _reaches_user()
    ),
    select(Grant.operations, Grant.playback_window_hours)
    .join(CameraGroupMember, CameraGroupMember.camera_group_id == Grant.camera_group_id)
    .where(CameraGroupMember.camera_id == _CAMERA, _reaches_user()),
)


# Every camera any grant reaches for the user, once each: per subject, the cameras granted
# directly and those of the camera groups granted.
_VISIBLE_CAMERAS = union(
    *(
        branch
        for subject in _subjects()
        for branch in (
            select(Grant.camera_id).where(subject, Grant.camera_id.is_not(None)),
            select(CameraGroupMember.camera_id)
            .select_from(Grant)
            .join(CameraGroupMember, CameraGroupMember.camera_group_id == Grant.camera_group_id)
            .where(subject),
        )
    )
)


class GrantTerms(NamedTuple):
    operations: str
    playback_window_hours: int | None


def grants_reaching(session: Session, user_id: int, camera_id: int) -> list[GrantTerms]:
    """The terms of every grant that gives the user something on the camera (one query)."""
    rows = session.execute(_GRANTS_FOR_CAMERA, {"user_id": user_id, "camera_id": camera_id})
    return [GrantTerms(operations, window) for operations, window in rows]


def cameras_reached(session: Session, user_id: int) -> set[int]:
    """Ids of the cameras on which any grant gives the user something (one query)."""
    return set(session.scalars(_VISIBLE_CAMERAS, {"user_id": user_id}))


class GrantPath(NamedTuple):
    """One grant as it reaches one camera for a user, with the names that explain why."""

    camera_id: int
    operations: str
    playback_window_hours: int | None
    group_id: int | None
    group_name: str | None
    camera_group_id: int | None
    camera_group_name: str | None


def grant_paths(session: Session, user_id: int) -> list[GrantPath]:
    """Every (grant, camera) pair that reaches the user, for the permissions overview."""
    columns = (
        Grant.operations,
        Grant.playback_window_hours,
        Grant.group_id,
        Group.name,
        Grant.camera_group_id,
        CameraGroup.name,
    )
    branches = []
    for subject in _subjects():
        branches.append(
            select(Grant.camera_id, *columns)
            .outerjoin(Group, Group.id == Grant.group_id)
            .outerjoin(CameraGroup, CameraGroup.id == Grant.camera_group_id)
            .where(subject, Grant.camera_id.is_not(None))
        )
        branches.append(
            select(CameraGroupMember.camera_id, *columns)
            .select_from(Grant)
            .join(CameraGroupMember, CameraGroupMember.camera_group_id == Grant.camera_group_id)
            .join(CameraGroup, CameraGroup.id == Grant.camera_group_id)
            .outerjoin(Group, Group.id == Grant.group_id)
            .where(subject)
        )
    rows = session.execute(union_all(*branches), {"user_id": user_id})
    return [
        GrantPath(camera_id, operations, window, group_id, group_name, cg_id, cg_name)
        for camera_id, operations, window, group_id, group_name, cg_id, cg_name in rows
        # Never None (each branch selects a camera); the union's column type cannot say so.
        if camera_id is not None
    ]
