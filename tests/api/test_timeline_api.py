"""GET /cameras/{id}/timeline and the grid's ``?operation=live`` camera list."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest

from mimamoru.db import cameras as camera_queries
from tests.conftest import Installation, RunningServer, ServerFactory, make_installation
from tests.support.footage import write_segment

PASSWORD = "a-much-longer-passphrase-7"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_server(
    request: pytest.FixtureRequest, tmp_path: object, start_server: ServerFactory
) -> RunningServer:
    """The real server on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return start_server()
    url: str = request.getfixturevalue("postgres_url")
    target: Installation = make_installation(tmp_path / "pg", url)  # type: ignore[operator]
    return start_server(target)


def quiet_camera(server: RunningServer, name: str) -> int:
    """A camera with no recorder running: its footage is only what the test writes."""
    with server.services.database.session() as session:
        row = camera_queries.add_camera(
            session,
            name=name,
            source="test://pattern?size=160x120&rate=5",
            retention_hours=72,
            now=server.services.clock.now(),
        )
        row.enabled = False
        session.flush()
        return row.id


@pytest.fixture
def admin(db_server: RunningServer) -> Iterator[httpx.Client]:
    with db_server.client() as http:
        http.headers["Authorization"] = f"Bearer {db_server.login(http)}"
        yield http


def person(server: RunningServer, admin: httpx.Client, name: str, grants: list[object]) -> str:
    user = admin.post(
        "/api/v1/users", json={"username": name, "password": PASSWORD, "role": "operator"}
    )
    user.raise_for_status()
    admin.put(f"/api/v1/users/{user.json()['id']}/grants", json={"grants": grants})
    with server.client() as http:
        response = http.post("/api/v1/auth/login", json={"username": name, "password": PASSWORD})
        response.raise_for_status()
        token: str = response.json()["token"]
        return token


def test_timeline_has_ranges_gaps_and_holds_of_the_day_in_the_site_zone(
    db_server: RunningServer, admin: httpx.Client
) -> None:
    server = db_server
    camera = quiet_camera(server, "Hall")
    zone = ZoneInfo("Asia/Tokyo")
    now = server.services.clock.now()
    first = (now - timedelta(hours=2)).replace(microsecond=0)
    if (first + timedelta(minutes=11)).astimezone(zone).date() != first.astimezone(zone).date():
        first -= timedelta(minutes=15)  # keep all of it on one day in the zone
    for index in range(3):  # 12 s of continuous recording
        write_segment(server.services, camera, first + timedelta(seconds=4 * index))
    later = write_segment(server.services, camera, first + timedelta(minutes=10))
    held = admin.post(
        "/api/v1/holds",
        json={
            "camera_id": camera,
            "start": first.isoformat(),
            "end": (first + timedelta(seconds=30)).isoformat(),
            "reason": "incident 42",
            "expires": (now + timedelta(days=30)).isoformat(),
        },
    )
    assert held.status_code == 201, held.text
    day = first.astimezone(zone).date()

    response = admin.get(f"/api/v1/cameras/{camera}/timeline", params={"day": day.isoformat()})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["zone"] == "Asia/Tokyo" and body["day"] == day.isoformat()
    start = datetime.fromisoformat(body["start"])
    assert start.astimezone(zone).date() == day and start.astimezone(zone).hour == 0
    assert datetime.fromisoformat(body["end"]) - start == timedelta(hours=24)
    ranges = body["ranges"]
    assert [len(r["segments"]) for r in ranges] == [3, 1]
    assert datetime.fromisoformat(ranges[0]["start"]) == first
    assert datetime.fromisoformat(ranges[0]["end"]) == first + timedelta(seconds=12)
    assert ranges[1]["segments"][0]["id"] == later.id
    gaps = [
        (datetime.fromisoformat(g["start"]), datetime.fromisoformat(g["end"])) for g in body["gaps"]
    ]
    assert (first + timedelta(seconds=12), first + timedelta(minutes=10)) in gaps
    assert [h["reason"] for h in body["holds"]] == ["incident 42"]
    # Without a day: today in the site's zone.
    today = admin.get(f"/api/v1/cameras/{camera}/timeline").json()
    assert today["day"] == now.astimezone(zone).date().isoformat()
    # The route is gated and audited like any footage.
    assert server.services.audit.search(action="access.playback")


def test_timeline_refusals_and_bad_days(db_server: RunningServer, admin: httpx.Client) -> None:
    server = db_server
    camera = quiet_camera(server, "Yard")
    other = quiet_camera(server, "Gate")
    write_segment(server.services, camera, server.services.clock.now() - timedelta(hours=1))
    token = person(
        server,
        admin,
        "olga",
        [
            {"camera_id": camera, "operations": ["playback"], "playback_window_hours": 24},
            {"camera_id": other, "operations": ["live"]},
        ],
    )
    with server.client(headers={"Authorization": f"Bearer {token}"}) as olga:
        url = f"/api/v1/cameras/{camera}/timeline"
        mine = olga.get(url)
        assert mine.status_code == 200, mine.text
        assert mine.json()["ranges"] and mine.json()["holds"] == []
        # Yesterday lies partly beyond her 24-hour window: cut to the window.
        now = server.services.clock.now()
        zone = ZoneInfo("Asia/Tokyo")
        yesterday = (now - timedelta(days=1)).astimezone(zone).date()
        cut = olga.get(url, params={"day": yesterday.isoformat()})
        assert cut.status_code == 200, cut.text
        reachable = datetime.fromisoformat(cut.json()["reachable_from"])
        assert reachable > datetime.fromisoformat(cut.json()["start"])
        assert abs(reachable - (now - timedelta(hours=24))) < timedelta(minutes=1)
        # Three days back lies wholly beyond it: refused like any footage out of reach.
        back = (now - timedelta(days=3)).astimezone(zone).date()
        assert olga.get(url, params={"day": back.isoformat()}).status_code == 404
        # Playback is not granted on the other camera: 404, as for a camera that is not there.
        assert olga.get(f"/api/v1/cameras/{other}/timeline").status_code == 404
        assert olga.get("/api/v1/cameras/9999/timeline").status_code == 404
        for bad in ("yesterday", "2026-02-30", "1999-12-31"):
            refused = olga.get(url, params={"day": bad})
            assert refused.status_code == 422, (bad, refused.text)
        assert "1999-12-31" in olga.get(url, params={"day": "1999-12-31"}).json()["detail"]
        # The grid's list: only cameras she may watch live, and what she may do with each.
        live = olga.get("/api/v1/cameras", params={"operation": "live"}).json()
        assert [c["id"] for c in live] == [other]
        everything = {c["id"]: c["operations"] for c in olga.get("/api/v1/cameras").json()}
        assert everything == {camera: ["playback"], other: ["live"]}
        assert olga.get("/api/v1/cameras", params={"operation": "fly"}).status_code == 422
    denied = server.services.audit.search(action="access.denied.playback")
    assert any(entry.camera_id == other for entry in denied)


def test_admin_sees_every_operation(db_server: RunningServer, admin: httpx.Client) -> None:
    camera = quiet_camera(db_server, "Door")
    listed = admin.get("/api/v1/cameras", params={"operation": "live"}).json()
    assert [(c["id"], c["operations"]) for c in listed] == [
        (camera, ["live", "playback", "configure"])
    ]
    assert datetime.now(UTC) > datetime.fromisoformat(
        admin.get(f"/api/v1/cameras/{camera}/timeline").json()["start"]
    )
