"""Engine creation, per-dialect tuning and the session factory."""

from __future__ import annotations

import logging
import re
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from mimamoru.errors import SettingsError

logger = logging.getLogger(__name__)

SUPPORTED_BACKENDS = ("sqlite", "postgresql")

# SQLite moves the write-ahead log into the database file ("checkpoints") from inside the
# commit that crosses wal_autocheckpoint pages (1 000 by default): that request then waits
# for a few thousand page writes and two fsyncs. Here a background thread checkpoints every
# CHECKPOINT_SECONDS instead, off the request path, and the commit path's own checkpoint is
# only a safety net for when that thread falls behind (10 000 pages, 40 MB of WAL).
WAL_AUTOCHECKPOINT_PAGES = 10_000
# Connections kept open to a SQLite database (and as many more allowed while busy).
SQLITE_POOL_SIZE = 16
CHECKPOINT_SECONDS = 0.5


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
        # A pool as deep as the request thread pool is busy: with the default 5, concurrent
        # requests and live rechecks opened and closed overflow connections, and each new
        # one pays the PRAGMAs below.
        # (An in-memory database has one connection per thread; no pool to size.)
        in_memory = parsed.database in (None, "", ":memory:")
        pool: dict[str, Any] = (
            {} if in_memory else {"pool_size": SQLITE_POOL_SIZE, "max_overflow": SQLITE_POOL_SIZE}
        )
        engine = create_engine(
            parsed, connect_args={"check_same_thread": False, "timeout": 30}, **pool
        )
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
    cursor.execute(f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT_PAGES}")
    # 64 MiB of page cache instead of 2: index maintenance on a big segment table (millions
    # of rows, several indexes) otherwise rereads the same pages over and over.
    cursor.execute("PRAGMA cache_size=-65536")
    # Destroyed data keys must not linger in free pages of the database file.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


class WalCheckpointer:
    """Checkpoints a SQLite database's write-ahead log from a thread of its own.

    ``PASSIVE`` checkpoints: they copy what they can without waiting for, or blocking,
    readers and writers (a commit only appends to the log), so no request waits for one.
    The thread holds its own connection, opened read-write without creating the file.
    """

    def __init__(self, path: Path, interval: float) -> None:
        self._uri = f"file:{quote(str(path))}?mode=rw"
        self._interval = interval
        self._stop = threading.Event()
        # The last result: (busy, frames in the log, frames checkpointed); checkpoints run.
        self.last: tuple[int, int, int] | None = None
        self.runs = 0
        self._thread = threading.Thread(
            target=self._loop, name="mimamoru-wal-checkpoint", daemon=True
        )
        self._thread.start()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not threading.current_thread():
            self._thread.join(10)

    def _loop(self) -> None:
        connection: sqlite3.Connection | None = None
        try:
            while not self._stop.wait(self._interval):
                try:
                    if connection is None:
                        connection = sqlite3.connect(self._uri, uri=True, timeout=0)
                    row = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                    self.last = (int(row[0]), int(row[1]), int(row[2]))
                    self.runs += 1
                except sqlite3.Error as exc:
                    # Not there yet, or busy: the next round tries again, and the commit
                    # path's own checkpoint still bounds the log.
                    logger.debug("WAL checkpoint skipped: %s", exc)
        finally:
            if connection is not None:
                connection.close()


class Database:
    """The engine plus a session factory; one per process."""

    def __init__(self, url: str, *, checkpoint_seconds: float = CHECKPOINT_SECONDS) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.checkpointer: WalCheckpointer | None = None
        path = self.engine.url.database
        if self.backend == "sqlite" and path and path != ":memory:":
            self.checkpointer = WalCheckpointer(Path(path).absolute(), checkpoint_seconds)

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
        if self.checkpointer is not None:
            self.checkpointer.stop()
        self.engine.dispose()
