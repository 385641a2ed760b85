"""``mimamoru keys`` and ``mimamoru storage`` as real subprocesses."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from mimamoru.clock import ManualClock
from mimamoru.crypto.master import encode_key, new_master_key, read_key_file
from mimamoru.services import Services
from tests.conftest import Installation
from tests.support.footage import write_segment
from tests.support.processes import mimamoru

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def with_footage(installation: Installation) -> None:
    services = Services.build(installation.settings(), ManualClock(T0))
    try:
        services.cameras.add(
            name="door",
            source="test://pattern",
            retention_hours=1,
            purposes=["crime_prevention"],
            actor="t",
        )
        for minutes in (0, 70, 130):
            write_segment(services, 1, T0 + timedelta(minutes=minutes))
    finally:
        services.close()


def test_serve_refuses_a_wrong_master_key_with_exit_code_3(installation: Installation) -> None:
    wrong = encode_key(new_master_key())
    result = mimamoru(
        "serve",
        "--data-dir",
        str(installation.data_dir),
        env={"MIMAMORU_KEYS__MASTER_KEY": wrong},
    )
    assert result.returncode == 3
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error: the master key from setting keys.master_key (")
    assert "is not this installation's" in last and wrong not in result.stderr


def test_keys_status_and_rotate(installation: Installation) -> None:
    with_footage(installation)
    data_dir = str(installation.data_dir)
    key_path = installation.data_dir / "keys" / "master.key"
    old = read_key_file(key_path)
    status = mimamoru("keys", "status", "--data-dir", data_dir)
    assert status.returncode == 0, status.stderr
    assert f"master key in use: {old.fingerprint}" in status.stdout
    assert "data keys alive: 3" in status.stdout
    assert old.secret.hex() not in status.stdout

    rotated = mimamoru("keys", "rotate", "--data-dir", data_dir, "--batch-size", "2")
    assert rotated.returncode == 0, rotated.stderr
    assert "re-wrapped 2/3 data keys" in rotated.stderr
    assert "3 data keys re-wrapped" in rotated.stdout and "the old key is gone" in rotated.stdout
    new = read_key_file(key_path)
    assert new.fingerprint != old.fingerprint
    assert key_path.stat().st_mode & 0o777 == 0o600
    verify = mimamoru("storage", "verify", "--data-dir", data_dir)
    assert verify.returncode == 0, verify.stdout
    assert "checked 3 segments" in verify.stdout and "3 ok" in verify.stdout


def test_storage_verify_finds_damage_and_deletions_are_listed(installation: Installation) -> None:
    with_footage(installation)
    data_dir = str(installation.data_dir)
    victim = sorted((installation.data_dir / "segments").rglob("*.mp4"))[1]
    blob = bytearray(victim.read_bytes())
    blob[40] ^= 1
    victim.write_bytes(bytes(blob))
    verify = mimamoru("storage", "verify", "--data-dir", data_dir)
    assert verify.returncode == 1
    assert "2 ok, 1 corrupt, 0 missing" in verify.stdout
    assert "corrupt: segment 2 (camera 1)" in verify.stdout

    services = Services.build(installation.settings(), ManualClock(T0 + timedelta(hours=3)))
    try:
        services.retention.sweep()
    finally:
        services.close()
    listing = mimamoru("storage", "deletions", "--data-dir", data_dir)
    assert listing.returncode == 0, listing.stderr
    rows = listing.stdout.strip().splitlines()
    assert rows[0].startswith("id\twhen\tcamera\treason")
    fields = rows[1].split("\t")
    assert fields[2:4] == ["1", "retention"] and fields[6] == "2" and fields[8] == "2"


def test_keys_init_gives_an_older_installation_its_master_key(installation: Installation) -> None:
    key_path = installation.data_dir / "keys" / "master.key"
    key_path.unlink()
    with sqlite3.connect(installation.data_dir / "mimamoru.db") as connection:
        connection.execute("DELETE FROM master_keys")  # as before encryption at rest
        connection.execute("DELETE FROM wrapped_secrets")
    data_dir = str(installation.data_dir)
    refused = mimamoru("camera", "list", "--data-dir", data_dir)
    assert refused.returncode == 3
    assert f"`mimamoru keys init --data-dir {installation.data_dir}`" in refused.stderr

    made = mimamoru("keys", "init", "--data-dir", data_dir)
    assert made.returncode == 0, made.stderr
    assert key_path.stat().st_mode & 0o777 == 0o600
    assert mimamoru("camera", "list", "--data-dir", data_dir).returncode == 0
    again = mimamoru("keys", "init", "--data-dir", data_dir)
    assert again.returncode == 3 and "already has master key" in again.stderr


def test_init_leaves_no_key_behind_when_it_fails(tmp_path: Path, postgres_url: str) -> None:
    outside = tmp_path / "keys-elsewhere" / "master.key"
    env = {"MIMAMORU_KEYS__MASTER_KEY_FILE": str(outside)}
    first = mimamoru("init", "--data-dir", str(tmp_path / "one"), env=env)
    assert first.returncode == 0, first.stderr
    outside.unlink()  # first install's key moved away; a second init on the same database:
    env["MIMAMORU_DATABASE_URL"] = postgres_url
    assert mimamoru("init", "--data-dir", str(tmp_path / "two"), env=env).returncode == 0
    third = mimamoru("init", "--data-dir", str(tmp_path / "three"), env=env)
    assert third.returncode == 3 and "already exists" in third.stderr, third.stderr
    outside.rename(tmp_path / "two.key")
    fourth = mimamoru("init", "--data-dir", str(tmp_path / "four"), env=env)
    assert fourth.returncode == 2 and "another mimamoru installation" in fourth.stderr
    assert not outside.exists(), "the failed init removed the key it made"
    assert not (tmp_path / "four").exists()
