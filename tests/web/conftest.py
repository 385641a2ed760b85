"""Real Chromium (Debian's), driven by Playwright, trusting exactly the server's key."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Iterator
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


DOC_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
DOC_VIEWPORT = (1280, 800)
DOC_SCREENSHOT_LIMIT = 400_000  # bytes: the PNGs live in the repository

DocScreenshot = Callable[..., Path]


@pytest.fixture
def doc_screenshot() -> DocScreenshot:
    """``doc_screenshot(page, name, viewport=(w, h))`` saves ``docs/screenshots/<name>.png``.

    The documentation shows what the tests saw: the picture is retaken on every run, at
    1280x800 unless another viewport is given (``viewport=None`` keeps the page's own).
    """

    def take(page: Page, name: str, viewport: tuple[int, int] | None = DOC_VIEWPORT) -> Path:
        if viewport is not None:
            size = page.viewport_size
            if size is None or (size["width"], size["height"]) != viewport:
                page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
                page.wait_for_timeout(500)  # let the layout settle at the new size
        page.evaluate("window.scrollTo(0, 0)")
        DOC_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = DOC_SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), type="png")
        size_bytes = path.stat().st_size
        assert size_bytes < DOC_SCREENSHOT_LIMIT, f"{path.name} is {size_bytes} bytes"
        return path

    return take


# A checksum of the picture a <video> shows now, drawn through a canvas.
PICTURE_JS = """(selector) => {
  const video = document.querySelector(selector);
  const canvas = document.createElement("canvas");
  canvas.width = video.videoWidth;
  canvas.height = video.videoHeight;
  const context = canvas.getContext("2d");
  context.drawImage(video, 0, 0);
  const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
  let hash = 0;
  for (let i = 0; i < data.length; i += 4) {
    hash = (Math.imul(hash, 31) + data[i] + 7 * data[i + 1] + 13 * data[i + 2]) >>> 0;
  }
  return hash;
}"""


def picture(page: Page, selector: str) -> int:
    value = page.evaluate(PICTURE_JS, selector)
    assert isinstance(value, int)
    return value
