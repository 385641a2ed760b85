"""Idle and absolute session expiry, the session list and revocation, TOTP, API tokens."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
import sqlalchemy as sa

from mimamoru.access.gate import AccessGate
from mimamoru.access.grants import GrantRecord, GrantService
from mimamoru.access.passwords import hash_password
from mimamoru.access.roles import Operation
from mimamoru.access.sessions import SessionManager, csrf_matches, csrf_token
from mimamoru.audit.log import AuditLog
from mimamoru.clock import ManualClock
from mimamoru.db import audit as audit_queries
from mimamoru.db import cameras as camera_queries
from mimamoru.db import users as user_queries
from mimamoru.db.engine import Database
from mimamoru.db.migrate import migrate
from mimamoru.errors import ConflictError, NotFoundError, ValidationFailedError
from tests.support.accounts import session_manager

T0 = datetime(2026, 11, 28, 9, 0, 0, tzinfo=UTC)


@dataclass
class World:
    database: Database
    clock: ManualClock
    audit: AuditLog
    camera_id: int
    alice: int  # admin
    victor: int  # viewer

    def manager(self, **settings: object) -> SessionManager:
        return session_manager(self.database, self.clock, self.audit, **settings)

    def actions(self) -> list[str]:
        with self.database.session() as session:
            return [event.action for event in audit_queries.events_in_order(session)]


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    database = Database(database_url)
    migrate(database)
    clock = ManualClock(T0)
    audit = AuditLog(database, clock, b"k" * 32)
    with database.session() as session:
        alice = user_queries.add_user(
            session,
            username="alice",
            password_hash=hash_password("alice-password-1"),
            role="admin",
            now=T0,
        ).id
        victor = user_queries.add_user(
            session,
            username="victor",
            password_hash=hash_password("victor-password-1"),
            role="viewer",
            now=T0,
        ).id
        camera_id = camera_queries.add_camera(
            session,
            name="door",
            source="test://pattern",
            retention_hours=72,
            retention_justification=None,
            now=T0,
        ).id
    yield World(database, clock, audit, camera_id, alice, victor)
    database.dispose()


def test_a_session_ends_after_idle_time_but_use_keeps_it_alive(world: World) -> None:
    manager = world.manager(idle_minutes=30, lifetime_hours=12)
    issued = manager.login("victor", "victor-password-1", client="192.0.2.5")
    assert issued is not None
    for _ in range(10):  # used every 20 minutes for over three hours: still alive
        world.clock.advance(20 * 60)
        assert manager.resolve(issued.token) is not None
    world.clock.advance(31 * 60)
    assert manager.resolve(issued.token) is None, "idle for 31 minutes"
    detail = world.audit.search(action="auth.session_expired")[0].detail
    assert '"reason": "idle"' in detail


def test_a_session_ends_at_its_lifetime_however_busy(world: World) -> None:
    manager = world.manager(idle_minutes=30, lifetime_hours=1)
    issued = manager.login("victor", "victor-password-1", client="c")
    assert issued is not None
    for _ in range(4):
        world.clock.advance(14 * 60)
        assert manager.resolve(issued.token) is not None
    world.clock.advance(5 * 60)
    assert manager.resolve(issued.token) is None
    assert '"reason": "lifetime"' in world.audit.search(action="auth.session_expired")[0].detail


def test_expired_sessions_are_purged_and_audited_at_the_next_login(world: World) -> None:
    manager = world.manager(idle_minutes=5)
    assert manager.login("victor", "victor-password-1", client="c") is not None
    world.clock.advance(6 * 60)
    assert manager.login("alice", "alice-password-1", client="c") is not None
    assert world.actions().count("auth.session_expired") == 1
    assert manager.sessions_of(world.victor) == []


def test_session_list_and_revocation(world: World) -> None:
    manager = world.manager()
    phone = manager.login("victor", "victor-password-1", client="198.51.100.1", user_agent="phone")
    desk = manager.login("victor", "victor-password-1", client="198.51.100.2", user_agent="desk")
    assert phone is not None and desk is not None
    listed = manager.sessions_of(world.victor)
    assert [(s.client, s.user_agent) for s in listed] == [
        ("198.51.100.1", "phone"),
        ("198.51.100.2", "desk"),
    ]
    assert listed[0].idle_expires_at == T0 + timedelta(minutes=30)
    with pytest.raises(NotFoundError):  # not alice's session
        manager.revoke(world.alice, listed[0].id, actor="alice")
    assert manager.revoke(world.victor, listed[0].id, actor="victor") == 1
    assert manager.resolve(phone.token) is None
    assert manager.resolve(desk.token) is not None
    assert manager.revoke(world.victor, None, actor="alice") == 1
    assert manager.resolve(desk.token) is None
    assert world.actions().count("auth.session_revoked") == 2


def test_csrf_token_is_bound_to_the_session() -> None:
    assert csrf_matches("session-a", csrf_token("session-a"))
    assert not csrf_matches("session-b", csrf_token("session-a"))
    assert not csrf_matches("session-a", None)
    assert "session-a" not in csrf_token("session-a")


def enrol(world: World, manager: SessionManager, user_id: int) -> pyotp.TOTP:
    enrolment = manager.totp.enrol(user_id, actor="test")
    assert enrolment.uri.startswith("otpauth://totp/")
    totp = pyotp.TOTP(enrolment.secret)
    manager.totp.confirm(user_id, totp.at(world.clock.now()), actor="test")
    return totp


def test_totp_enrolment_login_and_no_replay(world: World) -> None:
    manager = world.manager()
    enrolment = manager.totp.enrol(world.victor, actor="victor")
    totp = pyotp.TOTP(enrolment.secret)
    with pytest.raises(ValidationFailedError, match="does not match"):
        manager.totp.confirm(world.victor, "000000", actor="victor")
    assert manager.login("victor", "victor-password-1", client="c") is not None, "not on yet"
    manager.totp.confirm(world.victor, totp.at(world.clock.now()), actor="victor")
    with pytest.raises(ConflictError):
        manager.totp.enrol(world.victor, actor="victor")

    world.clock.advance(60)
    assert manager.login("victor", "victor-password-1", client="c") is None, "code missing"
    code = totp.at(world.clock.now())
    assert manager.login("victor", "wrong-password-9", client="c", totp_code=code) is None
    assert manager.login("victor", "victor-password-1", client="c", totp_code=code) is not None
    assert manager.login("victor", "victor-password-1", client="c", totp_code=code) is None, (
        "a code is used once"
    )
    world.clock.advance(30)
    drifted = totp.at(world.clock.now() - timedelta(seconds=30))
    assert manager.login("victor", "victor-password-1", client="c", totp_code=drifted) is None, (
        "the previous step was already used"
    )
    world.clock.advance(30)
    late = totp.at(world.clock.now() - timedelta(seconds=30))
    assert manager.login("victor", "victor-password-1", client="c", totp_code=late) is not None
    failures = world.audit.search(action="auth.login_failed")
    assert any('"reason": "second factor"' in event.detail for event in failures)


def test_totp_secret_is_stored_encrypted(world: World) -> None:
    manager = world.manager()
    enrolment = manager.totp.enrol(world.victor, actor="victor")
    with world.database.session() as session:
        user = user_queries.user_by_id(session, world.victor)
        assert user is not None and user.totp_secret is not None
        assert enrolment.secret.encode() not in bytes(user.totp_secret)


def test_totp_disable_needs_a_code_and_admin_reset_works(world: World) -> None:
    manager = world.manager()
    totp = enrol(world, manager, world.victor)
    world.clock.advance(60)
    with pytest.raises(ValidationFailedError):
        manager.totp.disable(world.victor, "123456", actor="victor")
    manager.totp.disable(world.victor, totp.at(world.clock.now()), actor="victor")
    assert not manager.totp.is_enabled(world.victor)
    enrol(world, manager, world.victor)
    manager.totp.reset(world.victor, actor="alice")
    assert manager.login("victor", "victor-password-1", client="c") is not None
    assert "user.totp_reset" in world.actions()


def test_admins_must_enrol_when_settings_require_it(world: World) -> None:
    manager = world.manager(require_totp_for_admins=True)
    issued = manager.login("alice", "alice-password-1", client="c")
    assert issued is not None and issued.principal.must_enrol_totp
    viewer = manager.login("victor", "victor-password-1", client="c")
    assert viewer is not None and not viewer.principal.must_enrol_totp
    enrol(world, manager, world.alice)
    resolved = manager.resolve(issued.token)
    assert resolved is not None and not resolved.must_enrol_totp


def test_api_tokens_carry_a_subset_of_the_owners_rights(world: World) -> None:
    manager = world.manager(token_max_days=30)
    gate = AccessGate(world.database, world.audit, world.clock)
    GrantService(world.database, world.clock, world.audit).replace(
        world.victor,
        [GrantRecord(world.camera_id, frozenset({Operation.LIVE, Operation.PLAYBACK}))],
        "alice",
    )
    with pytest.raises(ValidationFailedError, match="between 1 and 30"):
        manager.tokens.create(
            world.victor, name="x", operations=["playback"], expires_in_days=31, actor="v"
        )
    with pytest.raises(ValidationFailedError, match="unknown operation"):
        manager.tokens.create(
            world.victor, name="x", operations=["root"], expires_in_days=1, actor="v"
        )
    issued = manager.tokens.create(
        world.victor,
        name="export script",
        operations=["playback", "export"],
        expires_in_days=7,
        actor="victor",
    )
    assert issued.token.startswith("mmr_")
    principal = manager.resolve(issued.token, "203.0.113.4")
    assert principal is not None and principal.via_token and principal.client == "203.0.113.4"
    assert gate.may(principal, world.camera_id, Operation.PLAYBACK)
    assert not gate.may(principal, world.camera_id, Operation.LIVE), "not in the token"
    assert not gate.may(principal, world.camera_id, Operation.EXPORT), "not in the grant"
    with world.database.session() as session:
        stored = session.execute(sa.text("SELECT token_hash FROM api_tokens")).scalar_one()
    assert issued.token not in stored

    with pytest.raises(NotFoundError):  # not alice's token
        manager.tokens.revoke(world.alice, issued.record.id, actor="alice")
    world.clock.advance(8 * 24 * 3600)
    assert manager.resolve(issued.token) is None, "expired"
    second = manager.tokens.create(
        world.victor, name="b", operations=["live"], expires_in_days=7, actor="victor"
    )
    manager.tokens.revoke(world.victor, second.record.id, actor="victor")
    assert manager.resolve(second.token) is None, "revoked"
    assert [t.name for t in manager.tokens.of_user(world.victor)] == ["export script", "b"]
    assert {"token.created", "token.revoked"} <= set(world.actions())


def test_a_disabled_owner_disables_the_token(world: World) -> None:
    manager = world.manager()
    issued = manager.tokens.create(
        world.victor, name="t", operations=["live"], expires_in_days=7, actor="victor"
    )
    with world.database.session() as session:
        user = user_queries.user_by_id(session, world.victor)
        assert user is not None
        user.disabled = True
    assert manager.resolve(issued.token) is None
