"""Groups of users: grants given to a group apply to every member.

Only administrators create, change and delete groups, set their members and their grants
(the API and CLI check that); every change is audited with before and after. Removing a
user from a group, or deleting the group, takes the group's grants away from that user
at their next request. Deleting a group deletes its grants.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mimamoru.access.grants import GrantRecord, check_targets, grant_rows, in_order, record_of
from mimamoru.audit.log import AuditLog
from mimamoru.clock import Clock
from mimamoru.db import grants as grant_queries
from mimamoru.db import groups as group_queries
from mimamoru.db import users as user_queries
from mimamoru.db.engine import Database
from mimamoru.db.tables import Group
from mimamoru.errors import NotFoundError, ValidationFailedError

logger = logging.getLogger(__name__)

GROUP_NAME_MAX = 64
DESCRIPTION_MAX = 2000


@dataclass(frozen=True)
class GroupRecord:
    id: int
    name: str
    description: str
    member_ids: tuple[int, ...]
    created_at: datetime


@dataclass(frozen=True)
class GroupRef:
    """A group as shown next to a user: its id and name."""

    id: int
    name: str


def validate_name(name: str, *, kind: str, max_length: int) -> str:
    """A group's or camera group's name: trimmed, 1 to max_length characters, no control."""
    cleaned = name.strip()
    if not cleaned:
        raise ValidationFailedError(f"{kind} name is empty")
    if len(cleaned) > max_length:
        raise ValidationFailedError(f"{kind} name is longer than {max_length} characters")
    if any(ord(ch) < 32 for ch in cleaned):
        raise ValidationFailedError(f"{kind} name must not contain control characters")
    return cleaned


def validate_description(description: str) -> str:
    cleaned = description.strip()
    if len(cleaned) > DESCRIPTION_MAX:
        raise ValidationFailedError(f"description is longer than {DESCRIPTION_MAX} characters")
    return cleaned


def parse_ids(values: Sequence[object], *, noun: str, field: str) -> list[int]:
    """Positive whole numbers, each once; the error names the value."""
    ids: list[int] = []
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValidationFailedError(f"{field}: {value!r} is not a positive whole number")
        if value in ids:
            raise ValidationFailedError(f"{field}: {noun} {value} is listed twice")
        ids.append(value)
    return sorted(ids)


def _record(session: Session, row: Group) -> GroupRecord:
    members = tuple(group_queries.member_ids(session, row.id))
    return GroupRecord(row.id, row.name, row.description, members, row.created_at)


def _usernames(session: Session, user_ids: Iterable[int]) -> list[str]:
    names = []
    for user_id in user_ids:
        user = user_queries.user_by_id(session, user_id)
        if user is not None:
            names.append(user.username)
    return sorted(names)


class GroupService:
    def __init__(self, database: Database, clock: Clock, audit: AuditLog) -> None:
        self._database = database
        self._clock = clock
        self._audit = audit

    def list(self) -> Sequence[GroupRecord]:
        with self._database.session() as session:
            members = group_queries.all_members(session)
            return [
                GroupRecord(
                    row.id,
                    row.name,
                    row.description,
                    tuple(members.get(row.id, ())),
                    row.created_at,
                )
                for row in group_queries.list_groups(session)
            ]

    def get(self, group_id: int) -> GroupRecord:
        with self._database.session() as session:
            return _record(session, self._group(session, group_id))

    def by_name(self, name: str) -> GroupRecord:
        with self._database.session() as session:
            row = group_queries.group_by_name(session, name.strip())
            if row is None:
                raise NotFoundError(f"group {name!r} not found")
            return _record(session, row)

    def memberships(self) -> dict[int, tuple[GroupRef, ...]]:
        """The groups of every user who is in one, by user id."""
        with self._database.session() as session:
            return {
                user_id: tuple(GroupRef(group_id, name) for group_id, name in groups)
                for user_id, groups in group_queries.groups_of_users(session).items()
            }

    def groups_of(self, user_id: int) -> tuple[GroupRef, ...]:
        with self._database.session() as session:
            return tuple(
                GroupRef(group_id, name)
                for group_id, name in group_queries.groups_of_user(session, user_id)
            )

    def create(self, *, name: str, description: str = "", actor: str) -> GroupRecord:
        name = validate_name(name, kind="group", max_length=GROUP_NAME_MAX)
        description = validate_description(description)
        try:
            with self._database.session() as session:
                if group_queries.group_by_name(session, name) is not None:
                    raise ValidationFailedError(f"a group named {name!r} already exists")
                row = group_queries.add_group(
                    session, name=name, description=description, now=self._clock.now()
                )
                record = _record(session, row)
        except IntegrityError as exc:  # created by someone else at the same moment
            raise ValidationFailedError(f"a group named {name!r} already exists") from exc
        self._audit.append(
            actor=actor,
            action="group.created",
            detail={
                "group": name,
                "before": None,
                "after": {"name": name, "description": description},
            },
        )
        logger.info("group %s created by %s", name, actor)
        return record

    def update(
        self,
        group_id: int,
        *,
        actor: str,
        name: str | None = None,
        description: str | None = None,
    ) -> GroupRecord:
        """Rename the group or change its description; fields left None stay."""
        if name is not None:
            name = validate_name(name, kind="group", max_length=GROUP_NAME_MAX)
        if description is not None:
            description = validate_description(description)
        try:
            with self._database.session() as session:
                row = self._group(session, group_id, lock=True)
                before = {"name": row.name, "description": row.description}
                if name is not None and name != row.name:
                    if group_queries.group_by_name(session, name) is not None:
                        raise ValidationFailedError(f"a group named {name!r} already exists")
                    row.name = name
                if description is not None:
                    row.description = description
                session.flush()
                after = {"name": row.name, "description": row.description}
                record = _record(session, row)
        except IntegrityError as exc:
            raise ValidationFailedError(f"a group named {name!r} already exists") from exc
        if after != before:
            self._audit.append(
                actor=actor,
                action="group.updated",
                detail={"group": record.name, "before": before, "after": after},
            )
        return record

    def delete(self, group_id: int, *, actor: str) -> None:
        """Delete the group with its memberships and its grants."""
        with self._database.session() as session:
            row = self._group(session, group_id, lock=True)
            before = {
                "name": row.name,
                "description": row.description,
                "members": _usernames(session, group_queries.member_ids(session, group_id)),
                "grants": [
                    grant.as_dict()
                    for grant in in_order(
                        record_of(grant)
                        for grant in grant_queries.grants_of_group(session, group_id)
                    )
                ],
            }
            session.delete(row)
        self._audit.append(
            actor=actor,
            action="group.deleted",
            detail={"group": before["name"], "before": before, "after": None},
        )
        logger.info("group %s deleted by %s", before["name"], actor)

    def set_members(self, group_id: int, user_ids: Sequence[int], actor: str) -> GroupRecord:
        """Make exactly these users the group's members."""
        wanted = parse_ids(user_ids, noun="user", field="user_ids")
        with self._database.session() as session:
            row = self._group(session, group_id, lock=True)
            for user_id in wanted:
                if user_queries.user_by_id(session, user_id) is None:
                    raise NotFoundError(f"user {user_id} not found")
            before = _usernames(session, group_queries.member_ids(session, group_id))
            group_queries.set_members(session, group_id, wanted)
            after = _usernames(session, wanted)
            record = _record(session, row)
        self._audit.append(
            actor=actor,
            action="group.members_set",
            detail={"group": record.name, "before": before, "after": after},
        )
        return record

    def grants_of(self, group_id: int) -> Sequence[GrantRecord]:
        with self._database.session() as session:
            self._group(session, group_id)
            return in_order(
                record_of(row) for row in grant_queries.grants_of_group(session, group_id)
            )

    def replace_grants(
        self, group_id: int, grants: Sequence[GrantRecord], actor: str
    ) -> Sequence[GrantRecord]:
        """Replace all of the group's grants ([] takes every right of the group away)."""
        now = self._clock.now()
        with self._database.session() as session:
            row = self._group(session, group_id, lock=True)
            check_targets(session, grants)
            before = in_order(
                record_of(grant) for grant in grant_queries.grants_of_group(session, group_id)
            )
            grant_queries.replace_group_grants(
                session, group_id, grant_rows(grants, actor=actor, now=now, group_id=group_id)
            )
            name = row.name
        after = in_order(grants)
        self._audit.append(
            actor=actor,
            action="group.grants_set",
            detail={
                "group": name,
                "before": [grant.as_dict() for grant in before],
                "after": [grant.as_dict() for grant in after],
            },
        )
        return after

    def set_grant(self, group_id: int, grant: GrantRecord, actor: str) -> Sequence[GrantRecord]:
        """Add or replace the group's grant on one camera or camera group, keeping the rest."""
        current = [g for g in self.grants_of(group_id) if g.target != grant.target]
        return self.replace_grants(group_id, [*current, grant], actor)

    @staticmethod
    def _group(session: Session, group_id: int, *, lock: bool = False) -> Group:
        row = (
            group_queries.group_for_update(session, group_id)
            if lock
            else group_queries.group_by_id(session, group_id)
        )
        if row is None:
            raise NotFoundError(f"group {group_id} not found")
        return row
