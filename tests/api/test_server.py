"""The real HTTPS server on a free port, driven by httpx with certificate checking on."""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
import time
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from mimamoru.tls import generate_self_signed
from tests.conftest import Installation, RunningServer, ServerFactory, make_installation
from tests.support.media import decode_file
from tests.support.servers import ca_context


def wait_for_recordings(client: httpx.Client, camera_id: int, count: int, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        response = client.get(f"/api/v1/cameras/{camera_id}/recordings")
        response.raise_for_status()
        if len(response.json()) >= count:
            return response.json()
        time.sleep(0.3)
    raise AssertionError(f"fewer than {count} recordings after {timeout} s")


def test_health_needs_no_login(client: httpx.Client) -> None:
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_certificate_is_checked_not_disabled(server: RunningServer) -> None:
    with (
        httpx.Client(base_url=server.url, verify=True) as untrusting,
        pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"),
    ):
        untrusting.get("/api/v1/health")


def _permissive_client_context() -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.set_ciphers("ALL:@SECLEVEL=0")
    return context


def _handshake_with_permissive_server(client: ssl.SSLContext, tmp_path: Path) -> str:
    """The TLS version ``client`` reaches against a server that allows everything."""
    _ca, cert, key = generate_self_signed(tmp_path / "permissive")
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        server_context.minimum_version = ssl.TLSVersion.TLSv1
    server_context.set_ciphers("ALL:@SECLEVEL=0")
    server_context.load_cert_chain(cert, key)
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]

        def accept() -> None:
            connection, _ = listener.accept()
            with contextlib.suppress(ssl.SSLError, OSError):
                server_context.wrap_socket(connection, server_side=True).close()

        thread = threading.Thread(target=accept)
        thread.start()
        with client.wrap_socket(socket.create_connection(("127.0.0.1", port))) as tls:
            version = tls.version() or ""
        thread.join(10)
    return version


def test_old_tls_versions_are_refused(server: RunningServer, tmp_path: Path) -> None:
    context = _permissive_client_context()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # we want the old versions here
        context.minimum_version = ssl.TLSVersion.TLSv1
        context.maximum_version = ssl.TLSVersion.TLSv1_1
    # The client really speaks TLS 1.1, so the refusal below comes from our server.
    assert _handshake_with_permissive_server(context, tmp_path) == "TLSv1.1"
    with (
        httpx.Client(base_url=server.url, verify=context) as old,
        pytest.raises(httpx.ConnectError, match=r"(?i)version|protocol|alert"),
    ):
        old.get("/api/v1/health")


def test_weak_ciphers_are_refused(server: RunningServer, tmp_path: Path) -> None:
    context = _permissive_client_context()
    context.maximum_version = ssl.TLSVersion.TLSv1_2
    # CBC with SHA-1 MACs: usable with our ECDSA key, so only our cipher list can refuse it.
    context.set_ciphers("ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA:@SECLEVEL=0")
    assert _handshake_with_permissive_server(context, tmp_path) == "TLSv1.2"
    with (
        httpx.Client(base_url=server.url, verify=context) as weak,
        pytest.raises(httpx.ConnectError, match=r"(?i)handshake|alert|cipher|eof"),
    ):
        weak.get("/api/v1/health")


def test_modern_tls_versions_work(server: RunningServer) -> None:
    for version in (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3):
        modern = ssl.create_default_context(cafile=str(server.installation.data_dir / "tls/ca.pem"))
        modern.minimum_version = modern.maximum_version = version
        with httpx.Client(base_url=server.url, verify=modern) as client:
            assert client.get("/api/v1/health").status_code == 200


def test_security_headers(client: httpx.Client) -> None:
    headers = client.get("/api/v1/health").headers
    assert headers["strict-transport-security"].startswith("max-age=")
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["cache-control"] == "no-store"
    assert "server" not in headers


def test_login_sets_a_strict_cookie_and_returns_a_token(
    server: RunningServer, client: httpx.Client
) -> None:
    response = client.post(
        "/api/v1/auth/login",
        json={"username": "admin", "password": server.installation.admin_password},
    )
    assert response.status_code == 200
    assert response.json()["token"]
    cookie = response.headers["set-cookie"].lower()
    for attribute in ("httponly", "secure", "samesite=strict", "path=/"):
        assert attribute in cookie
    me = client.get("/api/v1/auth/me").json()
    assert (me["username"], me["role"]) == ("admin", "admin")
    assert me["csrf_token"] == response.json()["csrf_token"], "cookie sessions get the token"


@pytest.mark.parametrize(
    "credentials",
    [
        {"username": "admin", "password": "wrong-password-123"},
        {"username": "nobody", "password": "correct-horse-battery-staple"},
    ],
)
def test_wrong_credentials_do_not_say_which_part(
    client: httpx.Client, credentials: dict[str, str]
) -> None:
    response = client.post("/api/v1/auth/login", json=credentials)
    assert response.status_code == 401
    assert response.json() == {"detail": "wrong user name or password"}


def test_api_needs_login(client: httpx.Client) -> None:
    for path in (
        "/api/v1/cameras",
        "/api/v1/cameras/1",
        "/api/v1/cameras/1/recordings",
        "/api/v1/recordings/1",
    ):
        assert client.get(path).status_code == 401, path
    assert (
        client.get("/api/v1/cameras", headers={"Authorization": "Bearer nope"}).status_code == 401
    )


def test_logout_ends_the_session(server: RunningServer, client: httpx.Client) -> None:
    token = server.login(client)
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.post("/api/v1/auth/logout", headers=bearer).status_code == 204
    assert client.get("/api/v1/cameras", headers=bearer).status_code == 401


def test_cookie_requests_from_another_origin_are_refused(
    server: RunningServer, client: httpx.Client
) -> None:
    server.login(client)
    response = client.post(
        "/api/v1/cameras",
        json={"name": "x", "source": "test://pattern", "purposes": ["crime_prevention"]},
        headers={"Origin": "https://evil.example"},
    )
    assert response.status_code == 403


def test_add_camera_records_and_serves_recordings(admin_client: httpx.Client) -> None:
    response = admin_client.post(
        "/api/v1/cameras",
        json={
            "name": "Entrance",
            "source": "test://pattern?size=160x120&rate=10",
            "retention_hours": 96,
            "retention_justification": "Weekend plus a holiday Monday",
            "purposes": ["crime_prevention"],
        },
    )
    assert response.status_code == 201, response.text
    camera = response.json()
    assert camera["name"] == "Entrance" and camera["retention_hours"] == 96
    recordings = wait_for_recordings(admin_client, camera["id"], 2)
    starts = [item["start"] for item in recordings]
    assert starts == sorted(starts)
    assert set(recordings[0]) >= {"id", "start", "end", "bytes"}

    listed = admin_client.get("/api/v1/cameras").json()
    status = next(item for item in listed if item["id"] == camera["id"])
    assert status["status"] == "recording"
    assert status["fps"] > 0 and status["last_frame_at"]

    segment = admin_client.get(f"/api/v1/recordings/{recordings[0]['id']}")
    assert segment.status_code == 200
    assert segment.headers["content-type"] == "video/mp4"
    assert int(segment.headers["content-length"]) == recordings[0]["bytes"]


def test_recordings_time_range(admin_client: httpx.Client) -> None:
    camera = admin_client.post(
        "/api/v1/cameras",
        json={
            "name": "Range",
            "source": "test://pattern?size=160x120&rate=10",
            "purposes": ["crime_prevention"],
        },
    ).json()
    wait_for_recordings(admin_client, camera["id"], 3)
    future = datetime.now(UTC) + timedelta(hours=1)
    response = admin_client.get(
        f"/api/v1/cameras/{camera['id']}/recordings",
        params={"start": future.isoformat(), "end": (future + timedelta(hours=1)).isoformat()},
    )
    assert response.status_code == 200 and response.json() == []
    bad = admin_client.get(
        f"/api/v1/cameras/{camera['id']}/recordings",
        params={"start": "2026-11-28T10:00:00Z", "end": "2026-11-28T09:00:00Z"},
    )
    assert bad.status_code == 422 and "start must be before end" in bad.json()["detail"]
    garbage = admin_client.get(
        f"/api/v1/cameras/{camera['id']}/recordings", params={"start": "yesterday"}
    )
    assert garbage.status_code == 422 and "start" in garbage.json()["detail"]


def test_segment_download_is_a_playable_mp4(admin_client: httpx.Client, tmp_path) -> None:  # type: ignore[no-untyped-def]
    camera = admin_client.post(
        "/api/v1/cameras",
        json={
            "name": "Play",
            "source": "test://pattern?size=160x120&rate=10",
            "purposes": ["crime_prevention"],
        },
    ).json()
    recording = wait_for_recordings(admin_client, camera["id"], 1)[0]
    target = tmp_path / "segment.mp4"
    target.write_bytes(admin_client.get(f"/api/v1/recordings/{recording['id']}").content)
    decoded = decode_file(target)
    assert decoded.codec == "h264" and decoded.frames >= 5


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"name": "x", "source": "ftp://cam/x"}, "unsupported camera source scheme"),
        ({"name": "x", "source": "rtsp://"}, "no host name"),
        ({"name": "", "source": "test://pattern"}, "name"),
        ({"name": "x", "source": "test://pattern", "retention_hours": 0}, "retention_hours"),
        (
            {"name": "x", "source": "test://pattern", "retention_hours": 73},
            "retention_justification",
        ),
        ({"name": "x", "source": "test://pattern", "colour": "red"}, "colour"),
    ],
)
def test_bad_camera_input_is_named(
    admin_client: httpx.Client, body: dict[str, object], fragment: str
) -> None:
    response = admin_client.post("/api/v1/cameras", json=body)
    assert response.status_code == 422
    assert fragment in response.json()["detail"]


def test_duplicate_camera_name_is_refused(admin_client: httpx.Client) -> None:
    body = {
        "name": "Twice",
        "source": "test://pattern?size=160x120&rate=5",
        "purposes": ["crime_prevention"],
    }
    assert admin_client.post("/api/v1/cameras", json=body).status_code == 201
    again = admin_client.post("/api/v1/cameras", json=body)
    assert again.status_code == 422 and "already exists" in again.json()["detail"]


def test_camera_credentials_are_never_returned(admin_client: httpx.Client) -> None:
    response = admin_client.post(
        "/api/v1/cameras",
        json={
            "name": "Secret",
            "source": "rtsp://admin:hunter2@127.0.0.1:9/stream",
            "purposes": ["crime_prevention"],
        },
    )
    assert response.status_code == 201
    assert response.json()["source"] == "rtsp://admin:***@127.0.0.1:9/stream"
    everything = (
        admin_client.get("/api/v1/cameras").text
        + admin_client.get(f"/api/v1/cameras/{response.json()['id']}").text
    )
    assert "hunter2" not in everything


def test_unknown_camera_and_recording_are_404(admin_client: httpx.Client) -> None:
    assert admin_client.get("/api/v1/cameras/999").status_code == 404
    assert admin_client.get("/api/v1/cameras/999/recordings").status_code == 404
    assert admin_client.get("/api/v1/recordings/999").status_code == 404


def test_openapi_documents_every_endpoint(client: httpx.Client, server: RunningServer) -> None:
    document = client.get("/api/v1/openapi.json").json()
    paths = set(document["paths"])
    for expected in (
        "/api/v1/health",
        "/api/v1/auth/login",
        "/api/v1/cameras",
        "/api/v1/cameras/{camera_id}",
        "/api/v1/cameras/{camera_id}/recordings",
        "/api/v1/recordings/{segment_id}",
    ):
        assert expected in paths
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert operation.get("summary"), f"{method.upper()} {path} has no summary"


def test_footage_access_is_audited(server: RunningServer, admin_client: httpx.Client) -> None:
    camera = admin_client.post(
        "/api/v1/cameras",
        json={
            "name": "Audited",
            "source": "test://pattern?size=160x120&rate=5",
            "purposes": ["crime_prevention"],
        },
    ).json()
    recording = wait_for_recordings(admin_client, camera["id"], 1)[0]
    admin_client.get(f"/api/v1/recordings/{recording['id']}")
    from mimamoru.db.audit import events_in_order

    with server.services.database.session() as session:
        actions = [(event.actor, event.action) for event in events_in_order(session)]
    assert ("admin", "access.playback") in actions
    assert server.services.audit.verify().ok


def test_works_on_postgresql(start_server: ServerFactory, postgres_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    installation: Installation = make_installation(tmp_path / "pg", postgres_url)
    running = start_server(installation)
    with running.client() as client:
        client.headers["Authorization"] = f"Bearer {running.login(client)}"
        camera = client.post(
            "/api/v1/cameras",
            json={
                "name": "PG",
                "source": "test://pattern?size=160x120&rate=10",
                "purposes": ["crime_prevention"],
            },
        ).json()
        recordings = wait_for_recordings(client, camera["id"], 2)
        assert client.get(f"/api/v1/recordings/{recordings[0]['id']}").status_code == 200


def test_operator_certificate_from_settings(
    start_server: ServerFactory, installation: Installation, tmp_path: Path
) -> None:
    own = tmp_path / "own-tls"
    ca_path, cert_path, key_path = generate_self_signed(own, "camera.example")
    running = start_server(server={"tls_cert": str(cert_path), "tls_key": str(key_path)})
    with httpx.Client(
        base_url=running.url, verify=ssl.create_default_context(cafile=str(ca_path))
    ) as client:
        assert client.get("/api/v1/health").status_code == 200
    with (
        httpx.Client(base_url=running.url, verify=ca_context(installation.data_dir)) as old,
        pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"),
    ):
        old.get("/api/v1/health")
