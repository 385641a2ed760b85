"""Real Chromium (Debian's), driven by Playwright, trusting exactly the server's key."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from playwright.sync_api import Browser, Page, expect, sync_playwright

from mimamoru.access.roles import Role
from mimamoru.cameras import CameraRecord
from tests.conftest import RunningServer

CHROMIUM = "/usr/bin/chromium"


def spki_hash(cert_pem: Path) -> str:
    """Chromium trusts exactly this key: the test keeps certificate checking on."""
    certificate = x509.load_pem_x509_certificates(cert_pem.read_bytes())[0]
    spki = certificate.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(hashlib.sha256(spki).digest()).decode()


@pytest.fixture
def browser(server: RunningServer) -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: scripts/test.sh installs Debian's chromium package")
    cert = server.installation.data_dir / "tls" / "cert.pem"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--ignore-certificate-errors-spki-list={spki_hash(cert)}",
                "--autoplay-policy=no-user-gesture-required",
            ],
        )
        try:
            yield browser
        finally:
            browser.close()


def log_in(page: Page, server: RunningServer, password: str | None = None) -> None:
    page.goto(f"{server.url}/")
    expect(page).to_have_url(f"{server.url}/login")
    page.get_by_label("User name").fill(server.installation.admin_user)
    page.get_by_label("Password").fill(password or server.installation.admin_password)
    page.get_by_role("button", name="Log in").click()


# Generous: other test runs share this machine.
SLOW = 30_000
PASSWORD = "tall-orange-kettle-7"


def add_camera(server: RunningServer, name: str) -> CameraRecord:
    return server.services.cameras.add(
        name=name,
        source="test://pattern?size=160x120&rate=2",
        retention_hours=24,
        purposes=["crime_prevention"],
        actor="test",
    )


def add_user(server: RunningServer, username: str, role: Role = Role.VIEWER) -> int:
    account = server.services.accounts.create(
        username=username, password=PASSWORD, role=role, actor="test"
    )
    return account.id


def log_in_as(page: Page, server: RunningServer, username: str, password: str) -> None:
    page.goto(f"{server.url}/login")
    page.get_by_label("User name", exact=True).fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{server.url}/cameras", timeout=SLOW)


def admin_page(browser: Browser, server: RunningServer, **context: object) -> Page:
    page = browser.new_context(**context).new_page()  # type: ignore[arg-type]
    log_in(page, server)
    expect(page).to_have_url(f"{server.url}/cameras", timeout=SLOW)
    return page


def no_errors(page: Page) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors
