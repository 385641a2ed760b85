"""Creating and opening an installation (a data dir).

An installation is a data dir holding ``mimamoru.toml``. ``init`` writes that
file last, so a failed ``init`` never leaves something that looks installed,
and it refuses a dir that already holds one without changing anything.
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass
from pathlib import Path

from mimamoru.access.accounts import validate_username
from mimamoru.access.passwords import check_password_policy, generate_password, hash_password
from mimamoru.access.roles import Role
from mimamoru.clock import Clock, SystemClock
from mimamoru.crypto.keyring import MasterKeyMismatch, uses_key_file
from mimamoru.crypto.master import new_master_key, write_key_file
from mimamoru.db import users as user_queries
from mimamoru.errors import (
    InstallationError,
    InstallationExistsError,
    MimamoruError,
)
from mimamoru.services import Services
from mimamoru.settings import CONFIG_FILE_NAME, Settings, load_settings
from mimamoru.tls import generate_self_signed

logger = logging.getLogger(__name__)

CONFIG_TEMPLATE = """\
# mimamoru settings. Every key is optional; the defaults are shown commented out.
# Environment variables override this file: MIMAMORU_SERVER__PORT=9443, etc.
# See docs/configuration.md for every key.

# database_url = "postgresql://user@db.example/mimamoru"   # default: SQLite in this dir

[server]
# host = "127.0.0.1"
# port = 8443
# tls_cert = "tls/cert.pem"
# tls_key = "tls/key.pem"

[recording]
# segment_seconds = 4.0
# encoder_preset = "veryfast"
# crf = 23

[keys]
# The master key encrypts every data key. Keep it OFF this disk in real use: point
# master_key_file at separate storage, or use MIMAMORU_KEYS__MASTER_KEY or a command.
# master_key_file = "keys/master.key"
# master_key_command = "/usr/local/bin/fetch-mimamoru-key"
# data_key_period_minutes = 60

[storage]
# min_free_percent = 5.0
# min_free_bytes = 2147483648
# sweep_seconds = 60

[site]
# timezone = "Asia/Tokyo"

[requests]
# approval_hours = 24
# required_approvals = 1
# pending_days = 7

[exports]
# max_minutes = 60
# expiry_days = 30
# provision_retention_years = 3
"""


@dataclass(frozen=True)
class InitResult:
    data_dir: Path
    admin_user: str
    generated_password: str | None  # shown once, never stored in clear


def is_installation(data_dir: Path) -> bool:
    return (data_dir / CONFIG_FILE_NAME).is_file()


def read_password_file(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise MimamoruError(f"password file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise MimamoruError(f"cannot read password file {path}: {exc}") from exc
    password = text.rstrip("\r\n")
    if not password:
        raise MimamoruError(f"password file {path} is empty")
    try:
        check_password_policy(password)
    except MimamoruError as exc:
        raise MimamoruError(f"password file {path}: {exc}") from exc
    return password


def init_installation(
    data_dir: Path,
    *,
    admin_user: str = "admin",
    admin_password_file: Path | None = None,
    hostname: str | None = None,
    clock: Clock | None = None,
    database_url: str | None = None,
) -> InitResult:
    """Create the installation; ``database_url`` overrides settings (tests, scripted setups)."""
    data_dir = data_dir.expanduser().resolve()
    if is_installation(data_dir):
        raise InstallationExistsError(
            f"{data_dir} already holds a mimamoru installation; nothing was changed"
        )
    if data_dir.exists() and not data_dir.is_dir():
        raise InstallationExistsError(f"{data_dir} exists and is not a directory")
    if data_dir.is_dir() and any(data_dir.iterdir()):
        raise InstallationExistsError(
            f"{data_dir} is not empty and holds no installation; choose an empty or new directory"
        )
    validate_username(admin_user)
    password = read_password_file(admin_password_file) if admin_password_file else None
    if password is not None:
        try:
            check_password_policy(password, admin_user)
        except MimamoruError as exc:
            raise MimamoruError(f"password file {admin_password_file}: {exc}") from exc
    created_dir = not data_dir.exists()
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        data_dir.chmod(0o700)
        settings = load_settings(data_dir, database_url=database_url)
        chosen = _create_contents(settings, admin_user, password, hostname, clock or SystemClock())
        generated = chosen if password is None else None
        (data_dir / CONFIG_FILE_NAME).write_text(CONFIG_TEMPLATE, encoding="utf-8")
    except BaseException:
        _undo(data_dir, created_dir)
        raise
    return InitResult(data_dir, admin_user, generated)


def _create_contents(
    settings: Settings, admin_user: str, password: str | None, hostname: str | None, clock: Clock
) -> str:
    """Write TLS files, the master key, the database and the admin; returns the password."""
    generate_self_signed(settings.data_dir / "tls", hostname)
    (settings.data_dir / "segments").mkdir(exist_ok=True)
    made_key: Path | None = None
    if uses_key_file(settings):
        # The key file may live outside the data dir; a failed init must remove it too.
        write_key_file(settings.master_key_path, new_master_key())
        made_key = settings.master_key_path
    try:
        return _create_database(settings, admin_user, password, clock)
    except BaseException:
        if made_key is not None:
            made_key.unlink(missing_ok=True)
        raise


def _create_database(
    settings: Settings, admin_user: str, password: str | None, clock: Clock
) -> str:
    try:
        services = Services.build(settings, clock)
    except MasterKeyMismatch as exc:
        raise InstallationExistsError(
            "the database already holds another mimamoru installation (its master key differs "
            "from this one's); nothing was changed"
        ) from exc
    try:
        with services.database.session() as session:
            if user_queries.count_users(session) > 0:
                raise InstallationExistsError(
                    "the database already holds mimamoru accounts; nothing was changed"
                )
            chosen = password if password is not None else generate_password()
            user_queries.add_user(
                session,
                username=admin_user,
                password_hash=hash_password(chosen),
                role=Role.ADMIN.value,
                now=clock.now(),
            )
        services.audit.append(actor="system", action="install.init", detail={"admin": admin_user})
        return chosen
    finally:
        services.close()


def _undo(data_dir: Path, created_dir: bool) -> None:
    """Remove what a failed init wrote, so a retry starts clean."""
    if created_dir:
        shutil.rmtree(data_dir, ignore_errors=True)
        return
    for name in ("tls", "keys", "segments", "mimamoru.db", "mimamoru.db-wal", "mimamoru.db-shm"):
        target = data_dir / name
        if target.is_dir():
            shutil.rmtree(target, ignore_errors=True)
        else:
            target.unlink(missing_ok=True)


def open_installation(data_dir: Path) -> Path:
    data_dir = data_dir.expanduser().resolve()
    if not data_dir.is_dir():
        raise InstallationError(
            f"{data_dir} does not exist; create it with `mimamoru init --data-dir {data_dir}`"
        )
    if not is_installation(data_dir):
        raise InstallationError(
            f"{data_dir} is not a mimamoru installation (no {CONFIG_FILE_NAME}); "
            f"create one with `mimamoru init --data-dir {data_dir}`"
        )
    return data_dir
