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

Verification recomputes every entry's HMAC, which depends only on that entry's row, and
compares each ``prev_hash`` with the hash before it. A long log is therefore checked in
stretches of ids by parallel worker processes (:mod:`mimamoru.audit.verify_worker`); the
links between stretches are compared here, and the first bad entry is the same one a
single pass would name.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from mimamoru.audit.context import current_client
from mimamoru.clock import Clock
from mimamoru.db import audit as audit_queries
from mimamoru.db.engine import Database

logger = logging.getLogger(__name__)

GENESIS_HASH = "0" * 64
GENESIS_ID = 0  # the prev_id of the first entry
# Built once: json.dumps with options makes a new encoder per call, a third of the hash cost.
_CANONICAL = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_MAX_ATTEMPTS = 20
# Below this many entries one pass is quicker than starting worker processes (~0.3 s each).
PARALLEL_MIN_ENTRIES = 200_000
_MAX_WORKERS = 8


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


@dataclass(frozen=True)
class Span:
    """What one stretch of the chain (a range of ids) says about itself.

    The link of its first entry to the entry before the stretch is not checked here (that
    entry belongs to the stretch before); :func:`join_spans` does it.
    """

    count: int  # entries read, up to and including the first bad one
    first_id: int | None = None
    first_prev: str | None = None
    last_id: int | None = None
    last_hash: str | None = None
    bad_id: int | None = None
    problem: str | None = None


def _unlinked(event_id: int, previous_id: int | None) -> str:
    after = f"entry {previous_id}" if previous_id else "the start"
    return f"entry {event_id} does not follow {after} (an entry was deleted, or the order changed)"


def _forged(event_id: int) -> str:
    return f"entry {event_id} does not match its keyed hash (edited, or inserted without the key)"


def check_span(
    connection: Connection, key: bytes, first_id: int | None = None, last_id: int | None = None
) -> Span:
    """Check the entries with ids ``first_id..last_id`` (all when ``None``), in id order."""
    # The loop is event_hash inlined, with its callables bound locally: per entry, a call
    # with keyword arguments costs about as much as the HMAC. The times come back naive
    # UTC; event_hash hashes the aware time's isoformat, which is that plus "+00:00".
    encode = _CANONICAL.encode
    digest = hmac.digest
    same = hmac.compare_digest
    count = 0
    first: tuple[int, str] | None = None
    expected: str | None = None
    previous_id: int | None = None
    with closing(audit_queries.stream_events(connection, first_id, last_id)) as rows:
        for event_id, occurred_at, actor, action, camera_id, detail, prev, stored in rows:
            count += 1
            if first is None:
                first = (event_id, prev)
            elif prev != expected:
                return Span(
                    count, *first, bad_id=event_id, problem=_unlinked(event_id, previous_id)
                )
            at = occurred_at.isoformat() + "+00:00"
            canonical = encode([prev, at, actor, action, camera_id, detail])
            if not same(digest(key, canonical.encode("utf-8"), "sha256").hex(), stored):
                return Span(count, *first, bad_id=event_id, problem=_forged(event_id))
            expected, previous_id = stored, event_id
    if first is None:
        return Span(0)
    return Span(count, *first, last_id=previous_id, last_hash=expected)


def join_spans(spans: list[Span]) -> ChainCheck:
    """The verdict on consecutive stretches, as one pass from the start would give it."""
    count = 0
    expected = GENESIS_HASH
    previous_id: int | None = None
    for span in spans:
        if span.count == 0:
            continue
        assert span.first_id is not None
        if span.first_prev != expected:
            return ChainCheck(
                False, count + 1, span.first_id, _unlinked(span.first_id, previous_id)
            )
        if span.bad_id is not None:
            return ChainCheck(False, count + span.count, span.bad_id, span.problem)
        assert span.last_hash is not None
        count += span.count
        expected, previous_id = span.last_hash, span.last_id
    return ChainCheck(True, count, None, None, previous_id, expected)


def split_ids(first_id: int, last_id: int, parts: int) -> list[tuple[int, int]]:
    """``first_id..last_id`` cut into ``parts`` consecutive ranges (fewer if it is short)."""
    size = max(1, -(-(last_id - first_id + 1) // parts))
    return [(low, min(low + size - 1, last_id)) for low in range(first_id, last_id + 1, size)]


def default_workers() -> int:
    """Processes for a parallel verify: the CPUs this process may use, at most 8."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, _MAX_WORKERS))


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

    def verify(self, *, workers: int | None = None) -> ChainCheck:
        """Walk the whole chain; the first entry that does not check out is named.

        ``workers``: how many stretches to check at once, one in this process and the others
        in worker processes. By default one for a log shorter than
        ``PARALLEL_MIN_ENTRIES`` and else one per CPU; ``1`` always checks in one pass.
        The answer does not depend on it.
        """
        with self._database.engine.connect() as connection:
            bounds = audit_queries.id_bounds(connection)
            if bounds is None:
                return ChainCheck(True, 0, None, None, None, GENESIS_HASH)
            if workers is None:
                long_log = bounds[1] - bounds[0] + 1 >= PARALLEL_MIN_ENTRIES
                workers = default_workers() if long_log else 1
            if self._database.engine.url.database in (None, "", ":memory:"):
                workers = 1  # an in-memory database: other processes cannot open it
            if workers <= 1:
                # Bounded like the parallel walk: entries appended meanwhile are not counted.
                return join_spans([check_span(connection, self._key, None, bounds[1])])
        ranges = split_ids(bounds[0], bounds[1], workers)
        with ThreadPoolExecutor(len(ranges) - 1) as pool:
            others = [pool.submit(self._check_in_worker, *ids) for ids in ranges[1:]]
            with self._database.engine.connect() as connection:
                spans = [check_span(connection, self._key, *ranges[0])]
            spans.extend(future.result() for future in others)
        return join_spans(spans)

    def _check_in_worker(self, first_id: int, last_id: int) -> Span:
        """``check_span`` in a worker process; in this one if a worker cannot be run."""
        request = json.dumps(
            {
                "url": self._database.url,
                "key": self._key.hex(),
                "first_id": first_id,
                "last_id": last_id,
            }
        )
        # The worker must import the same mimamoru as this process, wherever that lives.
        environment = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, sys.path)))
        try:
            # The key and the URL (which may hold a password) go through the pipe.
            done = subprocess.run(
                [sys.executable, "-m", "mimamoru.audit.verify_worker"],
                input=request.encode("utf-8"),
                capture_output=True,
                env=environment,
                check=False,
            )
            if done.returncode == 0:
                return Span(**json.loads(done.stdout))
            reason = (done.stderr.decode("utf-8", "replace").strip().splitlines() or ["?"])[-1]
        except (OSError, ValueError, TypeError) as exc:
            reason = str(exc)
        logger.warning(
            "audit verify: a worker process failed (%s); checking ids %d-%d here",
            reason,
            first_id,
            last_id,
        )
        with self._database.engine.connect() as connection:
            return check_span(connection, self._key, first_id, last_id)

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


def span_as_json(span: Span) -> str:
    return json.dumps(asdict(span))
