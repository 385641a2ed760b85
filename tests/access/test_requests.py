"""Access requests: asking, four-eyes decisions, expiry, and the gate honouring approvals.

Every test runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from mimamoru.access.gate import AccessGate
from mimamoru.access.grants import GrantRecord, GrantService
from mimamoru.access.principal import Principal
from mimamoru.access.requests import AccessRequestService, RequestState
from mimamoru.access.roles import Operation, Role
from mimamoru.audit.log import AuditLog
from mimamoru.clock import ManualClock
from mimamoru.db import audit as audit_queries
from mimamoru.db import cameras as camera_queries
from mimamoru.db import users as user_queries
from mimamoru.db.engine import Database
from mimamoru.db.migrate import migrate
from mimamoru.errors import ConflictError, ForbiddenError, NotFoundError, ValidationFailedError
from mimamoru.settings import RequestSettings

T0 = datetime(2026, 11, 28, 12, tzinfo=UTC)
START = T0 - timedelta(days=3)
END = START + timedelta(minutes=10)
LIVE = frozenset({Operation.LIVE})
PLAYBACK = frozenset({Operation.PLAYBACK})
MANAGING = frozenset({Operation.LIVE, Operation.PLAYBACK, Operation.EXPORT})


@dataclass
class World:
    database: Database
    clock: ManualClock
    audit: AuditLog
    gate: AccessGate
    grants: GrantService
    viewer: Principal
    manager: Principal
    manager2: Principal
    admin: Principal
    auditor: Principal
    door: int
    yard: int

    def service(self, **settings: Any) -> AccessRequestService:
        return AccessRequestService(
            self.database, self.clock, self.audit, RequestSettings(**settings)
        )

    def plays(self, principal: Principal, start: datetime, end: datetime, camera: int = 0) -> bool:
        try:
            self.gate.authorize(
                principal, camera or self.door, Operation.PLAYBACK, time_range=(start, end)
            )
        except NotFoundError:
            return False
        return True

    def actions(self) -> list[tuple[str, int | None, dict[str, Any]]]:
        with self.database.session() as session:
            return [
                (event.action, event.camera_id, json.loads(event.detail))
                for event in audit_queries.events_in_order(session)
                if event.action.startswith("request.")
            ]


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    database = Database(database_url)
    migrate(database)
    clock = ManualClock(T0)
    audit = AuditLog(database, clock, b"k" * 32)
    people = {}
    with database.session() as session:
        for name, role in (
            ("vera", Role.VIEWER),
            ("mona", Role.MANAGER),
            ("max", Role.MANAGER),
            ("ada", Role.ADMIN),
            ("aud", Role.AUDITOR),
        ):
            user = user_queries.add_user(
                session, username=name, password_hash="x", role=role.value, now=T0
            )
            people[name] = Principal(user.id, name, role)
        cameras = [
            camera_queries.add_camera(
                session, name=name, source="test://pattern", retention_hours=720, now=T0
            ).id
            for name in ("door", "yard")
        ]
    grants = GrantService(database, clock, audit)
    world = World(
        database,
        clock,
        audit,
        AccessGate(database, audit, clock),
        grants,
        people["vera"],
        people["mona"],
        people["max"],
        people["ada"],
        people["aud"],
        cameras[0],
        cameras[1],
    )
    grants.replace(world.viewer.user_id, [GrantRecord(world.door, LIVE)], "admin")
    for manager in (world.manager, world.manager2):
        grants.replace(manager.user_id, [GrantRecord(world.door, MANAGING)], "admin")
    yield world
    database.dispose()


def ask(world: World, service: AccessRequestService, **overrides: Any) -> int:
    values: dict[str, Any] = {
        "camera_id": world.door,
        "operation": "playback",
        "start": START,
        "end": END,
        "reason": "bicycle stolen from the entrance",
    }
    values.update(overrides)
    return service.create(world.viewer, **values).id


def test_approval_grants_exactly_the_range_until_it_expires(world: World) -> None:
    service = world.service(approval_hours=24)
    assert not world.plays(world.viewer, START, END)
    request_id = ask(world, service, purpose="crime-prevention")
    assert not world.plays(world.viewer, START, END), "pending grants nothing"
    record = service.approve(world.manager, request_id, "ok")
    assert record.state is RequestState.APPROVED
    assert record.valid_until == T0 + timedelta(hours=24)
    assert record.approvers == ("mona",)
    assert world.plays(world.viewer, START, END)
    assert world.plays(world.viewer, START + timedelta(minutes=1), START + timedelta(minutes=2))
    # A segment straddling either edge, or outside, is not covered.
    assert not world.plays(world.viewer, START - timedelta(seconds=2), START + timedelta(seconds=2))
    assert not world.plays(world.viewer, END - timedelta(seconds=2), END + timedelta(seconds=2))
    assert not world.plays(world.viewer, END, END + timedelta(seconds=4))
    assert not world.plays(world.viewer, START, END, camera=world.yard), "another camera"
    try:
        world.gate.authorize(world.viewer, world.door, Operation.EXPORT, time_range=(START, END))
        raise AssertionError("export was not requested")
    except NotFoundError:
        pass
    # The camera shows in the viewer's list only while the approval is in force.
    world.grants.replace(world.viewer.user_id, [], "admin")
    assert world.gate.visible_camera_ids(world.viewer, [world.door, world.yard]) == [world.door]
    assert world.gate.may(world.viewer, world.door, Operation.VIEW)
    world.clock.advance(24 * 3600 - 1)
    assert world.plays(world.viewer, START, END)
    world.clock.advance(1)
    assert not world.plays(world.viewer, START, END), "valid-until reached"
    assert world.gate.visible_camera_ids(world.viewer, [world.door, world.yard]) == []
    assert service.get(world.viewer, request_id).state is RequestState.EXPIRED
    actions = [action for action, _, _ in world.actions()]
    assert actions == ["request.created", "request.approved", "request.expired"]
    assert all(camera == world.door for _, camera, _ in world.actions())


def test_four_eyes_rules(world: World) -> None:
    service = world.service()
    own = service.create(
        world.manager,
        camera_id=world.door,
        operation="export",
        start=START,
        end=END,
        reason="police inquiry",
    ).id
    with pytest.raises(ForbiddenError, match="own request"):
        service.approve(world.manager, own)
    with pytest.raises(ForbiddenError, match="manager or an administrator"):
        service.approve(world.auditor, own)
    with pytest.raises(NotFoundError):
        service.approve(world.viewer, own)
    request_id = ask(world, service)
    service.reject(world.manager2, own, "no document reference")
    with pytest.raises(ConflictError, match="already rejected"):
        service.approve(world.admin, own)
    service.approve(world.admin, request_id)
    with pytest.raises(ConflictError, match="already approved"):
        service.reject(world.manager, request_id, "too late")
    with pytest.raises(ValidationFailedError, match="reason is required"):
        service.reject(world.manager, ask(world, service, end=END + timedelta(seconds=1)), "  ")


def test_a_manager_decides_only_where_they_hold_the_operation(world: World) -> None:
    service = world.service()
    world.grants.replace(world.manager.user_id, [GrantRecord(world.door, LIVE)], "admin")
    request_id = ask(world, service)
    with pytest.raises(ForbiddenError, match="do not hold playback"):
        service.approve(world.manager, request_id)
    assert [r.id for r in service.visible_to(world.manager)] == [], "not theirs to decide"
    world.grants.replace(world.manager.user_id, [], "admin")
    with pytest.raises(NotFoundError):
        service.approve(world.manager, request_id)
    # A window that does not reach back to the footage is not holding it either.
    world.grants.replace(
        world.manager.user_id,
        [GrantRecord(world.door, PLAYBACK, playback_window_hours=24)],
        "admin",
    )
    with pytest.raises(ForbiddenError):
        service.approve(world.manager, request_id)
    assert service.approve(world.manager2, request_id).state is RequestState.APPROVED


def test_two_approvals_when_configured(world: World) -> None:
    service = world.service(required_approvals=2)
    request_id = ask(world, service)
    first = service.approve(world.manager, request_id)
    assert first.state is RequestState.PENDING and first.approvers == ("mona",)
    assert not world.plays(world.viewer, START, END)
    with pytest.raises(ConflictError, match="already approved"):
        service.approve(world.manager, request_id)
    assert service.pending_count(world.manager) == 0
    assert service.pending_count(world.manager2) == 1
    second = service.approve(world.manager2, request_id)
    assert second.state is RequestState.APPROVED and second.approvers == ("mona", "max")
    assert world.plays(world.viewer, START, END)
    actions = [action for action, _, _ in world.actions()]
    assert actions == ["request.created", "request.approval_recorded", "request.approved"]


def test_pending_requests_expire_undecided(world: World) -> None:
    service = world.service(pending_days=7)
    request_id = ask(world, service)
    assert service.pending_count(world.manager) == 1
    world.clock.advance(7 * 86400)
    with pytest.raises(ConflictError, match="already expired"):
        service.approve(world.manager, request_id)
    assert service.pending_count(world.manager) == 0
    assert [r.state for r in service.visible_to(world.viewer, "expired")] == [RequestState.EXPIRED]


def test_bad_input_and_visibility(world: World) -> None:
    service = world.service()
    with pytest.raises(ValidationFailedError, match="allowed: export, playback"):
        ask(world, service, operation="live")
    with pytest.raises(ValidationFailedError, match="start must be before end"):
        ask(world, service, start=END, end=START)
    with pytest.raises(ValidationFailedError, match="longer than 31 days"):
        ask(world, service, start=START - timedelta(days=40))
    with pytest.raises(ValidationFailedError, match="reason is required"):
        ask(world, service, reason=" ")
    with pytest.raises(NotFoundError, match=f"camera {world.yard} not found"):
        ask(world, service, camera_id=world.yard)
    with pytest.raises(NotFoundError, match="camera 999 not found"):
        ask(world, service, camera_id=999)
    with pytest.raises(ValidationFailedError, match="unknown state"):
        service.visible_to(world.viewer, "done")
    with pytest.raises(ConflictError, match="already hold playback"):
        service.create(
            world.manager,
            camera_id=world.door,
            operation="playback",
            start=START,
            end=END,
            reason="x",
        )
    request_id = ask(world, service)
    other = service.create(
        world.manager, camera_id=world.door, operation="export", start=START, end=END, reason="r"
    ).id
    assert [r.id for r in service.visible_to(world.viewer)] == [request_id]
    assert [r.id for r in service.visible_to(world.auditor)] == [other, request_id]
    assert [r.id for r in service.visible_to(world.manager2)] == [other, request_id]
    assert [r.id for r in service.visible_to(world.manager)] == [other, request_id]
    with pytest.raises(NotFoundError):
        service.get(world.viewer, other)
    with pytest.raises(ForbiddenError, match="only the requester"):
        service.withdraw(world.manager, request_id)
    assert service.withdraw(world.viewer, request_id).state is RequestState.WITHDRAWN
    with pytest.raises(ConflictError, match="already withdrawn"):
        service.withdraw(world.viewer, request_id)
    with pytest.raises(ConflictError, match="already withdrawn"):
        service.approve(world.manager, request_id)


def test_withdrawing_an_approval_ends_it(world: World) -> None:
    service = world.service()
    request_id = ask(world, service)
    service.approve(world.manager, request_id)
    assert world.plays(world.viewer, START, END)
    service.withdraw(world.viewer, request_id)
    assert not world.plays(world.viewer, START, END)


def test_approved_export_contract(world: World) -> None:
    service = world.service(approval_hours=2)
    playback = ask(world, service)
    export = ask(world, service, operation="export", purpose="police")
    with pytest.raises(ForbiddenError, match="not an approval in force"):
        service.approved_export(world.viewer.user_id, export, world.door, START, END)
    service.approve(world.manager, export, "case 12")
    service.approve(world.manager, playback)
    with pytest.raises(NotFoundError):
        service.approved_export(world.manager.user_id, export, world.door, START, END)
    with pytest.raises(NotFoundError):
        service.approved_export(world.viewer.user_id, 999, world.door, START, END)
    with pytest.raises(ForbiddenError, match="is for playback"):
        service.approved_export(world.viewer.user_id, playback, world.door, START, END)
    with pytest.raises(ForbiddenError, match="another camera"):
        service.approved_export(world.viewer.user_id, export, world.yard, START, END)
    with pytest.raises(ForbiddenError, match="covers"):
        service.approved_export(
            world.viewer.user_id, export, world.door, START, END + timedelta(seconds=1)
        )
    approved = service.approved_export(
        world.viewer.user_id, export, world.door, START + timedelta(minutes=1), END
    )
    assert approved.id == export
    assert approved.requester == "vera" and approved.approvers == ("mona",)
    assert approved.purpose == "police" and approved.reason.startswith("bicycle")
    assert (approved.start, approved.end) == (START, END)
    assert approved.valid_until == T0 + timedelta(hours=2)
    world.clock.advance(2 * 3600)
    with pytest.raises(ForbiddenError, match="not an approval in force"):
        service.approved_export(world.viewer.user_id, export, world.door, START, END)
