"""The mask editor in real Chromium: draw, move, delete, save — with a mouse and by touch."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, FloatRect, Page, expect

from tests.conftest import RunningServer
from tests.web.conftest import DocScreenshot, log_in

pytestmark = pytest.mark.browser


def open_editor(page: Page, server: RunningServer, camera_id: int) -> None:
    log_in(page, server)
    expect(page).to_have_url(f"{server.url}/cameras")
    page.goto(f"{server.url}/masks?camera={camera_id}")
    expect(page.locator("#mask-status")).to_have_attribute("data-ready", "true", timeout=30_000)


def canvas_box(page: Page) -> FloatRect:
    """The canvas's box in the viewport, scrolled to the top so that all of it is on screen.

    The picture fills the page's width, so with the header and the controls above it the
    canvas reaches below a 720 px viewport; clicks there would land outside the page.
    """
    canvas = page.locator("#mask-canvas")
    canvas.evaluate("element => element.scrollIntoView({block: 'start'})")
    box = canvas.bounding_box()
    assert box is not None
    return box


def click_at(page: Page, x: float, y: float, touch: bool = False) -> None:
    box = canvas_box(page)
    target = (box["x"] + x * box["width"], box["y"] + y * box["height"])
    if touch:
        page.touchscreen.tap(*target)
    else:
        page.mouse.click(*target)


def saved_masks(server: RunningServer, camera_id: int) -> list[dict[str, object]]:
    return [mask.as_dict() for mask in server.services.cameras.get(camera_id).masks]


def test_draw_move_fill_and_delete_with_a_mouse(
    server: RunningServer, browser: Browser, doc_screenshot: DocScreenshot
) -> None:
    camera = server.services.cameras.add(
        name="Till",
        source="test://pattern?size=320x240&rate=10",
        retention_hours=24,
        purposes=["crime_prevention"],
        actor="test",
    )
    page = browser.new_page()
    open_editor(page, server, camera.id)
    page.get_by_role("button", name="New mask").click()
    for x, y in ((0.2, 0.2), (0.6, 0.2), (0.6, 0.6), (0.2, 0.6)):
        click_at(page, x, y)
    page.get_by_role("button", name="Finish mask").click()
    page.get_by_label("Fill").select_option("black")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#mask-status")).to_have_attribute("data-version", "1", timeout=20_000)
    (mask,) = saved_masks(server, camera.id)
    assert mask["fill"] == "black"
    points = mask["points"]
    assert isinstance(points, list) and len(points) == 4
    assert abs(points[0][0] - 0.2) < 0.02 and abs(points[2][1] - 0.6) < 0.02
    click_at(page, 0.4, 0.4)  # select it: the documentation shows its handles
    page.evaluate("window.scrollTo(0, 0)")
    doc_screenshot(page, "mask-editor")

    box = canvas_box(page)
    page.mouse.move(box["x"] + 0.6 * box["width"], box["y"] + 0.6 * box["height"])
    page.mouse.down()
    page.mouse.move(box["x"] + 0.8 * box["width"], box["y"] + 0.9 * box["height"], steps=5)
    page.mouse.up()
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#mask-status")).to_have_attribute("data-version", "2", timeout=20_000)
    (moved,) = saved_masks(server, camera.id)
    corner = moved["points"][2]  # type: ignore[index]
    assert abs(corner[0] - 0.8) < 0.02 and abs(corner[1] - 0.9) < 0.02

    click_at(page, 0.3, 0.3)  # select the mask
    page.get_by_role("button", name="Delete selected").click()
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#mask-status")).to_have_attribute("data-version", "3", timeout=20_000)
    assert saved_masks(server, camera.id) == []


def test_draw_by_touch_and_see_the_error_for_a_bad_mask(
    server: RunningServer, browser: Browser
) -> None:
    camera = server.services.cameras.add(
        name="Door",
        source="test://pattern?size=320x240&rate=10",
        retention_hours=24,
        purposes=["crime_prevention"],
        actor="test",
    )
    context = browser.new_context(has_touch=True, viewport={"width": 420, "height": 800})
    page = context.new_page()
    open_editor(page, server, camera.id)
    page.get_by_role("button", name="New mask").tap()
    for x, y in ((0.1, 0.1), (0.5, 0.15), (0.3, 0.5)):
        click_at(page, x, y, touch=True)
    page.get_by_role("button", name="Finish mask").tap()
    page.get_by_role("button", name="Save").tap()
    expect(page.locator("#mask-status")).to_have_attribute("data-version", "1", timeout=20_000)
    (mask,) = saved_masks(server, camera.id)
    assert mask["fill"] == "gray" and len(mask["points"]) == 3  # type: ignore[arg-type]

    # A self-intersecting polygon is refused with the server's reason, and nothing changes.
    page.get_by_role("button", name="New mask").tap()
    for x, y in ((0.6, 0.6), (0.9, 0.9), (0.9, 0.6), (0.6, 0.9)):
        click_at(page, x, y, touch=True)
    page.get_by_role("button", name="Finish mask").tap()
    page.get_by_role("button", name="Save").tap()
    expect(page.locator("#mask-status")).to_contain_text(
        "Not saved: mask 1: the polygon intersects itself"
    )
    assert len(saved_masks(server, camera.id)) == 1
    context.close()
