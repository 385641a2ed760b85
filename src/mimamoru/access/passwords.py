"""Password hashing (argon2id) and generation."""

from __future__ import annotations

import functools
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from mimamoru.errors import ValidationFailedError

MIN_PASSWORD_LENGTH = 12

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters


@functools.cache
def _dummy_hash() -> str:
    """Verifying against this when the user does not exist keeps the timing the same,
    so a login failure does not reveal whether the user name exists. Made on first use,
    not at import, so CLI commands that never log anyone in do not pay for it."""
    return _hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return (
            _hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
        )
    except (VerificationError, InvalidHashError):
        return False


def generate_password() -> str:
    """A random password for the first admin (about 120 bits)."""
    return secrets.token_urlsafe(15)


def check_password_policy(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailedError(
            f"password too short: at least {MIN_PASSWORD_LENGTH} characters are required"
        )
    if password.strip() != password:
        raise ValidationFailedError("password must not start or end with whitespace")
