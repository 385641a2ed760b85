"""Reviews done: a camera's masks, or the accounts and permissions of the installation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from mimamoru.audit.log import AuditLog
from mimamoru.clock import Clock
from mimamoru.compliance.text import LONG, clean
from mimamoru.db import cameras as camera_queries
from mimamoru.db import compliance as queries
from mimamoru.db.engine import Database
from mimamoru.errors import NotFoundError


class ReviewKind(StrEnum):
    MASKS = "masks"
    PERMISSIONS = "permissions"


@dataclass(frozen=True)
class Review:
    kind: ReviewKind
    camera_id: int | None
    note: str
    reviewed_by: str
    reviewed_at: datetime


class ReviewService:
    def __init__(self, database: Database, clock: Clock, audit: AuditLog) -> None:
        self._database = database
        self._clock = clock
        self._audit = audit

    def done(
        self, kind: ReviewKind, actor: str, camera_id: int | None = None, note: str = ""
    ) -> Review:
        """Record that ``actor`` reviewed it now: one click on the dashboard."""
        note = clean(note, "note", limit=LONG, multiline=True)
        now = self._clock.now()
        with self._database.session() as session:
            if camera_id is not None and camera_queries.camera_by_id(session, camera_id) is None:
                raise NotFoundError(f"camera {camera_id} not found")
            queries.add_review(
                session, kind=kind.value, camera_id=camera_id, note=note, actor=actor, now=now
            )
        self._audit.append(
            actor=actor,
            action=f"compliance.review_{kind.value}",
            camera_id=camera_id,
            detail={"note": note},
        )
        return Review(kind, camera_id, note, actor, now)

    def latest(self, kind: ReviewKind) -> dict[int | None, Review]:
        with self._database.session() as session:
            return {
                key: Review(kind, row.camera_id, row.note, row.reviewed_by, row.reviewed_at)
                for key, row in queries.latest_reviews(session, kind.value).items()
            }
