"""Masks through the HTTP API and the CLI, and the snapshot endpoint."""

from __future__ import annotations

import io
import time

import av
import httpx
import pytest

from mimamoru.db.audit import events_in_order
from mimamoru.db.cameras import mask_history
from tests.conftest import Installation, RunningServer
from tests.test_cli import mimamoru

SQUARE = [[0.25, 0.25], [0.75, 0.25], [0.75, 0.75], [0.25, 0.75]]


def add_camera(client: httpx.Client, **extra: object) -> dict[str, object]:
    response = client.post(
        "/api/v1/cameras",
        json={
            "name": "Shop",
            "source": "test://pattern?size=320x240&rate=10",
            **extra,
            "purposes": ["crime_prevention"],
        },
    )
    assert response.status_code == 201, response.text
    camera: dict[str, object] = response.json()
    return camera


def wait_snapshot(client: httpx.Client, camera_id: object) -> bytes:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        response = client.get(f"/api/v1/cameras/{camera_id}/snapshot")
        if response.status_code == 200:
            assert response.headers["content-type"] == "image/jpeg"
            return response.content
        assert response.status_code == 503 and response.headers["retry-after"]
        time.sleep(0.2)
    raise AssertionError("no snapshot")


def centre_brightness(jpeg: bytes) -> float:
    with av.open(io.BytesIO(jpeg)) as container:
        gray = next(container.decode(video=0)).to_ndarray(format="gray")
    return float(gray[90:150, 120:200].std())


def test_patch_replaces_masks_and_get_returns_them(
    server: RunningServer, admin_client: httpx.Client
) -> None:
    camera = add_camera(admin_client)
    assert camera["masks"] == [] and camera["mask_version"] == 0
    response = admin_client.patch(
        f"/api/v1/cameras/{camera['id']}",
        json={"masks": [{"points": SQUARE, "fill": "mosaic", "block_size": 8}]},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["mask_version"] == 1
    assert body["masks"] == [{"points": SQUARE, "fill": "mosaic", "block_size": 8}]
    assert admin_client.get(f"/api/v1/cameras/{camera['id']}").json()["masks"] == body["masks"]
    cleared = admin_client.patch(f"/api/v1/cameras/{camera['id']}", json={"masks": []}).json()
    assert cleared["masks"] == [] and cleared["mask_version"] == 2
    with server.services.database.session() as session:
        actions = [e.action for e in events_in_order(session) if e.camera_id == camera["id"]]
        history = mask_history(session, int(camera["id"]))  # type: ignore[call-overload]
        assert [(row.version, row.changed_by) for row in history] == [(1, "admin"), (2, "admin")]
        assert '"fill":"mosaic"' in history[0].masks and history[1].masks == "[]"
    assert actions.count("camera.masks") == 2


@pytest.mark.parametrize(
    ("masks", "message"),
    [
        ([{"points": SQUARE}, {"points": [[0, 0], [1, 1]]}], "mask 1: a polygon needs at least 3"),
        ([{"points": [[0, 0], [2, 0], [1, 1]]}], "mask 0: point 1 (2, 0) is outside 0..1"),
        ([{"points": [[0, 0], [1, 1], [1, 0], [0, 1]]}], "mask 0: the polygon intersects itself"),
        ([{"points": SQUARE, "fill": "smudge"}], "mask 0: unknown fill 'smudge'"),
        ([{"points": SQUARE, "fill": "mosaic", "block_size": 1}], "mask 0: mosaic block size 1"),
    ],
)
def test_bad_masks_are_422_and_change_nothing(
    admin_client: httpx.Client, masks: list[object], message: str
) -> None:
    camera = add_camera(admin_client, masks=[{"points": SQUARE}])
    response = admin_client.patch(f"/api/v1/cameras/{camera['id']}", json={"masks": masks})
    assert response.status_code == 422
    assert response.json()["detail"].startswith(message)
    after = admin_client.get(f"/api/v1/cameras/{camera['id']}").json()
    assert after["mask_version"] == 1 and len(after["masks"]) == 1


def test_snapshot_is_a_masked_jpeg_and_follows_mask_changes(admin_client: httpx.Client) -> None:
    camera = add_camera(admin_client)
    before = centre_brightness(wait_snapshot(admin_client, camera["id"]))
    assert before > 20, "the unmasked centre has detail"
    admin_client.patch(
        f"/api/v1/cameras/{camera['id']}", json={"masks": [{"points": SQUARE, "fill": "gray"}]}
    )
    deadline = time.monotonic() + 2.5  # the promise: within 2 s
    while time.monotonic() < deadline:
        status = admin_client.get(f"/api/v1/cameras/{camera['id']}/snapshot")
        if status.status_code == 200 and centre_brightness(status.content) < 3:
            break
        time.sleep(0.1)
    else:
        raise AssertionError("the mask did not show in the snapshot within 2.5 s")
    recordings = admin_client.get(f"/api/v1/cameras/{camera['id']}/recordings").json()
    assert {item["mask_version"] for item in recordings} <= {0, 1}


def test_snapshot_needs_login_and_a_known_camera(
    client: httpx.Client, admin_client: httpx.Client
) -> None:
    assert client.get("/api/v1/cameras/1/snapshot").status_code == 401
    assert admin_client.get("/api/v1/cameras/77/snapshot").status_code == 404


def test_cli_masks(installation: Installation) -> None:
    data_dir = str(installation.data_dir)
    added = mimamoru(
        "camera",
        "add",
        "--data-dir",
        data_dir,
        "--name",
        "Till",
        "--source",
        "test://pattern",
        "--mask",
        "0.1,0.1 0.4,0.1 0.4,0.4",
        "--mask",
        "0.5,0.5 0.9,0.5 0.9,0.9 fill=blur",
    )
    assert added.returncode == 0, added.stderr
    camera_id = added.stdout.strip()
    changed = mimamoru(
        "camera",
        "set-masks",
        "--data-dir",
        data_dir,
        "--camera",
        camera_id,
        "--mask",
        "0.2,0.2 0.6,0.2 0.6,0.6 fill=mosaic block=12",
    )
    assert changed.returncode == 0, changed.stderr
    assert "mask version 2, 1 mask(s)" in changed.stdout
    bad = mimamoru(
        "camera",
        "set-masks",
        "--data-dir",
        data_dir,
        "--camera",
        camera_id,
        "--mask",
        "0.2,0.2 0.6,0.2",
    )
    assert bad.returncode == 1
    assert bad.stderr.strip() == "error: mask 0: a polygon needs at least 3 points, got 2"
    cleared = mimamoru(
        "camera", "set-masks", "--data-dir", data_dir, "--camera", camera_id, "--clear"
    )
    assert "mask version 3, 0 mask(s)" in cleared.stdout
    neither = mimamoru("camera", "set-masks", "--data-dir", data_dir, "--camera", camera_id)
    assert neither.returncode == 1 and "--clear" in neither.stderr
