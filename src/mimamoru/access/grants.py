"""Grants: which footage operations a user or a group may perform on a camera or camera group.

Deny by default: a user who is not an admin may do nothing with a camera that no grant
reaches for them, and such a camera is indistinguishable from one that does not exist.
A grant may limit playback and export to the last N hours. How the grants that reach a
user combine is in :mod:`mimamoru.access.permissions`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from mimamoru.access.roles import ROLE_DEFAULT_OPERATIONS, Operation, Role
from mimamoru.audit.log import AuditLog
from mimamoru.clock import Clock
from mimamoru.db import cameras as camera_queries
from mimamoru.db import grants as grant_queries
from mimamoru.db import groups as group_queries
from mimamoru.db import users as user_queries
from mimamoru.db.engine import Database
from mimamoru.db.tables import Grant
from mimamoru.errors import NotFoundError, ValidationFailedError

GRANTABLE = (
    Operation.LIVE,
    Operation.PLAYBACK,
    Operation.EXPORT,
    Operation.PTZ,
    Operation.CONFIGURE,
)
WINDOWED = frozenset({Operation.PLAYBACK, Operation.EXPORT})
MAX_WINDOW_HOURS = 87_600


@dataclass(frozen=True)
class GrantRecord:
    """Operations on one target: a camera (``camera_id``) or a camera group, never both."""

    camera_id: int | None
    operations: frozenset[Operation]
    playback_window_hours: int | None = None
    camera_group_id: int | None = None

    def __post_init__(self) -> None:
        if (self.camera_id is None) == (self.camera_group_id is None):
            raise ValueError("a grant names exactly one of camera_id and camera_group_id")

    @property
    def target(self) -> str:
        """``camera N`` or ``camera group N``: names the target in messages and as a key."""
        if self.camera_id is not None:
            return f"camera {self.camera_id}"
        return f"camera group {self.camera_group_id}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "camera_id": self.camera_id,
            "camera_group_id": self.camera_group_id,
            "operations": sorted(op.value for op in self.operations),
            "playback_window_hours": self.playback_window_hours,
        }


def in_order(grants: Iterable[GrantRecord]) -> list[GrantRecord]:
    """Camera grants by camera id, then camera-group grants by camera group id."""

    def key(grant: GrantRecord) -> tuple[int, int]:
        if grant.camera_id is not None:
            return 0, grant.camera_id
        return 1, grant.camera_group_id or 0

    return sorted(grants, key=key)


def parse_operations(names: Iterable[str]) -> frozenset[Operation]:
    known = {op.value: op for op in GRANTABLE}
    chosen = set()
    for name in names:
        cleaned = name.strip().lower()
        if cleaned not in known:
            raise ValidationFailedError(
                f"unknown operation {name!r} (known: {', '.join(sorted(known))})"
            )
        chosen.add(known[cleaned])
    if not chosen:
        raise ValidationFailedError("a grant needs at least one operation")
    return frozenset(chosen)


def _positive_id(value: object, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValidationFailedError(f"{field} must be a positive whole number")
    return value


def default_operations(role: Role | None) -> frozenset[Operation]:
    """The operations of a grant that names none: the role's defaults."""
    if role is None:
        raise ValidationFailedError("operations is missing")
    chosen = ROLE_DEFAULT_OPERATIONS[role]
    if not chosen:
        raise ValidationFailedError(
            f"operations is missing, and the role {role.value} has no default operations"
        )
    return chosen


def parse_grants(items: Sequence[Mapping[str, Any]], role: Role | None = None) -> list[GrantRecord]:
    """Validate a whole set of grants; each error names the grant's index.

    Each item names exactly one target, ``camera_id`` or ``camera_group_id``. An item without
    ``operations`` takes the defaults of ``role`` (a user's grants); without a role (a
    group's grants) the operations must be named.
    """
    grants: list[GrantRecord] = []
    seen: set[str] = set()
    for index, item in enumerate(items):
        try:
            camera_id = item.get("camera_id")
            camera_group_id = item.get("camera_group_id")
            if camera_id is None and camera_group_id is None:
                raise ValidationFailedError("camera_id or camera_group_id is missing")
            if camera_id is not None and camera_group_id is not None:
                raise ValidationFailedError("give camera_id or camera_group_id, not both")
            if camera_id is not None:
                camera_id = _positive_id(camera_id, "camera_id")
            else:
                camera_group_id = _positive_id(camera_group_id, "camera_group_id")
            operations = item.get("operations")
            if operations is not None and (
                not isinstance(operations, list) or not all(isinstance(o, str) for o in operations)
            ):
                raise ValidationFailedError("operations must be a list of names")
            window = item.get("playback_window_hours")
            if window is not None and (
                isinstance(window, bool)
                or not isinstance(window, int)
                or not 1 <= window <= MAX_WINDOW_HOURS
            ):
                raise ValidationFailedError(
                    f"playback_window_hours must be between 1 and {MAX_WINDOW_HOURS} or null"
                )
            chosen = (
                default_operations(role) if operations is None else parse_operations(operations)
            )
            grant = GrantRecord(camera_id, chosen, window, camera_group_id)
            if grant.target in seen:
                raise ValidationFailedError(f"{grant.target} is granted twice")
            grants.append(grant)
            seen.add(grant.target)
        except ValidationFailedError as exc:
            raise ValidationFailedError(f"grant {index}: {exc}") from exc
    return grants


def record_of(row: Grant) -> GrantRecord:
    return GrantRecord(
        row.camera_id,
        frozenset(Operation(name) for name in row.operations.split(",") if name),
        row.playback_window_hours,
        row.camera_group_id,
    )


def check_targets(session: Session, grants: Iterable[GrantRecord]) -> None:
    """Every camera and camera group the grants name exists, or NotFoundError naming it."""
    for grant in grants:
        exists = False
        if grant.camera_id is not None:
            exists = camera_queries.camera_by_id(session, grant.camera_id) is not None
        elif grant.camera_group_id is not None:
            exists = group_queries.camera_group_by_id(session, grant.camera_group_id) is not None
        if not exists:
            raise NotFoundError(f"{grant.target} not found")


def grant_rows(
    grants: Iterable[GrantRecord],
    *,
    actor: str,
    now: datetime,
    user_id: int | None = None,
    group_id: int | None = None,
) -> list[Grant]:
    """Table rows for the grants of one subject: a user or a group."""
    return [
        Grant(
            user_id=user_id,
            group_id=group_id,
            camera_id=grant.camera_id,
            camera_group_id=grant.camera_group_id,
            operations=",".join(sorted(op.value for op in grant.operations)),
            playback_window_hours=grant.playback_window_hours,
            created_by=actor,
            created_at=now,
        )
        for grant in grants
    ]


class GrantService:
    """Reading and replacing a user's own grants; changes are audited with before and after.

    A group's grants are kept by :class:`mimamoru.access.groups.GroupService`.
    """

    def __init__(self, database: Database, clock: Clock, audit: AuditLog) -> None:
        self._database = database
        self._clock = clock
        self._audit = audit

    def of_user(self, user_id: int) -> list[GrantRecord]:
        with self._database.session() as session:
            if user_queries.user_by_id(session, user_id) is None:
                raise NotFoundError(f"user {user_id} not found")
            return in_order(
                record_of(row) for row in grant_queries.grants_of_user(session, user_id)
            )

    def replace(self, user_id: int, grants: Sequence[GrantRecord], actor: str) -> list[GrantRecord]:
        now = self._clock.now()
        with self._database.session() as session:
            user = user_queries.user_by_id(session, user_id)
            if user is None:
                raise NotFoundError(f"user {user_id} not found")
            check_targets(session, grants)
            before = in_order(
                record_of(row) for row in grant_queries.grants_of_user(session, user_id)
            )
            grant_queries.replace_user_grants(
                session, user_id, grant_rows(grants, actor=actor, now=now, user_id=user_id)
            )
            username = user.username
        after = in_order(grants)
        self._audit.append(
            actor=actor,
            action="grants.set",
            detail={
                "user": username,
                "before": [grant.as_dict() for grant in before],
                "after": [grant.as_dict() for grant in after],
            },
        )
        return after

    def set_one(self, user_id: int, grant: GrantRecord, actor: str) -> list[GrantRecord]:
        """Add or replace the grant on one camera or camera group, keeping the others."""
        current = [g for g in self.of_user(user_id) if g.target != grant.target]
        return self.replace(user_id, [*current, grant], actor)
