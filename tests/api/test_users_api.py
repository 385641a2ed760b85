"""Accounts and per-camera grants over HTTPS: deny by default, admins only, no escalation."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select

from mimamoru.db.tables import AuditEvent
from tests.api.test_server import wait_for_recordings
from tests.conftest import RunningServer
from tests.support.processes import wait_until

PASSWORD = "a-long-enough-passphrase"


@contextmanager
def log_in(
    server: RunningServer, username: str, password: str = PASSWORD
) -> Iterator[httpx.Client]:
    with server.client() as client:
        response = client.post(
            "/api/v1/auth/login", json={"username": username, "password": password}
        )
        assert response.status_code == 200, response.text
        client.headers["Authorization"] = f"Bearer {response.json()['token']}"
        yield client


@pytest.fixture
def two_cameras(admin_client: httpx.Client) -> tuple[int, int]:
    ids = []
    for name in ("granted", "other"):
        response = admin_client.post(
            "/api/v1/cameras",
            json={
                "name": name,
                "source": "test://pattern?size=160x120&rate=10",
                "purposes": ["crime_prevention"],
            },
        )
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    return ids[0], ids[1]


def add_user(admin: httpx.Client, username: str, role: str = "viewer") -> int:
    response = admin.post(
        "/api/v1/users", json={"username": username, "password": PASSWORD, "role": role}
    )
    assert response.status_code == 201, response.text
    user_id: int = response.json()["id"]
    return user_id


@pytest.fixture
def viewer(
    server: RunningServer, admin_client: httpx.Client, two_cameras: tuple[int, int]
) -> Iterator[httpx.Client]:
    user_id = add_user(admin_client, "vera")
    granted, _ = two_cameras
    response = admin_client.put(
        f"/api/v1/users/{user_id}/grants",
        json={"grants": [{"camera_id": granted, "operations": ["live", "playback"]}]},
    )
    assert response.status_code == 200, response.text
    with log_in(server, "vera") as client:
        yield client


def test_a_new_account_sees_nothing_until_granted(
    server: RunningServer, admin_client: httpx.Client, two_cameras: tuple[int, int]
) -> None:
    add_user(admin_client, "nobody", "operator")
    with log_in(server, "nobody") as client:
        assert client.get("/api/v1/cameras").json() == []
        for camera in two_cameras:
            assert client.get(f"/api/v1/cameras/{camera}").status_code == 404
            assert client.get(f"/api/v1/cameras/{camera}/recordings").status_code == 404


def test_a_grant_opens_exactly_its_camera_and_operations(
    admin_client: httpx.Client, viewer: httpx.Client, two_cameras: tuple[int, int]
) -> None:
    granted, other = two_cameras
    [seen] = viewer.get("/api/v1/cameras").json()
    assert seen["id"] == granted and seen["source"] is None, "the source is for configurers"
    assert admin_client.get(f"/api/v1/cameras/{granted}").json()["source"].startswith("test://")
    record = wait_for_recordings(viewer, granted, 1)[0]
    assert viewer.get(f"/api/v1/recordings/{record['id']}").status_code == 200
    other_record = wait_for_recordings(admin_client, other, 1)[0]
    # Not granted: indistinguishable from a camera or recording that does not exist.
    for path in (
        f"/api/v1/cameras/{other}",
        f"/api/v1/cameras/{other}/recordings",
        f"/api/v1/cameras/{other}/snapshot",
        f"/api/v1/recordings/{other_record['id']}",
        "/api/v1/cameras/999",
    ):
        response = viewer.get(path)
        assert response.status_code == 404, path
    # Granted camera, operation not granted: configure.
    assert viewer.patch(f"/api/v1/cameras/{granted}", json={"masks": []}).status_code == 404


def test_playback_window_limits_how_far_back(
    server: RunningServer, admin_client: httpx.Client, two_cameras: tuple[int, int]
) -> None:
    user_id = add_user(admin_client, "guard")
    granted, _ = two_cameras
    admin_client.put(
        f"/api/v1/users/{user_id}/grants",
        json={
            "grants": [
                {"camera_id": granted, "operations": ["playback"], "playback_window_hours": 2}
            ]
        },
    )
    now = datetime.now(UTC)
    with log_in(server, "guard") as client:
        recent = {"start": (now - timedelta(hours=1)).isoformat(), "end": now.isoformat()}
        older = {"start": (now - timedelta(hours=3)).isoformat(), "end": now.isoformat()}
        url = f"/api/v1/cameras/{granted}/recordings"
        assert client.get(url, params=recent).status_code == 200
        assert client.get(url, params=older).status_code == 404
        assert client.get(url).status_code == 200, "no start: as far back as the grant reaches"


def test_only_admins_manage_accounts_and_nobody_escalates(
    server: RunningServer,
    admin_client: httpx.Client,
    viewer: httpx.Client,
    two_cameras: tuple[int, int],
) -> None:
    users = admin_client.get("/api/v1/users").json()
    vera = next(user for user in users if user["username"] == "vera")
    attempts = [
        viewer.get("/api/v1/users"),
        viewer.post("/api/v1/users", json={"username": "x", "password": PASSWORD, "role": "admin"}),
        viewer.patch(f"/api/v1/users/{vera['id']}", json={"role": "admin"}),
        viewer.put(
            f"/api/v1/users/{vera['id']}/grants",
            json={"grants": [{"camera_id": two_cameras[1], "operations": ["live"]}]},
        ),
        viewer.delete("/api/v1/users/1"),
    ]
    assert [response.status_code for response in attempts] == [403] * 5
    assert admin_client.get(f"/api/v1/users/{vera['id']}").json()["role"] == "viewer"
    grants = admin_client.get(f"/api/v1/users/{vera['id']}/grants").json()["grants"]
    assert [grant["camera_id"] for grant in grants] == [two_cameras[0]]


def test_the_last_admin_stays(admin_client: httpx.Client) -> None:
    me = next(u for u in admin_client.get("/api/v1/users").json() if u["role"] == "admin")
    for response in (
        admin_client.delete(f"/api/v1/users/{me['id']}"),
        admin_client.patch(f"/api/v1/users/{me['id']}", json={"role": "viewer"}),
        admin_client.patch(f"/api/v1/users/{me['id']}", json={"disabled": True}),
    ):
        assert response.status_code == 409
        assert "last enabled administrator" in response.json()["detail"]
    second = add_user(admin_client, "deputy", "admin")
    assert admin_client.patch(f"/api/v1/users/{second}", json={"role": "viewer"}).status_code == 200
    assert admin_client.delete(f"/api/v1/users/{second}").status_code == 204


def test_disabling_or_a_new_password_ends_sessions(
    server: RunningServer, admin_client: httpx.Client
) -> None:
    user_id = add_user(admin_client, "temp")
    with log_in(server, "temp") as client:
        assert client.get("/api/v1/auth/me").status_code == 200
        admin_client.patch(f"/api/v1/users/{user_id}", json={"password": "another-long-secret"})
        assert client.get("/api/v1/auth/me").status_code == 401
    with log_in(server, "temp", "another-long-secret") as client:
        admin_client.patch(f"/api/v1/users/{user_id}", json={"disabled": True})
        assert client.get("/api/v1/auth/me").status_code == 401


@pytest.mark.parametrize(
    ("body", "status", "fragment"),
    [
        ({"username": "u1", "password": "short", "role": "viewer"}, 422, "too short"),
        ({"username": "u2", "password": PASSWORD, "role": "superuser"}, 422, "unknown role"),
        ({"username": "u3", "password": "Password1234", "role": "viewer"}, 422, "commonly used"),
        ({"username": "u4", "password": "abababababab", "role": "viewer"}, 422, "repetitive"),
        (
            {"username": "kenji", "password": "kenji-at-the-gate", "role": "viewer"},
            422,
            "must not contain the user name",
        ),
        ({"username": "bad name", "password": PASSWORD, "role": "viewer"}, 422, "user name"),
        ({"username": "admin", "password": PASSWORD, "role": "viewer"}, 422, "already exists"),
    ],
)
def test_bad_accounts_are_refused_with_the_reason(
    admin_client: httpx.Client, body: dict[str, str], status: int, fragment: str
) -> None:
    response = admin_client.post("/api/v1/users", json=body)
    assert response.status_code == status and fragment in response.json()["detail"]


@pytest.mark.parametrize(
    ("grants", "status", "fragment"),
    [
        ([{"camera_id": 999, "operations": ["live"]}], 404, "camera 999 not found"),
        ([{"camera_id": 1, "operations": ["watch"]}], 422, "unknown operation 'watch'"),
        ([{"camera_id": 1, "operations": []}], 422, "at least one operation"),
        (
            [{"camera_id": 1, "operations": ["live"]}, {"camera_id": 1, "operations": ["ptz"]}],
            422,
            "granted twice",
        ),
        (
            [{"camera_id": 1, "operations": ["playback"], "playback_window_hours": 0}],
            422,
            "playback_window_hours",
        ),
        ([{"camera_id": "1", "operations": ["live"]}], 422, "camera_id"),
        ([{"camera_id": True, "operations": ["live"]}], 422, "camera_id"),
    ],
)
def test_bad_grants_are_refused_and_change_nothing(
    admin_client: httpx.Client,
    two_cameras: tuple[int, int],
    grants: list[dict[str, object]],
    status: int,
    fragment: str,
) -> None:
    user_id = add_user(admin_client, "gina")
    response = admin_client.put(f"/api/v1/users/{user_id}/grants", json={"grants": grants})
    assert response.status_code == status, response.text
    assert fragment in response.json()["detail"]
    assert admin_client.get(f"/api/v1/users/{user_id}/grants").json() == {"grants": []}


def test_grant_changes_are_audited_with_before_and_after(
    server: RunningServer, admin_client: httpx.Client, two_cameras: tuple[int, int]
) -> None:
    user_id = add_user(admin_client, "audited")
    url = f"/api/v1/users/{user_id}/grants"
    admin_client.put(url, json={"grants": [{"camera_id": two_cameras[0], "operations": ["live"]}]})
    admin_client.put(url, json={"grants": []})
    with server.services.database.session() as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "grants.set").order_by(AuditEvent.id)
        ).all()
        details = [event.detail for event in events]
    assert len(details) == 2
    assert '"after": []' in details[1] and '"live"' in details[1]


def test_repeated_failures_answer_429_until_an_admin_unlocks(
    server: RunningServer, admin_client: httpx.Client
) -> None:
    user_id = add_user(admin_client, "lockme")
    statuses = []
    with server.client() as client:
        for _ in range(8):
            response = client.post(
                "/api/v1/auth/login", json={"username": "lockme", "password": "wrong-password"}
            )
            statuses.append(response.status_code)
        assert statuses[:5] == [401] * 5 and 429 in statuses[5:]
        locked = client.post(
            "/api/v1/auth/login", json={"username": "lockme", "password": PASSWORD}
        )
        assert locked.status_code == 429 and int(locked.headers["retry-after"]) >= 1
        assert "too many failed logins" in locked.json()["detail"]
        assert admin_client.post(f"/api/v1/users/{user_id}/unlock").status_code == 200
        again = client.post("/api/v1/auth/login", json={"username": "lockme", "password": PASSWORD})
        assert again.status_code == 200


def test_status_reason_does_not_quote_the_source_to_viewers(
    server: RunningServer, admin_client: httpx.Client
) -> None:
    secret_path = "/srv/hidden/backroom-camera.mp4"
    camera = admin_client.post(
        "/api/v1/cameras",
        json={
            "name": "backroom",
            "source": f"file://{secret_path}",
            "purposes": ["crime_prevention"],
        },
    ).json()
    user_id = add_user(admin_client, "valerie")
    admin_client.put(
        f"/api/v1/users/{user_id}/grants",
        json={"grants": [{"camera_id": camera["id"], "operations": ["live"]}]},
    ).raise_for_status()

    def failed(client: httpx.Client) -> dict[str, object] | None:
        shown: dict[str, object] = client.get(f"/api/v1/cameras/{camera['id']}").json()
        return shown if shown["status"] in ("offline", "error") else None

    wait_until(lambda: failed(admin_client), timeout=30, what="the camera to fail")
    as_admin = failed(admin_client)
    assert as_admin is not None
    assert "backroom-camera" in str(as_admin["status_reason"]), "admins see the raw reason"
    with log_in(server, "valerie") as client:
        as_viewer = failed(client)
        assert as_viewer is not None and as_viewer["source"] is None
        assert "backroom" not in str(as_viewer["status_reason"])
        assert "administrator can see why" in str(as_viewer["status_reason"])


def test_a_grant_without_operations_takes_the_roles_defaults(
    admin_client: httpx.Client, two_cameras: tuple[int, int]
) -> None:
    granted, _ = two_cameras
    manager = add_user(admin_client, "mika", "manager")
    response = admin_client.put(
        f"/api/v1/users/{manager}/grants", json={"grants": [{"camera_id": granted}]}
    )
    assert response.status_code == 200, response.text
    assert response.json()["grants"][0]["operations"] == ["export", "live", "playback"]
    auditor = add_user(admin_client, "aiko", "auditor")
    refused = admin_client.put(
        f"/api/v1/users/{auditor}/grants", json={"grants": [{"camera_id": granted}]}
    )
    assert refused.status_code == 422
    assert "role auditor has no default operations" in refused.json()["detail"]
    group = admin_client.post("/api/v1/groups", json={"name": "night"}).json()
    no_role = admin_client.put(
        f"/api/v1/groups/{group['id']}/grants", json={"grants": [{"camera_id": granted}]}
    )
    assert no_role.status_code == 422 and "operations is missing" in no_role.json()["detail"]
