"""End to end in Chromium: a viewer asks to play back a range, a manager approves, the viewer
watches exactly that range, the approval's time runs out (the server's clock is moved) and
access is refused again."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Page, expect

from mimamoru.access.grants import GrantRecord
from mimamoru.access.roles import Operation, Role
from mimamoru.clock import ManualClock
from tests.api.test_requests_api import (
    PASSWORD,
    person,
    quiet_camera,
    start_clocked_server,
    stop,
)
from tests.conftest import Installation, RunningServer
from tests.support.footage import write_segment
from tests.support.media import make_h264_file
from tests.web.conftest import SLOW, log_in_as, no_errors


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
def server(installation: Installation, clock: ManualClock) -> Iterator[RunningServer]:
    """The server the browser fixture trusts, with a clock this test moves."""
    running = start_clocked_server(installation, clock)
    try:
        yield running
    finally:
        stop(running)


def fetch_status(page: Page, path: str) -> int:
    status: int = page.evaluate(
        "async (path) => (await fetch(path, { credentials: 'same-origin' })).status", path
    )
    return status


def test_request_approve_watch_and_expire(
    browser: Browser, server: RunningServer, clock: ManualClock, tmp_path: Path
) -> None:
    services = server.services
    camera = quiet_camera(services, "entrance")
    person(services, "vera", Role.VIEWER, [GrantRecord(camera, frozenset({Operation.LIVE}))])
    person(
        services,
        "mona",
        Role.MANAGER,
        [GrantRecord(camera, frozenset({Operation.LIVE, Operation.PLAYBACK}))],
    )
    start = clock.now() - timedelta(days=1)
    end = start + timedelta(minutes=1)
    video = make_h264_file(tmp_path / "clip.mp4", seconds=4, rate=10, size="160x120")
    clip = video.read_bytes()
    inside = write_segment(services, camera, start + timedelta(seconds=20), payload=clip).id
    straddling = write_segment(services, camera, end - timedelta(seconds=2), payload=clip).id
    outside = write_segment(services, camera, end + timedelta(seconds=30), payload=clip).id
    zone = ZoneInfo(services.settings.site.timezone)

    viewer = browser.new_context().new_page()
    errors = no_errors(viewer)
    log_in_as(viewer, server, "vera", PASSWORD)
    # Pages link here for what a user lacks; the form starts with what they asked for.
    viewer.goto(f"{server.url}/requests?camera={camera}&operation=export")
    expect(viewer.locator("#request-camera")).to_have_value(str(camera), timeout=SLOW)
    expect(viewer.locator("#request-operation")).to_have_value("export")
    viewer.get_by_role("link", name="Requests").click()
    expect(viewer).to_have_url(f"{server.url}/requests", timeout=SLOW)
    viewer.get_by_label("Camera").select_option(label="entrance")
    viewer.get_by_label("Operation").select_option("playback")
    # A backwards range is refused, and the page says why.
    viewer.get_by_label("From").fill(end.astimezone(zone).strftime("%Y-%m-%dT%H:%M:%S"))
    viewer.get_by_label("Until").fill(start.astimezone(zone).strftime("%Y-%m-%dT%H:%M:%S"))
    viewer.get_by_label("Reason").fill("bicycle stolen at the entrance")
    viewer.get_by_role("button", name="Send request").click()
    expect(viewer.locator("#request-form-status")).to_have_text(
        "Request refused: start must be before end", timeout=SLOW
    )
    viewer.get_by_label("From").fill(start.astimezone(zone).strftime("%Y-%m-%dT%H:%M:%S"))
    viewer.get_by_label("Until").fill(end.astimezone(zone).strftime("%Y-%m-%dT%H:%M:%S"))
    viewer.get_by_label("Reason").fill("bicycle stolen at the entrance")
    viewer.get_by_role("button", name="Send request").click()
    expect(viewer.locator("#request-form-status")).to_contain_text("sent", timeout=SLOW)
    row = viewer.locator("#requests tbody tr").first
    expect(row).to_have_attribute("data-state", "pending", timeout=SLOW)
    expect(row).to_contain_text("bicycle stolen")
    request_id = int(row.get_attribute("data-request-id") or "0")
    assert fetch_status(viewer, f"/api/v1/recordings/{inside}") == 404, "nothing before approval"

    manager = browser.new_context().new_page()
    manager_errors = no_errors(manager)
    log_in_as(manager, server, "mona", PASSWORD)
    expect(manager.locator("#requests-badge")).to_have_text("1", timeout=SLOW)
    manager.get_by_role("link", name="Requests").click()
    decision = manager.locator(f'#requests tr[data-request-id="{request_id}"]')
    # Rejecting without a reason is refused, and the page says so.
    decision.get_by_role("button", name="Reject").click()
    expect(decision.locator(".row-status")).to_contain_text("reason is required", timeout=SLOW)
    decision.get_by_label(f"Comment on request {request_id}").fill("case 2026-118")
    decision.get_by_role("button", name="Approve").click()
    expect(decision.locator("td.state")).to_contain_text("approved until", timeout=SLOW)
    expect(manager.locator("#requests-badge")).to_be_hidden(timeout=SLOW)

    viewer.reload()
    row = viewer.locator(f'#requests tr[data-request-id="{request_id}"]')
    expect(row.locator("td.state")).to_contain_text("approved until", timeout=SLOW)
    expect(row.locator("td.state")).to_contain_text("mona")
    row.get_by_role("button", name="Watch").click()
    segments = viewer.locator("#watch-segments li")
    expect(segments).to_have_count(2, timeout=SLOW)  # inside, and the one crossing the end
    expect(viewer.locator(f'#watch-segments li[data-segment-id="{straddling}"]')).to_contain_text(
        "not shown"
    )
    viewer.locator(f'#watch-segments li[data-segment-id="{inside}"] button').click()
    viewer.wait_for_function(
        "() => { const v = document.getElementById('watch-video');"
        " return v.readyState >= 2 && v.duration > 3; }",
        timeout=SLOW,
    )
    assert fetch_status(viewer, f"/api/v1/recordings/{inside}") == 200
    assert fetch_status(viewer, f"/api/v1/recordings/{straddling}") == 404
    assert fetch_status(viewer, f"/api/v1/recordings/{outside}") == 404
    viewer.screenshot(path=str(tmp_path / "requests-approved.png"), full_page=True)

    clock.advance(3600)  # approval_hours = 1
    viewer.reload()
    row = viewer.locator(f'#requests tr[data-request-id="{request_id}"]')
    expect(row).to_have_attribute("data-state", "expired", timeout=SLOW)
    expect(row.get_by_role("button", name="Watch")).to_have_count(0)
    assert fetch_status(viewer, f"/api/v1/recordings/{inside}") == 404, "the approval ended"
    viewer.screenshot(path=str(tmp_path / "requests-expired.png"), full_page=True)
    assert errors == [] and manager_errors == []
