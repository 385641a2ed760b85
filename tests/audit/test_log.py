import threading
from datetime import UTC, datetime

import sqlalchemy as sa

from mimamoru.audit.anchor import check_anchors, read_anchors, write_anchor
from mimamoru.audit.log import GENESIS_HASH, AuditLog, event_hash
from mimamoru.clock import ManualClock, SystemClock
from mimamoru.db.engine import Database
from mimamoru.db.migrate import migrate

KEY = b"k" * 32


def make_log(database_url: str) -> tuple[Database, AuditLog]:
    database = Database(database_url)
    migrate(database)
    return database, AuditLog(database, ManualClock(datetime(2026, 11, 28, tzinfo=UTC)), KEY)


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
    logs = [AuditLog(Database(database_url), SystemClock(), KEY) for _ in range(4)]
    try:

        def write(log: AuditLog) -> None:
            for _ in range(10):
                log.append(actor="w", action="test")

        threads = [threading.Thread(target=write, args=(log,)) for log in logs]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        check = AuditLog(database, SystemClock(), KEY).verify()
        assert check.ok and check.events == 40
    finally:
        database.dispose()
        for log in logs:
            log._database.dispose()


def test_insertion_reordering_and_a_cut_tail_are_detected(database_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    database, log = make_log(database_url)
    clock = ManualClock(datetime(2026, 11, 28, tzinfo=UTC))
    anchors = tmp_path / "anchors.jsonl"
    try:
        ids = [log.append(actor="carol", action="access.live", detail={"n": n}) for n in range(6)]
        write_anchor(log, anchors, clock)
        with database.engine.begin() as connection:
            # Insertion: a forged entry linked after the last one, hashed without the key.
            tail = connection.execute(
                sa.text("SELECT hash FROM audit_events ORDER BY id DESC LIMIT 1")
            ).scalar_one()
            forged = event_hash(
                b"x" * 32,
                prev_hash=tail,
                occurred_at=clock.now(),
                actor="mallory",
                action="access.live",
                camera_id=None,
                detail="{}",
            )
            connection.execute(
                sa.text(
                    "INSERT INTO audit_events (occurred_at, actor, action, camera_id, detail, "
                    "prev_hash, hash) VALUES (:at, 'mallory', 'access.live', NULL, '{}', :p, :h)"
                ),
                {"at": clock.now().replace(tzinfo=None), "p": tail, "h": forged},
            )
        check = log.verify()
        assert not check.ok and check.first_bad_id == ids[-1] + 1
        assert "does not match its keyed hash" in (check.problem or "")
        with database.engine.begin() as connection:
            connection.execute(sa.text("DELETE FROM audit_events WHERE actor = 'mallory'"))
        assert log.verify().ok

        # Reordering: two entries' contents swapped (ids and links kept in place).
        swap = "UPDATE audit_events SET detail = :d WHERE id = :id"
        with database.engine.begin() as connection:
            second, third = (
                connection.execute(
                    sa.text("SELECT detail FROM audit_events WHERE id = :id"), {"id": event_id}
                ).scalar_one()
                for event_id in (ids[2], ids[3])
            )
            connection.execute(sa.text(swap), {"d": third, "id": ids[2]})
            connection.execute(sa.text(swap), {"d": second, "id": ids[3]})
        check = log.verify()
        assert not check.ok and check.first_bad_id == ids[2]
        with database.engine.begin() as connection:
            connection.execute(sa.text(swap), {"d": second, "id": ids[2]})
            connection.execute(sa.text(swap), {"d": third, "id": ids[3]})

        # A cut tail: the chain itself is consistent, the anchor is not.
        with database.engine.begin() as connection:
            connection.execute(sa.text("DELETE FROM audit_events WHERE id >= :id"), {"id": ids[4]})
        check = log.verify()
        assert check.ok and check.events == 4
        problem = check_anchors(log, check, read_anchors(anchors))
        assert problem is not None and "recorded 6" in problem and "cut off the end" in problem
    finally:
        database.dispose()


def test_the_chain_needs_the_key(database_url: str) -> None:
    database, log = make_log(database_url)
    try:
        log.append(actor="dave", action="access.live")
        other = AuditLog(database, SystemClock(), b"y" * 32)
        check = other.verify()
        assert not check.ok and "keyed hash" in (check.problem or "")
    finally:
        database.dispose()
