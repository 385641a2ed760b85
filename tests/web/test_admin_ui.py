"""The administration pages in real Chromium: users, the permissions matrix, the audit log."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Browser, expect

from mimamoru.access.grants import parse_grants
from mimamoru.access.roles import Role
from tests.conftest import RunningServer
from tests.web.conftest import (
    PASSWORD,
    SLOW,
    add_camera,
    add_user,
    admin_page,
    log_in_as,
    no_errors,
)

pytestmark = pytest.mark.browser


def test_admin_creates_a_user_grants_a_camera_and_the_user_sees_only_it(
    server: RunningServer, browser: Browser, admin_client: httpx.Client, tmp_path: Path
) -> None:
    front = add_camera(server, "Front door")
    add_camera(server, "Back yard")
    page = admin_page(browser, server)
    errors = no_errors(page)

    nav = page.get_by_role("navigation", name="Administration")
    expect(nav.get_by_role("link")).to_have_text(
        ["Users", "Permissions", "Audit", "Compliance", "Privacy records"], timeout=SLOW
    )
    nav.get_by_role("link", name="Users").click()
    expect(page).to_have_url(f"{server.url}/admin/users")
    expect(page.locator("#users tbody tr")).to_have_count(1, timeout=SLOW)

    # A weak password is refused, with the server's reason next to the form.
    page.get_by_label("User name", exact=True).fill("alice")
    page.get_by_label("Password", exact=True).fill("short")
    page.get_by_label("Role", exact=True).select_option("viewer")
    page.get_by_role("button", name="Create user").click()
    alert = page.locator("#create-error")
    expect(alert).to_have_text(
        "Not created: password too short: at least 12 characters are required", timeout=SLOW
    )
    expect(alert).to_have_attribute("role", "alert")
    page.screenshot(path=str(tmp_path / "users-weak-password.png"), full_page=True)

    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Create user").click()
    row = page.locator("#users tbody tr", has_text="alice")
    expect(row).to_be_visible(timeout=SLOW)
    expect(row.get_by_label("Role of alice")).to_have_value("viewer")
    expect(page.locator("#users-status")).to_contain_text("Created alice (viewer)")
    expect(alert).to_be_hidden()
    page.screenshot(path=str(tmp_path / "users.png"), full_page=True)
    (alice,) = [
        user for user in admin_client.get("/api/v1/users").json() if user["username"] == "alice"
    ]

    # The matrix: alice may watch the front door live, nothing else.
    page.get_by_role("navigation", name="Administration").get_by_role(
        "link", name="Permissions"
    ).click()
    expect(page.locator("#permissions")).to_have_attribute("data-ready", "true", timeout=SLOW)
    admin_row = page.locator('#permissions tbody tr[data-username="admin"]')
    expect(admin_row).to_contain_text("All cameras, every operation (administrator)")
    expect(admin_row.get_by_role("checkbox")).to_have_count(0)
    user_row = page.locator('#permissions tbody tr[data-username="alice"]')
    expect(user_row.get_by_role("checkbox")).to_have_count(10)
    page.get_by_label("live for alice on Front door").check()
    expect(user_row).to_have_attribute("data-state", "dirty")
    expect(user_row.locator(".row-status")).to_have_text("Unsaved changes")
    page.get_by_role("button", name="Save grants of alice").click()
    expect(user_row.locator(".row-status")).to_have_text("Saved", timeout=SLOW)
    expect(page.locator("#permissions-status")).to_have_text("Saved the grants of alice.")
    expect(page.get_by_label("live for alice on Front door")).to_be_checked()
    expect(page.get_by_label("playback for alice on Front door")).not_to_be_checked()
    page.screenshot(path=str(tmp_path / "permissions.png"), full_page=True)

    grants = admin_client.get(f"/api/v1/users/{alice['id']}/grants").json()
    assert grants == {
        "grants": [
            {
                "camera_id": front.id,
                "camera_group_id": None,
                "operations": ["live"],
                "playback_window_hours": None,
            }
        ]
    }

    # alice, in a browser of her own, sees that camera only, and no administration links.
    other = browser.new_context().new_page()
    other_errors = no_errors(other)
    log_in_as(other, server, "alice", PASSWORD)
    expect(other.locator("#cameras tbody tr")).to_have_count(1, timeout=SLOW)
    expect(other.locator("#cameras tbody tr")).to_contain_text("Front door")
    expect(other.get_by_role("navigation", name="Administration")).to_be_hidden()
    other.screenshot(path=str(tmp_path / "cameras-as-alice.png"), full_page=True)
    assert errors == [] and other_errors == []


def test_pages_refuse_those_without_the_rights(
    server: RunningServer, browser: Browser, tmp_path: Path
) -> None:
    add_user(server, "vera", Role.VIEWER)
    add_user(server, "audrey", Role.AUDITOR)
    page = browser.new_context().new_page()
    errors = no_errors(page)
    log_in_as(page, server, "vera", PASSWORD)
    for path in ("/admin/users", "/admin/permissions"):
        page.goto(f"{server.url}{path}")
        denied = page.get_by_role("alert")
        expect(denied).to_have_text(
            "Not allowed: administrator rights required. "
            "Ask an administrator if you need this page.",
            timeout=SLOW,
        )
        expect(page.locator("#admin-content")).to_be_hidden()
    page.screenshot(path=str(tmp_path / "users-as-viewer.png"), full_page=True)
    page.goto(f"{server.url}/audit")
    expect(page.get_by_role("alert")).to_contain_text(
        "auditor or administrator rights required", timeout=SLOW
    )

    # An auditor gets the audit log and the compliance dashboard, and only those links.
    auditor = browser.new_context().new_page()
    log_in_as(auditor, server, "audrey", PASSWORD)
    nav = auditor.get_by_role("navigation", name="Administration")
    expect(nav.get_by_role("link")).to_have_text(["Audit", "Compliance"], timeout=SLOW)
    nav.get_by_role("link", name="Audit").click()
    expect(auditor.locator("#audit tbody")).to_have_attribute("data-ready", "true", timeout=SLOW)
    expect(auditor.locator("#audit tbody tr").first).to_contain_text("audit.read")
    auditor.goto(f"{server.url}/admin/users")
    expect(auditor.get_by_role("alert")).to_contain_text(
        "administrator rights required", timeout=SLOW
    )
    assert errors == []


def test_user_actions_and_the_last_administrator(
    server: RunningServer, browser: Browser, admin_client: httpx.Client, tmp_path: Path
) -> None:
    bob = add_user(server, "bob")
    page = admin_page(browser, server)
    errors = no_errors(page)
    page.goto(f"{server.url}/admin/users")
    status = page.locator("#users-status")
    bob_row = page.locator('#users tbody tr[data-username="bob"]')
    expect(bob_row).to_be_visible(timeout=SLOW)

    bob_row.get_by_label("Role of bob").select_option("operator")
    expect(status).to_have_text("bob is now operator.", timeout=SLOW)
    assert admin_client.get(f"/api/v1/users/{bob}").json()["role"] == "operator"

    page.get_by_role("button", name="Disable bob").click()
    expect(status).to_have_text("bob is disabled; their sessions have ended.", timeout=SLOW)
    expect(bob_row).to_contain_text("Disabled")
    # Focus stays on the button that was pressed, now the other way round.
    expect(page.get_by_role("button", name="Enable bob")).to_be_focused()
    page.keyboard.press("Enter")
    expect(status).to_have_text("bob is enabled again.", timeout=SLOW)
    assert admin_client.get(f"/api/v1/users/{bob}").json()["disabled"] is False

    page.get_by_role("button", name="Reset password bob").click()
    new_password = page.get_by_label("New password for bob")
    expect(new_password).to_be_focused()
    new_password.fill("bob")
    page.get_by_role("button", name="Set password bob", exact=True).click()
    expect(page.locator('tr[data-password-for="bob"] [role=alert]')).to_contain_text(
        "Not changed: password too short", timeout=SLOW
    )
    new_password.fill("another-long-passphrase")
    page.get_by_role("button", name="Set password bob", exact=True).click()
    expect(status).to_have_text(
        "New password set for bob; their sessions have ended.", timeout=SLOW
    )
    login = admin_client.post(
        "/api/v1/auth/login", json={"username": "bob", "password": "another-long-passphrase"}
    )
    assert login.status_code == 200

    page.get_by_role("button", name="Unlock bob").click()
    expect(status).to_have_text("bob may log in again (failed-login count cleared).", timeout=SLOW)

    # The server keeps the last administrator; the page shows why and the old role again.
    page.get_by_label("Role of admin").select_option("viewer")
    expect(status).to_have_text(
        "Not changed: 'admin' is the last enabled administrator; make another administrator first",
        timeout=SLOW,
    )
    expect(status).to_have_attribute("data-state", "error")
    expect(page.get_by_label("Role of admin")).to_have_value("admin")
    page.screenshot(path=str(tmp_path / "users-last-admin.png"), full_page=True)

    # Delete asks first; dismissing keeps the account.
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.get_by_role("button", name="Delete bob").click()
    expect(bob_row).to_be_visible()
    messages: list[str] = []

    def accept(dialog: object) -> None:
        messages.append(dialog.message)  # type: ignore[attr-defined]
        dialog.accept()  # type: ignore[attr-defined]

    page.once("dialog", accept)
    page.get_by_role("button", name="Delete bob").click()
    expect(status).to_have_text("Deleted bob.", timeout=SLOW)
    expect(bob_row).to_have_count(0)
    assert messages and "bob" in messages[0]
    assert admin_client.get(f"/api/v1/users/{bob}").status_code == 404
    assert errors == []


def test_matrix_window_and_keeping_other_grants(
    server: RunningServer, browser: Browser, admin_client: httpx.Client, tmp_path: Path
) -> None:
    front = add_camera(server, "Front door")
    yard = add_camera(server, "Back yard")
    carol = add_user(server, "carol")
    server.services.grants.replace(
        carol,
        parse_grants(
            [
                {
                    "camera_id": yard.id,
                    "operations": ["live", "configure"],
                    "playback_window_hours": 6,
                }
            ]
        ),
        "test",
    )
    page = admin_page(browser, server)
    errors = no_errors(page)
    page.goto(f"{server.url}/admin/permissions")
    expect(page.locator("#permissions")).to_have_attribute("data-ready", "true", timeout=SLOW)
    row = page.locator('#permissions tbody tr[data-username="carol"]')
    expect(page.get_by_label("configure for carol on Back yard")).to_be_checked()
    expect(page.get_by_label("Playback window in hours for carol on Back yard")).to_have_value("6")

    page.get_by_label("playback for carol on Front door").check()
    window = page.get_by_label("Playback window in hours for carol on Front door")
    window.fill("0")
    save = page.get_by_role("button", name="Save grants of carol")
    save.click()
    expect(row.locator(".row-status")).to_have_text(
        "Not saved: the playback window on Front door must be a whole number of hours "
        "from 1 to 87,600, or empty for no limit",
        timeout=SLOW,
    )
    expect(row).to_have_attribute("data-state", "error")
    expect(window).to_be_focused()
    page.screenshot(path=str(tmp_path / "permissions-error.png"), full_page=True)

    window.fill("24")
    expect(row).to_have_attribute("data-state", "dirty")
    page.get_by_label("configure for carol on Back yard").uncheck()
    save.click()
    expect(row.locator(".row-status")).to_have_text("Saved", timeout=SLOW)
    assert admin_client.get(f"/api/v1/users/{carol}/grants").json()["grants"] == [
        {
            "camera_id": front.id,
            "camera_group_id": None,
            "operations": ["playback"],
            "playback_window_hours": 24,
        },
        {
            "camera_id": yard.id,
            "camera_group_id": None,
            "operations": ["live"],
            "playback_window_hours": 6,
        },
    ]

    # Unticking everything takes every right away.
    for camera in ("Front door", "Back yard"):
        for operation in ("live", "playback"):
            page.get_by_label(f"{operation} for carol on {camera}").uncheck()
    page.get_by_role("button", name="Save grants of carol").click()
    expect(row.locator(".row-status")).to_have_text("Saved", timeout=SLOW)
    assert admin_client.get(f"/api/v1/users/{carol}/grants").json() == {"grants": []}
    assert errors == []


def test_audit_viewer_filters_pages_and_downloads_csv(
    server: RunningServer, browser: Browser, tmp_path: Path
) -> None:
    camera = add_camera(server, "Front door")
    dave = add_user(server, "dave")
    server.services.grants.replace(
        dave, parse_grants([{"camera_id": camera.id, "operations": ["live"]}]), "admin"
    )
    audit = server.services.audit
    audit.append(
        actor="dave",
        action="access.live",
        camera_id=camera.id,
        detail={"route": "/x"},
        client="192.0.2.7",
        outcome="allowed",
    )
    audit.append(
        actor="dave", action="access.denied.playback", camera_id=camera.id, outcome="denied"
    )
    for number in range(60):
        audit.append(actor="robot", action="test.tick", detail={"n": number})

    # In Tokyo, so that local time differs from UTC.
    page = admin_page(browser, server, timezone_id="Asia/Tokyo", accept_downloads=True)
    errors = no_errors(page)
    page.get_by_role("navigation", name="Administration").get_by_role("link", name="Audit").click()
    body = page.locator("#audit tbody")
    expect(body).to_have_attribute("data-ready", "true", timeout=SLOW)
    expect(page.locator("#audit-older")).to_be_visible()

    # The grant is there, with the actor who set it.
    page.get_by_label("Action", exact=True).fill("grants.set")
    page.get_by_role("button", name="Apply filters").click()
    grant_row = body.locator('tr[data-action="grants.set"]')
    expect(grant_row).to_have_count(1, timeout=SLOW)
    expect(grant_row).to_contain_text("admin")
    expect(grant_row).to_contain_text('"user":"dave"')
    page.screenshot(path=str(tmp_path / "audit-grants.png"), full_page=True)

    # Actor and action prefix: dave's accesses, with address and outcome.
    page.get_by_label("Action", exact=True).fill("access.")
    page.get_by_label("Actor", exact=True).fill("dave")
    page.get_by_role("button", name="Apply filters").click()
    expect(body.locator("tr")).to_have_count(2, timeout=SLOW)
    denied, allowed = body.locator("tr").all()
    cells = denied.locator("td")
    expect(cells.nth(1)).to_have_text("dave")
    expect(cells.nth(2)).to_have_text("")
    expect(cells.nth(3)).to_have_text("access.denied.playback")
    expect(cells.nth(4)).to_have_text("denied")
    expect(cells.nth(5)).to_have_text(f"Front door (#{camera.id})")
    expect(allowed.locator("td").nth(2)).to_have_text("192.0.2.7")
    expect(allowed.locator("td").nth(4)).to_have_text("allowed")
    expect(allowed.locator("td").nth(6)).to_have_text('{"route":"/x"}')
    time = allowed.locator("time")
    assert time.get_attribute("datetime")
    expect(page.locator("#audit-status")).to_have_text("2 entries, newest first.")

    # The camera filter and the CSV link carry the same filters.
    page.get_by_label("Action", exact=True).fill("")
    page.get_by_label("Camera", exact=True).select_option(str(camera.id))
    page.get_by_role("button", name="Apply filters").click()
    expect(body.locator("tr")).to_have_count(2, timeout=SLOW)
    with page.expect_download(timeout=SLOW) as download_info:
        page.get_by_role("link", name="Download CSV").click()
    download = download_info.value
    assert download.suggested_filename == "mimamoru-audit.csv"
    rows = list(csv.reader(io.StringIO(Path(download.path()).read_text(encoding="utf-8"))))
    assert rows[0] == ["id", "occurred_at", "actor", "action", "camera_id", "detail"]
    assert [row[2:5] for row in rows[1:]] == [
        ["dave", "access.denied.playback", str(camera.id)],
        ["dave", "access.live", str(camera.id)],
    ]

    # Times are entered in local (Tokyo) time.
    page.get_by_role("button", name="Clear").click()
    page.get_by_label("Actor", exact=True).fill("dave")
    tokyo_now = datetime.now(ZoneInfo("Asia/Tokyo"))
    page.get_by_label("From (local time)").fill(
        (tokyo_now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S")
    )
    page.get_by_role("button", name="Apply filters").click()
    expect(body.locator("tr")).to_have_count(2, timeout=SLOW)
    page.get_by_label("Until (local time)").fill(
        (tokyo_now - timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M:%S")
    )
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator("#audit-status")).to_have_text(
        "No entries match these filters.", timeout=SLOW
    )
    expect(body.locator("tr")).to_have_count(0)

    # Paging: 50 at a time, then the older ones.
    page.get_by_role("button", name="Clear").click()
    page.get_by_label("Actor", exact=True).fill("robot")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator("#audit-status")).to_have_text(
        "50 entries, newest first; more are older.", timeout=SLOW
    )
    expect(body.locator("tr").first).to_contain_text('{"n":59}')
    page.get_by_role("button", name="Older entries").click()
    expect(body.locator("tr")).to_have_count(60, timeout=SLOW)
    expect(body.locator("tr").last).to_contain_text('{"n":0}')
    expect(page.locator("#audit-older")).to_be_hidden()
    page.screenshot(path=str(tmp_path / "audit.png"), full_page=True)
    assert errors == []
