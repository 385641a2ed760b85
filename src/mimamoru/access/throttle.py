"""Login throttling: exponential delays after repeated failures, per account and address.

After ``sessions.account_free_failures`` failed logins for one account name (whether or
not the account exists, so the lock reveals nothing) or ``address_free_failures`` from
one source address, each further failure locks that name or address for 1, 2, 4, …
seconds, up to ``max_lockout_seconds``. While locked, even the right password is refused.
A successful login clears the account's and the address's counters; an administrator can
clear an account's lock (``mimamoru user unlock``, ``POST /api/v1/users/{id}/unlock``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from mimamoru.clock import Clock
from mimamoru.db import throttle as throttle_queries
from mimamoru.db.engine import Database
from mimamoru.settings import SessionSettings


def account_key(username: str) -> str:
    return "account:" + username.strip().lower()[:150]


def address_key(client: str) -> str:
    return "address:" + client[:150]


class LoginThrottle:
    def __init__(self, database: Database, clock: Clock, settings: SessionSettings) -> None:
        self._database = database
        self._clock = clock
        self._settings = settings

    def locked_until(self, username: str, client: str) -> datetime | None:
        now = self._clock.now()
        with self._database.session() as session:
            untils = [
                row.locked_until
                for key in (account_key(username), address_key(client))
                if (row := throttle_queries.entry(session, key)) is not None
                and row.locked_until is not None
                and row.locked_until > now
            ]
        return max(untils) if untils else None

    def failed(self, username: str, client: str) -> datetime | None:
        """Count a failure; returns until when the account or address is now locked."""
        now = self._clock.now()
        untils = []
        with self._database.session() as session:
            for key, free in (
                (account_key(username), self._settings.account_free_failures),
                (address_key(client), self._settings.address_free_failures),
            ):
                row = throttle_queries.count_failure(session, key, now)
                if row.failures >= free:
                    exponent = min(row.failures - free, 30)
                    seconds = min(2**exponent, self._settings.max_lockout_seconds)
                    row.locked_until = now + timedelta(seconds=seconds)
                    untils.append(row.locked_until)
        return max(untils) if untils else None

    def succeeded(self, username: str, client: str) -> None:
        with self._database.session() as session:
            throttle_queries.clear(session, [account_key(username), address_key(client)])

    def unlock(self, username: str) -> None:
        with self._database.session() as session:
            throttle_queries.clear(session, [account_key(username)])
