"""Engine creation, per-dialect tuning and the session factory."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from mimamoru.errors import SettingsError

logger = logging.getLogger(__name__)

SUPPORTED_BACKENDS = ("sqlite", "postgresql")


_PASSWORD_IN_URL = re.compile(r"(://[^:/@]*:)[^@]*@")


def redact_url(url: str) -> str:
    """The URL with any password hidden, for logs and messages (parseable or not)."""
    return _PASSWORD_IN_URL.sub(r"\1***@", url)


def make_engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError:
        # SQLAlchemy's message repeats the URL, password included: say it without it.
        raise SettingsError(
            f"invalid settings: database_url: {redact_url(url)!r} is not a database URL "
            "(expected e.g. postgresql://user@host/mimamoru)"
        ) from None
    except ValueError:
        raise SettingsError(
            f"invalid settings: database_url: the port in {redact_url(url)!r} is not a number"
        ) from None
    backend = parsed.get_backend_name()
    if backend not in SUPPORTED_BACKENDS:
        raise SettingsError(
            f"invalid settings: database_url: unsupported database {backend!r} "
            f"(supported: {', '.join(SUPPORTED_BACKENDS)})"
        )
    if backend == "postgresql" and parsed.drivername == "postgresql":
        # psycopg 3 is the driver we ship; SQLAlchemy's bare default is psycopg2.
        parsed = parsed.set(drivername="postgresql+psycopg")
    if backend == "sqlite":
        # No pre-ping: a local file has no connection to lose, and the ping costs a round
        # trip through the driver on every checkout (every gated request makes several).
        engine = create_engine(parsed, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _tune_sqlite)
    else:
        engine = create_engine(parsed, pool_pre_ping=True, pool_size=10, max_overflow=10)
    return engine


def _tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the recorders write while the API reads; NORMAL sync is durable in WAL mode
    # against application crashes, which is what protects the index.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    # 64 MiB of page cache instead of 2: index maintenance on a big segment table (millions
    # of rows, several indexes) otherwise rereads the same pages over and over.
    cursor.execute("PRAGMA cache_size=-65536")
    # Destroyed data keys must not linger in free pages of the database file.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


class Database:
    """The engine plus a session factory; one per process."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in a transaction, committed on success and rolled back on error."""
        with self._sessions.begin() as session:
            yield session

    def flush_journal(self) -> None:
        """Move the SQLite write-ahead log into the (securely deleting) main file and empty it.

        Called after data keys are destroyed, so no copy of them waits in the WAL file.
        """
        if self.backend == "sqlite":
            with self.engine.connect() as connection:
                busy, _frames, _moved = connection.exec_driver_sql(
                    "PRAGMA wal_checkpoint(TRUNCATE)"
                ).one()
            if busy:
                # Readers held the log; the next sweep's checkpoint gets it instead.
                logger.warning("SQLite WAL checkpoint was blocked by readers; retrying later")

    def dispose(self) -> None:
        self.engine.dispose()
