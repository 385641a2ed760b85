"""Playback in real Chromium: timeline, seeking, speeds, frame steps, keyboard, phone."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Page, expect

from mimamoru.access.grants import GrantRecord
from mimamoru.access.roles import Operation
from mimamoru.storage.index import SegmentRecord
from tests.conftest import RunningServer
from tests.support.processes import wait_until
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

FPS = 10
ZONE = ZoneInfo("Asia/Tokyo")  # the default site time zone


def recording_camera(
    server: RunningServer, name: str, segments: int, stripe: bool = False
) -> tuple[int, list[SegmentRecord]]:
    """A camera that has recorded at least ``segments`` segments (1 s each in tests)."""
    # The time stripe (media/timestripe.py) needs a picture at least 496 pixels wide.
    size = "640x360&clock=1" if stripe else "320x240"
    source = f"test://pattern?size={size}&rate={FPS}"
    camera = server.services.cameras.add(
        name=name,
        source=source,
        retention_hours=24,
        purposes=["crime_prevention"],  # without a purpose a camera does not record
        actor="t",
    ).id
    since = server.services.clock.now() - timedelta(minutes=1)

    def recorded() -> list[SegmentRecord]:
        now = server.services.clock.now()
        return list(server.services.segments.in_range(camera, since, now + timedelta(seconds=5)))

    wait_until(lambda: len(recorded()) >= segments, timeout=90, what=f"{segments} segments")
    return camera, recorded()


def shown(moment: datetime) -> str:
    """The clock as an English page shows it: the site's zone, a 24-hour clock."""
    local = moment.astimezone(ZONE)
    return f"{local:%b} {local.day}, {local.year}, {local:%H:%M:%S}"


def wall_ms(page: Page) -> int:
    return int(page.locator("#playback-time").get_attribute("data-wall-ms") or "0")


def media_time(page: Page) -> float:
    value = page.evaluate("document.getElementById('playback-video').currentTime")
    assert isinstance(value, float | int)
    return float(value)


def stripe_ms(page: Page) -> int:
    """The capture time burned into the picture shown (static/timestripe.js must be loaded)."""
    page.wait_for_function(
        "() => readTimeStripe(document.getElementById('playback-video')) !== null", timeout=SLOW
    )
    value = page.evaluate("readTimeStripe(document.getElementById('playback-video'))")
    assert isinstance(value, int | float)
    return int(value)


def blur(page: Page) -> None:
    page.evaluate("document.activeElement && document.activeElement.blur()")


def test_seek_play_across_segments_speeds_frames_and_keys(
    server: RunningServer, browser: Browser, tmp_path: Path, doc_screenshot: DocScreenshot
) -> None:
    # Wide enough for the time stripe (media/timestripe.py): each picture says when it was taken.
    camera, segments = recording_camera(server, "Shop", 16, stripe=True)
    server.services.holds.place(
        camera_id=camera,
        start=segments[0].start,
        end=segments[2].end,
        reason="incident 7",
        expires=server.services.clock.now() + timedelta(days=7),
        actor="test",
    )
    page = admin_page(browser, server, viewport={"width": 1280, "height": 800})
    errors = no_errors(page)
    page.goto(f"{server.url}/playback?camera={camera}&lang=en")  # English: shown() below
    expect(page.locator("#camera-name")).to_have_text("Shop", timeout=SLOW)
    expect(page.locator("#playback-state")).to_have_attribute("data-state", "paused", timeout=SLOW)
    expect(page.locator("#zone")).to_have_text("Times in Asia/Tokyo")
    expect(page.locator("#timeline .range").first).to_be_visible()

    # Seek to a chosen whole second inside the fourth segment, by typing the time.
    chosen_segment = segments[3]
    chosen = chosen_segment.start + timedelta(seconds=0.3)
    chosen = chosen.replace(microsecond=0) + timedelta(seconds=1)
    holder = next(s for s in segments if s.start <= chosen < s.end)
    page.get_by_label("Go to").fill(chosen.astimezone(ZONE).strftime("%H:%M:%S"))
    page.get_by_role("button", name="Go", exact=True).click()
    clock = page.locator("#playback-time")
    expect(clock).to_have_text(shown(chosen), timeout=SLOW)
    video = page.locator("#playback-video")
    expect(video).to_have_attribute("data-segment", str(holder.id), timeout=SLOW)
    offset = float(video.get_attribute("data-segment-offset") or "nan")
    # The position in the segment's own video is the chosen time's distance from its start.
    assert abs(offset - (chosen - holder.start).total_seconds()) < 0.05
    assert abs(wall_ms(page) - chosen.timestamp() * 1000) < 2
    # The picture's own timestamp, read from its time stripe, is the chosen time (± 1 s).
    page.add_script_tag(url="/static/timestripe.js")
    off_by = stripe_ms(page) - chosen.timestamp() * 1000
    print(f"playback seek: picture's time stripe minus chosen time = {off_by:.0f} ms")
    assert abs(off_by) <= 1000
    page.screenshot(path=str(tmp_path / "playback-seek.png"))

    # Frame by frame while paused: ±1 frame shows the next / previous frame of the segment.
    blur(page)
    start, first_picture = media_time(page), picture(page, "#playback-video")
    base = start - offset  # where the segment begins in the page's media timeline

    def frame() -> int:
        return math.floor((media_time(page) - base) * FPS + 1e-6)

    first_frame = frame()
    next_slot = base + (first_frame + 1) / FPS  # where the next frame begins
    page.keyboard.press(".")
    page.wait_for_function(
        f"() => document.getElementById('playback-video').currentTime >= {next_slot}"
    )
    page.wait_for_function("() => !document.getElementById('playback-video').seeking")
    assert frame() == first_frame + 1
    assert picture(page, "#playback-video") != first_picture
    page.keyboard.press(",")
    page.wait_for_function(
        f"() => document.getElementById('playback-video').currentTime < {next_slot - 0.0005}"
    )
    page.wait_for_function("() => !document.getElementById('playback-video').seeking")
    assert frame() == first_frame
    assert picture(page, "#playback-video") == first_picture

    # Space plays on across segment boundaries, appended ahead into one continuous buffer:
    # the video never runs out of data on the way ("waiting"), so it never stalls.
    page.evaluate(
        "() => { window.stalls = 0; document.getElementById('playback-video')"
        ".addEventListener('waiting', () => { window.stalls += 1; }); }"
    )
    page.keyboard.press("Space")
    expect(page.locator("#playback-state")).to_have_text("Playing at 1\N{MULTIPLICATION SIGN}")
    later = holder.end + timedelta(seconds=2)
    page.wait_for_function(
        f"() => Number(document.getElementById('playback-time').dataset.wallMs) > "
        f"{later.timestamp() * 1000}",
        timeout=SLOW,
    )
    assert video.get_attribute("data-segment") != str(holder.id)
    ranges = page.evaluate("document.getElementById('playback-video').buffered.length")
    assert ranges == 1, "segments joined without a gap in the media buffer"
    assert page.evaluate("window.stalls") == 0
    page.keyboard.press("Space")
    expect(page.locator("#playback-state")).to_have_text("Paused")

    # ←/→ seek 5 s.
    before = wall_ms(page)
    page.keyboard.press("ArrowRight")
    page.wait_for_function(
        f"() => Number(document.getElementById('playback-time').dataset.wallMs) > {before + 4000}"
    )
    assert abs(wall_ms(page) - before - 5000) < 150
    page.wait_for_function("() => !document.getElementById('playback-video').seeking")
    assert abs(stripe_ms(page) - wall_ms(page)) <= 1000
    page.keyboard.press("ArrowLeft")
    page.wait_for_function(
        f"() => Number(document.getElementById('playback-time').dataset.wallMs) < {before + 1000}"
    )
    assert abs(wall_ms(page) - before) < 150

    # Speeds.
    page.get_by_label("Speed").select_option("4")
    blur(page)
    page.keyboard.press("Space")
    expect(page.locator("#playback-state")).to_have_text("Playing at 4\N{MULTIPLICATION SIGN}")
    assert page.evaluate("document.getElementById('playback-video').playbackRate") == 4
    page.get_by_role("button", name="Pause").click()

    # Click the timeline (zoomed to 10 minutes) on the recorded range.
    page.get_by_label("Show").select_option("600")
    bar = page.locator("#timeline .range").first
    box = bar.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] * 0.3, box["y"] + box["height"] / 2)
    first, last = segments[0].start.timestamp() * 1000, server.services.clock.now().timestamp()
    page.wait_for_function("() => !document.getElementById('playback-video').seeking", timeout=SLOW)
    assert first - 1000 <= wall_ms(page) <= last * 1000

    # Drag along it: the cursor follows the pointer, and letting go seeks there.
    timeline = page.locator("#timeline").bounding_box()
    assert timeline is not None
    middle = box["y"] + box["height"] / 2
    page.mouse.move(timeline["x"] + 5, middle)
    page.mouse.down()
    target_x = box["x"] + box["width"] * 0.8
    page.mouse.move(target_x, middle, steps=8)
    expect(page.locator("#timeline .cursor.preview")).to_be_visible()
    page.mouse.up()
    expect(page.locator("#timeline .cursor.preview")).to_be_hidden()
    page.wait_for_function("() => !document.getElementById('playback-video').seeking", timeout=SLOW)
    # The time under the pointer, from the bar's place: (pixels are ~0.6 s at this zoom).
    range_end = max(
        s.end
        for s in server.services.segments.in_range(
            camera, segments[0].start, server.services.clock.now() + timedelta(seconds=5)
        )
    )
    span = (range_end - segments[0].start).total_seconds()
    expected = segments[0].start.timestamp() + 0.8 * span
    assert abs(wall_ms(page) / 1000 - expected) < 0.25 * span

    # The evidence hold placed on the first seconds shows above the range.
    expect(page.locator("#timeline .hold")).to_have_count(1)

    # "Now": the newest recording, playing.
    page.get_by_role("button", name="Now").click()
    expect(page.locator("#playback-state")).to_have_attribute("data-state", "playing", timeout=SLOW)
    newest = max(
        s.end
        for s in server.services.segments.in_range(
            camera, segments[0].start, server.services.clock.now() + timedelta(seconds=5)
        )
    )
    page.wait_for_timeout(500)
    assert wall_ms(page) >= (newest - timedelta(seconds=10)).timestamp() * 1000
    page.get_by_role("button", name="Pause").click()
    doc_screenshot(page, "playback")

    # The day before: nothing recorded, and it says so.
    page.get_by_role("button", name="Previous day").click()
    expect(page.locator("#playback-state")).to_have_text("No recordings on this day.")
    expect(page.locator("#timeline .range")).to_have_count(0)
    assert errors == []


def test_playback_on_a_phone_by_touch(
    server: RunningServer, browser: Browser, doc_screenshot: DocScreenshot
) -> None:
    camera, segments = recording_camera(server, "Gate", 12)
    page = admin_page(
        browser, server, viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True
    )
    errors = no_errors(page)
    page.goto(f"{server.url}/playback?camera={camera}")
    expect(page.locator("#playback-state")).to_have_attribute("data-state", "paused", timeout=SLOW)
    page.get_by_label("Show").select_option("600")
    bar = page.locator("#timeline .range").first
    bar.scroll_into_view_if_needed()
    box = bar.bounding_box()
    assert box is not None
    before = wall_ms(page)
    # The page opened on the newest pictures; a tap at the range's start goes back in time.
    page.touchscreen.tap(box["x"] + 1, box["y"] + box["height"] / 2)
    page.wait_for_function(
        f"() => Number(document.getElementById('playback-time').dataset.wallMs) < {before - 2000}",
        timeout=SLOW,
    )
    assert abs(wall_ms(page) - segments[0].start.timestamp() * 1000) < 30_000
    # Nothing sticks out sideways: the page fits the phone's width.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_role("button", name="Play").tap()
    expect(page.locator("#playback-state")).to_have_attribute("data-state", "playing")
    page.get_by_role("button", name="Pause").tap()
    doc_screenshot(page, "playback-phone", viewport=None)
    assert errors == []


def test_playback_refused_without_the_grant_with_a_way_to_ask(
    server: RunningServer, browser: Browser
) -> None:
    camera = server.services.cameras.add(
        name="Lobby",
        source="test://pattern?size=160x120&rate=2",
        retention_hours=24,
        purposes=["crime_prevention"],
        actor="t",
    ).id
    lena = add_user(server, "lena")
    server.services.grants.replace(
        lena, [GrantRecord(camera, frozenset({Operation.LIVE}))], actor="test"
    )
    page = browser.new_page()
    errors = no_errors(page)
    log_in_as(page, server, "lena", PASSWORD)
    page.goto(f"{server.url}/playback?camera={camera}")
    state = page.locator("#playback-state")
    expect(state).to_contain_text("You may not play back this camera's recordings.", timeout=SLOW)
    expect(state.get_by_role("link", name="Request access")).to_have_attribute(
        "href", f"/requests?camera={camera}&operation=playback"
    )
    expect(page.locator("#playback-controls")).to_be_hidden()
    assert errors == []
