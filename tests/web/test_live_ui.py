"""The camera grid and the live view in real Chromium: who sees what, frames, snapshot."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from mimamoru.access.grants import GrantRecord
from mimamoru.access.roles import Operation
from tests.conftest import RunningServer
from tests.web.conftest import (
    PASSWORD,
    SLOW,
    DocScreenshot,
    add_user,
    admin_page,
    log_in_as,
    no_errors,
    picture,
)

pytestmark = pytest.mark.browser

PATTERN = "test://pattern?size=320x240&rate=5"
UNREACHABLE = "rtsp://127.0.0.1:9/nothing-here"  # the discard port: nothing answers RTSP


def grant(server: RunningServer, user_id: int, *targets: tuple[int, set[Operation]]) -> None:
    server.services.grants.replace(
        user_id, [GrantRecord(camera, frozenset(ops)) for camera, ops in targets], actor="test"
    )


def add(server: RunningServer, name: str, source: str = PATTERN) -> int:
    return server.services.cameras.add(
        name=name,
        source=source,
        retention_hours=24,
        purposes=["crime_prevention"],  # without a purpose a camera does not record
        actor="test",
    ).id


def tile(page: Page, name: str):  # type: ignore[no-untyped-def]
    return page.locator("#grid .tile", has_text=name)


def test_grid_shows_only_permitted_cameras_switches_layouts_and_enlarges(
    server: RunningServer, browser: Browser, tmp_path: Path, doc_screenshot: DocScreenshot
) -> None:
    hall, yard, office = add(server, "Hall"), add(server, "Yard"), add(server, "Office")
    dead = add(server, "Garage", UNREACHABLE)
    vera = add_user(server, "vera")
    grant(
        server,
        vera,
        (hall, {Operation.LIVE, Operation.PLAYBACK}),
        (yard, {Operation.LIVE}),
        (office, {Operation.PLAYBACK}),  # no live: not on her grid
        (dead, {Operation.LIVE}),
    )
    page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    errors = no_errors(page)
    log_in_as(page, server, "vera", PASSWORD)
    page.goto(f"{server.url}/grid")
    tiles = page.locator("#grid .tile")
    expect(tiles).to_have_count(3, timeout=SLOW)
    names = sorted(tiles.locator(".tile-name").all_text_contents())
    assert names == ["Garage", "Hall", "Yard"]
    expect(tile(page, "Hall")).to_have_attribute("data-state", "live", timeout=SLOW)
    expect(tile(page, "Yard")).to_have_attribute("data-state", "live", timeout=SLOW)
    # Playback link only where she may play back.
    expect(tile(page, "Hall").get_by_role("link", name="Playback")).to_be_visible()
    expect(tile(page, "Yard").get_by_role("link", name="Playback")).to_have_count(0)
    # The dead camera says why and since when, in words.
    garage = tile(page, "Garage")
    expect(garage).to_have_attribute("data-status", "offline", timeout=SLOW)
    expect(garage.locator(".tile-detail")).to_contain_text("Offline since ")
    expect(garage.locator(".tile-detail")).to_contain_text("cannot be reached")
    page.screenshot(path=str(tmp_path / "grid-viewer.png"))

    # Layouts: 1 per page pages through the three; the choice is remembered.
    assert page.locator("#grid").get_attribute("data-layout") == "4"
    page.get_by_role("button", name="1 camera", exact=True).click()
    expect(tiles).to_have_count(1)
    expect(page.locator("#grid-page")).to_have_text("Page 1 of 3")
    first = tiles.locator(".tile-name").text_content()
    page.get_by_role("button", name="Next page").click()
    expect(page.locator("#grid-page")).to_have_text("Page 2 of 3")
    assert tiles.locator(".tile-name").text_content() != first
    page.reload()
    expect(page.locator("#grid")).to_have_attribute("data-layout", "1", timeout=SLOW)
    expect(tiles).to_have_count(1)
    page.get_by_role("button", name="9 cameras").click()
    expect(tiles).to_have_count(3)
    expect(page.locator("#grid-paging")).to_be_hidden()
    page.get_by_role("button", name="4 cameras").click()
    assert page.evaluate("localStorage.getItem('mimamoru.grid.layout')") == "4"

    # Enlarge with the keyboard, back with Escape; and with a click.
    tile(page, "Hall").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#grid")).to_have_attribute("data-enlarged", str(hall))
    expect(tile(page, "Yard")).to_be_hidden()
    page.keyboard.press("Escape")
    expect(page.locator("#grid")).not_to_have_attribute("data-enlarged", str(hall))
    expect(tile(page, "Yard")).to_be_visible()
    tile(page, "Yard").click()
    expect(page.locator("#grid")).to_have_attribute("data-enlarged", str(yard))
    tile(page, "Yard").click()
    expect(tile(page, "Hall")).to_be_visible()
    assert errors == []

    # The documentation's picture: an administrator's grid with all four cameras.
    admin = admin_page(browser, server, viewport={"width": 1280, "height": 800})
    admin.goto(f"{server.url}/grid")
    expect(admin.locator("#grid .tile")).to_have_count(4, timeout=SLOW)
    for name in ("Hall", "Yard", "Office"):
        expect(tile(admin, name)).to_have_attribute("data-state", "live", timeout=SLOW)
    admin.wait_for_function(
        "() => [...document.querySelectorAll('#grid video')].filter((v) => v.currentTime > 0.5)"
        ".length >= 3",
        timeout=SLOW,
    )
    doc_screenshot(admin, "grid")


def test_live_view_frames_advance_and_the_snapshot_is_audited(
    server: RunningServer, browser: Browser, tmp_path: Path, doc_screenshot: DocScreenshot
) -> None:
    porch = server.services.cameras.add(
        name="Porch",
        source="test://pattern?size=320x240&rate=10",
        retention_hours=24,
        purposes=["crime_prevention"],
        actor="t",
    ).id
    page = admin_page(browser, server, viewport={"width": 1280, "height": 800})
    errors = no_errors(page)
    page.goto(f"{server.url}/live?camera={porch}")
    expect(page.locator("#camera-name")).to_have_text("Porch")
    expect(page.locator("#live-video")).to_have_attribute("data-state", "live", timeout=SLOW)
    page.wait_for_function(
        "() => document.getElementById('live-video').currentTime > 1", timeout=SLOW
    )
    before_time = page.evaluate("document.getElementById('live-video').currentTime")
    before = picture(page, "#live-video")
    page.wait_for_timeout(1500)
    after_time = page.evaluate("document.getElementById('live-video').currentTime")
    after = picture(page, "#live-video")
    assert after_time > before_time, "the video plays on"
    assert after != before, "the decoded picture changes"
    expect(page.locator("#camera-status")).to_have_text("Live")

    page.get_by_role("button", name="Snapshot").click()
    expect(page.locator("#snapshot-state")).to_have_attribute("data-state", "taken", timeout=SLOW)
    expect(page.locator("#snapshot-state")).to_contain_text("Snapshot taken at ")
    width = page.evaluate("document.querySelector('#snapshot img').naturalWidth")
    assert width == 320
    download = page.get_by_role("link", name="Download snapshot").get_attribute("download")
    assert download is not None and download.startswith("Porch-") and download.endswith(".jpg")
    snapshots = [
        entry
        for entry in server.services.audit.search(action="access.live")
        if json.loads(entry.detail).get("route", "").endswith("/snapshot")
    ]
    assert snapshots and all(entry.camera_id == porch for entry in snapshots)
    link = page.get_by_role("link", name="Playback")
    expect(link).to_have_attribute("href", f"/playback?camera={porch}")
    page.screenshot(path=str(tmp_path / "live.png"))
    doc_screenshot(page, "live")
    assert errors == []


def test_a_user_without_live_sees_no_stream_and_a_clear_message(
    server: RunningServer, browser: Browser, tmp_path: Path
) -> None:
    shed = add(server, "Shed")
    secret = add(server, "Vault")
    pia = add_user(server, "pia")
    grant(server, pia, (shed, {Operation.PLAYBACK}))
    page = browser.new_page()
    errors = no_errors(page)
    log_in_as(page, server, "pia", PASSWORD)

    page.goto(f"{server.url}/live?camera={shed}")
    status = page.locator("#camera-status")
    expect(status).to_contain_text("You may not watch this camera live.", timeout=SLOW)
    expect(status).to_have_attribute("data-state", "denied")
    expect(status.get_by_role("link", name="Request access")).to_have_attribute(
        "href", f"/requests?camera={shed}&operation=live"
    )
    expect(page.locator("#live-video")).to_be_hidden()
    expect(page.get_by_role("button", name="Snapshot")).to_be_hidden()
    expect(page.get_by_role("link", name="Playback")).to_be_visible()
    page.screenshot(path=str(tmp_path / "live-denied.png"))

    page.goto(f"{server.url}/live?camera={secret}")
    expect(status).to_contain_text("does not exist, or you have no access", timeout=SLOW)

    page.goto(f"{server.url}/grid")
    state = page.locator("#grid-state")
    expect(state).to_contain_text("You may not watch any camera live.", timeout=SLOW)
    expect(state.get_by_role("link", name="Request access")).to_be_visible()
    expect(page.locator("#grid .tile")).to_have_count(0)
    # The page never opened a stream: nothing was allowed, nothing was even asked for.
    live = server.services.audit.search(action="access.live")
    assert [entry for entry in live if entry.actor == "pia"] == []
    assert errors == []
