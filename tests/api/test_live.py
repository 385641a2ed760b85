"""Live view over WebSocket: fMP4 from the recorder, gated and audited."""

from __future__ import annotations

import json
import ssl
from typing import Any

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import ClientConnection, connect

from mimamoru.db.audit import events_in_order
from tests.conftest import RunningServer
from tests.support.processes import wait_until
from tests.support.servers import ca_context


def ws_url(server: RunningServer, camera_id: int) -> str:
    return server.url.replace("https://", "wss://") + f"/api/v1/cameras/{camera_id}/live"


def context(server: RunningServer) -> ssl.SSLContext:
    return ca_context(server.installation.data_dir)


def open_live(
    server: RunningServer, camera_id: int, token: str, **options: Any
) -> ClientConnection:
    """The live socket of a camera, logged in with ``token``, certificate checked."""
    return connect(
        ws_url(server, camera_id),
        ssl=context(server),
        additional_headers={"Authorization": f"Bearer {token}"},
        open_timeout=20,
        **options,
    )


def test_live_sends_init_then_fragments(server: RunningServer) -> None:
    with server.client() as client:
        token = server.login(client)
        client.headers["Authorization"] = f"Bearer {token}"
        camera = client.post(
            "/api/v1/cameras",
            json={
                "name": "Live",
                "source": "test://pattern?size=160x120&rate=10",
                "purposes": ["crime_prevention"],
            },
        ).json()
    with open_live(server, camera["id"], token) as socket:
        announcement = json.loads(socket.recv(timeout=20))
        assert announcement["type"] == "init"
        assert announcement["codec"].startswith("avc1.")
        init = socket.recv(timeout=10)
        assert isinstance(init, bytes) and init[4:8] == b"ftyp"
        fragment = socket.recv(timeout=10)
        assert isinstance(fragment, bytes) and fragment[4:8] == b"moof"
        assert b"mdat" in fragment
    with server.services.database.session() as session:
        actions = {(event.action, event.camera_id) for event in events_in_order(session)}
    assert ("access.live", camera["id"]) in actions


def test_live_refuses_without_login(server: RunningServer) -> None:
    with (
        pytest.raises(InvalidStatus) as excinfo,
        connect(ws_url(server, 1), ssl=context(server), open_timeout=10),
    ):
        pass
    assert excinfo.value.response.status_code == 403


def test_live_refuses_unknown_camera(server: RunningServer) -> None:
    with server.client() as client:
        token = server.login(client)
    with pytest.raises(InvalidStatus), open_live(server, 4242, token):
        pass


def test_live_refuses_other_origins(server: RunningServer) -> None:
    with server.client() as client:
        token = server.login(client)
    with (
        pytest.raises(InvalidStatus),
        open_live(server, 1, token, origin="https://evil.example"),
    ):
        pass


def test_logged_out_viewer_is_cut_off(server: RunningServer) -> None:
    with server.client() as client:
        token = server.login(client)
        client.headers["Authorization"] = f"Bearer {token}"
        camera = client.post(
            "/api/v1/cameras",
            json={
                "name": "Cut",
                "source": "test://pattern?size=160x120&rate=10",
                "purposes": ["crime_prevention"],
            },
        ).json()
        with open_live(server, camera["id"], token) as socket:
            socket.recv(timeout=20)
            assert client.post("/api/v1/auth/logout").status_code == 204
            from websockets.exceptions import ConnectionClosed

            with pytest.raises(ConnectionClosed):
                for _ in range(200):
                    socket.recv(timeout=10)


def test_viewer_whose_grant_is_removed_is_cut_off_and_the_view_is_audited(
    server: RunningServer,
) -> None:
    with server.client() as admin:
        admin.headers["Authorization"] = f"Bearer {server.login(admin)}"
        camera = admin.post(
            "/api/v1/cameras",
            json={
                "name": "Gate",
                "source": "test://pattern?size=160x120&rate=10",
                "purposes": ["crime_prevention"],
            },
        ).json()
        viewer = admin.post(
            "/api/v1/users",
            json={"username": "wendy", "password": "a-much-longer-passphrase-7", "role": "viewer"},
        ).json()
        grants = {"grants": [{"camera_id": camera["id"], "operations": ["live"]}]}
        admin.put(f"/api/v1/users/{viewer['id']}/grants", json=grants).raise_for_status()
        with server.client() as wendy:
            token = wendy.post(
                "/api/v1/auth/login",
                json={"username": "wendy", "password": "a-much-longer-passphrase-7"},
            ).json()["token"]
        with open_live(server, camera["id"], token) as socket:
            socket.recv(timeout=20)
            admin.put(f"/api/v1/users/{viewer['id']}/grants", json={"grants": []})
            from websockets.exceptions import ConnectionClosed

            with pytest.raises(ConnectionClosed) as closed:
                for _ in range(400):
                    socket.recv(timeout=10)
            assert closed.value.rcvd is not None
            assert closed.value.rcvd.reason == "permission withdrawn"
    # The server writes the record as the socket closes; the client may get there first.
    wait_until(
        lambda: server.services.audit.search(action="access.live_stop"),
        timeout=10,
        what="the end of the view to be audited",
    )
    stops = server.services.audit.search(action="access.live_stop")
    assert stops[0].actor == "wendy"
    detail = json.loads(stops[0].detail)
    assert detail["ended_by"] == "permission withdrawn" and detail["duration_seconds"] >= 0
    assert detail["client"] == "127.0.0.1"


def test_a_viewer_who_leaves_a_silent_camera_is_noticed(server: RunningServer) -> None:
    with server.client() as admin:
        token = server.login(admin)
        admin.headers["Authorization"] = f"Bearer {token}"
        camera = admin.post(
            "/api/v1/cameras",
            json={
                "name": "Silent",
                "source": "file:///nonexistent/silent.mp4",
                "purposes": ["crime_prevention"],
            },
        ).json()
    with open_live(server, camera["id"], token):
        pass  # leaves at once; the camera never sends a frame
    wait_until(
        lambda: server.services.audit.search(action="access.live_stop"),
        timeout=10,
        what="the view's end to be noticed without a frame to send",
    )
    detail = json.loads(server.services.audit.search(action="access.live_stop")[0].detail)
    # Noticed from the socket, not from the session ending at its recheck.
    assert detail["ended_by"] == "viewer left"
    assert server.services.sessions.resolve(token) is not None, "the session still stands"
