"""Password hashing (argon2id) and generation."""

from __future__ import annotations

import functools
import secrets
from importlib import resources

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


@functools.cache
def _common_passwords() -> frozenset[str]:
    text = resources.files("mimamoru.access").joinpath("common_passwords.txt").read_text("utf-8")
    return frozenset(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def check_password_policy(password: str, username: str | None = None) -> None:
    """Length, no surrounding whitespace, not a known common password, not built on the name."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailedError(
            f"password too short: at least {MIN_PASSWORD_LENGTH} characters are required"
        )
    if password.strip() != password:
        raise ValidationFailedError("password must not start or end with whitespace")
    lowered = password.lower()
    if len(set(lowered)) <= 2:
        raise ValidationFailedError("password is too repetitive: use more different characters")
    if lowered in _common_passwords():
        raise ValidationFailedError(
            "password is in a list of commonly used passwords; choose another"
        )
    if username and len(username) >= 3 and username.lower() in lowered:
        raise ValidationFailedError("password must not contain the user name")
