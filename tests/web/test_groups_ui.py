"""Groups and camera groups in real Chromium: the Users page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Dialog, expect

from mimamoru.access.grants import parse_grants
from tests.conftest import RunningServer
from tests.web.conftest import (
    SLOW,
    add_camera,
    add_user,
    admin_page,
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
