"""The browser UI in real Chromium (Debian's), driven by Playwright, over HTTPS."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.conftest import RunningServer
from tests.web.conftest import log_in

pytestmark = pytest.mark.browser


def test_wrong_password_shows_an_error(server: RunningServer, browser: Browser) -> None:
    page = browser.new_page()
    log_in(page, server, password="not-the-password")
    expect(page.get_by_role("alert")).to_have_text("Wrong user name, password or one-time code.")


def test_login_camera_list_and_live_test_pattern(
    server: RunningServer, browser: Browser, tmp_path: Path
) -> None:
    server.services.cameras.add(
        name="Test pattern",
        source="test://pattern?size=320x240&rate=15",
        retention_hours=24,
        purposes=["crime_prevention"],
        actor="test",
    )
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, server)
    expect(page).to_have_url(f"{server.url}/cameras")
    row = page.locator("#cameras tbody tr", has_text="Test pattern")
    badge = row.locator(".badge")
    expect(badge).to_have_attribute("data-status", "recording", timeout=20_000)
    expect(badge).to_have_text("Recording")  # the state in words, in the page's language

    row.get_by_role("link", name="Live").click()
    expect(page.locator("#camera-name")).to_have_text("Test pattern")
    video = page.locator("#live-video")
    expect(video).to_have_attribute("data-state", "live", timeout=20_000)
    page.wait_for_function(
        "() => { const v = document.getElementById('live-video');"
        " return v.videoWidth === 320 && v.currentTime > 1.0; }",
        timeout=30_000,
    )
    page.screenshot(path=str(tmp_path / "live-page.png"))
    first = video.screenshot(path=str(tmp_path / "live-1.png"))
    page.wait_for_timeout(1500)
    second = video.screenshot(path=str(tmp_path / "live-2.png"))
    assert first != second, "the picture moves"
    expect(page.locator("#recordings li").first).to_be_visible(timeout=20_000)
    assert errors == []


def test_pages_need_login(server: RunningServer, browser: Browser) -> None:
    page = browser.new_page()
    for path in ("/cameras", "/live?camera=1"):
        page.goto(f"{server.url}{path}")
        expect(page).to_have_url(f"{server.url}/login")
