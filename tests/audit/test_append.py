"""Appending: the remembered tail, the prev_id guard, writers in several processes."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from mimamoru.audit.log import GENESIS_HASH, AuditLog
from mimamoru.clock import ManualClock, SystemClock
from mimamoru.db import audit as audit_queries
from mimamoru.db.engine import Database
from mimamoru.db.migrate import migrate

KEY = b"k" * 32
CLOCK = ManualClock(datetime(2026, 11, 28, tzinfo=UTC))

# A writer in another process: appends COUNT entries with its own AuditLog.
OTHER_PROCESS = """
import sys
from mimamoru.audit.log import AuditLog
from mimamoru.clock import SystemClock
from mimamoru.db.engine import Database

database = Database(sys.argv[1])
log = AuditLog(database, SystemClock(), b"k" * 32)
print("ready", flush=True)
sys.stdin.readline()
for number in range(int(sys.argv[2])):
    log.append(actor="other-process", action="test", detail={"n": number})
database.dispose()
"""


def links(database: Database) -> list[tuple[int, int | None, str, str]]:
    with database.engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT id, prev_id, prev_hash, hash FROM audit_events ORDER BY id")
        ).all()
    return [(row[0], row[1], row[2], row[3]) for row in rows]


def assert_one_chain(database: Database, entries: int) -> None:
    """Every entry follows the one before it, by id and by hash; no two share one."""
    rows = links(database)
    assert len(rows) == entries
    previous_id, previous_hash = 0, GENESIS_HASH
    for event_id, prev_id, prev_hash, digest in rows:
        assert (prev_id, prev_hash) == (previous_id, previous_hash), f"entry {event_id}"
        previous_id, previous_hash = event_id, digest
    check = AuditLog(database, SystemClock(), KEY).verify(workers=1)
    assert check.ok and check.events == entries, check.problem


def test_entries_name_their_predecessor(database_url: str) -> None:
    database = Database(database_url)
    try:
        migrate(database)
        log = AuditLog(database, CLOCK, KEY)
        ids = [log.append(actor="a", action="test", detail={"n": n}) for n in range(3)]
        expected = [(ids[0], 0), (ids[1], ids[0]), (ids[2], ids[1])]
        assert [row[:2] for row in links(database)] == expected
        assert log.head() == (3, ids[2], links(database)[-1][3])
    finally:
        database.dispose()


def test_two_entries_cannot_follow_the_same_one(database_url: str) -> None:
    """The fork guard itself: a second entry after the same predecessor is refused."""
    database = Database(database_url)
    try:
        migrate(database)
        log = AuditLog(database, CLOCK, KEY)
        first = log.append(actor="a", action="test")
        log.append(actor="a", action="test")
        with pytest.raises(IntegrityError), database.engine.begin() as connection:
            audit_queries.insert_event(
                connection,
                occurred_at=CLOCK.now(),
                actor="fork",
                action="test",
                camera_id=None,
                detail="{}",
                prev_id=first,
                prev_hash=links(database)[0][3],
                hash="f" * 64,
            )
        assert_one_chain(database, 2)
    finally:
        database.dispose()


def test_a_remembered_tail_that_moved_is_read_again(database_url: str) -> None:
    """Two logs on their own connections take turns: each one's remembered tail is stale."""
    database = Database(database_url)
    other = Database(database_url)
    try:
        migrate(database)
        mine, theirs = AuditLog(database, CLOCK, KEY), AuditLog(other, CLOCK, KEY)
        for number in range(4):
            mine.append(actor="mine", action="test", detail={"n": number})
            theirs.append(actor="theirs", action="test", detail={"n": number})
        assert_one_chain(database, 8)
    finally:
        other.dispose()
        database.dispose()


def test_rechain_forgets_the_remembered_tail(database_url: str) -> None:
    database = Database(database_url)
    try:
        migrate(database)
        AuditLog(database, CLOCK, b"old-key-" * 4).append(actor="a", action="test")
        log = AuditLog(database, CLOCK, KEY)
        log.append(actor="a", action="test")  # remembers a tail under the old chain
        assert log.rechain() == 2  # and appends audit.rekeyed after the re-sealed tail
        log.append(actor="a", action="test")
        assert_one_chain(database, 4)
    finally:
        database.dispose()


def test_writers_in_threads_and_another_process_never_fork_the_chain(
    database_url: str,
) -> None:
    database = Database(database_url)
    migrate(database)
    separate = Database(database_url)
    shared = AuditLog(database, SystemClock(), KEY)
    logs = [shared, shared, AuditLog(separate, SystemClock(), KEY)]
    other = subprocess.Popen(
        [sys.executable, "-c", OTHER_PROCESS, database_url, "40"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, sys.path))},
    )
    try:
        with other:
            assert other.stdout is not None and other.stdin is not None
            assert other.stdout.readline().strip() == "ready"

            def write(log: AuditLog) -> None:
                for number in range(40):
                    log.append(actor="thread", action="test", detail={"n": number})

            threads = [threading.Thread(target=write, args=(log,)) for log in logs]
            other.stdin.write("go\n")
            other.stdin.flush()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert other.wait(60) == 0
        assert_one_chain(database, 160)
        with database.engine.connect() as connection:
            actors = dict(
                connection.execute(
                    sa.text("SELECT actor, count(*) FROM audit_events GROUP BY actor")
                ).all()
            )
        assert actors == {"thread": 120, "other-process": 40}
    finally:
        if other.poll() is None:
            other.kill()
        separate.dispose()
        database.dispose()
