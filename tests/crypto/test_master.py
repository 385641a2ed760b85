"""Master key sources, and refusing to start with a wrong or missing key."""

from __future__ import annotations

import base64
import hashlib
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mimamoru.clock import ManualClock
from mimamoru.crypto.keyring import open_keyring
from mimamoru.crypto.master import (
    encode_key,
    load_master_key,
    new_master_key,
    parse_key_text,
    read_key_file,
)
from mimamoru.db.engine import Database
from mimamoru.errors import MasterKeyError, SettingsError
from mimamoru.services import Services
from tests.conftest import Installation

T0 = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)


def key_file(installation: Installation) -> Path:
    return installation.data_dir / "keys" / "master.key"


def test_init_makes_a_private_key_file(installation: Installation) -> None:
    path = key_file(installation)
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700
    key = read_key_file(path)
    assert len(key.secret) == 32
    assert key.fingerprint not in path.read_text() and len(key.fingerprint) == 16


def test_the_database_never_holds_the_master_key(installation: Installation) -> None:
    secret = read_key_file(key_file(installation)).secret
    database = installation.data_dir / "mimamoru.db"
    content = database.read_bytes()
    for form in (secret, base64.b64encode(secret), secret.hex().encode()):
        assert form not in content


def test_key_text_forms(tmp_path: Path) -> None:
    key = new_master_key()
    assert parse_key_text(encode_key(key), "x").secret == key.secret
    assert parse_key_text(key.secret.hex(), "x").secret == key.secret
    assert parse_key_text(base64.urlsafe_b64encode(key.secret).decode(), "x").secret == key.secret
    for bad, reason in (("", "is empty"), ("abc", "not 32 bytes"), ("zz" * 32, "not 32 bytes")):
        with pytest.raises(MasterKeyError, match=reason):
            parse_key_text(bad, "somewhere")


def test_each_source_is_used(installation: Installation, tmp_path: Path) -> None:
    key = new_master_key()
    text = encode_key(key)
    from_setting = load_master_key(installation.settings(keys={"master_key": text}))
    assert from_setting.secret == key.secret
    assert "setting keys.master_key" in from_setting.source
    script = tmp_path / "print-key.py"
    script.write_text(f"print({text!r})\n")
    command = f"{sys.executable} {script}"
    from_command = load_master_key(installation.settings(keys={"master_key_command": command}))
    assert from_command.secret == key.secret
    with pytest.raises(SettingsError, match="not both"):
        installation.settings(keys={"master_key": text, "master_key_command": command})


def test_environment_variable_is_read_once_through_settings(
    installation: Installation, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = new_master_key()
    monkeypatch.setenv("MIMAMORU_KEYS__MASTER_KEY", encode_key(key))
    settings = installation.settings()
    assert load_master_key(settings).secret == key.secret
    assert encode_key(key) not in repr(settings), "the secret is not shown in settings"


def test_failing_command_is_reported(installation: Installation, tmp_path: Path) -> None:
    script = tmp_path / "fail.py"
    script.write_text("import sys\nsys.stderr.write('KMS unreachable\\n')\nsys.exit(4)\n")
    settings = installation.settings(keys={"master_key_command": f"{sys.executable} {script}"})
    with pytest.raises(MasterKeyError, match="exit code 4: KMS unreachable"):
        load_master_key(settings)
    settings = installation.settings(keys={"master_key_command": "/no/such/program"})
    with pytest.raises(MasterKeyError, match="cannot run"):
        load_master_key(settings)


def test_missing_key_names_where_it_looked(installation: Installation) -> None:
    key_file(installation).unlink()
    with pytest.raises(MasterKeyError) as caught:
        Services.build(installation.settings())
    message = str(caught.value)
    assert str(key_file(installation)) in message
    assert "MIMAMORU_KEYS__MASTER_KEY" in message and "master_key_command" in message


def test_readable_key_file_is_refused(installation: Installation) -> None:
    key_file(installation).chmod(0o644)
    with pytest.raises(MasterKeyError, match="chmod 600"):
        Services.build(installation.settings())


def test_wrong_key_refuses_and_changes_nothing(installation: Installation) -> None:
    settings = installation.settings()
    services = Services.build(settings)
    try:
        services.cameras.add(
            name="door", source="test://pattern", purposes=["crime_prevention"], actor="t"
        )
        services.keys.key_for(1, T0)
    finally:
        services.close()
    database_file = installation.data_dir / "mimamoru.db"
    before = hashlib.sha256(database_file.read_bytes()).hexdigest()
    wrong = encode_key(new_master_key())
    with pytest.raises(MasterKeyError, match="is not this installation's") as caught:
        Services.build(installation.settings(keys={"master_key": wrong}))
    assert "no keys were changed" in str(caught.value)
    assert wrong not in str(caught.value)
    assert hashlib.sha256(database_file.read_bytes()).hexdigest() == before
    database = Database(settings.effective_database_url)
    try:
        ring = open_keyring(settings, database, ManualClock(T0))
        assert ring.key_for(1, T0).id == 1, "the right key still opens everything"
    finally:
        database.dispose()
