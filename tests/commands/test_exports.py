"""``mimamoru export verify`` and ``export public-key`` as a recipient and an operator run them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from mimamoru.access.principal import Principal
from mimamoru.access.roles import Role
from mimamoru.clock import ManualClock
from mimamoru.exports.service import ExportOrder
from mimamoru.exports.signing import public_key_pem
from mimamoru.services import Services
from tests.conftest import Installation
from tests.exports.support import changed, flip_byte, members, rebuild, with_manifest
from tests.support.footage import h264_segment_payload, write_video_segments
from tests.support.processes import mimamoru

T0 = datetime(2026, 11, 1, 0, 0, tzinfo=UTC)


def make_package(installation: Installation, target: Path) -> Path:
    services = Services.build(installation.settings(), ManualClock(T0 + timedelta(hours=1)))
    try:
        camera = services.cameras.add(
            name="lobby", source="test://pattern", retention_hours=24, actor="t"
        )
        services.cameras.set_export_without_approval(camera.id, True, "admin")
        write_video_segments(services, camera.id, T0, 2, h264_segment_payload(4.0))
        record = services.exports.create(
            Principal(1, "admin", Role.ADMIN),
            ExportOrder(
                camera_id=camera.id,
                start=T0,
                end=T0 + timedelta(seconds=6),
                purpose="slip and fall claim",
                recipient="insurer, with the person's written consent",
                legal_basis="consent",
                reference="consent form 2026-118",
            ),
        )
        done = services.exports.run(record.id)
        _size, body = services.exports.open_package(done, "admin", "cli-test")
        target.write_bytes(b"".join(body))
    finally:
        services.close()
    return target


def test_verify_exit_codes_and_messages(installation: Installation, tmp_path: Path) -> None:
    package = make_package(installation, tmp_path / "export.zip")
    key = tmp_path / "key.pem"
    shown = mimamoru("export", "public-key", "--data-dir", str(installation.data_dir))
    assert shown.returncode == 0, shown.stderr
    key.write_text(shown.stdout)  # the "#" lines after the PEM block are ignored
    fingerprint = shown.stdout.split("SHA-256 of the raw key): ")[1].split()[0]

    good = mimamoru("export", "verify", str(package), "--public-key", str(key))
    assert good.returncode == 0, good.stderr
    assert "intact. Export 1 of camera 'lobby'" in good.stdout
    assert f"signed by key SHA-256 {fingerprint}" in good.stdout
    own_key = mimamoru("export", "verify", str(package))
    assert own_key.returncode == 0
    assert "compare the fingerprint" in own_key.stderr

    flipped = tmp_path / "flipped.zip"
    flipped.write_bytes(flip_byte(package.read_bytes(), "export-1.mp4"))
    result = mimamoru("export", "verify", str(flipped), "--public-key", str(key))
    assert result.returncode == 1
    assert "FAILED: manifest field video.sha256" in result.stderr
    assert "NOT intact (1 problem(s))" in result.stderr

    manifest_changed = tmp_path / "recipient.zip"
    original = package.read_bytes()
    manifest = json.loads(members(original)["manifest.json"])
    manifest_changed.write_bytes(with_manifest(original, changed(manifest, ("recipient",))))
    result = mimamoru("export", "verify", str(manifest_changed))
    assert result.returncode == 1
    assert "FAILED: signature: manifest.sig does not match manifest.json" in result.stderr

    other_key = tmp_path / "other.pem"
    other_key.write_bytes(public_key_pem(Ed25519PrivateKey.generate().public_key()))
    result = mimamoru("export", "verify", str(package), "--public-key", str(other_key))
    assert result.returncode == 1
    assert "FAILED: signature:" in result.stderr
    assert "is not the public key given for the check" in result.stderr

    missing = tmp_path / "missing.zip"
    contents = members(original)
    del contents["manifest.sig"]
    missing.write_bytes(rebuild(contents))
    result = mimamoru("export", "verify", str(missing))
    assert result.returncode == 1
    assert "FAILED: missing member manifest.sig" in result.stderr

    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"PK\x03\x04 but nothing else")
    result = mimamoru("export", "verify", str(junk))
    assert result.returncode == 1
    assert "FAILED: not a mimamoru export: not a zip file" in result.stderr
