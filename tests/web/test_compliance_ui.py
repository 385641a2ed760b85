"""The compliance pages in real Chromium: records, the dashboard, a sign, the public notice.

Screenshots of the notice, the sign preview and the dashboard go to docs/screenshots/, where
docs/compliance.md shows them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from mimamoru.access.roles import Role
from tests.conftest import RunningServer, ServerFactory
from tests.web.conftest import (
    PASSWORD,
    SLOW,
    add_camera,
    add_user,
    admin_page,
    log_in_as,
    no_errors,
)

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture
def server(start_server: ServerFactory) -> RunningServer:
    """The server as an operator would set it up: the notice at its public address."""
    return start_server(compliance={"public_base_url": "https://cameras.example.jp"})


def test_records_dashboard_sign_and_notice(server: RunningServer, browser: Browser) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    front = add_camera(server, "Front door")
    yard = server.services.cameras.add(
        name="Back yard", source="rtsp://127.0.0.1:9/x", retention_hours=24, actor="test"
    )
    page = admin_page(browser, server, viewport={"width": 1200, "height": 900})
    errors = no_errors(page)

    # The records: profile, a site, the yard's purposes and the front door's sign.
    page.get_by_role("navigation", name="Administration").get_by_role(
        "link", name="Privacy records"
    ).click()
    records = page.locator("#admin-content")
    expect(records).to_have_attribute("data-ready", "true", timeout=SLOW)
    page.get_by_label("Business name").fill("見守る商店 Mimamoru Shop")
    page.get_by_label("Address", exact=True).fill("東京都渋谷区1-2-3")
    page.get_by_label("Representative").fill("山田太郎")
    page.get_by_label("Privacy contact (department)").fill("お客様窓口 Customer desk")
    page.get_by_label("E-mail").fill("privacy@example.jp")
    page.get_by_label("How to make a request").fill("窓口までご連絡ください。Contact the desk.")
    page.get_by_role("button", name="Save profile").click()
    expect(page.locator("#profile-missing")).to_have_text("Complete.", timeout=SLOW)
    page.locator("#s-name").fill("渋谷店 Shibuya shop")
    page.get_by_role("button", name="Add site").click()
    expect(page.locator("#site-list tbody tr")).to_have_count(1, timeout=SLOW)
    page.locator("#l-name").fill("Server room")
    page.get_by_role("button", name="Add location").click()
    expect(page.locator("#locations tbody tr")).to_have_count(1, timeout=SLOW)

    yard_record = page.locator(f"#camera-{yard.id}")
    yard_record.get_by_label("安全管理 / Safety management").check()
    yard_record.get_by_role("button", name="Save purposes").click()
    status = page.locator("#records-status")
    expect(status).to_have_text("Purposes of Back yard saved.", timeout=SLOW)
    safety = page.locator(f"#camera-{yard.id}").get_by_label("安全管理 / Safety management")
    expect(safety).to_be_checked()
    front_record = page.locator(f"#camera-{front.id}")
    front_record.get_by_label("Site of Front door").select_option(label="渋谷店 Shibuya shop")
    front_record.get_by_role("button", name="Save site").click()
    expect(status).to_have_text("Site of Front door saved.", timeout=SLOW)
    site_id = str(server.services.compliance.sites.all()[0].id)
    expect(page.get_by_label("Site of Front door")).to_have_value(site_id)
    front_record = page.locator(f"#camera-{front.id}")
    front_record.get_by_label("Sign put up by (Front door)").fill("Sato")
    front_record.get_by_role("button", name="Sign is up").click()
    expect(status).to_have_text("Sign of Front door attested.", timeout=SLOW)
    expect(page.locator(f"#camera-{front.id}")).to_contain_text("by Sato (current).")
    yard_record = page.locator(f"#camera-{yard.id}")
    yard_record.get_by_label("Retention in hours (Back yard)").fill("96")
    yard_record.get_by_role("button", name="Save retention").click()
    expect(page.locator(f"#camera-{yard.id}")).to_contain_text("give a written", timeout=SLOW)
    yard_record.get_by_label("Retention justification (Back yard)").fill("Closed on weekends")
    yard_record.get_by_role("button", name="Save retention").click()
    expect(status).to_have_text("Retention of Back yard saved.", timeout=SLOW)
    assert server.services.cameras.get(yard.id).retention_hours == 96
    page.screenshot(path=str(SCREENSHOTS / "privacy-records.png"), full_page=True)
    yard_purposes = server.services.compliance.purposes.of_camera(yard.id)[0]
    assert [purpose.code for purpose in yard_purposes] == ["safety"]

    # The dashboard: the front door's sign is in order, the yard's is not; one-click review.
    page.goto(f"{server.url}/compliance")
    board = page.locator("#dashboard")
    expect(board).to_have_attribute("data-ready", "true", timeout=SLOW)
    expect(board.locator('tr[data-key="profile"]')).to_have_attribute("data-ok", "true")
    review_row = board.locator('tr[data-key="permissions_review"]')
    expect(review_row).to_have_attribute("data-ok", "false")
    page.get_by_role("button", name="Permissions reviewed").click()
    expect(page.locator("#review-status")).to_contain_text("recorded by admin", timeout=SLOW)
    expect(board.locator('tr[data-key="permissions_review"]')).to_have_attribute(
        "data-ok", "true", timeout=SLOW
    )
    page.screenshot(path=str(SCREENSHOTS / "compliance-dashboard.png"), full_page=True)

    # The sign preview: the PNG the API renders, shown in the page.
    page.goto(f"{server.url}/signage?camera={front.id}")
    expect(page.locator("#signage")).to_have_attribute("data-ready", "true", timeout=SLOW)
    width = page.locator("#signage-preview").evaluate("image => image.naturalWidth")
    assert width > 1000, "a 200 dpi A4 page"
    expect(page.locator("#signage-png")).to_have_attribute(
        "href", f"/api/v1/cameras/{front.id}/signage.pdf?format=png"
    )
    page.screenshot(path=str(SCREENSHOTS / "signage-preview.png"), full_page=True)
    assert errors == []

    # The public notice, without logging in.
    anonymous = browser.new_context(viewport={"width": 1000, "height": 900}).new_page()
    anonymous.goto(f"{server.url}/privacy")
    expect(anonymous.get_by_role("heading", level=1)).to_contain_text("防犯カメラの運用について")
    expect(anonymous.locator("#cameras")).to_contain_text("Crime prevention")
    expect(anonymous.locator("#cameras")).to_contain_text("Safety management")
    expect(anonymous.locator("#cameras")).not_to_contain_text("Front door")
    anonymous.screenshot(path=str(SCREENSHOTS / "privacy-notice.png"), full_page=True)


def test_a_manager_reads_the_dashboard_a_viewer_is_refused(
    server: RunningServer, browser: Browser
) -> None:
    add_user(server, "mina", Role.MANAGER)
    add_user(server, "vic", Role.VIEWER)
    manager = browser.new_context().new_page()
    log_in_as(manager, server, "mina", PASSWORD)
    nav = manager.get_by_role("navigation", name="Administration")
    nav.get_by_role("link", name="Compliance").click()
    expect(manager.locator("#dashboard")).to_have_attribute("data-ready", "true", timeout=SLOW)
    viewer = browser.new_context().new_page()
    log_in_as(viewer, server, "vic", PASSWORD)
    viewer.goto(f"{server.url}/compliance")
    expect(viewer.get_by_role("alert")).to_contain_text(
        "manager, auditor or administrator rights required", timeout=SLOW
    )
    expect(viewer.locator("#dashboard")).to_be_hidden()
