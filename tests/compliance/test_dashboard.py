"""The dashboard's items follow the facts, and time, under a controlled clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from mimamoru.access.principal import Principal
from mimamoru.access.roles import Role
from mimamoru.clock import ManualClock
from mimamoru.compliance.dashboard import Dashboard, months_before
from mimamoru.compliance.reviews import ReviewKind
from mimamoru.db.tables import Camera
from mimamoru.services import Services
from tests.conftest import make_installation

T0 = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)
PASSWORD = "a-long-enough-passphrase"


@pytest.fixture
def world(database_url: str, tmp_path: Path) -> Iterator[tuple[Services, ManualClock]]:
    installation = make_installation(tmp_path / "install", database_url)
    clock = ManualClock(T0)
    services = Services.build(installation.settings(), clock)
    try:
        yield services, clock
    finally:
        services.close()


def installation_item(board: Dashboard, key: str) -> tuple[bool, str]:
    item = next(item for item in board.installation if item.key == key)
    return item.ok, item.detail


def camera_item(board: Dashboard, camera_id: int, key: str) -> tuple[bool, str]:
    for site in board.sites:
        for camera in site.cameras:
            if camera.id == camera_id:
                item = next(item for item in camera.items if item.key == key)
                return item.ok, item.detail
    raise AssertionError(f"camera {camera_id} not on the dashboard")


def test_items_change_state_with_the_facts(world: tuple[Services, ManualClock]) -> None:
    services, _clock = world
    compliance = services.compliance
    camera = services.cameras.add(name="Door", source="test://pattern", actor="admin")

    board = compliance.dashboard()
    assert camera_item(board, camera.id, "purpose") == (
        False,
        "no purpose of use registered: not recording",
    )
    assert camera_item(board, camera.id, "sign") == (False, "no sign attested")
    assert camera_item(board, camera.id, "retention")[0] is True
    assert camera_item(board, camera.id, "masks_review") == (False, "never reviewed")
    assert installation_item(board, "profile")[0] is False
    assert "business_name" in installation_item(board, "profile")[1]
    assert installation_item(board, "storage_recorded")[0] is False
    assert installation_item(board, "permissions_review") == (False, "never reviewed")
    assert installation_item(board, "access_requests") == (True, "none pending")
    problems_before = board.problems

    # Purpose, sign, masks review, profile, storage, permissions review: each fixed.
    compliance.purposes.set_for_camera(camera.id, ["crime_prevention"], "admin")
    compliance.attestations.record(camera.id, T0.date(), "Sato", actor="admin")
    compliance.reviews.done(ReviewKind.MASKS, "admin")
    compliance.reviews.done(ReviewKind.PERMISSIONS, "admin")
    compliance.profile.update(
        {
            "business_name": "Shop",
            "address": "Tokyo",
            "representative": "Yamada",
            "contact_department": "Desk",
            "contact_email": "privacy@example.jp",
            "request_procedure": "Write to us",
            "security_measures": "Encryption",
        },
        "admin",
    )
    compliance.profile.add_location("Server room", "Japan", "", "admin")
    board = compliance.dashboard()
    assert camera_item(board, camera.id, "purpose") == (True, "防犯 / Crime prevention")
    assert camera_item(board, camera.id, "sign") == (
        True,
        f"installed {T0.date().isoformat()} by Sato",
    )
    assert camera_item(board, camera.id, "masks_review")[0] is True
    assert installation_item(board, "profile") == (True, "complete")
    assert installation_item(board, "storage_recorded")[0] is True
    assert installation_item(board, "storage_abroad") == (True, "all storage is in Japan")
    assert installation_item(board, "permissions_review")[0] is True
    assert board.problems < problems_before

    # A purpose change makes the sign stale; retention over 72 h without a reason fails.
    compliance.purposes.set_for_camera(camera.id, ["crime_prevention", "safety"], "admin")
    board = compliance.dashboard()
    ok, detail = camera_item(board, camera.id, "sign")
    assert not ok and "reprint" in detail
    with services.database.session() as session:
        row = session.get(Camera, camera.id)
        assert row is not None
        row.retention_hours = 96  # as an upgraded installation might hold it
    assert camera_item(compliance.dashboard(), camera.id, "retention") == (
        False,
        "96 h (over 72 h without a written justification)",
    )
    services.cameras.set_retention(camera.id, 96, "Closed on weekends", "admin")
    assert camera_item(compliance.dashboard(), camera.id, "retention") == (
        True,
        "96 h (over 72 h, justified: Closed on weekends)",
    )

    # Storage abroad is listed (it needs its regime note to be recorded at all).
    compliance.profile.add_location("Cloud", "Singapore", "PDPA 2012", "admin")
    assert installation_item(compliance.dashboard(), "storage_abroad") == (
        True,
        "outside Japan: Cloud (Singapore)",
    )


def test_time_makes_reviews_and_accounts_due(world: tuple[Services, ManualClock]) -> None:
    services, clock = world
    compliance = services.compliance
    camera = services.cameras.add(
        name="Door", source="test://pattern", purposes=["safety"], actor="admin"
    )
    services.accounts.create(username="kenji", password=PASSWORD, role=Role.VIEWER, actor="t")
    compliance.reviews.done(ReviewKind.MASKS, "admin")
    compliance.reviews.done(ReviewKind.PERMISSIONS, "admin")
    board = compliance.dashboard()
    assert camera_item(board, camera.id, "masks_review")[0] is True
    assert installation_item(board, "permissions_review")[0] is True
    assert installation_item(board, "inactive_accounts") == (True, "every account is in use")

    clock.advance(timedelta(days=91).total_seconds())
    board = compliance.dashboard()
    ok, detail = installation_item(board, "inactive_accounts")
    assert not ok and "kenji" in detail and "admin" in detail
    assert camera_item(board, camera.id, "masks_review")[0] is True, "3 months < 6"

    clock.advance(timedelta(days=100).total_seconds())  # past six months since the reviews
    board = compliance.dashboard()
    assert camera_item(board, camera.id, "masks_review")[0] is False
    assert installation_item(board, "permissions_review")[0] is False
    compliance.reviews.done(ReviewKind.PERMISSIONS, "auditor-on-duty")
    ok, detail = installation_item(compliance.dashboard(), "permissions_review")
    assert ok and "auditor-on-duty" in detail


def test_dashboard_api_readers(admin_client: httpx.Client) -> None:
    body = admin_client.get("/api/v1/compliance/dashboard")
    assert body.status_code == 200
    data = body.json()
    assert {item["key"] for item in data["installation"]} >= {
        "profile",
        "storage_abroad",
        "permissions_review",
        "inactive_accounts",
        "access_requests",
    }
    assert all(item["fix"].startswith("/") for item in data["installation"])
    review = admin_client.post("/api/v1/compliance/reviews/permissions", json={})
    assert review.status_code == 201 and review.json()["reviewed_by"] == "admin"
    bad = admin_client.post("/api/v1/compliance/reviews/fire-drill", json={})
    assert bad.status_code == 422


def test_months_before_clamps_to_the_end_of_the_month() -> None:
    assert months_before(datetime(2026, 8, 31, tzinfo=UTC), 6) == datetime(2026, 2, 28, tzinfo=UTC)
    assert months_before(datetime(2026, 1, 15, tzinfo=UTC), 1) == datetime(2025, 12, 15, tzinfo=UTC)
    assert months_before(datetime(2026, 11, 30, tzinfo=UTC), 6).date() == date(2026, 5, 30)


def test_a_disabled_camera_is_listed_but_not_counted(world: tuple[Services, ManualClock]) -> None:
    services, _clock = world
    camera = services.cameras.add(name="Spare", source="test://pattern", actor="admin")
    before = services.compliance.dashboard().problems
    with services.database.session() as session:
        row = session.get(Camera, camera.id)
        assert row is not None
        row.enabled = False
    board = services.compliance.dashboard()
    assert camera_item(board, camera.id, "purpose")[0] is False, "still shown as it is"
    assert board.problems == before - 3, "purpose, sign and masks review no longer counted"


def test_pending_access_requests_show_until_decided(world: tuple[Services, ManualClock]) -> None:
    services, _clock = world
    camera = services.cameras.add(name="Till", source="test://pattern", actor="admin")
    account = services.accounts.create(
        username="yamada", password=PASSWORD, role=Role.ADMIN, actor="admin"
    )
    asker = Principal(account.id, account.username, Role.ADMIN)
    assert installation_item(services.compliance.dashboard(), "access_requests") == (
        True,
        "none pending",
    )

    request = services.requests.create(
        asker,
        camera_id=camera.id,
        operation="export",
        start=T0 - timedelta(hours=2),
        end=T0 - timedelta(hours=1),
        reason="police inquiry",
    )
    ok, detail = installation_item(services.compliance.dashboard(), "access_requests")
    assert not ok
    assert detail == f"#{request.id} export of Till asked by yamada on {T0:%Y-%m-%d}"

    services.requests.withdraw(asker, request.id)
    assert installation_item(services.compliance.dashboard(), "access_requests") == (
        True,
        "none pending",
    )


def test_items_carry_a_note_and_values_for_the_pages(
    world: tuple[Services, ManualClock],
) -> None:
    """The web UI words each detail in the reader's language from ``note`` and ``values``."""
    services, _clock = world
    compliance = services.compliance
    camera = services.cameras.add(name="Door", source="test://pattern", actor="admin")
    account = services.accounts.create(
        username="yamada", password=PASSWORD, role=Role.ADMIN, actor="admin"
    )
    asker = Principal(account.id, account.username, Role.ADMIN)

    def item(board: Dashboard, key: str) -> tuple[str, dict[str, object]]:
        items = list(board.installation) + [
            found for site in board.sites for entry in site.cameras for found in entry.items
        ]
        chosen = next(found for found in items if found.key == key)
        return chosen.note, chosen.values

    board = compliance.dashboard()
    assert item(board, "purpose") == ("no_purpose", {"purposes": []})
    assert item(board, "sign") == ("no_sign", {})
    assert item(board, "masks_review") == ("never_reviewed", {"months": 6})
    note, values = item(board, "profile")
    assert note == "missing" and "business_name" in values["fields"]  # type: ignore[operator]
    assert item(board, "storage_recorded") == ("no_location", {"locations": []})
    assert item(board, "access_requests") == ("none_pending", {"requests": []})

    compliance.purposes.set_for_camera(camera.id, ["crime_prevention"], "admin")
    compliance.attestations.record(camera.id, T0.date(), "Sato", actor="admin")
    compliance.reviews.done(ReviewKind.PERMISSIONS, "admin")
    compliance.profile.add_location("Cloud", "Singapore", "PDPA 2012", "admin")
    request = services.requests.create(
        asker,
        camera_id=camera.id,
        operation="export",
        start=T0 - timedelta(hours=2),
        end=T0 - timedelta(hours=1),
        reason="police inquiry",
    )
    board = compliance.dashboard()
    assert item(board, "purpose") == ("purposes", {"purposes": ["防犯 / Crime prevention"]})
    assert item(board, "sign") == (
        "installed",
        {"installed_on": T0.date().isoformat(), "installed_by": "Sato"},
    )
    assert item(board, "retention") == (
        "within",
        {"hours": camera.retention_hours, "limit": 72, "justification": ""},
    )
    assert item(board, "permissions_review") == (
        "reviewed",
        {"months": 6, "reviewed_at": T0.isoformat(), "by": "admin"},
    )
    cloud = {"name": "Cloud", "country": "Singapore"}
    assert item(board, "storage_abroad") == ("outside", {"locations": [cloud]})
    assert item(board, "access_requests") == (
        "pending",
        {
            "requests": [
                {
                    "id": request.id,
                    "operation": "export",
                    "camera": "Door",
                    "requester": "yamada",
                    "created_at": T0.isoformat(),
                }
            ]
        },
    )
    # The API passes them through.
    assert "values" in board.as_json()["installation"][0]
