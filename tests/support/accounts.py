"""Building the login machinery around a test database."""

from __future__ import annotations

from typing import Any

from mimamoru.access.sessions import SessionManager
from mimamoru.access.throttle import LoginThrottle
from mimamoru.access.tokens import ApiTokenService
from mimamoru.access.totp import TotpService
from mimamoru.audit.log import AuditLog
from mimamoru.clock import Clock
from mimamoru.db.engine import Database
from mimamoru.settings import SessionSettings

TOTP_KEY = b"t" * 32


def session_manager(
    database: Database, clock: Clock, audit: AuditLog, **settings: Any
) -> SessionManager:
    chosen = SessionSettings(**settings)
    return SessionManager(
        database,
        clock,
        audit,
        chosen,
        LoginThrottle(database, clock, chosen),
        TotpService(database, clock, audit, TOTP_KEY, "mimamoru-test"),
        ApiTokenService(database, clock, audit, chosen.token_max_days),
    )
