"""Groups and camera groups in real Chromium: the Users page and the permissions matrix."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Dialog, expect

from mimamoru.access.grants import parse_grants
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


def grant(
    operations: list[str],
    *,
    camera: int | None = None,
    camera_group: int | None = None,
    hours: int | None = None,
) -> dict[str, Any]:
    return {
        "camera_id": camera,
        "camera_group_id": camera_group,
        "operations": operations,
        "playback_window_hours": hours,
    }


def test_a_group_granted_live_on_a_camera_group_in_the_browser(
    server: RunningServer, browser: Browser, admin_client: httpx.Client, tmp_path: Path
) -> None:
    front = add_camera(server, "Front door")
    yard = add_camera(server, "Back yard")
    add_camera(server, "Stockroom")
    yuki = add_user(server, "yuki")
    page = admin_page(browser, server)
    errors = no_errors(page)
    page.get_by_role("navigation", name="Administration").get_by_role("link", name="Users").click()
    groups_status = page.locator("#groups-status")
    camera_groups_status = page.locator("#camera-groups-status")
    expect(groups_status).to_have_text("No groups yet.", timeout=SLOW)
    expect(camera_groups_status).to_have_text("No camera groups yet.", timeout=SLOW)
    expect(groups_status).to_have_attribute("aria-live", "polite")
    yuki_groups = page.locator('#users tr[data-username="yuki"] td.groups')
    expect(yuki_groups).to_have_text("none")

    # A group, with a description; the same name again is refused with the server's reason.
    page.get_by_label("Group name", exact=True).fill("night-guards")
    page.get_by_label("Group description", exact=True).fill("Security staff on the night shift")
    page.get_by_role("button", name="Create group").click()
    expect(groups_status).to_have_text(
        "Created the group night-guards. Tick its members and save them, then grant the group "
        "cameras on the Permissions page.",
        timeout=SLOW,
    )
    group = page.get_by_role("article", name="night-guards")
    expect(group).to_contain_text("Security staff on the night shift")
    expect(group).to_contain_text("No members.")
    page.get_by_label("Group name", exact=True).fill("night-guards")
    page.get_by_role("button", name="Create group").click()
    create_error = page.locator("#create-group-error")
    expect(create_error).to_have_text(
        "Not created: a group named 'night-guards' already exists", timeout=SLOW
    )
    expect(create_error).to_have_attribute("role", "alert")
    expect(page.get_by_label("Group name", exact=True)).to_be_focused()
    expect(page.get_by_role("article", name="night-guards")).to_have_count(1)

    # A camera group with two of the three cameras.
    page.get_by_label("Camera group name", exact=True).fill("Outside")
    page.get_by_role("button", name="Create camera group").click()
    expect(camera_groups_status).to_contain_text("Created the camera group Outside.", timeout=SLOW)
    page.get_by_label("Front door is in Outside").check()
    page.get_by_label("Back yard is in Outside").check()
    page.get_by_role("button", name="Save cameras of Outside").click()
    expect(camera_groups_status).to_have_text("Saved the cameras of Outside.", timeout=SLOW)
    expect(page.get_by_role("article", name="Outside")).to_contain_text(
        "Cameras: Front door, Back yard"
    )

    # yuki joins the group, with the keyboard; the accounts list shows it.
    member = page.get_by_label("yuki is a member of night-guards")
    member.focus()
    page.keyboard.press("Space")
    expect(member).to_be_checked()
    expect(group.get_by_role("status")).to_have_text("Unsaved changes")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Save members of night-guards")).to_be_focused()
    page.keyboard.press("Enter")
    expect(groups_status).to_have_text("Saved the members of night-guards.", timeout=SLOW)
    expect(group).to_contain_text("Members: yuki")
    expect(yuki_groups).to_have_text("night-guards", timeout=SLOW)
    page.screenshot(path=str(tmp_path / "users-groups.png"), full_page=True)
    (night_guards,) = admin_client.get("/api/v1/groups").json()
    (outside,) = admin_client.get("/api/v1/camera-groups").json()
    assert night_guards["member_ids"] == [yuki]
    assert night_guards["description"] == "Security staff on the night shift"
    assert outside["camera_ids"] == [front.id, yard.id]

    # The matrix: the group may watch the camera group live.
    page.get_by_role("navigation", name="Administration").get_by_role(
        "link", name="Permissions"
    ).click()
    expect(page.locator("#permissions")).to_have_attribute("data-ready", "true", timeout=SLOW)
    group_row = page.locator('#permissions-camera-groups tr[data-group-name="night-guards"]')
    expect(group_row.locator("th")).to_have_text("night-guards group, 1 member")
    page.get_by_label("live for night-guards on camera group Outside").check()
    expect(group_row).to_have_attribute("data-state", "dirty")
    page.get_by_role("button", name="Save camera-group grants of night-guards").click()
    expect(group_row.locator(".row-status")).to_have_text("Saved", timeout=SLOW)
    expect(page.locator("#permissions-status")).to_have_text("Saved the grants of night-guards.")
    assert admin_client.get(f"/api/v1/groups/{night_guards['id']}/grants").json() == {
        "grants": [grant(["live"], camera_group=outside["id"])]
    }

    # yuki's row shows what the group gives, apart from yuki's own (empty) grants.
    yuki_row = page.locator('#permissions tr[data-username="yuki"]')
    live_front = page.get_by_label("live for yuki on Front door", exact=True)
    expect(live_front).not_to_be_checked()
    expect(live_front).to_have_accessible_description("via night-guards on Outside", timeout=SLOW)
    expect(yuki_row.locator("td[data-inherited]")).to_have_count(2)
    expect(page.get_by_label("live for yuki on Stockroom")).to_have_accessible_description("")

    # yuki, in a browser of their own, sees exactly the cameras of the camera group.
    other = browser.new_context().new_page()
    other_errors = no_errors(other)
    log_in_as(other, server, "yuki", PASSWORD)
    cameras = other.locator("#cameras tbody tr")
    expect(cameras).to_have_count(2, timeout=SLOW)
    expect(cameras.locator("td:first-child")).to_have_text(["Front door", "Back yard"])
    other.screenshot(path=str(tmp_path / "cameras-as-yuki.png"), full_page=True)

    # Loaded afresh, the matrix shows the same marks.
    page.reload()
    expect(page.locator("#permissions")).to_have_attribute("data-ready", "true", timeout=SLOW)
    expect(yuki_row.locator("td[data-inherited] .via")).to_have_text(
        ["via night-guards on Outside", "via night-guards on Outside"]
    )
    expect(page.get_by_label("live for yuki on Back yard")).to_have_accessible_description(
        "via night-guards on Outside"
    )
    expect(
        page.get_by_label("live for yuki on camera group Outside")
    ).to_have_accessible_description("via night-guards")
    expect(page.get_by_label("live for yuki on camera group Outside")).not_to_be_checked()
    page.screenshot(path=str(tmp_path / "permissions-groups.png"), full_page=True)

    # Out of the group, out of the cameras.
    page.goto(f"{server.url}/admin/users")
    page.get_by_label("yuki is a member of night-guards").uncheck()
    page.get_by_role("button", name="Save members of night-guards").click()
    expect(groups_status).to_have_text("Saved the members of night-guards.", timeout=SLOW)
    expect(page.get_by_role("article", name="night-guards")).to_contain_text("No members.")
    expect(yuki_groups).to_have_text("none", timeout=SLOW)
    permissions = admin_client.get(f"/api/v1/users/{yuki}/permissions").json()
    assert permissions == {"user_id": yuki, "admin": False, "cameras": []}
    expect(cameras).to_have_count(0, timeout=SLOW)  # the cameras page refreshes by itself
    expect(other.locator("#cameras-state")).to_contain_text("No cameras yet", timeout=SLOW)
    assert errors == [] and other_errors == []


def test_matrix_parts_keep_each_others_grants_and_marks_follow_group_saves(
    server: RunningServer, browser: Browser, admin_client: httpx.Client, tmp_path: Path
) -> None:
    front = add_camera(server, "Front door")
    yard = add_camera(server, "Back yard")
    carol = add_user(server, "carol")
    outside = server.services.camera_groups.create(name="Outside", actor="test")
    server.services.camera_groups.set_cameras(outside.id, [front.id, yard.id], "test")
    staff = server.services.groups.create(name="staff", actor="test")
    server.services.groups.set_members(staff.id, [carol], "test")
    own = [
        grant(["live"], camera=front.id),
        grant(["playback"], camera_group=outside.id, hours=6),
    ]
    server.services.grants.replace(carol, parse_grants(own), "test")
    server.services.groups.replace_grants(
        staff.id,
        parse_grants([grant(["export"], camera=yard.id), grant(["live"], camera_group=outside.id)]),
        "test",
    )
    page = admin_page(browser, server)
    errors = no_errors(page)
    page.goto(f"{server.url}/admin/permissions")
    expect(page.locator("#permissions")).to_have_attribute("data-ready", "true", timeout=SLOW)
    cameras_row = page.locator('#permissions tr[data-username="carol"]')
    groups_row = page.locator('#permissions-camera-groups tr[data-username="carol"]')
    expect(page.get_by_label("live for carol on Front door")).to_be_checked()
    expect(page.get_by_label("playback for carol on camera group Outside")).to_be_checked()
    expect(
        page.get_by_label("Playback window in hours for carol on camera group Outside")
    ).to_have_value("6")

    # Every way there: the user's own camera-group grant, the group's grants on the camera
    # and on the camera group.
    expect(page.get_by_label("playback for carol on Front door")).to_have_accessible_description(
        "via camera group Outside, 6 h"
    )
    expect(page.get_by_label("live for carol on Front door")).to_have_accessible_description(
        "via staff on Outside"
    )
    expect(page.get_by_label("export for carol on Back yard")).to_have_accessible_description(
        "via staff"
    )
    expect(
        page.get_by_label("live for carol on camera group Outside")
    ).to_have_accessible_description("via staff")
    page.screenshot(path=str(tmp_path / "permissions-marks.png"), full_page=True)

    # A camera change saved while a camera-group change waits: the saved camera-group grant is
    # kept, the unsaved change is not sent.
    page.get_by_label("configure for carol on camera group Outside").check()
    page.get_by_label("ptz for carol on Front door").check()
    page.get_by_role("button", name="Save grants of carol").click()
    expect(cameras_row.locator(".row-status")).to_have_text("Saved", timeout=SLOW)
    expect(groups_row).to_have_attribute("data-state", "dirty")
    assert admin_client.get(f"/api/v1/users/{carol}/grants").json()["grants"] == [
        grant(["live", "ptz"], camera=front.id),
        grant(["playback"], camera_group=outside.id, hours=6),
    ]

    # And the other way round: the camera grants just saved stay.
    page.get_by_role("button", name="Save camera-group grants of carol").click()
    expect(groups_row.locator(".row-status")).to_have_text("Saved", timeout=SLOW)
    assert admin_client.get(f"/api/v1/users/{carol}/grants").json()["grants"] == [
        grant(["live", "ptz"], camera=front.id),
        grant(["configure", "playback"], camera_group=outside.id, hours=6),
    ]

    # A window on a camera group is checked before anything is sent.
    window = page.get_by_label("Playback window in hours for staff on camera group Outside")
    window.fill("0")
    staff_groups_row = page.locator('#permissions-camera-groups tr[data-group-name="staff"]')
    page.get_by_role("button", name="Save camera-group grants of staff").click()
    expect(staff_groups_row.locator(".row-status")).to_have_text(
        "Not saved: the playback window on camera group Outside must be a whole number of "
        "hours from 1 to 87,600, or empty for no limit",
        timeout=SLOW,
    )
    expect(window).to_be_focused()
    window.fill("")

    # The same for a group; the member's marks follow the group's new grants.
    page.get_by_label("live for staff on camera group Outside").uncheck()
    page.get_by_label("ptz for staff on camera group Outside").check()
    page.get_by_role("button", name="Save camera-group grants of staff").click()
    expect(staff_groups_row.locator(".row-status")).to_have_text("Saved", timeout=SLOW)
    staff_grants = f"/api/v1/groups/{staff.id}/grants"
    assert admin_client.get(staff_grants).json()["grants"] == [
        grant(["export"], camera=yard.id),
        grant(["ptz"], camera_group=outside.id),
    ]
    expect(page.get_by_label("ptz for carol on Back yard")).to_have_accessible_description(
        "via staff on Outside", timeout=SLOW
    )
    expect(page.get_by_label("live for carol on Back yard")).to_have_accessible_description("")
    expect(
        page.get_by_label("live for carol on camera group Outside")
    ).to_have_accessible_description("")
    page.get_by_label("live for staff on Front door").check()
    page.get_by_role("button", name="Save grants of staff").click()
    staff_cameras_row = page.locator('#permissions tr[data-group-name="staff"]')
    expect(staff_cameras_row.locator(".row-status")).to_have_text("Saved", timeout=SLOW)
    assert admin_client.get(staff_grants).json()["grants"] == [
        grant(["live"], camera=front.id),
        grant(["export"], camera=yard.id),
        grant(["ptz"], camera_group=outside.id),
    ]
    expect(page.get_by_label("live for carol on Front door")).to_have_accessible_description(
        "via staff", timeout=SLOW
    )
    page.screenshot(path=str(tmp_path / "permissions-saved.png"), full_page=True)
    assert errors == []


def test_groups_are_renamed_and_deleted_on_the_users_page(
    server: RunningServer, browser: Browser, admin_client: httpx.Client, tmp_path: Path
) -> None:
    front = add_camera(server, "Front door")
    yuki = add_user(server, "yuki")
    temp = add_user(server, "temp")
    night = server.services.groups.create(name="night-guards", actor="test")
    server.services.groups.set_members(night.id, [yuki], "test")
    day = server.services.groups.create(name="day-shift", actor="test")
    server.services.groups.set_members(day.id, [yuki, temp], "test")
    outside = server.services.camera_groups.create(name="Outside", actor="test")
    server.services.camera_groups.set_cameras(outside.id, [front.id], "test")
    server.services.grants.replace(
        yuki, parse_grants([grant(["live"], camera_group=outside.id)]), "test"
    )
    page = admin_page(browser, server)
    errors = no_errors(page)
    page.goto(f"{server.url}/admin/users")
    status = page.locator("#groups-status")
    expect(status).to_have_text("2 groups.", timeout=SLOW)
    yuki_groups = page.locator('#users tr[data-username="yuki"] td.groups')
    expect(yuki_groups).to_have_text("night-guards, day-shift")

    # Edit opens a form in place; Escape closes it and gives the focus back.
    edit = page.get_by_role("button", name="Edit group night-guards")
    edit.click()
    name = page.get_by_label("Name of group night-guards")
    expect(name).to_be_focused()
    page.keyboard.press("Escape")
    expect(name).to_have_count(0)
    expect(edit).to_be_focused()

    # A taken name is refused with the server's reason; a free one is saved.
    edit.click()
    name.fill("day-shift")
    page.get_by_role("button", name="Save name and description of group night-guards").click()
    alert = page.get_by_role("article", name="night-guards").get_by_role("alert")
    expect(alert).to_have_text(
        "Not changed: a group named 'day-shift' already exists", timeout=SLOW
    )
    expect(name).to_be_focused()
    name.fill("night-watch")
    page.get_by_role("textbox", name="Description of group night-guards").fill("After 22:00")
    page.keyboard.press("Enter")
    expect(status).to_have_text("Saved the group night-watch.", timeout=SLOW)
    renamed = page.get_by_role("article", name="night-watch")
    expect(renamed).to_contain_text("After 22:00")
    expect(page.get_by_role("button", name="Edit group night-watch")).to_be_focused()
    expect(yuki_groups).to_have_text("night-watch, day-shift", timeout=SLOW)
    assert admin_client.get(f"/api/v1/groups/{night.id}").json()["description"] == "After 22:00"

    # Camera groups alike.
    page.get_by_role("button", name="Edit camera group Outside").click()
    page.get_by_label("Name of camera group Outside").fill("Outdoors")
    page.get_by_role("button", name="Save name and description of camera group Outside").click()
    expect(page.locator("#camera-groups-status")).to_have_text(
        "Saved the camera group Outdoors.", timeout=SLOW
    )
    expect(page.get_by_role("article", name="Outdoors")).to_contain_text("Cameras: Front door")

    # Deleting an account takes it out of its groups here too.
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Delete temp").click()
    expect(page.locator("#users-status")).to_have_text("Deleted temp.", timeout=SLOW)
    day_block = page.get_by_role("article", name="day-shift")
    expect(day_block).to_contain_text("Members: yuki", timeout=SLOW)
    expect(day_block.get_by_role("checkbox")).to_have_count(2)  # admin, yuki

    # Delete asks first; dismissing keeps the group.
    messages: list[str] = []

    def answer(accept: bool) -> Any:
        def handle(dialog: Dialog) -> None:
            messages.append(dialog.message)
            if accept:
                dialog.accept()
            else:
                dialog.dismiss()

        return handle

    page.once("dialog", answer(False))
    page.get_by_role("button", name="Delete group night-watch").click()
    expect(renamed).to_be_visible()
    page.once("dialog", answer(True))
    page.get_by_role("button", name="Delete group night-watch").click()
    expect(status).to_have_text("Deleted the group night-watch.", timeout=SLOW)
    expect(renamed).to_have_count(0)
    expect(page.locator("#groups-heading")).to_be_focused()
    expect(yuki_groups).to_have_text("day-shift", timeout=SLOW)
    assert messages[0] == (
        "Delete the group night-watch? Its members lose what its grants gave them. "
        "This cannot be undone."
    )
    assert admin_client.get(f"/api/v1/groups/{night.id}").status_code == 404

    # Deleting a camera group takes the grants on it along.
    page.once("dialog", answer(True))
    page.get_by_role("button", name="Delete camera group Outdoors").click()
    expect(page.locator("#camera-groups-status")).to_have_text(
        "Deleted the camera group Outdoors.", timeout=SLOW
    )
    expect(page.locator("#camera-groups-list")).to_have_text("No camera groups yet.")
    assert "the cameras stay" in messages[-1]
    assert admin_client.get(f"/api/v1/users/{yuki}/grants").json() == {"grants": []}
    page.screenshot(path=str(tmp_path / "users-groups-edited.png"), full_page=True)
    assert errors == []
