"""Access requests over HTTPS on SQLite and PostgreSQL, with a controlled clock.

A viewer asks for playback of a range, a manager approves, the viewer gets exactly the
segments inside the range until the approval's time is up.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from mimamoru.access.grants import GrantRecord
from mimamoru.access.roles import Operation, Role
from mimamoru.clock import ManualClock
from mimamoru.db import cameras as camera_queries
from mimamoru.services import Services
from tests.conftest import Installation, RunningServer, make_installation
from tests.support.footage import write_segment
from tests.support.servers import ServerThread, free_port

PASSWORD = "tall-orange-kettle-7"
LIVE = frozenset({Operation.LIVE})
LIVE_PLAYBACK = frozenset({Operation.LIVE, Operation.PLAYBACK})
# Sessions outlive the clock jumps below; approvals last an hour.
SETTINGS: dict[str, Any] = {
    "sessions": {"idle_minutes": 24 * 60, "lifetime_hours": 48},
    "requests": {"approval_hours": 1},
}


def start_clocked_server(
    installation: Installation, clock: ManualClock, **overrides: Any
) -> RunningServer:
    """The real HTTPS server with a clock the test moves (recorders run for no camera)."""
    values = {**SETTINGS, **overrides}
    settings = installation.settings(server={"port": free_port()}, **values)
    services = Services.build(settings, clock)
    thread = ServerThread(settings, services).start()
    return RunningServer(thread.url, services, installation, thread)


def stop(server: RunningServer) -> None:
    server.thread.stop()
    server.services.close()


def quiet_camera(services: Services, name: str) -> int:
    """A camera with no recorder (disabled from the start); its footage is written by tests."""
    with services.database.session() as session:
        row = camera_queries.add_camera(
            session,
            name=name,
            source="test://pattern?size=160x120&rate=5",
            retention_hours=24 * 30,
            now=services.clock.now(),
        )
        row.enabled = False
        return row.id


def person(services: Services, username: str, role: Role, grants: list[GrantRecord]) -> int:
    account = services.accounts.create(username=username, password=PASSWORD, role=role, actor="t")
    services.grants.replace(account.id, grants, "test")
    return account.id


def logged_in(server: RunningServer, username: str) -> httpx.Client:
    client = server.client()
    response = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    client.headers["Authorization"] = f"Bearer {response.json()['token']}"
    return client


@dataclass
class Scene:
    server: RunningServer
    clock: ManualClock
    camera: int
    start: datetime
    end: datetime
    segments: dict[str, int]
    viewer: httpx.Client
    manager: httpx.Client
    manager2: httpx.Client
    admin: httpx.Client

    def ask(self, **overrides: Any) -> httpx.Response:
        body = {
            "camera_id": self.camera,
            "operation": "playback",
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "reason": "bicycle stolen at the entrance",
        }
        body.update(overrides)
        return self.viewer.post("/api/v1/requests", json=body)


def footage(services: Services, camera: int, start: datetime, end: datetime) -> dict[str, int]:
    """Segments of 4 s: inside the range, straddling its start and its end, and outside it."""
    starts = {
        "inside": start + timedelta(seconds=10),
        "straddles_start": start - timedelta(seconds=2),
        "straddles_end": end - timedelta(seconds=2),
        "outside": end + timedelta(seconds=30),
    }
    return {name: write_segment(services, camera, at).id for name, at in starts.items()}


@pytest.fixture
def overrides() -> dict[str, Any]:
    """Settings for the scene's server; a test changes them by parametrizing this."""
    return {}


@pytest.fixture
def scene(tmp_path: Path, database_url: str, overrides: dict[str, Any]) -> Iterator[Scene]:
    installation = make_installation(tmp_path / "site", database_url)
    clock = ManualClock(datetime.now(UTC).replace(microsecond=0))
    server = start_clocked_server(installation, clock, **overrides)
    services = server.services
    camera = quiet_camera(services, "entrance")
    person(services, "vera", Role.VIEWER, [GrantRecord(camera, LIVE)])
    person(services, "mona", Role.MANAGER, [GrantRecord(camera, LIVE_PLAYBACK)])
    person(services, "max", Role.MANAGER, [GrantRecord(camera, LIVE_PLAYBACK)])
    start = clock.now() - timedelta(days=2)
    end = start + timedelta(minutes=1)
    segments = footage(services, camera, start, end)
    clients = [logged_in(server, name) for name in ("vera", "mona", "max")]
    admin = server.client()
    admin.headers["Authorization"] = f"Bearer {server.login(admin)}"
    try:
        yield Scene(server, clock, camera, start, end, segments, *clients, admin)
    finally:
        for client in (*clients, admin):
            client.close()
        stop(server)


def test_request_approve_watch_expire(scene: Scene) -> None:
    viewer, manager = scene.viewer, scene.manager
    segment = f"/api/v1/recordings/{scene.segments['inside']}"
    assert viewer.get(segment).status_code == 404, "no playback before the request"

    created = scene.ask(purpose="theft")
    assert created.status_code == 201, created.text
    request = created.json()
    assert request["state"] == "pending" and request["purpose"] == "theft"
    assert request["can_withdraw"] and not request["can_decide"]
    url = f"/api/v1/requests/{request['id']}"
    assert manager.get("/api/v1/requests/pending-count").json() == {"to_decide": 1}
    assert viewer.get("/api/v1/requests/pending-count").json() == {"to_decide": 0}
    assert viewer.get(segment).status_code == 404, "pending grants nothing"

    own = viewer.post(f"{url}/approve", json={})
    assert own.status_code == 403 and "own request" in own.json()["detail"]
    approved = manager.post(f"{url}/approve", json={"comment": "case 2026-118"})
    assert approved.status_code == 200, approved.text
    body = approved.json()
    assert body["state"] == "approved" and body["approvers"] == ["mona"]
    valid_until = datetime.fromisoformat(body["valid_until"])
    assert valid_until == scene.clock.now() + timedelta(hours=1)
    again = scene.manager2.post(f"{url}/approve", json={})
    assert again.status_code == 409 and "already approved" in again.json()["detail"]

    # Exactly the range: the inside segment plays, nothing crossing or outside the range.
    assert viewer.get(segment).status_code == 200
    for name in ("straddles_start", "straddles_end", "outside"):
        assert viewer.get(f"/api/v1/recordings/{scene.segments[name]}").status_code == 404, name
    listing = f"/api/v1/cameras/{scene.camera}/recordings"
    inside = {"start": scene.start.isoformat(), "end": scene.end.isoformat()}
    listed = viewer.get(listing, params=inside)
    assert listed.status_code == 200
    assert {r["id"] for r in listed.json()} == {
        scene.segments[name] for name in ("inside", "straddles_start", "straddles_end")
    }, "the index of the range lists what overlaps it; only what lies inside plays"
    wider = {"start": scene.start.isoformat(), "end": (scene.end + timedelta(hours=1)).isoformat()}
    assert viewer.get(listing, params=wider).status_code == 404

    scene.clock.advance(3600)
    assert viewer.get(segment).status_code == 404, "the approval's time is up"
    assert viewer.get(listing, params=inside).status_code == 404
    state = viewer.get(url).json()
    assert state["state"] == "expired" and not state["can_withdraw"]
    expired = scene.manager2.post(f"{url}/approve", json={})
    assert expired.status_code == 409 and "expired" in expired.json()["detail"]

    actions = [
        (event.action, event.camera_id)
        for event in scene.server.services.audit.search(action="request.")
    ]
    assert sorted(actions) == sorted(
        [
            ("request.created", scene.camera),
            ("request.approved", scene.camera),
            ("request.expired", scene.camera),
        ]
    )


def test_four_eyes_and_bad_input(scene: Scene) -> None:
    bad = scene.ask(operation="live")
    assert bad.status_code == 422 and "allowed: export, playback" in bad.json()["detail"]
    backwards = scene.ask(start=scene.end.isoformat(), end=scene.start.isoformat())
    assert backwards.status_code == 422 and "start must be before end" in backwards.text
    blank = scene.ask(reason="   ")
    assert blank.status_code == 422 and "reason is required" in blank.text
    long = scene.ask(start=(scene.end - timedelta(days=40)).isoformat())
    assert long.status_code == 422 and "31 days" in long.text
    unknown = scene.ask(camera_id=9999)
    assert unknown.status_code == 404 and unknown.json()["detail"] == "camera 9999 not found"

    mine = scene.manager.post(
        "/api/v1/requests",
        json={
            "camera_id": scene.camera,
            "operation": "export",
            "start": scene.start.isoformat(),
            "end": scene.end.isoformat(),
            "reason": "police inquiry",
        },
    )
    assert mine.status_code == 201
    own = scene.manager.post(f"/api/v1/requests/{mine.json()['id']}/approve", json={})
    assert own.status_code == 403 and "own request" in own.json()["detail"]
    held = scene.manager.post(
        "/api/v1/requests",
        json={
            "camera_id": scene.camera,
            "operation": "playback",
            "start": scene.start.isoformat(),
            "end": scene.end.isoformat(),
            "reason": "x",
        },
    )
    assert held.status_code == 409 and "already hold playback" in held.json()["detail"]

    request_id = scene.ask().json()["id"]
    url = f"/api/v1/requests/{request_id}"
    no_reason = scene.manager.post(f"{url}/reject", json={})
    assert no_reason.status_code == 422 and "reason is required" in no_reason.text
    rejected = scene.manager.post(f"{url}/reject", json={"reason": "no case number given"})
    assert rejected.status_code == 200
    assert rejected.json()["state"] == "rejected"
    assert rejected.json()["rejection_reason"] == "no case number given"
    late = scene.admin.post(f"{url}/approve", json={})
    assert late.status_code == 409 and "already rejected" in late.json()["detail"]
    assert scene.viewer.get(f"/api/v1/recordings/{scene.segments['inside']}").status_code == 404

    states = scene.viewer.get("/api/v1/requests", params={"state": "rejected"}).json()
    assert [r["id"] for r in states] == [request_id]
    wrong = scene.viewer.get("/api/v1/requests", params={"state": "done"})
    assert wrong.status_code == 422 and "unknown state" in wrong.text
    assert scene.viewer.get("/api/v1/requests/9999").status_code == 404
    assert [r["id"] for r in scene.admin.get("/api/v1/requests").json()] == [
        request_id,
        mine.json()["id"],
    ]


@pytest.mark.parametrize(
    "overrides", [{"requests": {"approval_hours": 1, "required_approvals": 2}}]
)
def test_two_approvers_and_tokens(scene: Scene) -> None:
    viewer, mona, max_ = scene.viewer, scene.manager, scene.manager2
    request_id = scene.ask(reason="two approvers").json()["id"]
    url = f"/api/v1/requests/{request_id}"
    first = mona.post(f"{url}/approve", json={})
    assert first.status_code == 200 and first.json()["state"] == "pending"
    assert first.json()["approvers"] == ["mona"] and not first.json()["can_decide"]
    twice = mona.post(f"{url}/approve", json={})
    assert twice.status_code == 409 and "already approved" in twice.json()["detail"]
    segment = f"/api/v1/recordings/{scene.segments['inside']}"
    assert viewer.get(segment).status_code == 404, "one approval of two grants nothing"
    token = max_.post("/api/v1/auth/tokens", json={"name": "script", "operations": ["playback"]})
    assert token.status_code == 201, token.text
    with scene.server.client() as scripted:
        scripted.headers["Authorization"] = f"Bearer {token.json()['token']}"
        refused = scripted.post(f"{url}/approve", json={})
        assert refused.status_code == 403, "a person decides, not a script"
        assert scripted.get(url).status_code == 200, "a token may read what its owner may"
    second = max_.post(f"{url}/approve", json={})
    assert second.json()["state"] == "approved"
    assert second.json()["approvers"] == ["mona", "max"]
    assert viewer.get(segment).status_code == 200
    withdrawn = viewer.post(f"{url}/withdraw")
    assert withdrawn.status_code == 200 and withdrawn.json()["state"] == "withdrawn"
    assert viewer.get(segment).status_code == 404, "ending the approval early ends access"
