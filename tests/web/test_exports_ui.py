"""The exports page and the public /verify page in real Chromium."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, expect

from mimamoru.access.principal import Principal
from mimamoru.access.roles import Role
from mimamoru.db import cameras as camera_queries
from mimamoru.exports.service import ExportOrder
from mimamoru.exports.verify import verify_package
from tests.conftest import RunningServer
from tests.exports.support import flip_byte
from tests.support.footage import h264_segment_payload, write_video_segments
from tests.web.conftest import SLOW, admin_page, no_errors

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def payload(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return h264_segment_payload(4.0, 15, work_dir=tmp_path_factory.mktemp("payload"))


def camera_with_footage(server: RunningServer, payload: bytes, start: datetime) -> int:
    services = server.services
    with services.database.session() as session:
        row = camera_queries.add_camera(
            session,
            name="Entrance",
            source="test://pattern",
            retention_hours=72,
            now=services.clock.now(),
        )
        row.enabled = False  # no recorder: the footage is written here
        camera_id = row.id
    services.cameras.set_export_without_approval(camera_id, True, "admin")
    write_video_segments(services, camera_id, start, 3, payload)
    return camera_id


def package_file(server: RunningServer, camera_id: int, start: datetime, target: Path) -> Path:
    services = server.services
    record = services.exports.create(
        Principal(1, "admin", Role.ADMIN),
        ExportOrder(
            camera_id=camera_id,
            start=start,
            end=start + timedelta(seconds=8),
            purpose="bicycle theft",
            recipient="Minato police station",
            legal_basis="law",
            reference="捜査関係事項照会書 第7号",
        ),
    )
    done = services.exports.run(record.id)
    _size, body = services.exports.open_package(done, "admin", "test")
    target.write_bytes(b"".join(body))
    return target


def test_verify_page_checks_good_and_corrupted_packages(
    server: RunningServer, browser: Browser, payload: bytes, tmp_path: Path
) -> None:
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    camera_id = camera_with_footage(server, payload, start)
    good = package_file(server, camera_id, start, tmp_path / "good.zip")
    corrupted = tmp_path / "corrupted.zip"
    corrupted.write_bytes(flip_byte(good.read_bytes(), "export-1.mp4"))
    junk = tmp_path / "holiday-photos.zip"
    junk.write_bytes(b"this is not a zip file")

    page = browser.new_context().new_page()  # not logged in: the page is public
    errors = no_errors(page)
    page.goto(f"{server.url}/verify")
    fingerprint = server.services.exports.signer.fingerprint
    expect(page.locator("#key-fingerprint")).to_have_text(fingerprint, timeout=SLOW)
    result = page.locator("#verify-result")

    page.get_by_label("Package", exact=True).set_input_files(str(good))
    page.get_by_role("button", name="Verify").click()
    expect(result).to_have_text(
        "Intact: the signature is valid and the video matches the manifest.", timeout=SLOW
    )
    expect(page.locator("#verify-manifest")).to_contain_text("Minato police station")
    page.screenshot(path=str(tmp_path / "verify-good.png"), full_page=True)

    page.get_by_label("Package", exact=True).set_input_files(str(corrupted))
    page.get_by_role("button", name="Verify").click()
    expect(result).to_have_text(
        "NOT intact: this package was changed or is not signed by this installation.",
        timeout=SLOW,
    )
    expect(page.locator("#verify-problems li")).to_contain_text(
        ["manifest field video.sha256"], timeout=SLOW
    )
    page.screenshot(path=str(tmp_path / "verify-corrupted.png"), full_page=True)

    page.get_by_label("Package", exact=True).set_input_files(str(junk))
    page.get_by_role("button", name="Verify").click()
    expect(result).to_have_text("Not a mimamoru export.", timeout=SLOW)
    expect(page.locator("#verify-problems li")).to_have_text(
        ["not a mimamoru export: not a zip file"]
    )
    assert errors == []


def test_export_page_shows_progress_then_a_download_link(
    server: RunningServer, browser: Browser, payload: bytes, tmp_path: Path
) -> None:
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    camera_with_footage(server, payload, start)
    # Held back so that the page shows the export waiting with its progress bar; the job
    # runs once the runner starts again.
    server.services.export_runner.stop()
    page = admin_page(browser, server, timezone_id="UTC", accept_downloads=True)
    errors = no_errors(page)
    page.get_by_role("link", name="Exports").click()
    expect(page).to_have_url(f"{server.url}/exports")
    fingerprint = server.services.exports.signer.fingerprint
    expect(page.locator("#key-fingerprint")).to_have_text(fingerprint, timeout=SLOW)
    expect(page.get_by_label("Camera")).to_have_text("Entrance", timeout=SLOW)
    # Typed in the site's time zone (not the browser's), as the page shows times.
    zone = ZoneInfo(server.services.settings.site.timezone)
    stamp = "%Y-%m-%dT%H:%M:%S"
    page.get_by_label("From (local time)").fill(start.astimezone(zone).strftime(stamp))
    page.get_by_label("Until (local time)").fill(
        (start + timedelta(seconds=10)).astimezone(zone).strftime(stamp)
    )
    page.get_by_label("Purpose").fill("slip in the entrance")
    page.get_by_label("Recipient").fill("Tokio Marine, claims department")
    page.get_by_label("Legal basis").select_option("consent")
    page.get_by_label("Reference (document number, consent record)").fill("consent 2026-31")
    page.get_by_role("button", name="Export").click()

    row = page.locator("#exports tbody tr", has_text="Tokio Marine")
    expect(row.get_by_role("progressbar")).to_be_visible(timeout=SLOW)
    expect(row.locator(".export-state")).to_have_attribute("data-state", "queued")
    page.screenshot(path=str(tmp_path / "export-queued.png"), full_page=True)

    server.services.export_runner.start()
    link = row.get_by_role("link", name="Download package")
    expect(link).to_be_visible(timeout=SLOW)
    expect(row.locator(".export-state")).to_have_attribute("data-state", "done")
    expect(row.locator(".downloads")).to_have_text("0")
    page.screenshot(path=str(tmp_path / "export-done.png"), full_page=True)
    with page.expect_download() as download_info:
        link.click()
    saved = tmp_path / "downloaded.zip"
    download_info.value.save_as(saved)
    key = server.services.exports.signer.public_key
    result = verify_package(io.BytesIO(saved.read_bytes()), key)
    assert result.ok, result.problems
    assert result.manifest is not None
    assert result.manifest["recipient"] == "Tokio Marine, claims department"
    assert errors == []
