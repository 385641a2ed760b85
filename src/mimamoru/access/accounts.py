"""User accounts: created, changed and removed only by administrators, every change audited.

There is always at least one enabled administrator: the last one cannot be deleted,
disabled or given another role. Disabling an account or changing its password ends its
sessions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mimamoru.access.passwords import check_password_policy, hash_password
from mimamoru.access.roles import Role
from mimamoru.audit.log import AuditLog
from mimamoru.clock import Clock
from mimamoru.db import users as user_queries
from mimamoru.db.engine import Database
from mimamoru.db.tables import User
from mimamoru.errors import ConflictError, NotFoundError, ValidationFailedError

USERNAME_MAX = 64


@dataclass(frozen=True)
class Account:
    id: int
    username: str
    role: Role
    disabled: bool
    created_at: datetime
    last_login_at: datetime | None = None
    totp_enabled: bool = False


def _account(row: User) -> Account:
    return Account(
        row.id,
        row.username,
        Role(row.role),
        row.disabled,
        row.created_at,
        row.last_login_at,
        row.totp_enabled,
    )


def validate_username(username: str) -> str:
    if not username or len(username) > USERNAME_MAX:
        raise ValidationFailedError(f"user name must be 1 to {USERNAME_MAX} characters")
    if not all(ch.isalnum() or ch in "._-@" for ch in username):
        raise ValidationFailedError("user name may hold only letters, digits and . _ - @")
    return username


def parse_role(name: str) -> Role:
    try:
        return Role(name.strip().lower())
    except ValueError as exc:
        known = ", ".join(role.value for role in Role)
        raise ValidationFailedError(f"unknown role {name!r} (known: {known})") from exc


class LastAdminError(ConflictError):
    """The change would leave the installation without an enabled administrator."""


class AccountService:
    def __init__(self, database: Database, clock: Clock, audit: AuditLog) -> None:
        self._database = database
        self._clock = clock
        self._audit = audit

    def list(self) -> Sequence[Account]:
        with self._database.session() as session:
            return [_account(row) for row in user_queries.list_users(session)]

    def get(self, user_id: int) -> Account:
        with self._database.session() as session:
            row = user_queries.user_by_id(session, user_id)
            if row is None:
                raise NotFoundError(f"user {user_id} not found")
            return _account(row)

    def by_name(self, username: str) -> Account:
        with self._database.session() as session:
            row = user_queries.user_by_name(session, username)
            if row is None:
                raise NotFoundError(f"user {username!r} not found")
            return _account(row)

    def create(self, *, username: str, password: str, role: Role, actor: str) -> Account:
        validate_username(username)
        check_password_policy(password, username)
        with self._database.session() as session:
            if user_queries.user_by_name(session, username) is not None:
                raise ValidationFailedError(f"a user named {username!r} already exists")
            row = user_queries.add_user(
                session,
                username=username,
                password_hash=hash_password(password),
                role=role.value,
                now=self._clock.now(),
            )
            account = _account(row)
        self._audit.append(
            actor=actor, action="user.create", detail={"user": username, "role": role.value}
        )
        return account

    def update(
        self,
        user_id: int,
        *,
        actor: str,
        role: Role | None = None,
        password: str | None = None,
        disabled: bool | None = None,
    ) -> Account:
        with self._database.session() as session:
            # Admin rows first, always in the same order: two admins demoting each other at
            # once wait for one another instead of deadlocking.
            admins = user_queries.count_enabled_admins(session)
            row = user_queries.user_for_update(session, user_id)
            if row is None:
                raise NotFoundError(f"user {user_id} not found")
            before = _account(row)
            if password is not None:
                check_password_policy(password, before.username)
            stays_admin = (role or before.role) is Role.ADMIN and not (
                disabled if disabled is not None else before.disabled
            )
            if before.role is Role.ADMIN and not before.disabled and not stays_admin:
                self._keep_an_admin(admins, before)
            change: dict[str, Any] = {}
            if role is not None and role is not before.role:
                row.role, change["role"] = role.value, [before.role.value, role.value]
            if disabled is not None and disabled != before.disabled:
                row.disabled, change["disabled"] = disabled, [before.disabled, disabled]
            if password is not None:
                row.password_hash, change["password"] = hash_password(password), "changed"
            if "password" in change or disabled:
                user_queries.delete_login_sessions_of(session, user_id)
            after = _account(row)
            if before.role is Role.ADMIN and not stays_admin:
                self._still_an_admin(session, before)
        if change:
            self._audit.append(
                actor=actor, action="user.update", detail={"user": after.username, **change}
            )
        return after

    def delete(self, user_id: int, *, actor: str) -> None:
        with self._database.session() as session:
            admins = user_queries.count_enabled_admins(session)
            row = user_queries.user_for_update(session, user_id)
            if row is None:
                raise NotFoundError(f"user {user_id} not found")
            account = _account(row)
            if account.role is Role.ADMIN and not account.disabled:
                self._keep_an_admin(admins, account)
            session.delete(row)
            if account.role is Role.ADMIN:
                self._still_an_admin(session, account)
        self._audit.append(
            actor=actor,
            action="user.delete",
            detail={"user": account.username, "role": account.role.value},
        )

    @staticmethod
    def _still_an_admin(session: Any, leaving: Account) -> None:
        """Checked again after the write, inside its transaction.

        SQLite has no row locks, and its reads before the first write are not yet part of
        the transaction: a demotion racing another would pass the first check. After our
        own write we hold the write lock, so this count sees every committed change.
        """
        session.flush()
        if user_queries.count_enabled_admins(session) == 0:
            raise LastAdminError(
                f"{leaving.username!r} is the last enabled administrator; make another "
                "administrator first"
            )

    @staticmethod
    def _keep_an_admin(enabled_admins: int, leaving: Account) -> None:
        if enabled_admins <= 1:
            raise LastAdminError(
                f"{leaving.username!r} is the last enabled administrator; make another "
                "administrator first"
            )
