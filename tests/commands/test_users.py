"""``mimamoru user`` as a real subprocess."""

from __future__ import annotations

from pathlib import Path

from mimamoru.services import Services
from tests.conftest import Installation
from tests.support.processes import mimamoru


def test_user_add_grant_and_list(installation: Installation, tmp_path: Path) -> None:
    services = Services.build(installation.settings())
    try:
        camera = services.cameras.add(
            name="door", source="test://pattern", purposes=["crime_prevention"], actor="t"
        ).id
    finally:
        services.close()
    data_dir = str(installation.data_dir)
    secret = tmp_path / "pw"
    secret.write_text("a-long-enough-passphrase\n")
    added = mimamoru(
        "user", "add", "--data-dir", data_dir, "--username", "vera", "--role", "viewer",
        "--password-file", str(secret),
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    user_id = int(added.stdout)
    granted = mimamoru(
        "user", "grant", "--data-dir", data_dir, "--username", "vera", "--camera", str(camera),
        "--operations", "live,playback", "--playback-window-hours", "24",
    )  # fmt: skip
    assert granted.returncode == 0, granted.stderr
    assert "vera may now live,playback on camera" in granted.stdout
    listing = mimamoru("user", "list", "--data-dir", data_dir)
    assert f"{user_id}\tvera\tviewer\tenabled\tcamera {camera}: live,playback (last 24 h)" in (
        listing.stdout
    )
    assert "a-long-enough-passphrase" not in listing.stdout + added.stdout


def test_user_commands_refuse_bad_input(installation: Installation, tmp_path: Path) -> None:
    data_dir = str(installation.data_dir)
    secret = tmp_path / "pw"
    secret.write_text("short\n")
    weak = mimamoru(
        "user", "add", "--data-dir", data_dir, "--username", "x", "--role", "viewer",
        "--password-file", str(secret),
    )  # fmt: skip
    assert weak.returncode == 1 and "too short" in weak.stderr
    secret.write_text("a-long-enough-passphrase\n")
    role = mimamoru(
        "user", "add", "--data-dir", data_dir, "--username", "x", "--role", "boss",
        "--password-file", str(secret),
    )  # fmt: skip
    assert role.returncode == 1 and "unknown role 'boss'" in role.stderr
    missing = mimamoru(
        "user", "grant", "--data-dir", data_dir, "--username", "ghost", "--camera", "1",
        "--operations", "live",
    )  # fmt: skip
    assert missing.returncode == 1 and "user 'ghost' not found" in missing.stderr
    operation = mimamoru(
        "user", "grant", "--data-dir", data_dir, "--username", "admin", "--camera", "1",
        "--operations", "live,watch",
    )  # fmt: skip
    assert operation.returncode == 1 and "unknown operation 'watch'" in operation.stderr


def test_user_grant_without_operations_takes_the_roles_defaults(
    installation: Installation, tmp_path: Path
) -> None:
    services = Services.build(installation.settings())
    try:
        camera = services.cameras.add(
            name="door", source="test://pattern", purposes=["crime_prevention"], actor="t"
        ).id
    finally:
        services.close()
    data_dir = str(installation.data_dir)
    secret = tmp_path / "pw"
    secret.write_text("a-long-enough-passphrase\n")
    for name, role in (("olga", "operator"), ("aiko", "auditor")):
        added = mimamoru(
            "user", "add", "--data-dir", data_dir, "--username", name, "--role", role,
            "--password-file", str(secret),
        )  # fmt: skip
        assert added.returncode == 0, added.stderr
    granted = mimamoru(
        "user", "grant", "--data-dir", data_dir, "--username", "olga", "--camera", str(camera)
    )  # fmt: skip
    assert granted.returncode == 0, granted.stderr
    assert "olga may now live,playback,ptz on camera" in granted.stdout
    refused = mimamoru(
        "user", "grant", "--data-dir", data_dir, "--username", "aiko", "--camera", str(camera)
    )  # fmt: skip
    assert refused.returncode == 1
    assert "the role auditor has no default operations" in refused.stderr
