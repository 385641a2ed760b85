"""The account page in real Chromium: two-factor set-up and login, sessions, API tokens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import Browser, expect

from tests.conftest import RunningServer
from tests.web.conftest import log_in

pytestmark = pytest.mark.browser


def test_two_factor_setup_then_login_with_a_code(
    server: RunningServer, browser: Browser, tmp_path: Path
) -> None:
    page = browser.new_page()
    log_in(page, server)
    expect(page).to_have_url(f"{server.url}/cameras")
    page.goto(f"{server.url}/account")
    expect(page.locator("#account-status")).to_have_attribute("data-ready", "true")
    expect(page.locator("#totp-state")).to_have_text("Off.")
    expect(page.locator("#sessions tbody tr")).to_have_count(1)
    expect(page.locator("#sessions tbody")).to_contain_text("this session")

    page.get_by_role("button", name="Set up two-factor").click()
    expect(page.locator("#totp-secret")).not_to_be_empty()
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    totp = pyotp.TOTP(secret)
    page.get_by_label("Code from the app").fill(totp.now())
    page.get_by_role("button", name="Confirm").click()
    expect(page.locator("#totp-state")).to_contain_text("On")

    page.get_by_label("Name").fill("backup script")
    page.get_by_label("playback").check()
    page.get_by_role("button", name="Make token").click()
    expect(page.locator("#token-value")).to_contain_text("mmr_")
    expect(page.locator("#tokens tbody tr")).to_have_count(1)
    page.screenshot(path=str(tmp_path / "account.png"), full_page=True)

    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(f"{server.url}/login")
    # The confirming code is used up; the next time step's code is accepted.
    next_code = totp.at(datetime.now(UTC) + timedelta(seconds=30))
    page.get_by_label("User name").fill(server.installation.admin_user)
    page.get_by_label("Password").fill(server.installation.admin_password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_have_text("Wrong user name, password or one-time code.")
    page.get_by_label("One-time code").fill(next_code)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{server.url}/cameras")
