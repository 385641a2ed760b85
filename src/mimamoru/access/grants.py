"""Grants: which footage operations a user may perform on which camera.

Deny by default: a user who is not an admin may do nothing with a camera that has no
grant for them, and such a camera is indistinguishable from one that does not exist.
A grant may limit playback and export to the last N hours.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mimamoru.access.roles import Operation
from mimamoru.audit.log import AuditLog
from mimamoru.clock import Clock
from mimamoru.db import cameras as camera_queries
from mimamoru.db import grants as grant_queries
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
    camera_id: int
    operations: frozenset[Operation]
    playback_window_hours: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "camera_id": self.camera_id,
            "operations": sorted(op.value for op in self.operations),
            "playback_window_hours": self.playback_window_hours,
        }


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


def parse_grants(items: Sequence[Mapping[str, Any]]) -> list[GrantRecord]:
    """Validate a whole set of grants; each error names the grant's index."""
    grants: list[GrantRecord] = []
    seen: set[int] = set()
    for index, item in enumerate(items):
        try:
            camera_id = item["camera_id"]
            if isinstance(camera_id, bool) or not isinstance(camera_id, int) or camera_id < 1:
                raise ValidationFailedError("camera_id must be a positive whole number")
            if camera_id in seen:
                raise ValidationFailedError(f"camera {camera_id} is granted twice")
            operations = item.get("operations")
            if not isinstance(operations, list) or not all(isinstance(o, str) for o in operations):
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
            grants.append(GrantRecord(camera_id, parse_operations(operations), window))
            seen.add(camera_id)
        except KeyError as exc:
            raise ValidationFailedError(f"grant {index}: {exc.args[0]} is missing") from exc
        except ValidationFailedError as exc:
            raise ValidationFailedError(f"grant {index}: {exc}") from exc
    return grants


def record_of(row: Grant) -> GrantRecord:
    return GrantRecord(
        row.camera_id,
        frozenset(Operation(name) for name in row.operations.split(",") if name),
        row.playback_window_hours,
    )


class GrantService:
    """Reading and replacing a user's grants; changes are audited with before and after."""

    def __init__(self, database: Database, clock: Clock, audit: AuditLog) -> None:
        self._database = database
        self._clock = clock
        self._audit = audit

    def of_user(self, user_id: int) -> list[GrantRecord]:
        with self._database.session() as session:
            if user_queries.user_by_id(session, user_id) is None:
                raise NotFoundError(f"user {user_id} not found")
            return [record_of(row) for row in grant_queries.grants_of_user(session, user_id)]

    def replace(self, user_id: int, grants: Sequence[GrantRecord], actor: str) -> list[GrantRecord]:
        now = self._clock.now()
        with self._database.session() as session:
            user = user_queries.user_by_id(session, user_id)
            if user is None:
                raise NotFoundError(f"user {user_id} not found")
            for grant in grants:
                if camera_queries.camera_by_id(session, grant.camera_id) is None:
                    raise NotFoundError(f"camera {grant.camera_id} not found")
            before = [record_of(row) for row in grant_queries.grants_of_user(session, user_id)]
            grant_queries.replace_grants(
                session,
                user_id,
                [
                    Grant(
                        user_id=user_id,
                        camera_id=grant.camera_id,
                        operations=",".join(sorted(op.value for op in grant.operations)),
                        playback_window_hours=grant.playback_window_hours,
                        created_by=actor,
                        created_at=now,
                    )
                    for grant in grants
                ],
            )
            username = user.username
        after = sorted(grants, key=lambda grant: grant.camera_id)
        self._audit.append(
            actor=actor,
            action="grants.set",
            detail={
                "user": username,
                "before": [grant.as_dict() for grant in before],
                "after": [grant.as_dict() for grant in after],
            },
        )
        return list(after)

    def set_one(self, user_id: int, grant: GrantRecord, actor: str) -> list[GrantRecord]:
        """Add or replace the grant for one camera, keeping the others."""
        current = [g for g in self.of_user(user_id) if g.camera_id != grant.camera_id]
        return self.replace(user_id, [*current, grant], actor)
