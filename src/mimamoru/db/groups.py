"""Queries on groups of users and groups of cameras, and their members."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from mimamoru.db.tables import CameraGroup, CameraGroupMember, Group, GroupMember


def add_group(session: Session, *, name: str, description: str, now: datetime) -> Group:
    row = Group(name=name, description=description, created_at=now)
    session.add(row)
    session.flush()
    return row


def group_by_id(session: Session, group_id: int) -> Group | None:
    return session.get(Group, group_id)


def group_for_update(session: Session, group_id: int) -> Group | None:
    """The group row, locked where the database can lock rows (two admins changing it)."""
    return session.scalar(select(Group).where(Group.id == group_id).with_for_update())


def group_by_name(session: Session, name: str) -> Group | None:
    return session.scalar(select(Group).where(Group.name == name))


def list_groups(session: Session) -> Sequence[Group]:
    return session.scalars(select(Group).order_by(Group.id)).all()


def member_ids(session: Session, group_id: int) -> list[int]:
    return list(
        session.scalars(
            select(GroupMember.user_id)
            .where(GroupMember.group_id == group_id)
            .order_by(GroupMember.user_id)
        )
    )


def all_members(session: Session) -> dict[int, list[int]]:
    """User ids per group id, for every group with members."""
    members: dict[int, list[int]] = {}
    rows = session.execute(
        select(GroupMember.group_id, GroupMember.user_id).order_by(GroupMember.user_id)
    )
    for group_id, user_id in rows:
        members.setdefault(group_id, []).append(user_id)
    return members


def groups_of_users(session: Session) -> dict[int, list[tuple[int, str]]]:
    """(group id, group name) per user id, in group id order, for every user in a group."""
    memberships: dict[int, list[tuple[int, str]]] = {}
    rows = session.execute(
        select(GroupMember.user_id, Group.id, Group.name)
        .join(Group, Group.id == GroupMember.group_id)
        .order_by(Group.id)
    )
    for user_id, group_id, name in rows:
        memberships.setdefault(user_id, []).append((group_id, name))
    return memberships


def groups_of_user(session: Session, user_id: int) -> list[tuple[int, str]]:
    """(group id, group name) of each group the user is in, in group id order."""
    rows = session.execute(
        select(Group.id, Group.name)
        .join(GroupMember, GroupMember.group_id == Group.id)
        .where(GroupMember.user_id == user_id)
        .order_by(Group.id)
    )
    return [(group_id, name) for group_id, name in rows]


def set_members(session: Session, group_id: int, user_ids: Iterable[int]) -> None:
    session.execute(delete(GroupMember).where(GroupMember.group_id == group_id))
    session.add_all(GroupMember(group_id=group_id, user_id=user_id) for user_id in user_ids)
    session.flush()


def add_camera_group(
    session: Session, *, name: str, description: str, now: datetime
) -> CameraGroup:
    row = CameraGroup(name=name, description=description, created_at=now)
    session.add(row)
    session.flush()
    return row


def camera_group_by_id(session: Session, camera_group_id: int) -> CameraGroup | None:
    return session.get(CameraGroup, camera_group_id)


def camera_group_for_update(session: Session, camera_group_id: int) -> CameraGroup | None:
    """The camera group row, locked where the database can lock rows."""
    return session.scalar(
        select(CameraGroup).where(CameraGroup.id == camera_group_id).with_for_update()
    )


def camera_group_by_name(session: Session, name: str) -> CameraGroup | None:
    return session.scalar(select(CameraGroup).where(CameraGroup.name == name))


def list_camera_groups(session: Session) -> Sequence[CameraGroup]:
    return session.scalars(select(CameraGroup).order_by(CameraGroup.id)).all()


def camera_ids(session: Session, camera_group_id: int) -> list[int]:
    return list(
        session.scalars(
            select(CameraGroupMember.camera_id)
            .where(CameraGroupMember.camera_group_id == camera_group_id)
            .order_by(CameraGroupMember.camera_id)
        )
    )


def all_cameras(session: Session) -> dict[int, list[int]]:
    """Camera ids per camera group id, for every camera group with cameras."""
    cameras: dict[int, list[int]] = {}
    rows = session.execute(
        select(CameraGroupMember.camera_group_id, CameraGroupMember.camera_id).order_by(
            CameraGroupMember.camera_id
        )
    )
    for camera_group_id, camera_id in rows:
        cameras.setdefault(camera_group_id, []).append(camera_id)
    return cameras


def set_cameras(session: Session, camera_group_id: int, camera_ids: Iterable[int]) -> None:
    session.execute(
        delete(CameraGroupMember).where(CameraGroupMember.camera_group_id == camera_group_id)
    )
    session.add_all(
        CameraGroupMember(camera_group_id=camera_group_id, camera_id=camera_id)
        for camera_id in camera_ids
    )
    session.flush()
