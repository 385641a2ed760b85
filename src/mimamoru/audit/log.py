"""Append-only audit log, chained with a keyed hash.

Each event stores the hash of the one before it and its own HMAC-SHA256, under the
installation's audit key (a secret wrapped by the master key, never stored in clear),
over its content plus that link. Without the key nobody can edit, insert, delete or
reorder an entry and recompute the chain to match; truncating the tail is caught by the
anchors written outside the database (:mod:`mimamoru.audit.anchor`). ``prev_hash`` is
unique: two writers (the server and a CLI command, or two server nodes) that race for the
same predecessor cannot fork the chain; the loser retries on the new tail.
"""

from __future__ import annotations

import hmac
import json
import logging
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError

from mimamoru.audit.context import current_client
from mimamoru.clock import Clock
from mimamoru.db import audit as audit_queries
from mimamoru.db.engine import Database
from mimamoru.db.tables import AuditEvent

logger = logging.getLogger(__name__)

GENESIS_HASH = "0" * 64
# Built once: json.dumps with options makes a new encoder per call, a third of the hash cost.
_CANONICAL = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_MAX_ATTEMPTS = 20


def event_hash(
    key: bytes,
    *,
    prev_hash: str,
    occurred_at: datetime,
    actor: str,
    action: str,
    camera_id: int | None,
    detail: str,
) -> str:
    canonical = _CANONICAL.encode(
        [prev_hash, occurred_at.isoformat(), actor, action, camera_id, detail]
    )
    return hmac.digest(key, canonical.encode("utf-8"), "sha256").hex()


@dataclass(frozen=True)
class AuditRecord:
    id: int
    occurred_at: datetime
    actor: str
    action: str
    camera_id: int | None
    detail: str  # JSON


@dataclass(frozen=True)
class ChainCheck:
    ok: bool
    events: int
    first_bad_id: int | None = None
    problem: str | None = None
    head_id: int | None = None
    head_hash: str | None = None


class AuditLog:
    def __init__(self, database: Database, clock: Clock, key: bytes) -> None:
        if len(key) < 16:
            raise ValueError("the audit key is too short")
        self._database = database
        self._clock = clock
        self._key = key

    def append(
        self,
        *,
        actor: str,
        action: str,
        camera_id: int | None = None,
        detail: dict[str, Any] | None = None,
        client: str | None = None,
        outcome: str | None = None,
    ) -> int:
        """Append one event and return its id.

        ``client`` is the source address (by default, that of the request being served);
        ``outcome`` is ``allowed`` (the default), ``denied`` or ``failed``. Both are kept in
        the detail, which the keyed hash covers.
        """
        content = dict(detail or {})
        client = client if client is not None else current_client()
        if client is not None:
            content["client"] = client
        content["outcome"] = outcome or "allowed"
        detail_text = json.dumps(content, ensure_ascii=False, sort_keys=True, default=str)
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
                            self._key,
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
        """Walk the whole chain; the first entry that does not check out is named."""
        count = 0
        expected_prev = GENESIS_HASH
        previous_id: int | None = None
        with (
            self._database.session() as session,
            closing(audit_queries.stream_events(session)) as events,
        ):
            for event_id, occurred_at, actor, action, camera_id, detail, prev, stored in events:
                count += 1
                if prev != expected_prev:
                    after = f"entry {previous_id}" if previous_id else "the start"
                    return ChainCheck(
                        False,
                        count,
                        event_id,
                        f"entry {event_id} does not follow {after} "
                        "(an entry was deleted, or the order changed)",
                    )
                recomputed = event_hash(
                    self._key,
                    prev_hash=prev,
                    occurred_at=occurred_at,
                    actor=actor,
                    action=action,
                    camera_id=camera_id,
                    detail=detail,
                )
                if not hmac.compare_digest(recomputed, stored):
                    return ChainCheck(
                        False,
                        count,
                        event_id,
                        f"entry {event_id} does not match its keyed hash "
                        "(edited, or inserted without the key)",
                    )
                expected_prev, previous_id = stored, event_id
        return ChainCheck(True, count, None, None, previous_id, expected_prev)

    def search(
        self,
        *,
        actor: str | None = None,
        camera_id: int | None = None,
        action: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        before_id: int | None = None,
        limit: int = 100,
    ) -> list[AuditRecord]:
        with self._database.session() as session:
            rows = audit_queries.events_filtered(
                session,
                actor=actor,
                camera_id=camera_id,
                action=action,
                since=since,
                until=until,
                before_id=before_id,
                limit=limit,
            )
            return [
                AuditRecord(
                    row.id, row.occurred_at, row.actor, row.action, row.camera_id, row.detail
                )
                for row in rows
            ]

    def head(self) -> tuple[int, int | None, str]:
        """(entries, id of the last, its hash): what an anchor records."""
        with self._database.session() as session:
            count = audit_queries.count_events(session)
            tail = audit_queries.last_event(session)
        if tail is None:
            return 0, None, GENESIS_HASH
        return count, tail.id, tail.hash

    def entry_hash(self, event_id: int) -> str | None:
        with self._database.session() as session:
            event = audit_queries.event_by_id(session, event_id)
            return event.hash if event is not None else None

    def rechain(self, actor: str = "system") -> int:
        """Re-seal every entry under this log's key (after the key was first made).

        Entries written before the audit chain was keyed carry plain SHA-256 hashes, which
        anyone could recompute; from here on they are sealed like every later entry.
        """
        prev = GENESIS_HASH
        count = 0
        with self._database.session() as session:
            events = list(audit_queries.events_in_order(session))
            for event in events:  # unique prev_hash: clear them first, then re-link in order
                event.prev_hash = f"rechain-{event.id}"
                event.hash = f"rechain-h-{event.id}"
            session.flush()
            for event in events:
                event.prev_hash = prev
                event.hash = event_hash(
                    self._key,
                    prev_hash=prev,
                    occurred_at=event.occurred_at,
                    actor=event.actor,
                    action=event.action,
                    camera_id=event.camera_id,
                    detail=event.detail,
                )
                prev = event.hash
                count += 1
        if count:
            self.append(actor=actor, action="audit.rekeyed", detail={"entries": count})
        return count
