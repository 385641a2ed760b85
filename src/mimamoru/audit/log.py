"""Append-only, hash-chained audit log.

Each event stores the hash of the one before it and its own hash over its
content plus that link, so an edited, deleted or truncated-in-the-middle
record breaks the chain. ``prev_hash`` is unique: two writers (the server and
a CLI command, or two server nodes) that race for the same predecessor cannot
fork the chain; the loser retries on the new tail.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError

from mimamoru.clock import Clock
from mimamoru.db import audit as audit_queries
from mimamoru.db.engine import Database
from mimamoru.db.tables import AuditEvent

logger = logging.getLogger(__name__)

GENESIS_HASH = "0" * 64
_MAX_ATTEMPTS = 20


def event_hash(
    *,
    prev_hash: str,
    occurred_at: datetime,
    actor: str,
    action: str,
    camera_id: int | None,
    detail: str,
) -> str:
    canonical = json.dumps(
        [prev_hash, occurred_at.isoformat(), actor, action, camera_id, detail],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChainCheck:
    ok: bool
    events: int
    first_bad_id: int | None = None


class AuditLog:
    def __init__(self, database: Database, clock: Clock) -> None:
        self._database = database
        self._clock = clock

    def append(
        self,
        *,
        actor: str,
        action: str,
        camera_id: int | None = None,
        detail: dict[str, Any] | None = None,
    ) -> int:
        """Append one event and return its id."""
        detail_text = json.dumps(detail or {}, ensure_ascii=False, sort_keys=True, default=str)
        for _attempt in range(_MAX_ATTEMPTS):
            occurred_at = self._clock.now()
            try:
                with self._database.session() as session:
                    tail = audit_queries.last_event(session)
                    prev_hash = tail.hash if tail is not None else GENESIS_HASH
                    event = AuditEvent(
                        occurred_at=occurred_at,
                        actor=actor,
                        action=action,
                        camera_id=camera_id,
                        detail=detail_text,
                        prev_hash=prev_hash,
                        hash=event_hash(
                            prev_hash=prev_hash,
                            occurred_at=occurred_at,
                            actor=actor,
                            action=action,
                            camera_id=camera_id,
                            detail=detail_text,
                        ),
                    )
                    audit_queries.add_event(session, event)
                    return event.id
            except IntegrityError:
                logger.debug("audit chain tail moved while appending; retrying")
        raise RuntimeError("could not append to the audit log: the chain tail kept moving")

    def verify(self) -> ChainCheck:
        with self._database.session() as session:
            events = audit_queries.events_in_order(session)
        expected_prev = GENESIS_HASH
        for event in events:
            recomputed = event_hash(
                prev_hash=event.prev_hash,
                occurred_at=event.occurred_at,
                actor=event.actor,
                action=event.action,
                camera_id=event.camera_id,
                detail=event.detail,
            )
            if event.prev_hash != expected_prev or recomputed != event.hash:
                return ChainCheck(ok=False, events=len(events), first_bad_id=event.id)
            expected_prev = event.hash
        return ChainCheck(ok=True, events=len(events))
