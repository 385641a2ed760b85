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
from datetime import datetime
from typing import Any

from mimamoru.access.roles import Operation, Role
from mimamoru.access.sessions import Principal
from mimamoru.audit.log import AuditLog
from mimamoru.db import cameras as camera_queries
from mimamoru.db.engine import Database
from mimamoru.errors import NotFoundError

logger = logging.getLogger(__name__)

# Listing a camera's name and status is not footage; every other operation is audited.
_UNAUDITED = frozenset({Operation.VIEW})


@dataclass(frozen=True)
class Authorization:
    principal: Principal
    camera_id: int
    camera_name: str
    operation: Operation
    audit_event_id: int | None
    time_range: tuple[datetime, datetime] | None = None


class AccessGate:
    def __init__(self, database: Database, audit: AuditLog) -> None:
        self._database = database
        self._audit = audit

    def may(self, principal: Principal, camera_id: int, operation: Operation) -> bool:
        """The policy. Per-camera grants replace this when accounts gain them."""
        del camera_id, operation
        return principal.role is Role.ADMIN

    def authorize(
        self,
        principal: Principal,
        camera_id: int,
        operation: Operation,
        *,
        time_range: tuple[datetime, datetime] | None = None,
        detail: dict[str, Any] | None = None,
    ) -> Authorization:
        with self._database.session() as session:
            camera = camera_queries.camera_by_id(session, camera_id)
            camera_name = camera.name if camera is not None else ""
        allowed = camera is not None and self.may(principal, camera_id, operation)
        record: dict[str, Any] = dict(detail or {})
        if time_range is not None:
            record["start"] = time_range[0].isoformat()
            record["end"] = time_range[1].isoformat()
        if not allowed:
            self._audit.append(
                actor=principal.username,
                action=f"access.denied.{operation.value}",
                camera_id=camera_id,
                detail=record,
            )
            raise NotFoundError(f"camera {camera_id} not found")
        event_id = None
        if operation not in _UNAUDITED:
            event_id = self._audit.append(
                actor=principal.username,
                action=f"access.{operation.value}",
                camera_id=camera_id,
                detail=record,
            )
        return Authorization(principal, camera_id, camera_name, operation, event_id, time_range)

    def visible_camera_ids(self, principal: Principal, camera_ids: list[int]) -> list[int]:
        return [cid for cid in camera_ids if self.may(principal, cid, Operation.VIEW)]
