"""Groups and camera groups: access through them, its removal, windows, audit (both databases)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from mimamoru.access.accounts import AccountService
from mimamoru.access.camera_groups import CameraGroupService
from mimamoru.access.gate import AccessGate
from mimamoru.access.grants import GrantRecord, GrantService, parse_grants
from mimamoru.access.groups import GroupService
from mimamoru.access.permissions import PermissionService, combine
from mimamoru.access.principal import Principal
from mimamoru.access.roles import Operation, Role
from mimamoru.audit.log import AuditLog
from mimamoru.clock import ManualClock
from mimamoru.db import audit as audit_queries
from mimamoru.db import cameras as camera_queries
from mimamoru.db import users as user_queries
from mimamoru.db.engine import Database
from mimamoru.db.migrate import migrate
from mimamoru.errors import NotFoundError, ValidationFailedError

T0 = datetime(2026, 11, 28, tzinfo=UTC)
LIVE = frozenset({Operation.LIVE})
PLAYBACK = frozenset({Operation.PLAYBACK})


@dataclass
class World:
    database: Database
    clock: ManualClock
    audit: AuditLog
    gate: AccessGate
    grants: GrantService
    groups: GroupService
    camera_groups: CameraGroupService
    permissions: PermissionService
    accounts: AccountService
    viewer: Principal
    other: Principal
    door: int
    yard: int

    def sees(self, principal: Principal, camera_id: int, operation: Operation) -> bool:
        """What the gate answers, authorize included (it raises NotFoundError when refused)."""
        try:
            self.gate.authorize(principal, camera_id, operation)
        except NotFoundError:
            return False
        return True

    def events(self, action: str) -> list[dict[str, Any]]:
        """The details of each ``action`` entry, without the outcome every entry carries."""
        with self.database.session() as session:
            details = [
                json.loads(event.detail)
                for event in audit_queries.events_in_order(session)
                if event.action == action
            ]
        for detail in details:
            assert detail.pop("outcome") == "allowed"
        return details


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    database = Database(database_url)
    migrate(database)
    clock = ManualClock(T0)
    audit = AuditLog(database, clock, b"k" * 32)
    with database.session() as session:
        viewer = user_queries.add_user(
            session, username="vera", password_hash="x", role="viewer", now=T0
        )
        other = user_queries.add_user(
            session, username="otto", password_hash="x", role="operator", now=T0
        )
        cameras = [
            camera_queries.add_camera(
                session, name=name, source="test://pattern", retention_hours=72, now=T0
            )
            for name in ("door", "yard")
        ]
        principals = (
            Principal(viewer.id, "vera", Role.VIEWER),
            Principal(other.id, "otto", Role.OPERATOR),
        )
    yield World(
        database,
        clock,
        audit,
        AccessGate(database, audit, clock),
        GrantService(database, clock, audit),
        GroupService(database, clock, audit),
        CameraGroupService(database, clock, audit),
        PermissionService(database),
        AccountService(database, clock, audit),
        principals[0],
        principals[1],
        cameras[0].id,
        cameras[1].id,
    )
    database.dispose()


def test_a_group_grant_reaches_its_members_only(world: World) -> None:
    guards = world.groups.create(name="guards", description="night shift", actor="admin")
    world.groups.replace_grants(guards.id, [GrantRecord(world.door, LIVE)], "admin")
    assert not world.sees(world.viewer, world.door, Operation.VIEW), "not a member yet"
    world.groups.set_members(guards.id, [world.viewer.user_id], "admin")
    assert world.sees(world.viewer, world.door, Operation.VIEW)
    assert world.sees(world.viewer, world.door, Operation.LIVE)
    assert not world.sees(world.viewer, world.door, Operation.PLAYBACK), "only what was granted"
    assert not world.sees(world.viewer, world.yard, Operation.VIEW), "only the granted camera"
    assert not world.sees(world.other, world.door, Operation.VIEW), "only members"
    assert world.gate.visible_camera_ids(world.viewer, [world.door, world.yard]) == [world.door]


def test_a_camera_group_grant_reaches_its_cameras_only(world: World) -> None:
    outside = world.camera_groups.create(name="outside", actor="admin")
    world.camera_groups.set_cameras(outside.id, [world.yard], "admin")
    world.grants.replace(
        world.viewer.user_id,
        parse_grants([{"camera_group_id": outside.id, "operations": ["playback"]}]),
        "admin",
    )
    assert world.sees(world.viewer, world.yard, Operation.PLAYBACK)
    assert not world.sees(world.viewer, world.door, Operation.VIEW)
    assert world.gate.visible_camera_ids(world.viewer, [world.door, world.yard]) == [world.yard]
    world.camera_groups.set_cameras(outside.id, [world.door, world.yard], "admin")
    assert world.sees(world.viewer, world.door, Operation.PLAYBACK), "a camera added later"


def test_a_group_grant_on_a_camera_group_reaches_members_on_its_cameras(world: World) -> None:
    guards = world.groups.create(name="guards", actor="admin")
    everywhere = world.camera_groups.create(name="everywhere", actor="admin")
    world.camera_groups.set_cameras(everywhere.id, [world.door, world.yard], "admin")
    world.groups.replace_grants(guards.id, [GrantRecord(None, LIVE, None, everywhere.id)], "admin")
    world.groups.set_members(guards.id, [world.viewer.user_id, world.other.user_id], "admin")
    for principal in (world.viewer, world.other):
        for camera in (world.door, world.yard):
            assert world.sees(principal, camera, Operation.LIVE)
            assert not world.sees(principal, camera, Operation.CONFIGURE)


def test_operations_add_up_across_grants(world: World) -> None:
    guards = world.groups.create(name="guards", actor="admin")
    world.groups.set_members(guards.id, [world.viewer.user_id], "admin")
    world.groups.replace_grants(guards.id, [GrantRecord(world.door, PLAYBACK)], "admin")
    world.grants.replace(world.viewer.user_id, [GrantRecord(world.door, LIVE)], "admin")
    assert world.sees(world.viewer, world.door, Operation.LIVE)
    assert world.sees(world.viewer, world.door, Operation.PLAYBACK)
    assert not world.sees(world.viewer, world.door, Operation.EXPORT)


def test_leaving_the_group_or_the_camera_group_or_deleting_them_ends_access(
    world: World,
) -> None:
    guards = world.groups.create(name="guards", actor="admin")
    outside = world.camera_groups.create(name="outside", actor="admin")
    world.camera_groups.set_cameras(outside.id, [world.yard], "admin")
    world.groups.replace_grants(
        guards.id,
        [GrantRecord(world.door, LIVE), GrantRecord(None, LIVE, None, outside.id)],
        "admin",
    )
    world.groups.set_members(guards.id, [world.viewer.user_id], "admin")
    assert world.sees(world.viewer, world.door, Operation.LIVE)
    assert world.sees(world.viewer, world.yard, Operation.LIVE)

    world.camera_groups.set_cameras(outside.id, [], "admin")
    assert not world.sees(world.viewer, world.yard, Operation.VIEW), "camera left the group"
    world.camera_groups.set_cameras(outside.id, [world.yard], "admin")
    assert world.sees(world.viewer, world.yard, Operation.LIVE)

    world.camera_groups.delete(outside.id, actor="admin")
    assert not world.sees(world.viewer, world.yard, Operation.VIEW), "camera group deleted"
    assert world.groups.grants_of(guards.id) == [GrantRecord(world.door, LIVE)]

    world.groups.set_members(guards.id, [], "admin")
    assert not world.sees(world.viewer, world.door, Operation.VIEW), "user left the group"
    world.groups.set_members(guards.id, [world.viewer.user_id], "admin")
    assert world.sees(world.viewer, world.door, Operation.LIVE)

    world.groups.delete(guards.id, actor="admin")
    assert not world.sees(world.viewer, world.door, Operation.VIEW), "group deleted"
    assert world.gate.visible_camera_ids(world.viewer, [world.door, world.yard]) == []
    with world.database.session() as session:
        left = session.execute(sa.text("SELECT count(*) FROM grants")).scalar()
    assert left == 0, "the group's grants went with it"


def test_deleting_a_user_ends_their_memberships(world: World) -> None:
    guards = world.groups.create(name="guards", actor="admin")
    world.groups.set_members(guards.id, [world.viewer.user_id, world.other.user_id], "admin")
    world.accounts.delete(world.viewer.user_id, actor="admin")
    assert world.groups.get(guards.id).member_ids == (world.other.user_id,)


def test_the_most_permissive_window_wins_per_operation(world: World) -> None:
    guards = world.groups.create(name="guards", actor="admin")
    world.groups.set_members(guards.id, [world.viewer.user_id], "admin")
    now = world.clock.now()
    five_hours_ago = (now - timedelta(hours=5), now)
    world.grants.replace(world.viewer.user_id, [GrantRecord(world.door, PLAYBACK, 2)], "admin")
    assert not world.gate.may(world.viewer, world.door, Operation.PLAYBACK, five_hours_ago)
    # A grant without playback lends no window, even an unlimited one.
    world.groups.replace_grants(guards.id, [GrantRecord(world.door, LIVE)], "admin")
    assert not world.gate.may(world.viewer, world.door, Operation.PLAYBACK, five_hours_ago)
    # The larger window wins.
    world.groups.replace_grants(guards.id, [GrantRecord(world.door, PLAYBACK, 6)], "admin")
    assert world.gate.may(world.viewer, world.door, Operation.PLAYBACK, five_hours_ago)
    assert world.gate.earliest_start(world.viewer, world.door, Operation.PLAYBACK) == (
        now - timedelta(hours=6)
    )
    eight_hours_ago = (now - timedelta(hours=8), now)
    assert not world.gate.may(world.viewer, world.door, Operation.PLAYBACK, eight_hours_ago)
    # No window beats any window.
    world.groups.replace_grants(guards.id, [GrantRecord(world.door, PLAYBACK)], "admin")
    assert world.gate.may(world.viewer, world.door, Operation.PLAYBACK, eight_hours_ago)
    assert world.gate.earliest_start(world.viewer, world.door, Operation.PLAYBACK) is None


def test_combine_unions_operations_and_widens_windows_per_operation() -> None:
    assert combine([]) is None
    permission = combine([("live,playback", 2), ("export,playback", 10), ("export", None)])
    assert permission is not None
    assert permission.operations == {Operation.LIVE, Operation.PLAYBACK, Operation.EXPORT}
    assert permission.window_hours(Operation.PLAYBACK) == 10
    assert permission.window_hours(Operation.EXPORT) is None
    assert permission.allows(Operation.VIEW) and not permission.allows(Operation.PTZ)


def test_the_gate_check_is_one_query(world: World) -> None:
    guards = world.groups.create(name="guards", actor="admin")
    outside = world.camera_groups.create(name="outside", actor="admin")
    world.camera_groups.set_cameras(outside.id, [world.door], "admin")
    world.groups.set_members(guards.id, [world.viewer.user_id], "admin")
    world.groups.replace_grants(guards.id, [GrantRecord(None, LIVE, None, outside.id)], "admin")
    world.grants.replace(world.viewer.user_id, [GrantRecord(world.door, PLAYBACK, 1)], "admin")
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    sa.event.listen(world.database.engine, "before_cursor_execute", count)
    try:
        assert world.gate.may(world.viewer, world.door, Operation.LIVE)
        assert world.gate.may(world.viewer, world.door, Operation.PLAYBACK)
        assert not world.gate.may(world.viewer, world.yard, Operation.LIVE)
    finally:
        sa.event.remove(world.database.engine, "before_cursor_execute", count)
    queries = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(queries) == 3, statements


def test_permissions_overview_names_every_source(world: World) -> None:
    guards = world.groups.create(name="guards", actor="admin")
    outside = world.camera_groups.create(name="outside", actor="admin")
    world.camera_groups.set_cameras(outside.id, [world.door, world.yard], "admin")
    world.groups.set_members(guards.id, [world.viewer.user_id], "admin")
    world.groups.replace_grants(guards.id, [GrantRecord(None, PLAYBACK, 24, outside.id)], "admin")
    world.grants.replace(world.viewer.user_id, [GrantRecord(world.door, LIVE)], "admin")
    overview = world.permissions.of_user(world.viewer.user_id)
    assert not overview.admin
    door, yard = overview.cameras
    assert (door.camera_id, door.camera_name) == (world.door, "door")
    assert door.permission.operations == {Operation.LIVE, Operation.PLAYBACK}
    assert door.permission.window_hours(Operation.PLAYBACK) == 24
    assert [(v.kind, v.group_name, v.camera_group_name) for v in door.via] == [
        ("user", None, None),
        ("group", "guards", "outside"),
    ]
    assert yard.permission.operations == {Operation.PLAYBACK}
    assert [(v.kind, v.group_id, v.camera_group_id) for v in yard.via] == [
        ("group", guards.id, outside.id)
    ]
    assert world.permissions.of_user(world.other.user_id).cameras == ()
    with pytest.raises(NotFoundError, match="user 99 not found"):
        world.permissions.of_user(99)


def test_an_admin_overview_shows_everything(world: World) -> None:
    admin = world.accounts.create(
        username="root", password="a-long-enough-passphrase", role=Role.ADMIN, actor="t"
    )
    overview = world.permissions.of_user(admin.id)
    assert overview.admin and [c.camera_id for c in overview.cameras] == [world.door, world.yard]
    assert all(c.permission.allows(Operation.CONFIGURE) and not c.via for c in overview.cameras)


def test_every_change_is_audited_with_before_and_after(world: World) -> None:
    guards = world.groups.create(name="guards", description="night", actor="alice")
    world.groups.update(guards.id, name="wardens", description="nights", actor="alice")
    world.groups.update(guards.id, name="wardens", actor="alice")  # nothing changed
    world.groups.set_members(guards.id, [world.viewer.user_id], "alice")
    world.groups.replace_grants(guards.id, [GrantRecord(world.door, LIVE)], "alice")
    outside = world.camera_groups.create(name="outside", actor="alice")
    world.camera_groups.update(outside.id, description="the yard", actor="alice")
    world.camera_groups.set_cameras(outside.id, [world.yard], "alice")
    world.grants.replace(world.other.user_id, [GrantRecord(None, LIVE, None, outside.id)], "alice")
    world.camera_groups.delete(outside.id, actor="alice")
    world.groups.delete(guards.id, actor="alice")

    assert world.events("group.created") == [
        {"group": "guards", "before": None, "after": {"name": "guards", "description": "night"}}
    ]
    assert world.events("group.updated") == [
        {
            "group": "wardens",
            "before": {"name": "guards", "description": "night"},
            "after": {"name": "wardens", "description": "nights"},
        }
    ]
    assert world.events("group.members_set") == [
        {"group": "wardens", "before": [], "after": ["vera"]}
    ]
    live_on_door = {
        "camera_id": world.door,
        "camera_group_id": None,
        "operations": ["live"],
        "playback_window_hours": None,
    }
    assert world.events("group.grants_set") == [
        {"group": "wardens", "before": [], "after": [live_on_door]}
    ]
    assert world.events("camera_group.created")[0]["after"] == {
        "name": "outside",
        "description": "",
    }
    assert world.events("camera_group.updated")[0]["after"]["description"] == "the yard"
    assert world.events("camera_group.cameras_set") == [
        {"camera_group": "outside", "before": [], "after": [world.yard]}
    ]
    [deleted_camera_group] = world.events("camera_group.deleted")
    assert deleted_camera_group["after"] is None
    assert deleted_camera_group["before"]["camera_ids"] == [world.yard]
    assert deleted_camera_group["before"]["grants"] == [
        {
            "user": "otto",
            "camera_id": None,
            "camera_group_id": outside.id,
            "operations": ["live"],
            "playback_window_hours": None,
        }
    ]
    [deleted_group] = world.events("group.deleted")
    assert deleted_group["before"] == {
        "name": "wardens",
        "description": "nights",
        "members": ["vera"],
        "grants": [live_on_door],
    }
    assert world.audit.verify().ok


def test_bad_input_is_refused_with_the_reason(world: World) -> None:
    guards = world.groups.create(name="guards", actor="admin")
    world.camera_groups.create(name="outside", actor="admin")
    cases: list[tuple[Any, type[Exception], str]] = [
        (lambda: world.groups.create(name=" guards ", actor="a"), ValidationFailedError,
         "a group named 'guards' already exists"),
        (lambda: world.groups.create(name="  ", actor="a"), ValidationFailedError,
         "group name is empty"),
        (lambda: world.groups.create(name="x" * 65, actor="a"), ValidationFailedError,
         "longer than 64"),
        (lambda: world.groups.create(name="a\tb", actor="a"), ValidationFailedError,
         "control characters"),
        (lambda: world.camera_groups.create(name="outside", actor="a"), ValidationFailedError,
         "a camera group named 'outside' already exists"),
        (lambda: world.camera_groups.create(name="y" * 101, actor="a"), ValidationFailedError,
         "longer than 100"),
        (lambda: world.groups.get(99), NotFoundError, "group 99 not found"),
        (lambda: world.groups.by_name("ghosts"), NotFoundError, "group 'ghosts' not found"),
        (lambda: world.camera_groups.get(99), NotFoundError, "camera group 99 not found"),
        (lambda: world.groups.delete(99, actor="a"), NotFoundError, "group 99 not found"),
        (lambda: world.groups.set_members(guards.id, [99], "a"), NotFoundError,
         "user 99 not found"),
        (lambda: world.groups.set_members(guards.id, [1, 1], "a"), ValidationFailedError,
         "user_ids: user 1 is listed twice"),
        (lambda: world.groups.set_members(guards.id, [0], "a"), ValidationFailedError,
         "user_ids: 0 is not a positive whole number"),
        (lambda: world.camera_groups.set_cameras(1, [99], "a"), NotFoundError,
         "camera 99 not found"),
        (lambda: world.groups.replace_grants(guards.id, [GrantRecord(99, LIVE)], "a"),
         NotFoundError, "camera 99 not found"),
        (lambda: world.groups.replace_grants(guards.id, [GrantRecord(None, LIVE, None, 99)],
         "a"), NotFoundError, "camera group 99 not found"),
        (lambda: world.grants.replace(world.viewer.user_id, [GrantRecord(None, LIVE, None, 9)],
         "a"), NotFoundError, "camera group 9 not found"),
        (lambda: world.groups.update(guards.id, name="x" * 65, actor="a"),
         ValidationFailedError, "longer than 64"),
    ]  # fmt: skip
    for action, error, message in cases:
        with pytest.raises(error, match=message):
            action()
    world.groups.create(name="wardens", actor="a")
    with pytest.raises(ValidationFailedError, match="a group named 'wardens' already exists"):
        world.groups.update(guards.id, name="wardens", actor="a")
    assert world.groups.get(guards.id).name == "guards"
    assert world.groups.grants_of(guards.id) == [], "a refused change changes nothing"


@pytest.mark.parametrize(
    ("items", "message"),
    [
        ([{"operations": ["live"]}], "grant 0: camera_id or camera_group_id is missing"),
        (
            [{"camera_id": 1, "operations": ["live"]}, {"camera_id": 1, "camera_group_id": 2}],
            "grant 1: give camera_id or camera_group_id, not both",
        ),
        (
            [{"camera_group_id": 0, "operations": ["live"]}],
            "grant 0: camera_group_id must be a positive whole number",
        ),
        (
            [{"camera_group_id": True, "operations": ["live"]}],
            "grant 0: camera_group_id must be a positive whole number",
        ),
        (
            [
                {"camera_group_id": 2, "operations": ["live"]},
                {"camera_id": 2, "operations": ["live"]},
                {"camera_group_id": 2, "operations": ["ptz"]},
            ],
            "grant 2: camera group 2 is granted twice",
        ),
    ],
)
def test_parse_grants_wants_exactly_one_target(items: list[dict[str, Any]], message: str) -> None:
    with pytest.raises(ValidationFailedError, match=message):
        parse_grants(items)


def test_a_camera_and_a_camera_group_may_share_an_id() -> None:
    grants = parse_grants(
        [
            {"camera_group_id": 1, "operations": ["live"]},
            {"camera_id": 1, "operations": ["playback"], "camera_group_id": None},
        ]
    )
    assert [grant.target for grant in grants] == ["camera group 1", "camera 1"]
