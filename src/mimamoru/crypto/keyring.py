"""Data keys: one per camera per period, wrapped by the master key, cached unwrapped.

:func:`open_keyring` checks the configured master key against the fingerprints in the
database before anything else happens, so a wrong key stops start-up with a clear
message and never leads to keys being written or rewritten.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.exc import IntegrityError

from mimamoru.clock import Clock
from mimamoru.crypto.master import (
    MasterKey,
    load_master_key,
    read_key_file,
    unwrap,
    unwrap_secret,
    wrap,
    wrap_secret,
)
from mimamoru.crypto.sealed import KEY_SIZE, DataKey
from mimamoru.db import keys as key_queries
from mimamoru.db.engine import Database
from mimamoru.db.tables import DataKeyRecord, MasterKeyRecord, WrappedSecret
from mimamoru.errors import MasterKeyError, StorageError
from mimamoru.settings import Settings

logger = logging.getLogger(__name__)

ACTIVE = "active"
PENDING = "pending"
RETIRED = "retired"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class MasterKeyMismatch(MasterKeyError):
    """The master key is valid but belongs to another installation."""


class KeyDestroyed(StorageError):
    """The footage's data key was destroyed (retention): it can never be decrypted."""


def uses_key_file(settings: Settings) -> bool:
    return settings.keys.master_key is None and not settings.keys.master_key_command


def rotation_key_path(settings: Settings) -> Path:
    """Where ``keys rotate`` keeps the new master key until the rotation is finished."""
    path = settings.master_key_path
    return path.with_name(path.name + ".new")


def period_start(when: datetime, period: timedelta) -> datetime:
    seconds = int(period.total_seconds())
    offset = int((when.astimezone(UTC) - _EPOCH).total_seconds()) // seconds * seconds
    return _EPOCH + timedelta(seconds=offset)


Reload = Callable[[], tuple[list[MasterKey], MasterKey]]


class KeyRing:
    """Data keys for a running process.

    ``reload`` lets a long-running server follow a ``keys rotate`` run by another process:
    a data key wrapped by a master key it does not hold, or a new preferred master key in
    the database, makes it read the key sources again.
    """

    def __init__(
        self,
        database: Database,
        clock: Clock,
        masters: Iterable[MasterKey],
        wrapping: MasterKey,
        period: timedelta,
        reload: Reload | None = None,
    ) -> None:
        self._database = database
        self._clock = clock
        self._masters = {key.fingerprint: key for key in masters}
        self._masters[wrapping.fingerprint] = wrapping
        self.wrapping = wrapping
        self.period = period
        self._reload = reload
        self._lock = threading.Lock()
        self._by_id: dict[int, DataKey] = {}
        self._by_period: dict[tuple[int, datetime], DataKey] = {}

    def key_for(self, camera_id: int, when: datetime) -> DataKey:
        """The data key for footage of ``camera_id`` starting at ``when``; made if new."""
        start = period_start(when, self.period)
        with self._lock:
            cached = self._by_period.get((camera_id, start))
        if cached is not None:
            return cached
        key = self._load_or_create(camera_id, start)
        with self._lock:
            self._by_period[(camera_id, start)] = key
            self._by_id[key.id] = key
        return key

    def key_by_id(self, key_id: int) -> DataKey:
        with self._lock:
            cached = self._by_id.get(key_id)
        if cached is not None:
            return cached
        with self._database.session() as session:
            row = key_queries.data_key(session, key_id)
            if row is None:
                raise KeyDestroyed(f"data key {key_id} does not exist")
            key = self._unwrap(row)
        with self._lock:
            self._by_id[key.id] = key
        return key

    def secret(self, name: str) -> tuple[bytes, bool]:
        """A named 32-byte installation secret, made on first use; (secret, made now)."""
        with self._database.session() as session:
            row = key_queries.wrapped_secret(session, name)
            if row is not None:
                master = self._masters.get(row.master_fingerprint)
                if master is None:
                    self._refresh()
                    master = self._masters.get(row.master_fingerprint)
                if master is None:
                    raise MasterKeyError(
                        f"secret {name!r} is wrapped by master key {row.master_fingerprint}, "
                        "which is not loaded"
                    )
                return unwrap_secret(master, row.wrapped, name), False
        secret = os.urandom(KEY_SIZE)
        try:
            with self._database.session() as session:
                session.add(
                    WrappedSecret(
                        name=name,
                        wrapped=wrap_secret(self.wrapping, secret, name),
                        master_fingerprint=self.wrapping.fingerprint,
                        created_at=self._clock.now(),
                    )
                )
        except IntegrityError:
            return self.secret(name)  # another process made it first
        return secret, True

    def forget(self, key_ids: Iterable[int]) -> None:
        """Drop destroyed keys from the cache so nothing decrypts with them again."""
        doomed = set(key_ids)
        with self._lock:
            for key_id in doomed:
                self._by_id.pop(key_id, None)
            for slot in [slot for slot, key in self._by_period.items() if key.id in doomed]:
                del self._by_period[slot]

    def _refresh(self) -> None:
        if self._reload is None:
            return
        try:
            masters, wrapping = self._reload()
        except MasterKeyError as exc:
            logger.error("cannot reload the master keys: %s", exc)
            return
        with self._lock:
            self._masters.update({key.fingerprint: key for key in masters})
            self.wrapping = wrapping
        logger.info("master keys reloaded; new data keys are wrapped by %s", wrapping.fingerprint)

    def _load_or_create(self, camera_id: int, start: datetime) -> DataKey:
        for _attempt in range(2):
            with self._database.session() as session:
                row = key_queries.data_key_for_period(session, camera_id, start)
                if row is not None:
                    return self._unwrap(row)
                preferred = _preferred(key_queries.master_keys(session))
            if preferred != self.wrapping.fingerprint:
                self._refresh()  # a rotation happened or started since this process began
            if preferred != self.wrapping.fingerprint:
                raise MasterKeyError(
                    f"new footage must be sealed under master key {preferred}, which this "
                    "process cannot load; restart it with the current master key"
                )
            secret = os.urandom(KEY_SIZE)
            try:
                with self._database.session() as session:
                    row = DataKeyRecord(
                        camera_id=camera_id,
                        period_start=start,
                        period_end=start + self.period,
                        wrapped=wrap(self.wrapping, secret, camera_id, start),
                        master_fingerprint=self.wrapping.fingerprint,
                        created_at=self._clock.now(),
                    )
                    session.add(row)
                    session.flush()
                    key_id = row.id
                logger.debug("camera %s: new data key %s from %s", camera_id, key_id, start)
                return DataKey(key_id, secret)
            except IntegrityError:
                continue  # another process made this period's key first; use theirs
        raise StorageError(f"cannot create a data key for camera {camera_id} at {start}")

    def _unwrap(self, row: DataKeyRecord) -> DataKey:
        if row.wrapped is None or row.master_fingerprint is None:
            raise KeyDestroyed(
                f"data key {row.id} (camera {row.camera_id}, {row.period_start.isoformat()}) "
                "was destroyed; its footage can no longer be decrypted"
            )
        master = self._masters.get(row.master_fingerprint)
        if master is None:
            self._refresh()
            master = self._masters.get(row.master_fingerprint)
        if master is None:
            raise MasterKeyError(
                f"data key {row.id} is wrapped by master key {row.master_fingerprint}, "
                "which is not loaded"
            )
        return DataKey(row.id, unwrap(master, row.wrapped, row.camera_id, row.period_start))


def _preferred(records: Iterable[MasterKeyRecord]) -> str | None:
    """The master key new data keys go under: a rotation's target, else the active key."""
    states = {row.state: row.fingerprint for row in records}
    return states.get(PENDING) or states.get(ACTIVE)


def _available_masters(settings: Settings, database: Database) -> tuple[list[MasterKey], MasterKey]:
    """Every master key this process can load now, and the one to wrap new keys with."""
    found: list[MasterKey] = []
    try:
        found.append(load_master_key(settings))
    except MasterKeyError:
        logger.debug("configured master key not loadable during reload", exc_info=True)
    staged = rotation_key_path(settings)
    if staged.exists():
        found.append(read_key_file(staged))
    with database.session() as session:
        preferred = _preferred(key_queries.master_keys(session))
    wrapping = next((key for key in found if key.fingerprint == preferred), None)
    if wrapping is None:
        raise MasterKeyError(f"master key {preferred} is not available from any source")
    return found, wrapping


def open_keyring(settings: Settings, database: Database, clock: Clock) -> KeyRing:
    """Load the master key, check it is this installation's, and build the key ring."""
    try:
        master = load_master_key(settings)
    except MasterKeyError as exc:
        with database.session() as session:
            never_had_one = not key_queries.master_keys(session)
        if never_had_one and uses_key_file(settings) and not settings.master_key_path.exists():
            raise MasterKeyError(
                f"{exc}. This installation has never had a master key (it was made before "
                "encryption at rest): create one with "
                f"`mimamoru keys init --data-dir {settings.data_dir}`"
            ) from exc
        raise
    period = timedelta(minutes=settings.keys.data_key_period_minutes)

    def reload() -> tuple[list[MasterKey], MasterKey]:
        return _available_masters(settings, database)

    with database.session() as session:
        records = {row.fingerprint: row for row in key_queries.master_keys(session)}
        if not records:
            key_queries.add_master_key(session, master.fingerprint, ACTIVE, clock.now())
            logger.info("master key %s registered (%s)", master.fingerprint, master.source)
            return KeyRing(database, clock, [master], master, period, reload)
        states = {row.fingerprint: row.state for row in records.values()}
    active = next(fp for fp, state in states.items() if state == ACTIVE)
    pending = next((fp for fp, state in states.items() if state == PENDING), None)
    if master.fingerprint == active:
        if pending is None:
            return KeyRing(database, clock, [master], master, period, reload)
        # A rotation is under way: wrap new keys under the new master so it only shrinks.
        new = _pending_key(settings, pending)
        logger.warning(
            "master key rotation to %s is unfinished; run `mimamoru keys rotate`", new.fingerprint
        )
        return KeyRing(database, clock, [master, new], new, period, reload)
    hint = f"this installation's master key is {active}"
    if master.fingerprint == pending:
        raise MasterKeyError(
            f"the master key from {master.source} is the new key of an unfinished rotation; "
            f"put the old key ({active}) back and run `mimamoru keys rotate` to finish"
        )
    if states.get(master.fingerprint) == RETIRED:
        raise MasterKeyError(
            f"the master key from {master.source} ({master.fingerprint}) was retired by a "
            f"key rotation; {hint}. If a rotation just finished, `mimamoru keys rotate` "
            "completes it. No keys were changed"
        )
    raise MasterKeyMismatch(
        f"the master key from {master.source} ({master.fingerprint}) is not this "
        f"installation's; {hint}. Refusing to start; no keys were changed"
    )


def _pending_key(settings: Settings, fingerprint: str) -> MasterKey:
    path = rotation_key_path(settings)
    if not path.exists():
        raise MasterKeyError(
            f"a master key rotation to {fingerprint} is unfinished and its new key {path} is "
            "missing; restore that file, then run `mimamoru keys rotate`"
        )
    key = read_key_file(path)
    if key.fingerprint != fingerprint:
        raise MasterKeyError(
            f"{path} holds master key {key.fingerprint}, but the unfinished rotation is to "
            f"{fingerprint}"
        )
    return key


class MemoryKeys:
    """Data keys that live only in this process: for benchmarks and recorder tests.

    The same one-key-per-camera-per-period rule as :class:`KeyRing`, without a database.
    """

    def __init__(self, period: timedelta = timedelta(hours=1)) -> None:
        self.period = period
        self._lock = threading.Lock()
        self._by_id: dict[int, DataKey] = {}
        self._by_period: dict[tuple[int, datetime], DataKey] = {}

    def key_for(self, camera_id: int, when: datetime) -> DataKey:
        slot = (camera_id, period_start(when, self.period))
        with self._lock:
            key = self._by_period.get(slot)
            if key is None:
                key = DataKey(len(self._by_id) + 1, os.urandom(KEY_SIZE))
                self._by_period[slot] = key
                self._by_id[key.id] = key
            return key

    def key_by_id(self, key_id: int) -> DataKey:
        with self._lock:
            key = self._by_id.get(key_id)
        if key is None:
            raise KeyDestroyed(f"data key {key_id} does not exist")
        return key
