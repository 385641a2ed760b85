"""Personal API tokens: for scripts and integrations, without a password or a session.

A token belongs to one user, expires (at most ``sessions.token_max_days``), and carries
a subset of the footage operations; what it can do is its owner's grants intersected
with that subset, so a token never reaches further than its owner. Only its SHA-256 is
stored; the token itself is shown once, when it is made. Tokens cannot manage accounts,
permissions, sessions, two-factor or other tokens: those need an interactive login.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from mimamoru.access.grants import parse_operations
from mimamoru.access.principal import Principal
from mimamoru.access.roles import Operation, Role
from mimamoru.audit.log import AuditLog
from mimamoru.clock import Clock
from mimamoru.db import tokens as token_queries
from mimamoru.db import users as user_queries
from mimamoru.db.engine import Database
from mimamoru.db.tables import ApiToken
from mimamoru.errors import NotFoundError, ValidationFailedError

logger = logging.getLogger(__name__)

TOKEN_PREFIX = "mmr_"  # noqa: S105 - a marker that tells tokens from sessions, not a secret
# Writing "last used" on every request would turn each read into a write.
_LAST_USED_PRECISION = timedelta(minutes=1)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class TokenRecord:
    id: int
    name: str
    operations: frozenset[Operation]
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "operations": sorted(op.value for op in self.operations),
            "created_at": self.created_at,
            "expires_at": self.expires_at,
            "last_used_at": self.last_used_at,
            "revoked_at": self.revoked_at,
        }


@dataclass(frozen=True)
class IssuedToken:
    token: str
    record: TokenRecord


def _record(row: ApiToken) -> TokenRecord:
    return TokenRecord(
        row.id,
        row.name,
        frozenset(Operation(name) for name in row.operations.split(",") if name),
        row.created_at,
        row.expires_at,
        row.last_used_at,
        row.revoked_at,
    )


def _validate_name(name: str) -> str:
    cleaned = name.strip()
    if not 1 <= len(cleaned) <= 64 or not cleaned.isprintable():
        raise ValidationFailedError("a token name is 1 to 64 printable characters")
    return cleaned


class ApiTokenService:
    def __init__(self, database: Database, clock: Clock, audit: AuditLog, max_days: int) -> None:
        self._database = database
        self._clock = clock
        self._audit = audit
        self._max_days = max_days

    def create(
        self,
        user_id: int,
        *,
        name: str,
        operations: Iterable[str],
        expires_in_days: int,
        actor: str,
        client: str = "",
    ) -> IssuedToken:
        cleaned = _validate_name(name)
        chosen = parse_operations(list(operations))
        if not 1 <= expires_in_days <= self._max_days:
            raise ValidationFailedError(
                f"expires_in_days must be between 1 and {self._max_days} (sessions.token_max_days)"
            )
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        now = self._clock.now()
        with self._database.session() as session:
            user = user_queries.user_by_id(session, user_id)
            if user is None:
                raise NotFoundError(f"user {user_id} not found")
            row = token_queries.add_token(
                session,
                ApiToken(
                    user_id=user_id,
                    name=cleaned,
                    token_hash=token_hash(token),
                    operations=",".join(sorted(op.value for op in chosen)),
                    created_at=now,
                    expires_at=now + timedelta(days=expires_in_days),
                ),
            )
            record = _record(row)
            owner = user.username
        self._audit.append(
            actor=actor,
            action="token.created",
            detail={"user": owner, "token": record.as_dict()},
            client=client,
        )
        return IssuedToken(token, record)

    def of_user(self, user_id: int) -> list[TokenRecord]:
        with self._database.session() as session:
            if user_queries.user_by_id(session, user_id) is None:
                raise NotFoundError(f"user {user_id} not found")
            return [_record(row) for row in token_queries.tokens_of_user(session, user_id)]

    def revoke(self, user_id: int, token_id: int, *, actor: str, client: str = "") -> None:
        """Revoke one of the user's tokens; someone else's token is "not found"."""
        now = self._clock.now()
        with self._database.session() as session:
            row = token_queries.token_by_id(session, token_id)
            if row is None or row.user_id != user_id:
                raise NotFoundError(f"token {token_id} not found")
            already = row.revoked_at is not None
            if not already:
                row.revoked_at = now
            record = _record(row)
            user = user_queries.user_by_id(session, user_id)
            owner = user.username if user is not None else str(user_id)
        if not already:
            self._audit.append(
                actor=actor,
                action="token.revoked",
                detail={"user": owner, "token": {"id": record.id, "name": record.name}},
                client=client,
            )

    def resolve(self, token: str) -> Principal | None:
        now = self._clock.now()
        with self._database.session() as session:
            row = token_queries.token_by_hash(session, token_hash(token))
            if row is None or row.revoked_at is not None or row.expires_at <= now:
                return None
            user = user_queries.user_by_id(session, row.user_id)
            if user is None or user.disabled:
                return None
            if row.last_used_at is None or now - row.last_used_at >= _LAST_USED_PRECISION:
                row.last_used_at = now
            record = _record(row)
            return Principal(
                user.id, user.username, Role(user.role), scopes=record.operations, token_id=row.id
            )
