"""Queries on user accounts and login sessions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from mimamoru.db.tables import LoginSession, User


def add_user(
    session: Session, *, username: str, password_hash: str, role: str, now: datetime
) -> User:
    user = User(
        username=username, password_hash=password_hash, role=role, disabled=False, created_at=now
    )
    session.add(user)
    session.flush()
    return user


def user_by_name(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))


def user_by_id(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def count_users(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(User)) or 0


def add_login_session(
    session: Session,
    *,
    user_id: int,
    token_hash: str,
    now: datetime,
    expires_at: datetime,
    client: str = "",
    user_agent: str = "",
) -> LoginSession:
    row = LoginSession(
        user_id=user_id,
        token_hash=token_hash,
        created_at=now,
        expires_at=expires_at,
        last_seen_at=now,
        client=client[:64],
        user_agent=user_agent[:200],
    )
    session.add(row)
    session.flush()
    return row


def login_session_by_token_hash(session: Session, token_hash: str) -> LoginSession | None:
    return session.scalar(select(LoginSession).where(LoginSession.token_hash == token_hash))


def delete_login_session(session: Session, token_hash: str) -> None:
    session.execute(delete(LoginSession).where(LoginSession.token_hash == token_hash))


def expired_login_sessions(
    session: Session, now: datetime, idle_before: datetime
) -> Sequence[LoginSession]:
    """Sessions past their absolute expiry, or not used since ``idle_before``."""
    return session.scalars(
        select(LoginSession)
        .where((LoginSession.expires_at <= now) | (LoginSession.last_seen_at <= idle_before))
        .order_by(LoginSession.id)
    ).all()


def login_sessions_of(session: Session, user_id: int) -> Sequence[LoginSession]:
    return session.scalars(
        select(LoginSession).where(LoginSession.user_id == user_id).order_by(LoginSession.id)
    ).all()


def list_users(session: Session) -> Sequence[User]:
    return session.scalars(select(User).order_by(User.id)).all()


def user_for_update(session: Session, user_id: int) -> User | None:
    """The user row, locked where the database can lock rows (two admins demoting at once)."""
    return session.scalar(select(User).where(User.id == user_id).with_for_update())


def count_enabled_admins(session: Session) -> int:
    """Enabled admins, their rows locked (PostgreSQL) so two demotions cannot both pass."""
    rows = session.scalars(
        select(User.id)
        .where(User.role == "admin", User.disabled.is_(False))
        .order_by(User.id)
        .with_for_update()
    ).all()
    return len(rows)


def delete_login_sessions_of(session: Session, user_id: int) -> None:
    session.execute(delete(LoginSession).where(LoginSession.user_id == user_id))
