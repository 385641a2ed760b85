"""Exports over the real HTTPS server: order, progress, download, verify, register."""

from __future__ import annotations

import io
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from mimamoru.access.grants import GrantRecord
from mimamoru.access.roles import Operation, Role
from mimamoru.db import cameras as camera_queries
from mimamoru.exports.clip import iso
from mimamoru.exports.signing import load_public_key
from mimamoru.exports.verify import verify_package
from tests.conftest import RunningServer, ServerFactory
from tests.exports.support import flip_byte
from tests.support.footage import h264_segment_payload, write_video_segments
from tests.support.processes import wait_until

API = "/api/v1"
PASSWORD = "a-long-enough-passphrase"


@pytest.fixture(scope="module")
def payload(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return h264_segment_payload(4.0, 15, work_dir=tmp_path_factory.mktemp("payload"))


def quiet_camera(server: RunningServer, name: str) -> int:
    """A camera without a running recorder (disabled from the start), footage written here."""
    services = server.services
    with services.database.session() as session:
        row = camera_queries.add_camera(
            session,
            name=name,
            source="test://pattern",
            retention_hours=72,
            now=services.clock.now(),
        )
        row.enabled = False
        return row.id


def person(server: RunningServer, username: str, role: Role) -> httpx.Client:
    server.services.accounts.create(username=username, password=PASSWORD, role=role, actor="t")
    client = server.client()
    response = client.post(f"{API}/auth/login", json={"username": username, "password": PASSWORD})
    response.raise_for_status()
    client.headers["Authorization"] = f"Bearer {response.json()['token']}"
    return client


def manager_id(server: RunningServer, username: str) -> int:
    return next(
        account.id for account in server.services.accounts.list() if account.username == username
    )


def body(camera_id: int, start: datetime, end: datetime, **extra: Any) -> dict[str, Any]:
    return {
        "camera_id": camera_id,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "purpose": "damage to the bicycle shed",
        "recipient": "Osaka Prefectural Police",
        "legal_basis": "law",
        "reference": "捜査関係事項照会書 令和8年第45号",
        **extra,
    }


def finished(client: httpx.Client, export_id: int) -> dict[str, Any]:
    state: dict[str, Any] = {}

    def done() -> bool:
        state.update(client.get(f"{API}/exports/{export_id}").json())
        return state["state"] in ("done", "failed")

    wait_until(done, timeout=60, what=f"export {export_id}")
    return state


def test_export_over_https(
    server: RunningServer, admin_client: httpx.Client, payload: bytes
) -> None:
    camera = quiet_camera(server, "gate")
    t0 = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)
    write_video_segments(server.services, camera, t0, 3, payload)  # 0-12 s
    write_video_segments(server.services, camera, t0 + timedelta(seconds=16), 2, payload)
    ordered = body(camera, t0, t0 + timedelta(seconds=24))
    # Without an approved request the camera refuses, until an admin exempts it.
    refused = admin_client.post(f"{API}/exports", json=ordered)
    assert refused.status_code == 422 and "request_id is required" in refused.json()["detail"]
    patched = admin_client.patch(f"{API}/cameras/{camera}", json={"export_without_approval": True})
    assert patched.status_code == 200 and patched.json()["export_without_approval"] is True
    assert server.services.audit.search(action="camera.export_without_approval")

    created = admin_client.post(f"{API}/exports", json=ordered)
    assert created.status_code == 202, created.text
    export_id = created.json()["id"]
    state = finished(admin_client, export_id)
    assert state["state"] == "done", state
    assert state["progress"] == 1.0
    assert state["gaps"] == [
        {
            "start": iso(t0 + timedelta(seconds=12)),
            "end": iso(t0 + timedelta(seconds=16)),
            "reason": "no recording",
        }
    ]
    listed = admin_client.get(f"{API}/exports").json()
    assert [item["id"] for item in listed] == [export_id]

    download = admin_client.get(f"{API}/exports/{export_id}/download")
    assert download.status_code == 200
    assert download.headers["content-type"] == "application/zip"
    package = download.content
    key_info = admin_client.get(f"{API}/exports/public-key").json()
    key = load_public_key(key_info["public_key_pem"].encode())
    result = verify_package(io.BytesIO(package), key)
    assert result.ok, result.problems
    assert result.key_fingerprint == key_info["fingerprint_sha256"]
    assert admin_client.get(f"{API}/exports/{export_id}").json()["download_count"] == 1
    assert server.services.audit.search(action="export.download")

    # Anyone may check a package, without logging in.
    with server.client() as anonymous:
        good = anonymous.post(f"{API}/exports/verify", content=package).json()
        assert good["ok"] is True and good["problems"] == []
        bad = anonymous.post(
            f"{API}/exports/verify", content=flip_byte(package, f"export-{export_id}.mp4")
        ).json()
        assert bad["ok"] is False
        assert bad["problems"][0].startswith("manifest field video.sha256")
        junk = anonymous.post(f"{API}/exports/verify", content=b"hello").json()
        assert junk["not_an_export"] is True
        assert junk["problems"] == ["not a mimamoru export: not a zip file"]

    # The provision register: managers, auditors and admins; the police got footage.
    entries = admin_client.get(f"{API}/provisions").json()
    assert [entry["export_id"] for entry in entries] == [export_id]
    assert entries[0]["recipient"] == "Osaka Prefectural Police"
    csv_text = admin_client.get(f"{API}/provisions.csv").text
    assert csv_text.startswith("id,provided_at,recipient") and "令和8年第45号" in csv_text
    manager = person(server, "mina", Role.MANAGER)
    assert manager.get(f"{API}/provisions").status_code == 200
    # Even with the configure grant, only an administrator may exempt a camera.
    server.services.grants.set_one(
        manager_id(server, "mina"),
        GrantRecord(camera, frozenset({Operation.CONFIGURE, Operation.EXPORT})),
        actor="test",
    )
    refused = manager.patch(f"{API}/cameras/{camera}", json={"export_without_approval": False})
    assert refused.status_code == 403
    assert "only an administrator" in refused.json()["detail"]
    manager.close()
    viewer = person(server, "vic", Role.VIEWER)
    assert viewer.get(f"{API}/provisions").status_code == 403
    assert viewer.get(f"{API}/exports").json() == []
    assert viewer.get(f"{API}/exports/{export_id}/download").status_code == 404
    viewer.close()


def test_bad_export_orders(
    server: RunningServer, admin_client: httpx.Client, payload: bytes
) -> None:
    camera = quiet_camera(server, "yard")
    t0 = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=30)
    write_video_segments(server.services, camera, t0, 2, payload)
    admin_client.patch(f"{API}/cameras/{camera}", json={"export_without_approval": True})
    late = t0 + timedelta(minutes=10)
    outside = admin_client.post(
        f"{API}/exports", json=body(camera, late, late + timedelta(minutes=1))
    )
    assert outside.status_code == 422
    detail = outside.json()["detail"]
    assert "no recording of this camera in the requested range" in detail
    assert t0.isoformat().replace("+00:00", "Z") in detail
    too_long = admin_client.post(
        f"{API}/exports", json=body(camera, t0, t0 + timedelta(minutes=61))
    )
    assert too_long.status_code == 422 and "maximum of 60 minutes" in too_long.json()["detail"]
    no_reference = admin_client.post(
        f"{API}/exports", json=body(camera, t0, t0 + timedelta(seconds=8), reference="")
    )
    assert no_reference.status_code == 422
    unknown_basis = admin_client.post(
        f"{API}/exports", json=body(camera, t0, t0 + timedelta(seconds=8), legal_basis="rumour")
    )
    assert unknown_basis.status_code == 422
    assert admin_client.get(f"{API}/exports").json() == []


def test_export_with_an_approved_request_then_expired(
    start_server: ServerFactory, payload: bytes
) -> None:
    """A manager holding ``export`` still needs an approval; once it lapses, 403."""
    server = start_server(requests={"approval_hours": 0.001})  # 3.6 s
    camera = quiet_camera(server, "office")
    t0 = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)
    write_video_segments(server.services, camera, t0, 2, payload)
    manager = person(server, "ken", Role.MANAGER)
    server.services.grants.set_one(
        manager_id(server, "ken"),
        GrantRecord(camera, frozenset({Operation.LIVE, Operation.EXPORT})),
        actor="test",
    )
    ordered = body(camera, t0, t0 + timedelta(seconds=8))
    asked = manager.post(
        f"{API}/requests",
        json={
            "camera_id": camera,
            "operation": "export",
            "start": ordered["start"],
            "end": ordered["end"],
            "reason": "police inquiry 令和8年第45号",
        },
    )
    assert asked.status_code == 201, asked.text
    request_id = asked.json()["id"]
    pending = manager.post(f"{API}/exports", json={**ordered, "request_id": request_id})
    assert pending.status_code == 403
    with server.client() as admin:
        admin.headers["Authorization"] = f"Bearer {server.login(admin)}"
        approved = admin.post(f"{API}/requests/{request_id}/approve", json={})
        assert approved.status_code == 200, approved.text
        valid_until = datetime.fromisoformat(approved.json()["valid_until"])
    created = manager.post(f"{API}/exports", json={**ordered, "request_id": request_id})
    assert created.status_code == 202, created.text
    assert created.json()["approvers"] == ["admin"]
    assert finished(manager, created.json()["id"])["state"] == "done"
    # Wait out the approval (a real clock here; the service tests use a controlled one).
    time.sleep(max(0.0, (valid_until - datetime.now(UTC)).total_seconds()) + 0.5)
    lapsed = manager.post(f"{API}/exports", json={**ordered, "request_id": request_id})
    assert lapsed.status_code == 403
    assert "not an approval in force" in lapsed.json()["detail"]
    manager.close()


def test_a_viewer_exports_through_an_approval_alone(server: RunningServer, payload: bytes) -> None:
    """No export grant at all: the approved request lets the viewer export that range only."""
    camera = quiet_camera(server, "lobby")
    t0 = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)
    write_video_segments(server.services, camera, t0, 3, payload)
    viewer = person(server, "vera", Role.VIEWER)
    server.services.grants.set_one(
        manager_id(server, "vera"), GrantRecord(camera, frozenset({Operation.LIVE})), "test"
    )
    ordered = body(camera, t0, t0 + timedelta(seconds=8))
    assert viewer.post(f"{API}/exports", json=ordered).status_code == 404  # no export right
    asked = viewer.post(
        f"{API}/requests",
        json={
            "camera_id": camera,
            "operation": "export",
            "start": ordered["start"],
            "end": ordered["end"],
            "reason": "the police asked for the lobby at that time",
        },
    )
    assert asked.status_code == 201, asked.text
    request_id = asked.json()["id"]
    with server.client() as admin:
        admin.headers["Authorization"] = f"Bearer {server.login(admin)}"
        assert admin.post(f"{API}/requests/{request_id}/approve", json={}).status_code == 200
    wider = {**ordered, "end": (t0 + timedelta(seconds=12)).isoformat(), "request_id": request_id}
    assert viewer.post(f"{API}/exports", json=wider).status_code == 404  # beyond the approval
    created = viewer.post(f"{API}/exports", json={**ordered, "request_id": request_id})
    assert created.status_code == 202, created.text
    export_id = created.json()["id"]
    assert finished(viewer, export_id)["state"] == "done"
    assert [item["id"] for item in viewer.get(f"{API}/exports").json()] == [export_id]
    package = viewer.get(f"{API}/exports/{export_id}/download")
    assert package.status_code == 200
    result = verify_package(io.BytesIO(package.content), server.services.exports.signer.public_key)
    assert result.ok, result.problems
    assert result.manifest is not None and result.manifest["exporter"] == "vera"
    viewer.close()
