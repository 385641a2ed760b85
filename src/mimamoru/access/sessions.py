"""Login sessions: password (and second factor) check, expiry, the session list, revocation.

A session ends when it has not been used for ``sessions.idle_minutes`` (30) or when it
is ``sessions.lifetime_hours`` (12) old, whichever comes first; at logout; when its user
or an administrator revokes it; and when the password changes or the account is
disabled. Only a SHA-256 of the session token is stored. Bearer tokens starting with
``mmr_`` are personal API tokens (:mod:`mimamoru.access.tokens`), resolved here too so
every route has one way of knowing who calls.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from mimamoru.access.passwords import verify_password
from mimamoru.access.principal import Principal
from mimamoru.access.roles import Role
from mimamoru.access.throttle import LoginThrottle
from mimamoru.access.tokens import TOKEN_PREFIX, ApiTokenService
from mimamoru.access.totp import TotpService
from mimamoru.audit.log import AuditLog
from mimamoru.clock import Clock
from mimamoru.db import users as user_queries
from mimamoru.db.engine import Database
from mimamoru.db.tables import LoginSession, User
from mimamoru.errors import MimamoruError, NotFoundError
from mimamoru.settings import SessionSettings

logger = logging.getLogger(__name__)

# "Last seen" is written at most this often: idle expiry does not need every request.
_TOUCH_PRECISION = timedelta(seconds=30)
_CSRF_CONTEXT = b"mimamoru csrf v1\x00"


@dataclass(frozen=True)
class IssuedSession:
    token: str
    principal: Principal
    lifetime: timedelta
    csrf_token: str


@dataclass(frozen=True)
class SessionRecord:
    id: int
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    idle_expires_at: datetime
    client: str
    user_agent: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "created_at": self.created_at,
            "last_seen_at": self.last_seen_at,
            "expires_at": self.expires_at,
            "idle_expires_at": self.idle_expires_at,
            "client": self.client,
            "user_agent": self.user_agent,
        }


def _token_hash(token: str) -> str:
    # Only the hash is stored, so a leaked database does not hand out live sessions.
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def csrf_token(session_token: str) -> str:
    """The CSRF token of a session: derived from it, so nothing more is stored.

    A page of this origin can read it (it is in the page), a cross-site page cannot, and it
    reveals nothing about the session token (a one-way hash).
    """
    return hashlib.sha256(_CSRF_CONTEXT + session_token.encode("utf-8")).hexdigest()


def csrf_matches(session_token: str, presented: str | None) -> bool:
    return presented is not None and hmac.compare_digest(csrf_token(session_token), presented)


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
        settings: SessionSettings,
        throttle: LoginThrottle,
        totp: TotpService,
        tokens: ApiTokenService,
    ) -> None:
        self._database = database
        self._clock = clock
        self._audit = audit
        self._settings = settings
        self._lifetime = timedelta(hours=settings.lifetime_hours)
        self._idle = timedelta(minutes=settings.idle_minutes)
        self.throttle = throttle
        self.totp = totp
        self.tokens = tokens

    def login(
        self,
        username: str,
        password: str,
        *,
        client: str,
        user_agent: str = "",
        totp_code: str | None = None,
    ) -> IssuedSession | None:
        """Issue a session, or ``None`` when any part of the credentials is wrong.

        The answer is the same whether the user name, the password or the one-time code
        was wrong. Raises :class:`LoginLocked` while the account name or the address is
        locked after repeated failures, whatever the credentials.
        """
        locked = self.throttle.locked_until(username, client)
        if locked is not None:
            self._audit.append(
                actor=username[:64],
                action="auth.login_refused_locked",
                detail={"until": locked.isoformat()},
                client=client,
                outcome="denied",
            )
            raise LoginLocked(locked, self._clock.now())
        self.purge_expired()
        reason = None
        with self._database.session() as session:
            user = user_queries.user_by_name(session, username)
            password_hash = user.password_hash if user is not None and not user.disabled else None
            if user is None or not verify_password(password_hash, password):
                reason = "password"
            elif user.totp_enabled and not self.totp.accept(session, user, totp_code or ""):
                reason = "second factor"
            else:
                issued = self._issue(session, user, client, user_agent)
        if reason is not None:
            until = self.throttle.failed(username, client)
            detail = {"reason": reason} | ({"locked_until": until.isoformat()} if until else {})
            self._audit.append(
                actor=username[:64],
                action="auth.login_failed",
                detail=detail,
                client=client,
                outcome="denied",
            )
            return None
        self.throttle.succeeded(username, client)
        self._audit.append(
            actor=issued.principal.username,
            action="auth.login",
            detail={"session": issued.principal.session_id}
            | ({"must_enrol_totp": True} if issued.principal.must_enrol_totp else {}),
            client=client,
            outcome="allowed",
        )
        return issued

    def _issue(self, session: Any, user: User, client: str, user_agent: str) -> IssuedSession:
        token = secrets.token_urlsafe(32)
        now = self._clock.now()
        row = user_queries.add_login_session(
            session,
            user_id=user.id,
            token_hash=_token_hash(token),
            now=now,
            expires_at=now + self._lifetime,
            client=client,
            user_agent=user_agent,
        )
        user.last_login_at = now
        principal = self._principal(user, client, row.id)
        return IssuedSession(token, principal, self._lifetime, csrf_token(token))

    def _principal(self, user: User, client: str, session_id: int) -> Principal:
        must_enrol = (
            self._settings.require_totp_for_admins
            and user.role == Role.ADMIN.value
            and not user.totp_enabled
        )
        return Principal(
            user.id,
            user.username,
            Role(user.role),
            client=client,
            session_id=session_id,
            must_enrol_totp=must_enrol,
        )

    def unlock(self, username: str, *, actor: str, client: str = "") -> None:
        """An administrator lifts the account's lock after repeated failed logins."""
        self.throttle.unlock(username)
        self._audit.append(
            actor=actor, action="user.unlock", detail={"user": username}, client=client
        )

    def resolve(self, token: str, client: str = "") -> Principal | None:
        """Who holds this session or API token, or ``None`` (unknown, expired, revoked)."""
        if not token or len(token) > 256:
            return None
        if token.startswith(TOKEN_PREFIX):
            principal = self.tokens.resolve(token)
            return principal.at(client) if principal is not None else None
        now = self._clock.now()
        expired = None
        with self._database.session() as session:
            row = user_queries.login_session_by_token_hash(session, _token_hash(token))
            if row is None:
                return None
            expired = self._expiry_reason(row, now)
            if expired is not None:
                session.delete(row)
                username = _username(session, row.user_id)
            else:
                user = user_queries.user_by_id(session, row.user_id)
                if user is None or user.disabled:
                    return None
                if now - row.last_seen_at >= _TOUCH_PRECISION:
                    row.last_seen_at = now
                return self._principal(user, client, row.id)
        self._audit.append(
            actor=username,
            action="auth.session_expired",
            detail={"session": row.id, "reason": expired},
            client=client,
        )
        return None

    def _expiry_reason(self, row: LoginSession, now: datetime) -> str | None:
        if row.expires_at <= now:
            return "lifetime"
        if row.last_seen_at + self._idle <= now:
            return "idle"
        return None

    def purge_expired(self) -> int:
        """End every session past its idle or absolute expiry, each one audited."""
        now = self._clock.now()
        ended: list[tuple[str, int, str, str]] = []
        with self._database.session() as session:
            for row in user_queries.expired_login_sessions(session, now, now - self._idle):
                reason = self._expiry_reason(row, now) or ""
                ended.append((_username(session, row.user_id), row.id, reason, row.client))
                session.delete(row)
        for username, session_id, reason, client in ended:
            # The session's own address, not that of the request that happened to purge it.
            self._audit.append(
                actor=username,
                action="auth.session_expired",
                detail={"session": session_id, "reason": reason},
                client=client,
            )
        return len(ended)

    def logout(self, token: str, principal: Principal) -> None:
        with self._database.session() as session:
            user_queries.delete_login_session(session, _token_hash(token))
        self._audit.append(
            actor=principal.username,
            action="auth.logout",
            detail={"session": principal.session_id},
            client=principal.client,
        )

    def sessions_of(self, user_id: int) -> list[SessionRecord]:
        now = self._clock.now()
        with self._database.session() as session:
            if user_queries.user_by_id(session, user_id) is None:
                raise NotFoundError(f"user {user_id} not found")
            return [
                SessionRecord(
                    row.id,
                    row.created_at,
                    row.last_seen_at,
                    row.expires_at,
                    min(row.expires_at, row.last_seen_at + self._idle),
                    row.client,
                    row.user_agent,
                )
                for row in user_queries.login_sessions_of(session, user_id)
                if self._expiry_reason(row, now) is None
            ]

    def revoke(self, user_id: int, session_id: int | None, *, actor: str, client: str = "") -> int:
        """End one of the user's sessions (``None``: all of them); another's is "not found"."""
        with self._database.session() as session:
            user = user_queries.user_by_id(session, user_id)
            if user is None:
                raise NotFoundError(f"user {user_id} not found")
            rows = [
                row
                for row in user_queries.login_sessions_of(session, user_id)
                if session_id is None or row.id == session_id
            ]
            if session_id is not None and not rows:
                raise NotFoundError(f"session {session_id} not found")
            ended = [row.id for row in rows]
            for row in rows:
                session.delete(row)
            username = user.username
        self._audit.append(
            actor=actor,
            action="auth.session_revoked",
            detail={"user": username, "sessions": ended},
            client=client,
        )
        return len(ended)


def _username(session: Any, user_id: int) -> str:
    user = user_queries.user_by_id(session, user_id)
    return user.username if user is not None else f"user {user_id}"
