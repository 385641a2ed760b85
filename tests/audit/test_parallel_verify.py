"""Verifying in stretches (worker processes) names the same first bad entry as one pass."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa

from mimamoru.audit import log as audit_log
from mimamoru.audit.log import AuditLog, ChainCheck, check_span, join_spans, split_ids
from mimamoru.clock import ManualClock
from mimamoru.db.audit import AUDIT_EVENTS
from mimamoru.db.engine import Database
from mimamoru.db.migrate import migrate

KEY = b"k" * 32
ENTRIES = 30  # ids 1..30; in 3 stretches: 1-10, 11-20, 21-30

Tamper = Callable[[sa.Connection], None]


def sql(statement: str, **values: Any) -> Tamper:
    def run(connection: sa.Connection) -> None:
        connection.execute(sa.text(statement), values)

    return run


def swap_details(first: int, second: int) -> Tamper:
    def run(connection: sa.Connection) -> None:
        read = sa.text("SELECT detail FROM audit_events WHERE id = :id")
        one = connection.execute(read, {"id": first}).scalar_one()
        two = connection.execute(read, {"id": second}).scalar_one()
        write = sa.text("UPDATE audit_events SET detail = :d WHERE id = :id")
        connection.execute(write, {"d": two, "id": first})
        connection.execute(write, {"d": one, "id": second})

    return run


def forged_after(last: int) -> Tamper:
    def run(connection: sa.Connection) -> None:
        tail = connection.execute(
            sa.text("SELECT hash FROM audit_events WHERE id = :id"), {"id": last}
        ).scalar_one()
        connection.execute(
            sa.text(
                "INSERT INTO audit_events (occurred_at, actor, action, camera_id, detail, "
                "prev_hash, hash) VALUES (:at, 'mallory', 'access.live', NULL, '{}', :p, :h)"
            ),
            {"at": datetime(2026, 11, 29), "p": tail, "h": "e" * 64},
        )

    return run


def both(*tampers: Tamper) -> Tamper:
    def run(connection: sa.Connection) -> None:
        for tamper in tampers:
            tamper(connection)

    return run


TAMPERING: dict[str, Tamper] = {
    "intact": sql("SELECT 1"),
    "first entry edited": sql("UPDATE audit_events SET actor = 'mallory' WHERE id = 1"),
    "last of a stretch edited": sql("UPDATE audit_events SET actor = 'mallory' WHERE id = 10"),
    "first of a stretch edited": sql("UPDATE audit_events SET actor = 'mallory' WHERE id = 11"),
    "middle edited": sql("UPDATE audit_events SET detail = '{}' WHERE id = 15"),
    "last entry edited": sql("UPDATE audit_events SET actor = 'mallory' WHERE id = 30"),
    "first entry deleted": sql("DELETE FROM audit_events WHERE id = 1"),
    "last of a stretch deleted": sql("DELETE FROM audit_events WHERE id = 10"),
    "first of a stretch deleted": sql("DELETE FROM audit_events WHERE id = 21"),
    "a whole stretch deleted": sql("DELETE FROM audit_events WHERE id BETWEEN 11 AND 20"),
    "all but one stretch deleted": sql("DELETE FROM audit_events WHERE id > 10"),
    "tail cut": sql("DELETE FROM audit_events WHERE id > 25"),
    "reordered across stretches": swap_details(10, 11),
    "reordered inside a stretch": swap_details(16, 17),
    "link changed at a stretch start": sql(
        "UPDATE audit_events SET prev_hash = :p WHERE id = 21", p="0" * 64
    ),
    "forged entry appended": forged_after(ENTRIES),
    "edited and a later one deleted": both(
        sql("UPDATE audit_events SET actor = 'x' WHERE id = 24"),
        sql("DELETE FROM audit_events WHERE id = 12"),
    ),
}


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    try:
        migrate(database)
        log = AuditLog(database, ManualClock(datetime(2026, 11, 28, tzinfo=UTC)), KEY)
        for number in range(ENTRIES):
            log.append(
                actor="carol", action="access.live", camera_id=number % 3, detail={"n": number}
            )
        yield database
    finally:
        database.dispose()


def stretches(database: Database, parts: int) -> ChainCheck:
    """join_spans over check_span of each stretch, all in this process."""
    with database.engine.connect() as connection:
        first, last = connection.execute(sa.text("SELECT min(id), max(id) FROM audit_events")).one()
        spans = [check_span(connection, KEY, *ids) for ids in split_ids(first, last, parts)]
    return join_spans(spans)


def tampered(database: Database, tamper: Tamper) -> Callable[[], None]:
    """Apply ``tamper``; returns what puts the original rows back."""
    with database.engine.connect() as connection:
        rows = [dict(row) for row in connection.execute(sa.select(AUDIT_EVENTS)).mappings()]
    with database.engine.begin() as connection:
        tamper(connection)

    def restore() -> None:
        with database.engine.begin() as connection:
            connection.execute(sa.delete(AUDIT_EVENTS))
            connection.execute(sa.insert(AUDIT_EVENTS), rows)

    return restore


def test_stretches_agree_with_one_pass(database: Database) -> None:
    log = AuditLog(database, ManualClock(datetime(2026, 11, 28, tzinfo=UTC)), KEY)
    for name, tamper in TAMPERING.items():
        restore = tampered(database, tamper)
        try:
            expected = log.verify(workers=1)
            assert expected.ok == (name in {"intact", "tail cut", "all but one stretch deleted"})
            for parts in (2, 3, 4, 7, 30, 40):
                assert stretches(database, parts) == expected, f"{name}, {parts} stretches"
        finally:
            restore()
    assert log.verify(workers=1).ok


def test_one_pass_names_what_it_always_named(database: Database) -> None:
    log = AuditLog(database, ManualClock(datetime(2026, 11, 28, tzinfo=UTC)), KEY)
    restore = tampered(database, TAMPERING["last of a stretch deleted"])
    try:
        check = log.verify(workers=1)
        assert check == ChainCheck(
            False,
            10,
            11,
            "entry 11 does not follow entry 9 (an entry was deleted, or the order changed)",
        )
    finally:
        restore()
    restore = tampered(database, TAMPERING["first entry deleted"])
    try:
        assert log.verify(workers=1).problem == (
            "entry 2 does not follow the start (an entry was deleted, or the order changed)"
        )
    finally:
        restore()


@pytest.mark.parametrize(
    "name", ["intact", "first of a stretch edited", "last of a stretch deleted", "tail cut"]
)
def test_worker_processes_agree_with_one_pass(database: Database, name: str) -> None:
    log = AuditLog(database, ManualClock(datetime(2026, 11, 28, tzinfo=UTC)), KEY)
    restore = tampered(database, TAMPERING[name])
    try:
        assert log.verify(workers=3) == log.verify(workers=1)
    finally:
        restore()


def test_a_long_log_is_verified_in_parallel_by_default(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = AuditLog(database, ManualClock(datetime(2026, 11, 28, tzinfo=UTC)), KEY)
    ran: list[tuple[int, int]] = []
    in_worker = AuditLog._check_in_worker

    def spy(self: AuditLog, first_id: int, last_id: int) -> audit_log.Span:
        ran.append((first_id, last_id))
        return in_worker(self, first_id, last_id)

    monkeypatch.setattr(AuditLog, "_check_in_worker", spy)
    monkeypatch.setattr(audit_log, "default_workers", lambda: 2)
    assert log.verify() == log.verify(workers=1)
    assert ran == [], "short logs are checked in one pass"
    monkeypatch.setattr(audit_log, "PARALLEL_MIN_ENTRIES", ENTRIES)
    check = log.verify()
    assert check.ok and check.events == ENTRIES and ran == [(16, 30)]


def test_a_worker_that_cannot_run_is_replaced_by_this_process(
    database: Database, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    log = AuditLog(database, ManualClock(datetime(2026, 11, 28, tzinfo=UTC)), KEY)
    restore = tampered(database, TAMPERING["first of a stretch deleted"])
    try:
        expected = log.verify(workers=1)
        monkeypatch.setattr(sys, "executable", "/nonexistent/python")
        with caplog.at_level(logging.WARNING, logger="mimamoru.audit.log"):
            assert log.verify(workers=3) == expected
        assert "a worker process failed" in caplog.text
    finally:
        restore()


def test_split_ids_covers_every_id_once() -> None:
    assert split_ids(1, 30, 3) == [(1, 10), (11, 20), (21, 30)]
    assert split_ids(5, 6, 4) == [(5, 5), (6, 6)]
    for first, last, parts in [(1, 1, 3), (1, 100, 7), (40, 1000, 8), (3, 9, 1)]:
        covered = [i for low, high in split_ids(first, last, parts) for i in range(low, high + 1)]
        assert covered == list(range(first, last + 1))
