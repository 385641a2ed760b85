"""Groups and camera groups over HTTPS: admins only, access through them, removal, audit."""

from __future__ import annotations

import json

import httpx
import pytest
from sqlalchemy import select

from mimamoru.db.tables import AuditEvent
from tests.api.test_users_api import add_user, log_in
from tests.conftest import RunningServer

SOURCE = "test://pattern?size=160x120&rate=10"


def add_camera(admin: httpx.Client, name: str) -> int:
    response = admin.post(
        "/api/v1/cameras", json={"name": name, "source": SOURCE, "purposes": ["crime_prevention"]}
    )
    assert response.status_code == 201, response.text
    camera_id: int = response.json()["id"]
    return camera_id


def created(response: httpx.Response) -> dict[str, object]:
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


def test_group_and_camera_group_lifecycle(admin_client: httpx.Client) -> None:
    vera = add_user(admin_client, "vera")
    door = add_camera(admin_client, "door")
    group = created(
        admin_client.post("/api/v1/groups", json={"name": "guards", "description": "nights"})
    )
    assert set(group) == {"id", "name", "description", "member_ids", "created_at"}
    assert (group["name"], group["description"], group["member_ids"]) == ("guards", "nights", [])
    url = f"/api/v1/groups/{group['id']}"

    members = admin_client.put(f"{url}/members", json={"user_ids": [vera]})
    assert members.status_code == 200 and members.json()["member_ids"] == [vera]
    user = admin_client.get(f"/api/v1/users/{vera}").json()
    assert user["groups"] == [{"id": group["id"], "name": "guards"}]
    listed = {u["username"]: u["groups"] for u in admin_client.get("/api/v1/users").json()}
    assert listed == {"admin": [], "vera": [{"id": group["id"], "name": "guards"}]}

    renamed = admin_client.patch(url, json={"name": "wardens"})
    assert renamed.status_code == 200
    assert (renamed.json()["name"], renamed.json()["description"]) == ("wardens", "nights")
    assert [g["name"] for g in admin_client.get("/api/v1/groups").json()] == ["wardens"]

    camera_group = created(admin_client.post("/api/v1/camera-groups", json={"name": "outside"}))
    assert set(camera_group) == {"id", "name", "description", "camera_ids", "created_at"}
    camera_group_url = f"/api/v1/camera-groups/{camera_group['id']}"
    cameras = admin_client.put(f"{camera_group_url}/cameras", json={"camera_ids": [door]})
    assert cameras.status_code == 200 and cameras.json()["camera_ids"] == [door]
    described = admin_client.patch(camera_group_url, json={"description": "yard and gate"})
    assert described.json()["description"] == "yard and gate"
    assert admin_client.get(camera_group_url).json()["camera_ids"] == [door]
    assert len(admin_client.get("/api/v1/camera-groups").json()) == 1

    grants = {
        "grants": [
            {"camera_group_id": camera_group["id"], "operations": ["live"]},
            {"camera_id": door, "operations": ["playback"], "playback_window_hours": 24},
        ]
    }
    put = admin_client.put(f"{url}/grants", json=grants)
    assert put.status_code == 200, put.text
    expected = [
        {
            "camera_id": door,
            "camera_group_id": None,
            "operations": ["playback"],
            "playback_window_hours": 24,
        },
        {
            "camera_id": None,
            "camera_group_id": camera_group["id"],
            "operations": ["live"],
            "playback_window_hours": None,
        },
    ]
    assert put.json() == {"grants": expected}
    assert admin_client.get(f"{url}/grants").json() == {"grants": expected}

    assert admin_client.delete(camera_group_url).status_code == 204
    assert admin_client.get(camera_group_url).status_code == 404
    assert admin_client.get(f"{url}/grants").json() == {"grants": expected[:1]}
    assert admin_client.delete(url).status_code == 204
    assert admin_client.get(url).status_code == 404
    assert admin_client.get(f"/api/v1/users/{vera}").json()["groups"] == []


def test_access_through_groups_and_camera_groups_and_its_removal(
    server: RunningServer, admin_client: httpx.Client
) -> None:
    vera = add_user(admin_client, "vera")
    door, yard = add_camera(admin_client, "door"), add_camera(admin_client, "yard")
    group = created(admin_client.post("/api/v1/groups", json={"name": "guards"}))
    camera_group = created(admin_client.post("/api/v1/camera-groups", json={"name": "outside"}))
    group_url = f"/api/v1/groups/{group['id']}"
    camera_group_url = f"/api/v1/camera-groups/{camera_group['id']}"
    admin_client.put(f"{camera_group_url}/cameras", json={"camera_ids": [yard]})
    admin_client.put(
        f"{group_url}/grants",
        json={"grants": [{"camera_group_id": camera_group["id"], "operations": ["playback"]}]},
    )
    with log_in(server, "vera") as client:
        assert client.get("/api/v1/cameras").json() == [], "not a member yet"
        admin_client.put(f"{group_url}/members", json={"user_ids": [vera]})
        assert [c["id"] for c in client.get("/api/v1/cameras").json()] == [yard]
        assert client.get(f"/api/v1/cameras/{yard}/recordings").status_code == 200
        assert client.get(f"/api/v1/cameras/{yard}/snapshot").status_code == 404, "no live"
        assert client.get(f"/api/v1/cameras/{door}").status_code == 404

        # Her own grant on the camera group adds live to the group's playback.
        admin_client.put(
            f"/api/v1/users/{vera}/grants",
            json={"grants": [{"camera_group_id": camera_group["id"], "operations": ["live"]}]},
        )
        permissions = admin_client.get(f"/api/v1/users/{vera}/permissions").json()
        assert permissions == {
            "user_id": vera,
            "admin": False,
            "cameras": [
                {
                    "camera_id": yard,
                    "camera_name": "yard",
                    "operations": ["live", "playback"],
                    "playback_window_hours": None,
                    "export_window_hours": None,
                    "via": [
                        {
                            "kind": "user",
                            "group_id": None,
                            "group_name": None,
                            "camera_group_id": camera_group["id"],
                            "camera_group_name": "outside",
                            "operations": ["live"],
                            "playback_window_hours": None,
                        },
                        {
                            "kind": "group",
                            "group_id": group["id"],
                            "group_name": "guards",
                            "camera_group_id": camera_group["id"],
                            "camera_group_name": "outside",
                            "operations": ["playback"],
                            "playback_window_hours": None,
                        },
                    ],
                }
            ],
        }
        admin_client.put(f"/api/v1/users/{vera}/grants", json={"grants": []})

        admin_client.put(f"{group_url}/members", json={"user_ids": []})
        assert client.get(f"/api/v1/cameras/{yard}").status_code == 404, "left the group"
        admin_client.put(f"{group_url}/members", json={"user_ids": [vera]})
        assert client.get(f"/api/v1/cameras/{yard}").status_code == 200

        admin_client.put(f"{camera_group_url}/cameras", json={"camera_ids": [door]})
        assert client.get(f"/api/v1/cameras/{yard}").status_code == 404, "left the camera group"
        assert client.get(f"/api/v1/cameras/{door}/recordings").status_code == 200

        assert admin_client.delete(group_url).status_code == 204
        assert client.get(f"/api/v1/cameras/{door}").status_code == 404, "group deleted"
        assert client.get("/api/v1/cameras").json() == []


def test_an_admin_has_everything_in_the_permissions_overview(admin_client: httpx.Client) -> None:
    door = add_camera(admin_client, "door")
    me = admin_client.get("/api/v1/users").json()[0]
    permissions = admin_client.get(f"/api/v1/users/{me['id']}/permissions").json()
    assert permissions["admin"] is True
    [camera] = permissions["cameras"]
    assert camera["camera_id"] == door and camera["via"] == []
    assert camera["operations"] == ["configure", "export", "live", "playback", "ptz"]


def test_only_admins_reach_groups_and_nobody_joins_a_group_by_themselves(
    server: RunningServer, admin_client: httpx.Client
) -> None:
    vera = add_user(admin_client, "vera")
    group = created(admin_client.post("/api/v1/groups", json={"name": "guards"}))
    camera_group = created(admin_client.post("/api/v1/camera-groups", json={"name": "outside"}))
    g, cg = f"/api/v1/groups/{group['id']}", f"/api/v1/camera-groups/{camera_group['id']}"
    grant = {"grants": [{"camera_group_id": camera_group["id"], "operations": ["configure"]}]}
    attempts = [
        ("GET", "/api/v1/groups", None),
        ("POST", "/api/v1/groups", {"name": "mine"}),
        ("GET", g, None),
        ("PATCH", g, {"name": "mine"}),
        ("DELETE", g, None),
        ("PUT", f"{g}/members", {"user_ids": [vera]}),
        ("GET", f"{g}/grants", None),
        ("PUT", f"{g}/grants", grant),
        ("GET", "/api/v1/camera-groups", None),
        ("POST", "/api/v1/camera-groups", {"name": "mine"}),
        ("GET", cg, None),
        ("PATCH", cg, {"name": "mine"}),
        ("DELETE", cg, None),
        ("PUT", f"{cg}/cameras", {"camera_ids": []}),
        ("GET", f"/api/v1/users/{vera}/permissions", None),
        ("PUT", f"/api/v1/users/{vera}/grants", grant),
    ]
    with log_in(server, "vera") as client:
        for method, path, body in attempts:
            response = client.request(method, path, json=body)
            assert response.status_code == 403, (method, path, response.text)
            assert response.json() == {"detail": "administrator rights required"}
    assert admin_client.get(g).json()["member_ids"] == [], "vera did not get in"
    assert admin_client.get(f"{g}/grants").json() == {"grants": []}
    assert admin_client.get(f"/api/v1/users/{vera}/grants").json() == {"grants": []}
    assert [x["name"] for x in admin_client.get("/api/v1/groups").json()] == ["guards"]
    with server.client() as anonymous:
        assert anonymous.get("/api/v1/groups").status_code == 401


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "fragment"),
    [
        ("POST", "/api/v1/groups", {"name": "guards"}, 422, "a group named 'guards' already"),
        ("POST", "/api/v1/groups", {"name": ""}, 422, "name: String should have at least 1"),
        ("POST", "/api/v1/groups", {"name": "x" * 65}, 422, "at most 64 characters"),
        ("POST", "/api/v1/groups", {"name": "\t "}, 422, "group name is empty"),
        ("POST", "/api/v1/groups", {"name": "a", "members": []}, 422, "Extra inputs"),
        ("GET", "/api/v1/groups/99", None, 404, "group 99 not found"),
        ("GET", "/api/v1/groups/0", None, 422, "greater than or equal to 1"),
        ("PATCH", "/api/v1/groups/99", {"name": "x"}, 404, "group 99 not found"),
        ("DELETE", "/api/v1/groups/99", None, 404, "group 99 not found"),
        ("PUT", "/api/v1/groups/99/members", {"user_ids": []}, 404, "group 99 not found"),
        ("PUT", "{group}/members", {"user_ids": [99]}, 404, "user 99 not found"),
        ("PUT", "{group}/members", {"user_ids": [1, 1]}, 422, "user 1 is listed twice"),
        ("PUT", "{group}/members", {"user_ids": ["1"]}, 422, "user_ids.0"),
        ("PUT", "{group}/members", {}, 422, "user_ids: Field required"),
        ("GET", "/api/v1/groups/99/grants", None, 404, "group 99 not found"),
        (
            "PUT",
            "{group}/grants",
            {"grants": [{"camera_id": 99, "operations": ["live"]}]},
            404,
            "camera 99 not found",
        ),
        (
            "PUT",
            "{group}/grants",
            {"grants": [{"camera_group_id": 99, "operations": ["live"]}]},
            404,
            "camera group 99 not found",
        ),
        (
            "PUT",
            "{group}/grants",
            {"grants": [{"camera_id": 1, "camera_group_id": 1, "operations": ["live"]}]},
            422,
            "grant 0: give camera_id or camera_group_id, not both",
        ),
        (
            "PUT",
            "{group}/grants",
            {"grants": [{"operations": ["live"]}]},
            422,
            "grant 0: camera_id or camera_group_id is missing",
        ),
        (
            "PUT",
            "{group}/grants",
            {"grants": [{"camera_group_id": "1", "operations": ["live"]}]},
            422,
            "camera_group_id",
        ),
        ("POST", "/api/v1/camera-groups", {"name": "y" * 101}, 422, "at most 100 characters"),
        ("POST", "/api/v1/camera-groups", {"name": "outside"}, 422, "already exists"),
        ("GET", "/api/v1/camera-groups/99", None, 404, "camera group 99 not found"),
        ("PATCH", "{camera_group}", {"name": None, "description": "x" * 2001}, 422, "2000"),
        ("PUT", "{camera_group}/cameras", {"camera_ids": [99]}, 404, "camera 99 not found"),
        ("PUT", "{camera_group}/cameras", {"camera_ids": [0]}, 422, "0 is not a positive"),
        ("PUT", "{camera_group}/cameras", {"camera_ids": [True]}, 422, "camera_ids.0"),
        ("DELETE", "/api/v1/camera-groups/99", None, 404, "camera group 99 not found"),
        ("GET", "/api/v1/users/99/permissions", None, 404, "user 99 not found"),
        (
            "PUT",
            "/api/v1/users/1/grants",
            {"grants": [{"camera_group_id": 99, "operations": ["live"]}]},
            404,
            "camera group 99 not found",
        ),
    ],
)
def test_bad_requests_are_refused_with_the_reason(
    admin_client: httpx.Client,
    method: str,
    path: str,
    body: dict[str, object] | None,
    status: int,
    fragment: str,
) -> None:
    group = created(admin_client.post("/api/v1/groups", json={"name": "guards"}))
    camera_group = created(admin_client.post("/api/v1/camera-groups", json={"name": "outside"}))
    url = path.format(
        group=f"/api/v1/groups/{group['id']}",
        camera_group=f"/api/v1/camera-groups/{camera_group['id']}",
    )
    response = admin_client.request(method, url, json=body)
    assert response.status_code == status, response.text
    assert fragment in response.json()["detail"]
    assert admin_client.get(f"/api/v1/groups/{group['id']}").json()["member_ids"] == []
    assert admin_client.get(f"/api/v1/groups/{group['id']}/grants").json() == {"grants": []}


def test_changes_are_audited_with_the_admin_as_actor(
    server: RunningServer, admin_client: httpx.Client
) -> None:
    vera = add_user(admin_client, "vera")
    group = created(admin_client.post("/api/v1/groups", json={"name": "guards"}))
    admin_client.put(f"/api/v1/groups/{group['id']}/members", json={"user_ids": [vera]})
    with server.services.database.session() as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.action.like("group.%")).order_by(AuditEvent.id)
        ).all()
        found = [(event.actor, event.action, json.loads(event.detail)) for event in events]
    assert [(actor, action) for actor, action, _ in found] == [
        ("admin", "group.created"),
        ("admin", "group.members_set"),
    ]
    assert found[1][2] == {
        "group": "guards",
        "before": [],
        "after": ["vera"],
        "client": "127.0.0.1",
        "outcome": "allowed",
    }
