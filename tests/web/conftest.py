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
