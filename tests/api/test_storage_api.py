"""Recordings decrypted on the fly with byte ranges, evidence holds and storage state over HTTPS."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select

from mimamoru.db.tables import AuditEvent
from tests.api.test_server import wait_for_recordings
from tests.conftest import RunningServer


def add_camera(client: httpx.Client, name: str = "Till") -> int:
    response = client.post(
        "/api/v1/cameras",
        json={
            "name": name,
            "source": "test://pattern?size=320x240&rate=10",
            "purposes": ["crime_prevention"],
        },
    )
    assert response.status_code == 201, response.text
    camera_id: int = response.json()["id"]
    return camera_id


def test_recording_is_decrypted_whole_and_in_ranges(admin_client: httpx.Client) -> None:
    camera_id = add_camera(admin_client)
    record = wait_for_recordings(admin_client, camera_id, 1)[0]
    assert record["status"] == "ok"
    url = f"/api/v1/recordings/{record['id']}"
    whole = admin_client.get(url)
    assert whole.status_code == 200
    assert whole.headers["accept-ranges"] == "bytes"
    assert hashlib.sha256(whole.content).hexdigest() == record["sha256"]
    assert whole.content[4:8] == b"ftyp", "a playable MP4 comes out"
    size = len(whole.content)

    middle = admin_client.get(url, headers={"Range": "bytes=100-1099"})
    assert middle.status_code == 206
    assert middle.headers["content-range"] == f"bytes 100-1099/{size}"
    assert middle.content == whole.content[100:1100]
    tail = admin_client.get(url, headers={"Range": "bytes=-500"})
    assert tail.status_code == 206 and tail.content == whole.content[-500:]
    open_ended = admin_client.get(url, headers={"Range": f"bytes={size - 10}-"})
    assert open_ended.content == whole.content[-10:]
    beyond = admin_client.get(url, headers={"Range": f"bytes={size}-"})
    assert beyond.status_code == 416
    assert beyond.headers["content-range"] == f"bytes */{size}"
    several = admin_client.get(url, headers={"Range": "bytes=0-1,5-9"})
    assert several.status_code == 200 and several.content == whole.content


def test_a_tampered_segment_is_never_served(
    server: RunningServer, admin_client: httpx.Client
) -> None:
    camera_id = add_camera(admin_client)
    record = wait_for_recordings(admin_client, camera_id, 1)[0]
    stored = server.services.segments.get(record["id"])
    assert stored is not None
    path = server.services.store.path_of(stored.path)
    blob = bytearray(path.read_bytes())
    blob[-100] ^= 0x40  # in the last chunk: a lazy server would send the start first
    path.write_bytes(bytes(blob))

    response = admin_client.get(f"/api/v1/recordings/{record['id']}")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/json"
    assert "failed its integrity check" in response.json()["detail"]
    assert b"ftyp" not in response.content
    listed = admin_client.get(f"/api/v1/cameras/{camera_id}/recordings").json()
    assert next(item for item in listed if item["id"] == record["id"])["status"] == "corrupt"
    again = admin_client.get(f"/api/v1/recordings/{record['id']}", headers={"Range": "bytes=0-9"})
    assert again.status_code == 500

    path.unlink()
    other = wait_for_recordings(admin_client, camera_id, 3)[1]
    server.services.store.path_of(server.services.segments.get(other["id"]).path).unlink()  # type: ignore[union-attr]
    assert admin_client.get(f"/api/v1/recordings/{other['id']}").status_code == 410


def iso(value: datetime) -> str:
    return value.isoformat()


def test_holds_are_placed_listed_and_released(
    server: RunningServer, admin_client: httpx.Client
) -> None:
    camera_id = add_camera(admin_client)
    now = datetime.now(UTC)
    body = {
        "camera_id": camera_id,
        "start": iso(now - timedelta(hours=1)),
        "end": iso(now),
        "reason": "Police request 2026-117",
        "expires": iso(now + timedelta(days=30)),
    }
    placed = admin_client.post("/api/v1/holds", json=body)
    assert placed.status_code == 201, placed.text
    hold = placed.json()
    assert hold["active"] and hold["created_by"] == "admin"
    assert [item["id"] for item in admin_client.get("/api/v1/holds").json()] == [hold["id"]]

    released = admin_client.delete(f"/api/v1/holds/{hold['id']}")
    assert released.status_code == 200
    assert not released.json()["active"] and released.json()["released_by"] == "admin"
    assert admin_client.get("/api/v1/holds").json() == []
    assert len(admin_client.get("/api/v1/holds?include_inactive=true").json()) == 1
    assert admin_client.delete(f"/api/v1/holds/{hold['id']}").status_code == 409
    assert admin_client.delete("/api/v1/holds/999").status_code == 404

    with server.services.database.session() as session:
        actions = [
            event.action
            for event in session.scalars(select(AuditEvent).order_by(AuditEvent.id))
            if event.action.startswith(("hold.", "access.configure"))
        ]
        placed_event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "hold.place")
        ).one()
        assert json.loads(placed_event.detail)["reason"] == "Police request 2026-117"
    assert actions.count("hold.place") == 1 and actions.count("hold.release") == 1
    assert "access.configure" in actions, "placing and releasing passed the gate"


@pytest.mark.parametrize(
    ("change", "status", "fragment"),
    [
        ({"reason": "   "}, 422, "needs a reason"),
        ({"end": "2020-01-01T00:00:00Z"}, 422, "start must be before end"),
        ({"expires": "2020-01-01T00:00:00Z"}, 422, "expires must be in the future"),
        ({"camera_id": 999}, 404, "not found"),
        ({"colour": "red"}, 422, "colour"),
        ({"start": "yesterday"}, 422, "start"),
    ],
)
def test_bad_holds_are_refused_with_the_reason(
    admin_client: httpx.Client, change: dict[str, object], status: int, fragment: str
) -> None:
    camera_id = add_camera(admin_client)
    now = datetime.now(UTC)
    body = {
        "camera_id": camera_id,
        "start": iso(now - timedelta(hours=1)),
        "end": iso(now),
        "reason": "x",
        "expires": iso(now + timedelta(days=1)),
        **change,
    }
    response = admin_client.post("/api/v1/holds", json=body)
    assert response.status_code == status, response.text
    assert fragment in response.text
    assert admin_client.get("/api/v1/holds").json() == []


def test_storage_state_and_deletions_are_for_admins(
    server: RunningServer, admin_client: httpx.Client, client: httpx.Client
) -> None:
    state = admin_client.get("/api/v1/storage").json()
    assert state["free_bytes"] > 0 and state["total_bytes"] >= state["free_bytes"]
    assert state["keep_free_bytes"] >= 2 * 1024**3
    assert state["recording_paused"] is None
    assert state["master_key_id"] == server.services.keys.wrapping.fingerprint
    assert admin_client.get("/api/v1/storage/deletions").json() == []
    assert client.get("/api/v1/storage").status_code == 401
    assert client.get("/api/v1/storage/deletions").status_code == 401
    assert client.get("/api/v1/holds").status_code == 401


def test_retention_changes_need_their_justification_and_half_changes_never_happen(
    admin_client: httpx.Client,
) -> None:
    camera_id = add_camera(admin_client)
    url = f"/api/v1/cameras/{camera_id}"
    longer = admin_client.patch(
        url, json={"retention_hours": 168, "retention_justification": "Closed on weekends"}
    )
    assert longer.status_code == 200, longer.text
    assert longer.json()["retention_hours"] == 168
    # A new period restates its reason; the old one does not carry over.
    again = admin_client.patch(url, json={"retention_hours": 24000})
    assert again.status_code == 422 and "retention_justification" in again.text
    bad_masks = admin_client.patch(
        url,
        json={
            "retention_hours": 24,
            "masks": [{"points": [[0, 0], [1, 1]], "fill": "gray"}],
        },
    )
    assert bad_masks.status_code == 422
    camera = admin_client.get(url).json()
    assert camera["retention_hours"] == 168, "nothing of a refused request was saved"
    assert camera["retention_justification"] == "Closed on weekends"
    reason_only = admin_client.patch(url, json={"retention_justification": "Closed Sat-Mon"})
    assert reason_only.json()["retention_justification"] == "Closed Sat-Mon"
    shorter = admin_client.patch(url, json={"retention_hours": 48}).json()
    assert shorter["retention_hours"] == 48 and shorter["retention_justification"] is None
