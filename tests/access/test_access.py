import threading
from datetime import UTC, datetime, timedelta

import pytest

from mimamoru.access.gate import AccessGate
from mimamoru.access.grants import GrantService, parse_grants
from mimamoru.access.passwords import (
    check_password_policy,
    generate_password,
    hash_password,
    verify_password,
)
from mimamoru.access.principal import Principal
from mimamoru.access.roles import Operation, Role
from mimamoru.access.sessions import LoginLocked
from mimamoru.access.throttle import LoginThrottle, account_key
from mimamoru.audit.log import AuditLog
from mimamoru.clock import ManualClock
from mimamoru.db import audit as audit_queries
from mimamoru.db import cameras as camera_queries
from mimamoru.db import throttle as throttle_queries
from mimamoru.db import users as user_queries
from mimamoru.db.engine import Database
from mimamoru.db.migrate import migrate
from mimamoru.errors import NotFoundError, ValidationFailedError
from mimamoru.settings import SessionSettings
from tests.support.accounts import session_manager

T0 = datetime(2026, 11, 28, tzinfo=UTC)


def test_argon2id_hash_and_verify() -> None:
    hashed = hash_password("a-long-enough-password")
    assert hashed.startswith("$argon2id$")
    assert verify_password(hashed, "a-long-enough-password")
    assert not verify_password(hashed, "another-password")
    assert not verify_password(None, "a-long-enough-password")
    assert not verify_password("garbage", "x")


def test_password_policy_and_generation() -> None:
    with pytest.raises(ValidationFailedError, match="too short"):
        check_password_policy("short")
    assert len({generate_password() for _ in range(20)}) == 20
    check_password_policy(generate_password())


@pytest.fixture
def setup(database_url: str):  # type: ignore[no-untyped-def]
    database = Database(database_url)
    migrate(database)
    clock = ManualClock(T0)
    audit = AuditLog(database, clock, b"k" * 32)
    with database.session() as session:
        user_queries.add_user(
            session,
            username="alice",
            password_hash=hash_password("alice-password-1"),
            role="admin",
            now=T0,
        )
        user_queries.add_user(
            session,
            username="victor",
            password_hash=hash_password("victor-password-1"),
            role="viewer",
            now=T0,
        )
        camera = camera_queries.add_camera(
            session,
            name="door",
            source="test://pattern",
            retention_hours=72,
            retention_justification=None,
            now=T0,
        )
    yield database, clock, audit, camera.id
    database.dispose()


def test_sessions_expire_and_log_out(setup) -> None:  # type: ignore[no-untyped-def]
    database, clock, audit, _camera = setup
    manager = session_manager(database, clock, audit, lifetime_hours=1, idle_minutes=120)
    assert manager.login("alice", "wrong-password", client="t") is None
    issued = manager.login("alice", "alice-password-1", client="t")
    assert issued is not None
    assert manager.resolve(issued.token, "t") == issued.principal
    clock.advance(3601)
    assert manager.resolve(issued.token) is None, "expired"
    again = manager.login("alice", "alice-password-1", client="t")
    assert again is not None
    manager.logout(again.token, again.principal)
    assert manager.resolve(again.token) is None
    with database.session() as session:
        actions = [event.action for event in audit_queries.events_in_order(session)]
    assert actions.count("auth.login_failed") == 1 and actions.count("auth.login") == 2


def test_gate_denies_by_default_and_audits(setup) -> None:  # type: ignore[no-untyped-def]
    database, clock, audit, camera_id = setup
    gate = AccessGate(database, audit, clock)
    admin = Principal(1, "alice", Role.ADMIN)
    viewer = Principal(2, "victor", Role.VIEWER)
    allowed = gate.authorize(admin, camera_id, Operation.PLAYBACK, time_range=(T0, T0))
    assert allowed.camera_name == "door" and allowed.audit_event_id is not None
    with pytest.raises(NotFoundError) as forbidden:
        gate.authorize(viewer, camera_id, Operation.LIVE)
    with pytest.raises(NotFoundError) as unknown:
        gate.authorize(viewer, 999, Operation.LIVE)
    assert str(forbidden.value).replace(str(camera_id), "N") == str(unknown.value).replace(
        "999", "N"
    ), "forbidden and unknown look the same"
    assert gate.visible_camera_ids(viewer, [camera_id]) == []
    with database.session() as session:
        actions = [(e.actor, e.action) for e in audit_queries.events_in_order(session)]
    assert ("alice", "access.playback") in actions
    assert ("victor", "access.denied.live") in actions
    assert audit.verify().ok


def test_grants_open_operations_and_windows(setup) -> None:  # type: ignore[no-untyped-def]
    database, clock, audit, camera_id = setup
    with database.session() as session:
        viewer_id = user_queries.add_user(
            session, username="vanessa", password_hash="x", role="viewer", now=T0
        ).id
    grants = GrantService(database, clock, audit)
    gate = AccessGate(database, audit, clock)
    viewer = Principal(viewer_id, "vanessa", Role.VIEWER)
    grants.replace(
        viewer_id,
        parse_grants(
            [{"camera_id": camera_id, "operations": ["playback"], "playback_window_hours": 1}]
        ),
        "alice",
    )
    now = clock.now()
    assert gate.may(viewer, camera_id, Operation.VIEW)
    assert not gate.may(viewer, camera_id, Operation.LIVE)
    assert gate.may(viewer, camera_id, Operation.PLAYBACK, (now - timedelta(minutes=59), now))
    assert not gate.may(viewer, camera_id, Operation.PLAYBACK, (now - timedelta(hours=2), now))
    assert gate.visible_camera_ids(viewer, [camera_id, 999]) == [camera_id]
    grants.replace(viewer_id, [], "alice")
    assert not gate.may(viewer, camera_id, Operation.VIEW)


def test_brute_force_is_throttled_locked_and_audited(setup) -> None:  # type: ignore[no-untyped-def]
    database, clock, audit, _camera_id = setup
    with database.session() as session:
        user_queries.add_user(
            session,
            username="bruno",
            password_hash=hash_password("bruno-password-1"),
            role="viewer",
            now=T0,
        )
    manager = session_manager(database, clock, audit, lifetime_hours=1, idle_minutes=120)
    refused = failed = 0
    for _ in range(50):
        try:
            assert manager.login("bruno", "guess", client="203.0.113.9") is None
            failed += 1
        except LoginLocked:
            refused += 1
        clock.advance(0.5)
    assert failed >= 5 and refused > 0, "locked after the free failures"
    with pytest.raises(LoginLocked) as locked:
        manager.login("bruno", "bruno-password-1", client="198.51.100.7")
    assert locked.value.retry_after >= 1, "the right password still waits out the lock"
    clock.advance(locked.value.retry_after + 1)
    assert manager.login("bruno", "bruno-password-1", client="198.51.100.7") is not None
    assert manager.login("bruno", "guess", client="198.51.100.7") is None, "counter was reset"
    # An unknown name is locked the same way: the lock tells nothing about who exists.
    for _ in range(6):
        try:
            manager.login("nobody-here", "guess", client="192.0.2.1")
        except LoginLocked:
            break
    else:
        raise AssertionError("an unknown name was never locked")
    with database.session() as session:
        actions = [event.action for event in audit_queries.events_in_order(session)]
    assert actions.count("auth.login_failed") >= 5
    assert "auth.login_refused_locked" in actions
    manager.unlock("nobody-here", actor="alice")
    assert manager.login("nobody-here", "guess", client="192.0.2.2") is None


def test_parallel_failures_all_count(setup) -> None:  # type: ignore[no-untyped-def]
    database, clock, _audit, _camera_id = setup
    throttle = LoginThrottle(
        database, clock, SessionSettings(account_free_failures=100, address_free_failures=100)
    )

    def fail(number: int) -> None:
        throttle.failed("target", f"10.0.0.{number}")

    threads = [threading.Thread(target=fail, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with database.session() as session:
        row = throttle_queries.entry(session, account_key("target"))
        assert row is not None and row.failures == 20
