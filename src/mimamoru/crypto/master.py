"""The master key (key-encryption key): where it comes from and what it wraps.

The master key never enters the metadata database. It comes from exactly one of:
``keys.master_key_command`` (a KMS, HSM or TPM client that prints it), the
``keys.master_key`` setting (normally ``MIMAMORU_KEYS__MASTER_KEY``), or the key file
(default ``DATA_DIR/keys/master.key``, mode 0600). The database stores only a
fingerprint, so a wrong key is recognised before anything is decrypted or written.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import shlex
import stat
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from mimamoru.crypto.sealed import KEY_SIZE
from mimamoru.errors import MasterKeyError
from mimamoru.settings import Settings

WRAP_NONCE_SIZE = 12
_FINGERPRINT_LABEL = b"mimamoru master key fingerprint v1"


@dataclass(frozen=True)
class MasterKey:
    secret: bytes
    source: str  # where it came from, for messages; never the key itself

    @property
    def fingerprint(self) -> str:
        """A public name for the key: 16 hex digits of an HMAC under the key itself."""
        return hmac.new(self.secret, _FINGERPRINT_LABEL, hashlib.sha256).hexdigest()[:16]

    def __repr__(self) -> str:
        return f"MasterKey({self.fingerprint} from {self.source})"


def new_master_key(source: str = "generated") -> MasterKey:
    return MasterKey(os.urandom(KEY_SIZE), source)


def encode_key(key: MasterKey) -> str:
    return base64.b64encode(key.secret).decode("ascii")


def parse_key_text(text: str, source: str) -> MasterKey:
    """32 bytes written as base64 (44 characters) or hex (64 digits)."""
    cleaned = text.strip()
    if not cleaned:
        raise MasterKeyError(f"master key from {source} is empty")
    raw: bytes | None = None
    if len(cleaned) == 2 * KEY_SIZE:
        try:
            raw = bytes.fromhex(cleaned)
        except ValueError:
            raw = None
    if raw is None:
        try:
            raw = base64.b64decode(
                cleaned, altchars=b"-_" if "-" in cleaned or "_" in cleaned else None, validate=True
            )
        except (binascii.Error, ValueError):
            raw = None
    if raw is None or len(raw) != KEY_SIZE:
        raise MasterKeyError(f"master key from {source} is not 32 bytes written as base64 or hex")
    return MasterKey(raw, source)


def write_key_file(path: Path, key: MasterKey) -> None:
    """Create ``path`` (mode 0600, directory 0700); refuses to overwrite a key."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as exc:
        raise MasterKeyError(
            f"a master key file already exists at {path}; it may belong to another "
            "installation, so it is not replaced (move it away if it is not needed)"
        ) from exc
    except OSError as exc:
        raise MasterKeyError(f"cannot create the master key file {path}: {exc}") from exc
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(encode_key(key) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def read_key_file(path: Path) -> MasterKey:
    source = f"key file {path}"
    try:
        info = path.stat()
    except FileNotFoundError as exc:
        raise MasterKeyError(
            f"no master key: looked for the key file {path} (keys.master_key_file), "
            "MIMAMORU_KEYS__MASTER_KEY and keys.master_key_command; restore the key file "
            "from where you keep it, or set one of the others"
        ) from exc
    except OSError as exc:
        raise MasterKeyError(f"cannot read the master key file {path}: {exc}") from exc
    if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise MasterKeyError(
            f"master key file {path} is readable by other users "
            f"(mode {stat.S_IMODE(info.st_mode):04o}); run `chmod 600 {path}`"
        )
    try:
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise MasterKeyError(f"cannot read the master key file {path}: {exc}") from exc
    return parse_key_text(text, source)


def run_key_command(command: str, timeout: float) -> MasterKey:
    program = shlex.split(command)[0] if command.strip() else ""
    source = f"keys.master_key_command ({program})"
    try:
        result = subprocess.run(
            shlex.split(command),
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except (OSError, ValueError) as exc:
        raise MasterKeyError(f"cannot run {source}: {exc}") from exc
    except subprocess.TimeoutExpired as exc:
        raise MasterKeyError(f"{source} did not answer within {timeout:.0f} s") from exc
    if result.returncode != 0:
        # stderr may explain (permission denied, KMS unreachable); stdout might be a key.
        reason = (result.stderr.decode(errors="replace").strip().splitlines() or [""])[0][:200]
        raise MasterKeyError(f"{source} failed with exit code {result.returncode}: {reason}")
    return parse_key_text(result.stdout.decode("ascii", errors="replace"), source)


def load_master_key(settings: Settings) -> MasterKey:
    """The configured master key; raises :class:`MasterKeyError` naming where it looked."""
    keys = settings.keys
    if keys.master_key_command:
        return run_key_command(keys.master_key_command, keys.master_key_command_timeout_seconds)
    if keys.master_key is not None:
        return parse_key_text(keys.master_key.get_secret_value(), "setting keys.master_key")
    return read_key_file(settings.master_key_path)


def _wrap_context(camera_id: int, period_start: datetime) -> bytes:
    return f"mimamoru data key v1|camera={camera_id}|period={period_start.isoformat()}".encode()


def wrap(master: MasterKey, secret: bytes, camera_id: int, period_start: datetime) -> bytes:
    """Seal a data key under the master key, bound to its camera and period."""
    nonce = os.urandom(WRAP_NONCE_SIZE)
    return nonce + AESGCM(master.secret).encrypt(
        nonce, secret, _wrap_context(camera_id, period_start)
    )


def unwrap(master: MasterKey, wrapped: bytes, camera_id: int, period_start: datetime) -> bytes:
    nonce, sealed = wrapped[:WRAP_NONCE_SIZE], wrapped[WRAP_NONCE_SIZE:]
    try:
        return AESGCM(master.secret).decrypt(nonce, sealed, _wrap_context(camera_id, period_start))
    except InvalidTag as exc:
        raise MasterKeyError(
            f"a data key of camera {camera_id} ({period_start.isoformat()}) does not unwrap "
            f"under master key {master.fingerprint}; the key database may be damaged"
        ) from exc


def _secret_context(name: str) -> bytes:
    return f"mimamoru secret v1|{name}".encode()


def wrap_secret(master: MasterKey, secret: bytes, name: str) -> bytes:
    """Seal a named installation secret (not a data key) under the master key."""
    nonce = os.urandom(WRAP_NONCE_SIZE)
    return nonce + AESGCM(master.secret).encrypt(nonce, secret, _secret_context(name))


def unwrap_secret(master: MasterKey, wrapped: bytes, name: str) -> bytes:
    nonce, sealed = wrapped[:WRAP_NONCE_SIZE], wrapped[WRAP_NONCE_SIZE:]
    try:
        return AESGCM(master.secret).decrypt(nonce, sealed, _secret_context(name))
    except InvalidTag as exc:
        raise MasterKeyError(
            f"the secret {name!r} does not unwrap under master key {master.fingerprint}; "
            "the key database may be damaged"
        ) from exc
