"""A camera without a purpose of use never records; giving it one starts recording (Art. 17)."""

from __future__ import annotations

import time

import httpx

from mimamoru.cameras import NO_PURPOSE_REASON
from tests.conftest import RunningServer
from tests.support.processes import wait_until

SOURCE = "test://pattern?size=160x120&rate=10"


def segment_count(client: httpx.Client, camera_id: int) -> int:
    response = client.get(f"/api/v1/cameras/{camera_id}/recordings")
    response.raise_for_status()
    return len(response.json())


def camera_state(client: httpx.Client, camera_id: int) -> tuple[str, str | None]:
    body = client.get(f"/api/v1/cameras/{camera_id}").json()
    return body["status"], body["status_reason"]


def test_no_purpose_no_recording_then_a_purpose_starts_it(
    server: RunningServer, admin_client: httpx.Client
) -> None:
    response = admin_client.post("/api/v1/cameras", json={"name": "Door", "source": SOURCE})
    assert response.status_code == 201, response.text
    camera_id = response.json()["id"]
    wait_until(
        lambda: camera_state(admin_client, camera_id) == ("stopped", NO_PURPOSE_REASON),
        timeout=20,
        what="the status to say why the camera does not record",
    )
    # Several reconcile rounds and more than one segment's length pass: still nothing.
    time.sleep(3)
    assert segment_count(admin_client, camera_id) == 0
    assert server.services.supervisor.snapshot_jpeg(camera_id, 0) is None

    changed = admin_client.put(
        f"/api/v1/cameras/{camera_id}/purposes", json={"purposes": ["crime_prevention"]}
    )
    assert changed.status_code == 200, changed.text
    assert [p["code"] for p in changed.json()["purposes"]] == ["crime_prevention"]
    wait_until(lambda: segment_count(admin_client, camera_id) >= 2, timeout=30, what="segments")
    assert camera_state(admin_client, camera_id)[0] == "recording"

    # Taking the last purpose away stops it again, with the same reason.
    assert (
        admin_client.put(f"/api/v1/cameras/{camera_id}/purposes", json={"purposes": []}).status_code
        == 200
    )
    wait_until(
        lambda: camera_state(admin_client, camera_id) == ("stopped", NO_PURPOSE_REASON),
        timeout=20,
        what="recording to stop",
    )
    settled = segment_count(admin_client, camera_id)
    time.sleep(2)
    assert segment_count(admin_client, camera_id) == settled


def test_unknown_purpose_is_refused_and_nothing_is_added(admin_client: httpx.Client) -> None:
    body = {"name": "Yard", "source": SOURCE, "purposes": ["crime_prevention", "marketing"]}
    response = admin_client.post("/api/v1/cameras", json=body)
    assert response.status_code == 422
    assert "unknown purpose code(s): marketing" in response.json()["detail"]
    assert admin_client.get("/api/v1/cameras").json() == []

    created = admin_client.post("/api/v1/cameras", json={"name": "Yard", "source": SOURCE})
    camera_id = created.json()["id"]
    refused = admin_client.put(
        f"/api/v1/cameras/{camera_id}/purposes", json={"purposes": ["marketing"]}
    )
    assert refused.status_code == 422 and "marketing" in refused.json()["detail"]
    assert admin_client.get(f"/api/v1/cameras/{camera_id}/purposes").json()["version"] == 0
