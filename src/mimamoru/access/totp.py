"""Optional TOTP two-factor authentication (RFC 6238, via pyotp).

A user enrols (a new secret, shown once as text and an ``otpauth://`` URI for an
authenticator app) and then confirms with a code; only then does login ask for one.
The secret is stored encrypted with AES-GCM under the installation's ``totp`` secret,
which the master key wraps, bound to the user id. A code is accepted once: the last
accepted time step is kept, so an overheard code cannot be replayed, even within its
30 seconds. One step of clock drift either way is tolerated.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

import pyotp
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy.orm import Session

from mimamoru.audit.log import AuditLog
from mimamoru.clock import Clock
from mimamoru.db import users as user_queries
from mimamoru.db.engine import Database
from mimamoru.db.tables import User
from mimamoru.errors import ConflictError, NotFoundError, ValidationFailedError

logger = logging.getLogger(__name__)

_NONCE = 12
_DRIFT_STEPS = 1


@dataclass(frozen=True)
class TotpEnrolment:
    secret: str  # base32, for typing into an authenticator app
    uri: str  # otpauth://, for a QR code


def _normalised(code: str) -> str | None:
    digits = code.replace(" ", "").strip()
    return digits if len(digits) == 6 and digits.isascii() and digits.isdigit() else None


class TotpService:
    def __init__(
        self, database: Database, clock: Clock, audit: AuditLog, key: bytes, issuer: str
    ) -> None:
        self._database = database
        self._clock = clock
        self._audit = audit
        self._cipher = AESGCM(key)
        self._issuer = issuer

    def _seal(self, user_id: int, secret: str) -> bytes:
        nonce = os.urandom(_NONCE)
        return nonce + self._cipher.encrypt(nonce, secret.encode("ascii"), _context(user_id))

    def _open(self, user: User) -> str | None:
        if user.totp_secret is None:
            return None
        sealed = bytes(user.totp_secret)
        try:
            plain = self._cipher.decrypt(sealed[:_NONCE], sealed[_NONCE:], _context(user.id))
        except InvalidTag:
            # Not damage an attacker can use: the factor simply cannot be checked.
            logger.error("the TOTP secret of user %s does not decrypt", user.id)
            return None
        return plain.decode("ascii")

    def is_enabled(self, user_id: int) -> bool:
        with self._database.session() as session:
            user = user_queries.user_by_id(session, user_id)
            return user is not None and user.totp_enabled

    def enrol(self, user_id: int, *, actor: str, client: str = "") -> TotpEnrolment:
        """Make a new secret for the user; it takes effect once confirmed with a code."""
        secret = pyotp.random_base32()
        with self._database.session() as session:
            user = _user(session, user_id)
            if user.totp_enabled:
                raise ConflictError(
                    "two-factor authentication is already on; turn it off first to enrol again"
                )
            user.totp_secret = self._seal(user.id, secret)
            user.totp_last_step = None
            username = user.username
        self._audit.append(
            actor=actor, action="auth.totp_enrol", detail={"user": username}, client=client
        )
        uri = pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=self._issuer)
        return TotpEnrolment(secret, uri)

    def confirm(self, user_id: int, code: str, *, actor: str, client: str = "") -> None:
        with self._database.session() as session:
            user = _user(session, user_id)
            if user.totp_enabled:
                raise ConflictError("two-factor authentication is already on")
            if user.totp_secret is None:
                raise ValidationFailedError("enrol first: no two-factor secret is waiting")
            if not self.accept(session, user, code, pending=True):
                raise ValidationFailedError("the code does not match; check the app's clock")
            user.totp_enabled = True
            username = user.username
        self._audit.append(
            actor=actor, action="auth.totp_enabled", detail={"user": username}, client=client
        )

    def disable(self, user_id: int, code: str, *, actor: str, client: str = "") -> None:
        """The user turns their own factor off, proving they still hold it."""
        with self._database.session() as session:
            user = _user(session, user_id)
            if not user.totp_enabled:
                raise ConflictError("two-factor authentication is not on")
            if not self.accept(session, user, code):
                raise ValidationFailedError("the code does not match")
            _clear(user)
            username = user.username
        self._audit.append(
            actor=actor, action="auth.totp_disabled", detail={"user": username}, client=client
        )

    def reset(self, user_id: int, *, actor: str, client: str = "") -> None:
        """An administrator removes a user's factor (a lost phone); the user enrols again."""
        with self._database.session() as session:
            user = _user(session, user_id)
            was_on = user.totp_enabled
            _clear(user)
            username = user.username
        self._audit.append(
            actor=actor,
            action="user.totp_reset",
            detail={"user": username, "before": {"totp": was_on}, "after": {"totp": False}},
            client=client,
        )

    def accept(self, session: Session, user: User, code: str, *, pending: bool = False) -> bool:
        """Check a code inside the caller's transaction and use up its time step."""
        if not (user.totp_enabled or pending):
            return False
        digits = _normalised(code)
        secret = self._open(user)
        if digits is None or secret is None:
            return False
        totp = pyotp.TOTP(secret)
        now = self._clock.now()
        current = totp.timecode(now)
        for step in range(current - _DRIFT_STEPS, current + _DRIFT_STEPS + 1):
            if user.totp_last_step is not None and step <= user.totp_last_step:
                continue  # already used: a replayed code
            if pyotp.utils.strings_equal(totp.generate_otp(step), digits):
                user.totp_last_step = step
                session.flush()
                return True
        return False


def _context(user_id: int) -> bytes:
    return f"mimamoru totp user {user_id}".encode()


def _clear(user: User) -> None:
    user.totp_enabled = False
    user.totp_secret = None
    user.totp_last_step = None


def _user(session: Session, user_id: int) -> User:
    user = user_queries.user_for_update(session, user_id)
    if user is None:
        raise NotFoundError(f"user {user_id} not found")
    return user
