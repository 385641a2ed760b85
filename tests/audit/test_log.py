import threading
from datetime import UTC, datetime

import sqlalchemy as sa

from mimamoru.audit.log import GENESIS_HASH, AuditLog
from mimamoru.clock import ManualClock, SystemClock
from mimamoru.db.engine import Database
from mimamoru.db.migrate import migrate


def make_log(database_url: str) -> tuple[Database, AuditLog]:
    database = Database(database_url)
    migrate(database)
    return database, AuditLog(database, ManualClock(datetime(2026, 11, 28, tzinfo=UTC)))


def test_chain_verifies_and_links(database_url: str) -> None:
    database, log = make_log(database_url)
    try:
        for index in range(5):
            log.append(actor="alice", action="access.live", camera_id=1, detail={"n": index})
        check = log.verify()
        assert check.ok and check.events == 5
        with database.engine.connect() as connection:
            first = connection.execute(
                sa.text("SELECT prev_hash FROM audit_events ORDER BY id")
            ).first()
        assert first is not None and first[0] == GENESIS_HASH
    finally:
        database.dispose()


def test_edit_and_deletion_are_detected(database_url: str) -> None:
    database, log = make_log(database_url)
    try:
        ids = [log.append(actor="bob", action="access.playback", camera_id=2) for _ in range(4)]
        with database.engine.begin() as connection:
            connection.execute(
                sa.text("UPDATE audit_events SET actor = 'mallory' WHERE id = :id"), {"id": ids[1]}
            )
        check = log.verify()
        assert not check.ok and check.first_bad_id == ids[1]
        with database.engine.begin() as connection:
            connection.execute(
                sa.text("UPDATE audit_events SET actor = 'bob' WHERE id = :id"), {"id": ids[1]}
            )
            connection.execute(sa.text("DELETE FROM audit_events WHERE id = :id"), {"id": ids[2]})
        check = log.verify()
        assert not check.ok and check.first_bad_id == ids[3]
    finally:
        database.dispose()


def test_concurrent_writers_never_fork_the_chain(database_url: str) -> None:
    database = Database(database_url)
    migrate(database)
    logs = [AuditLog(Database(database_url), SystemClock()) for _ in range(4)]
    try:

        def write(log: AuditLog) -> None:
            for _ in range(10):
                log.append(actor="w", action="test")

        threads = [threading.Thread(target=write, args=(log,)) for log in logs]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        check = AuditLog(database, SystemClock()).verify()
        assert check.ok and check.events == 40
    finally:
        database.dispose()
        for log in logs:
            log._database.dispose()
