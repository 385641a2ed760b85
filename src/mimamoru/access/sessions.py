"""Login: password check, session tokens, and resolving a token to a principal."""

from __future__ import annotations

import hashlib
import logging
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from mimamoru.access.passwords import verify_password
from mimamoru.access.roles import Role
from mimamoru.access.throttle import LoginThrottle
from mimamoru.audit.log import AuditLog
from mimamoru.clock import Clock
from mimamoru.db import users as user_queries
from mimamoru.db.engine import Database
from mimamoru.errors import MimamoruError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Principal:
    """Who is calling."""

    user_id: int
    username: str
    role: Role


@dataclass(frozen=True)
class IssuedSession:
    token: str
    principal: Principal
    lifetime: timedelta


def _token_hash(token: str) -> str:
    # Only the hash is stored, so a leaked database does not hand out live sessions.
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class LoginLocked(MimamoruError):
    """Too many failed logins for this account name or from this address, for now."""

    def __init__(self, until: datetime, now: datetime) -> None:
        self.retry_after = max(1, math.ceil((until - now).total_seconds()))
        super().__init__(f"too many failed logins; try again in {self.retry_after} s")


class SessionManager:
    def __init__(
        self,
        database: Database,
        clock: Clock,
        audit: AuditLog,
        lifetime: timedelta,
        throttle: LoginThrottle,
    ) -> None:
        self._database = database
        self._clock = clock
        self._audit = audit
        self._lifetime = lifetime
        self.throttle = throttle

    def login(self, username: str, password: str, *, client: str) -> IssuedSession | None:
        """Issue a session, or ``None`` when the credentials are wrong (either part).

        Raises :class:`LoginLocked` while the account name or the address is locked after
        repeated failures, whatever the password.
        """
        locked = self.throttle.locked_until(username, client)
        if locked is not None:
            self._audit.append(
                actor=username[:64],
                action="auth.login_refused_locked",
                detail={"client": client, "until": locked.isoformat()},
            )
            raise LoginLocked(locked, self._clock.now())
        with self._database.session() as session:
            user = user_queries.user_by_name(session, username)
            password_hash = user.password_hash if user is not None and not user.disabled else None
            if user is None or not verify_password(password_hash, password):
                failed = True
            else:
                failed = False
                token = secrets.token_urlsafe(32)
                now = self._clock.now()
                # Expired sessions are refused anyway; dropping them here keeps the table small.
                user_queries.delete_expired_login_sessions(session, now)
                user_queries.add_login_session(
                    session,
                    user_id=user.id,
                    token_hash=_token_hash(token),
                    now=now,
                    expires_at=now + self._lifetime,
                )
                principal = Principal(user.id, user.username, Role(user.role))
        if failed:
            until = self.throttle.failed(username, client)
            detail = {"client": client} | ({"locked_until": until.isoformat()} if until else {})
            self._audit.append(actor=username[:64], action="auth.login_failed", detail=detail)
            return None
        self.throttle.succeeded(username, client)
        self._audit.append(actor=principal.username, action="auth.login", detail={"client": client})
        return IssuedSession(token=token, principal=principal, lifetime=self._lifetime)

    def unlock(self, username: str, *, actor: str) -> None:
        """An administrator lifts the account's lock after repeated failed logins."""
        self.throttle.unlock(username)
        self._audit.append(actor=actor, action="user.unlock", detail={"user": username})

    def resolve(self, token: str) -> Principal | None:
        if not token or len(token) > 256:
            return None
        now = self._clock.now()
        with self._database.session() as session:
            row = user_queries.login_session_by_token_hash(session, _token_hash(token))
            if row is None or row.expires_at <= now:
                return None
            user = user_queries.user_by_id(session, row.user_id)
            if user is None or user.disabled:
                return None
            return Principal(user.id, user.username, Role(user.role))

    def logout(self, token: str, principal: Principal) -> None:
        with self._database.session() as session:
            user_queries.delete_login_session(session, _token_hash(token))
        self._audit.append(actor=principal.username, action="auth.logout")
