"""Groups of users: grants given to a group apply to every member.

Only administrators create, change and delete groups, set their members and their grants
(the API and CLI check that); every change is audited with before and after. Removing a
user from a group, or deleting the group, takes the group's grants away from that user
at their next request. Deleting a group deletes its grants.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from mimamoru.access.grants import GrantRecord, check_targets, grant_rows, in_order, record_of
from mimamoru.access.named_groups import NamedGroups, parse_ids
from mimamoru.audit.log import AuditLog
from mimamoru.clock import Clock
from mimamoru.db import grants as grant_queries
from mimamoru.db import groups as group_queries
from mimamoru.db import users as user_queries
from mimamoru.db.engine import Database
from mimamoru.db.tables import Group
from mimamoru.errors import NotFoundError

GROUP_NAME_MAX = 64


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


def _contents(session: Session, row: Group) -> dict[str, Any]:
    """What a deleted group's audit entry keeps: its members and its grants."""
    return {
        "members": _usernames(session, group_queries.member_ids(session, row.id)),
        "grants": [
            grant.as_dict()
            for grant in in_order(
                record_of(grant) for grant in grant_queries.grants_of_group(session, row.id)
            )
        ],
    }


class GroupService:
    def __init__(self, database: Database, clock: Clock, audit: AuditLog) -> None:
        self._database = database
        self._clock = clock
        self._audit = audit
        self._named = NamedGroups(
            database,
            clock,
            audit,
            noun="group",
            audit_key="group",
            name_max=GROUP_NAME_MAX,
            by_name=group_queries.group_by_name,
            add=group_queries.add_group,
            for_update=group_queries.group_for_update,
            record=_record,
        )

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
        return self._named.create(name=name, description=description, actor=actor)

    def update(
        self,
        group_id: int,
        *,
        actor: str,
        name: str | None = None,
        description: str | None = None,
    ) -> GroupRecord:
        """Rename the group or change its description; fields left None stay."""
        return self._named.update(group_id, actor=actor, name=name, description=description)

    def delete(self, group_id: int, *, actor: str) -> None:
        """Delete the group with its memberships and its grants."""
        self._named.delete(group_id, actor=actor, contents=_contents)

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
