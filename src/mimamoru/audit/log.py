"""Append-only audit log, chained with a keyed hash.

Each event stores the hash of the one before it and its own HMAC-SHA256, under the
installation's audit key (a secret wrapped by the master key, never stored in clear),
over its content plus that link. Without the key nobody can edit, insert, delete or
reorder an entry and recompute the chain to match; truncating the tail is caught by the
anchors written outside the database (:mod:`mimamoru.audit.anchor`).

Each event also stores ``prev_id``, the id of the event before it (0 for the first), and
that column is unique: two writers (the server and a CLI command, or two server nodes) that
race for the same predecessor cannot fork the chain; the loser retries on the new tail.
Because of that guard a process may remember the tail it wrote last instead of reading it
before every append: if another writer appended in the meantime, the insert fails on
``prev_id`` and the tail is read again.
"""

from __future__ import annotations

import hmac
import json
import logging
import threading
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError

from mimamoru.clock import Clock
from mimamoru.db import audit as audit_queries
from mimamoru.db.engine import Database

logger = logging.getLogger(__name__)

GENESIS_HASH = "0" * 64
GENESIS_ID = 0  # the prev_id of the first entry
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
        # Appends from this process's threads take turns (they would collide on prev_id
        # anyway); _tail is the (id, hash) this process appended last, None when unknown.
        self._append_lock = threading.Lock()
        self._tail: tuple[int, str] | None = None

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

        ``client`` is the source address; ``outcome`` is ``allowed``, ``denied`` or
        ``failed``. Both are kept in the detail, which the keyed hash covers.
        """
        content = dict(detail or {})
        if client is not None:
            content["client"] = client
        if outcome is not None:
            content["outcome"] = outcome
        detail_text = json.dumps(content, ensure_ascii=False, sort_keys=True, default=str)
        with self._append_lock:
            for _attempt in range(_MAX_ATTEMPTS):
                try:
                    return self._append_once(actor, action, camera_id, detail_text)
                except IntegrityError:
                    logger.debug("audit chain tail moved while appending; retrying")
        raise RuntimeError("could not append to the audit log: the chain tail kept moving")

    def _append_once(self, actor: str, action: str, camera_id: int | None, detail: str) -> int:
        """One try at appending after the remembered (or else the stored) tail."""
        occurred_at = self._clock.now()
        try:
            with self._database.engine.begin() as connection:
                tail = self._tail
                audit_queries.lock_chain(connection, reading_tail=tail is None)
                if tail is None:
                    tail = audit_queries.tail(connection) or (GENESIS_ID, GENESIS_HASH)
                prev_id, prev_hash = tail
                digest = event_hash(
                    self._key,
                    prev_hash=prev_hash,
                    occurred_at=occurred_at,
                    actor=actor,
                    action=action,
                    camera_id=camera_id,
                    detail=detail,
                )
                event_id = audit_queries.insert_event(
                    connection,
                    occurred_at=occurred_at,
                    actor=actor,
                    action=action,
                    camera_id=camera_id,
                    detail=detail,
                    prev_id=prev_id,
                    prev_hash=prev_hash,
                    hash=digest,
                )
        except BaseException:
            self._tail = None  # another writer moved the tail, or the outcome is unknown
            raise
        self._tail = (event_id, digest)
        return event_id

    def verify(self) -> ChainCheck:
        """Walk the whole chain; the first entry that does not check out is named."""
        count = 0
        expected_prev = GENESIS_HASH
        previous_id: int | None = None
        with (
            self._database.engine.connect() as connection,
            closing(audit_queries.stream_events(connection)) as events,
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
        with self._database.engine.begin() as connection:
            count = audit_queries.count_events(connection)
            tail = audit_queries.tail(connection)
        if tail is None:
            return 0, None, GENESIS_HASH
        return count, tail[0], tail[1]

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
        with self._append_lock:
            self._tail = None
            with self._database.session() as session:
                for event in audit_queries.events_in_order(session):
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
