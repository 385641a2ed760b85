"""The one access gate.

Everything that lets a person see footage or camera data — live, snapshots,
recordings, exports, the index of recordings — calls :meth:`AccessGate.authorize`
before the first byte leaves. It checks the caller's right for (camera,
operation, time range) and appends the audit record. An unknown camera and a
camera the caller may not see are indistinguishable (both ``NotFoundError``).
``tests/api/test_gate_coverage.py`` walks every route of the app and fails if
one serving camera data bypasses this function.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from mimamoru.access.grants import WINDOWED
from mimamoru.access.permissions import cameras_visible_to, permission_of
from mimamoru.access.principal import Principal
from mimamoru.access.roles import Operation, Role
from mimamoru.audit.log import AuditLog
from mimamoru.clock import Clock
from mimamoru.db import cameras as camera_queries
from mimamoru.db import requests as request_queries
from mimamoru.db.engine import Database
from mimamoru.errors import NotFoundError

logger = logging.getLogger(__name__)

# Listing a camera's name and status is not footage; every other operation is audited.
_UNAUDITED = frozenset({Operation.VIEW})
WINDOW_GRACE = timedelta(minutes=1)


@dataclass(frozen=True)
class Authorization:
    principal: Principal
    camera_id: int
    camera_name: str
    operation: Operation
    audit_event_id: int | None
    time_range: tuple[datetime, datetime] | None = None


def _in_scope(principal: Principal, operation: Operation) -> bool:
    """An API token reaches only the operations it was made for (``view`` comes with any)."""
    return principal.scopes is None or operation is Operation.VIEW or operation in principal.scopes


class AccessGate:
    def __init__(self, database: Database, audit: AuditLog, clock: Clock) -> None:
        self._database = database
        self._audit = audit
        self._clock = clock

    def may(
        self,
        principal: Principal,
        camera_id: int,
        operation: Operation,
        time_range: tuple[datetime, datetime] | None = None,
    ) -> bool:
        """The policy, in one place: admins may do everything; anyone else needs a grant.

        The grants that count are the user's own and their groups', on the camera or on a
        camera group holding it; together they allow the union of their operations
        (:mod:`mimamoru.access.permissions`). ``view`` (name and status) comes with any of
        them. The most permissive playback window among the grants that include the
        operation limits playback and export to footage that started within the last N hours.
        """
        if not _in_scope(principal, operation):
            return False
        if principal.role is Role.ADMIN:
            return True
        with self._database.session() as session:
            return self._granted(session, principal, camera_id, operation, time_range)

    def _granted(
        self,
        session: Session,
        principal: Principal,
        camera_id: int,
        operation: Operation,
        time_range: tuple[datetime, datetime] | None,
    ) -> bool:
        if not _in_scope(principal, operation):
            return False
        if principal.role is Role.ADMIN:
            return True
        permission = permission_of(session, principal.user_id, camera_id)
        if permission is not None and permission.allows(operation):
            window = permission.window_hours(operation)
            if not (operation in WINDOWED and window and time_range is not None):
                return True
            oldest = self._clock.now() - timedelta(hours=window)
            # A minute of grace: "the last 24 hours" computed a moment earlier still counts.
            if time_range[0] >= oldest - WINDOW_GRACE:
                return True
        # Grants alone do not allow it (the common allowed path never gets here, so it
        # stays one query): an approved access request may.
        return self._approved(session, principal, camera_id, operation, time_range)

    def _approved(
        self,
        session: Session,
        principal: Principal,
        camera_id: int,
        operation: Operation,
        time_range: tuple[datetime, datetime] | None,
    ) -> bool:
        """An approved access request in force covers it (:mod:`mimamoru.access.requests`).

        ``view`` comes with any approval on the camera. Playback and export need an approval
        for that operation whose range holds the whole asked range: a recorded segment
        that straddles the approved range's edge is not served (privacy over the few
        seconds at the edges; ask for a slightly wider range).
        """
        now = self._clock.now()
        if operation is Operation.VIEW:
            return request_queries.approval_on_camera(session, principal.user_id, camera_id, now)
        if operation not in WINDOWED or time_range is None:
            return False
        return request_queries.approval_covers(
            session, principal.user_id, camera_id, operation.value, *time_range, now
        )

    def earliest_start(
        self, principal: Principal, camera_id: int, operation: Operation
    ) -> datetime | None:
        """The oldest footage the caller's grants reach back to, or ``None`` if unlimited."""
        if principal.role is Role.ADMIN or operation not in WINDOWED:
            return None
        with self._database.session() as session:
            permission = permission_of(session, principal.user_id, camera_id)
            window = permission.window_hours(operation) if permission is not None else None
        return self._clock.now() - timedelta(hours=window) if window else None

    def authorize(
        self,
        principal: Principal,
        camera_id: int,
        operation: Operation,
        *,
        time_range: tuple[datetime, datetime] | None = None,
        detail: dict[str, Any] | None = None,
    ) -> Authorization:
        with self._database.session() as session:  # one transaction for camera and grant
            camera = camera_queries.camera_by_id(session, camera_id)
            camera_name = camera.name if camera is not None else ""
            allowed = camera is not None and self._granted(
                session, principal, camera_id, operation, time_range
            )
        record: dict[str, Any] = dict(detail or {})
        if principal.token_id is not None:
            record["api_token"] = principal.token_id
        if time_range is not None:
            record["start"] = time_range[0].isoformat()
            record["end"] = time_range[1].isoformat()
        if not allowed:
            self._audit.append(
                actor=principal.username,
                action=f"access.denied.{operation.value}",
                camera_id=camera_id,
                detail=record,
                client=principal.client,
                outcome="denied",
            )
            raise NotFoundError(f"camera {camera_id} not found")
        event_id = None
        if operation not in _UNAUDITED:
            event_id = self._audit.append(
                actor=principal.username,
                action=f"access.{operation.value}",
                camera_id=camera_id,
                detail=record,
                client=principal.client,
                outcome="allowed",
            )
        return Authorization(principal, camera_id, camera_name, operation, event_id, time_range)

    def visible_camera_ids(self, principal: Principal, camera_ids: list[int]) -> list[int]:
        if principal.role is Role.ADMIN:
            return list(camera_ids)
        with self._database.session() as session:
            granted = cameras_visible_to(session, principal.user_id)
            granted |= request_queries.cameras_approved(
                session, principal.user_id, self._clock.now()
            )
        return [camera_id for camera_id in camera_ids if camera_id in granted]
