"""Evidence holds: a camera and a time range kept through retention and disk pressure."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from mimamoru.audit.log import AuditLog
from mimamoru.clock import Clock
from mimamoru.db import cameras as camera_queries
from mimamoru.db import holds as hold_queries
from mimamoru.db.engine import Database
from mimamoru.db.tables import Hold
from mimamoru.errors import NotFoundError, ValidationFailedError

logger = logging.getLogger(__name__)

MAX_REASON_LENGTH = 2000
MAX_HOLD_YEARS = 10


@dataclass(frozen=True)
class HoldRecord:
    id: int
    camera_id: int
    start: datetime
    end: datetime
    reason: str
    expires: datetime
    created_by: str
    created_at: datetime
    released_at: datetime | None
    released_by: str | None

    def active_at(self, now: datetime) -> bool:
        return self.released_at is None and self.expires > now


def _record(row: Hold) -> HoldRecord:
    return HoldRecord(
        id=row.id,
        camera_id=row.camera_id,
        start=row.start_time,
        end=row.end_time,
        reason=row.reason,
        expires=row.expires_at,
        created_by=row.created_by,
        created_at=row.created_at,
        released_at=row.released_at,
        released_by=row.released_by,
    )


class HoldService:
    def __init__(self, database: Database, clock: Clock, audit: AuditLog) -> None:
        self._database = database
        self._clock = clock
        self._audit = audit

    def place(
        self,
        *,
        camera_id: int,
        start: datetime,
        end: datetime,
        reason: str,
        expires: datetime,
        actor: str,
    ) -> HoldRecord:
        now = self._clock.now()
        reason = reason.strip()
        if not reason:
            raise ValidationFailedError("reason: a hold needs a reason (what it preserves, why)")
        if len(reason) > MAX_REASON_LENGTH:
            raise ValidationFailedError(f"reason: longer than {MAX_REASON_LENGTH} characters")
        if start >= end:
            raise ValidationFailedError("start must be before end")
        if expires <= now:
            raise ValidationFailedError("expires must be in the future")
        if expires > now + timedelta(days=365 * MAX_HOLD_YEARS):
            raise ValidationFailedError(f"expires more than {MAX_HOLD_YEARS} years ahead")
        with self._database.session() as session:
            if camera_queries.camera_by_id(session, camera_id) is None:
                raise NotFoundError(f"camera {camera_id} not found")
            row = hold_queries.add_hold(
                session,
                Hold(
                    camera_id=camera_id,
                    start_time=start,
                    end_time=end,
                    reason=reason,
                    expires_at=expires,
                    created_by=actor,
                    created_at=now,
                ),
            )
            record = _record(row)
        self._audit.append(
            actor=actor,
            action="hold.place",
            camera_id=camera_id,
            detail={
                "hold_id": record.id,
                "start": start.isoformat(),
                "end": end.isoformat(),
                "expires": expires.isoformat(),
                "reason": reason,
            },
        )
        logger.info("camera %s: evidence hold %s placed by %s", camera_id, record.id, actor)
        return record

    def release(self, hold_id: int, actor: str) -> HoldRecord:
        with self._database.session() as session:
            row = hold_queries.hold_by_id(session, hold_id)
            if row is None:
                raise NotFoundError(f"hold {hold_id} not found")
            if row.released_at is not None:
                raise ValidationFailedError(f"hold {hold_id} was already released")
            row.released_at = self._clock.now()
            row.released_by = actor
            record = _record(row)
        self._audit.append(
            actor=actor,
            action="hold.release",
            camera_id=record.camera_id,
            detail={"hold_id": hold_id},
        )
        return record

    def get(self, hold_id: int) -> HoldRecord:
        with self._database.session() as session:
            row = hold_queries.hold_by_id(session, hold_id)
            if row is None:
                raise NotFoundError(f"hold {hold_id} not found")
            return _record(row)

    def list(self, *, include_inactive: bool = False) -> Sequence[HoldRecord]:
        active_at = None if include_inactive else self._clock.now()
        with self._database.session() as session:
            return [_record(row) for row in hold_queries.list_holds(session, active_at=active_at)]
