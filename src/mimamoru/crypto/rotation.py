"""``mimamoru keys rotate``: re-wrap every data key under a new master key.

Footage is never touched: only the small wrapped keys in the database change. The
rotation is resumable at every step:

1. the new key is written to ``master.key.new`` and registered as ``pending``;
2. data keys are re-wrapped in batches, each batch its own transaction (the server,
   if running, can unwrap under either key meanwhile and wraps new keys under the new
   one);
3. in one transaction the old key becomes ``retired`` and the new one ``active``;
4. the new key file replaces the old one (for the key-file source).

Interrupted anywhere, running the command again carries on from where it stopped.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from mimamoru.clock import Clock
from mimamoru.crypto.keyring import ACTIVE, PENDING, RETIRED, rotation_key_path, uses_key_file
from mimamoru.crypto.master import (
    MasterKey,
    load_master_key,
    new_master_key,
    read_key_file,
    unwrap,
    unwrap_secret,
    wrap,
    wrap_secret,
    write_key_file,
)
from mimamoru.db import keys as key_queries
from mimamoru.db.engine import Database
from mimamoru.errors import MasterKeyError
from mimamoru.settings import Settings

logger = logging.getLogger(__name__)

Progress = Callable[[int, int], None]  # (re-wrapped so far, total)


@dataclass(frozen=True)
class RotationResult:
    old_fingerprint: str
    new_fingerprint: str
    rewrapped: int
    resumed: bool
    key_file_replaced: bool
    new_key_path: Path


def rotate_master_key(
    settings: Settings,
    database: Database,
    clock: Clock,
    *,
    batch_size: int = 500,
    progress: Progress | None = None,
) -> RotationResult:
    staged = rotation_key_path(settings)
    current = load_master_key(settings)
    with database.session() as session:
        states = {row.fingerprint: row.state for row in key_queries.master_keys(session)}
    active = next((fp for fp, state in states.items() if state == ACTIVE), None)
    pending = next((fp for fp, state in states.items() if state == PENDING), None)
    if active is None:
        raise MasterKeyError("this installation has no master key yet; start the server once")

    if states.get(current.fingerprint) == RETIRED and staged.exists():
        # Step 3 happened but the key file was not replaced yet: finish step 4 only.
        new = read_key_file(staged)
        if new.fingerprint != active:
            raise MasterKeyError(f"{staged} does not hold the active master key {active}")
        replaced = _install(settings, staged)
        return RotationResult(current.fingerprint, new.fingerprint, 0, True, replaced, staged)
    if current.fingerprint != active:
        raise MasterKeyError(
            f"the master key from {current.source} ({current.fingerprint}) is not the active "
            f"master key {active}; nothing was changed"
        )

    resumed = pending is not None
    new = _staged_key(staged, pending)
    if pending is None:
        with database.session() as session:
            key_queries.add_master_key(session, new.fingerprint, PENDING, clock.now())
        logger.info("rotation to master key %s started", new.fingerprint)

    with database.session() as session:
        total = key_queries.count_wrapped_under(session, current.fingerprint)
    done = _rewrap(database, current, new, batch_size, total, progress)
    _rewrap_secrets(database, current, new)

    with database.session() as session:
        old_row = key_queries.master_key(session, current.fingerprint)
        new_row = key_queries.master_key(session, new.fingerprint)
        assert old_row is not None and new_row is not None
        old_row.state, old_row.retired_at = RETIRED, clock.now()
        new_row.state = ACTIVE
    # A server that looked up the preferred key just before the rotation began may have
    # wrapped one new data key under the old master since; now nobody will, so sweep once more.
    done += _rewrap(database, current, new, batch_size, total, progress)
    _rewrap_secrets(database, current, new)
    logger.info("master key %s retired; %s is active", current.fingerprint, new.fingerprint)
    replaced = _install(settings, staged)
    return RotationResult(current.fingerprint, new.fingerprint, done, resumed, replaced, staged)


def _rewrap(
    database: Database,
    current: MasterKey,
    new: MasterKey,
    batch_size: int,
    total: int,
    progress: Progress | None,
) -> int:
    done = 0
    while True:
        with database.session() as session:
            rows = key_queries.wrapped_under(session, current.fingerprint, batch_size)
            if not rows:
                return done
            for row in rows:
                assert row.wrapped is not None
                secret = unwrap(current, row.wrapped, row.camera_id, row.period_start)
                row.wrapped = wrap(new, secret, row.camera_id, row.period_start)
                row.master_fingerprint = new.fingerprint
            done += len(rows)
        if progress is not None:
            progress(done, max(total, done))


def _rewrap_secrets(database: Database, current: MasterKey, new: MasterKey) -> None:
    with database.session() as session:
        for row in key_queries.secrets_wrapped_under(session, current.fingerprint):
            secret = unwrap_secret(current, row.wrapped, row.name)
            row.wrapped = wrap_secret(new, secret, row.name)
            row.master_fingerprint = new.fingerprint


def _staged_key(staged: Path, pending: str | None) -> MasterKey:
    if pending is None:
        if staged.exists():
            # Left by an attempt that stopped before registering it; never used for anything.
            staged.unlink()
        key = new_master_key(f"key file {staged}")
        write_key_file(staged, key)
        return read_key_file(staged)
    if not staged.exists():
        raise MasterKeyError(
            f"the unfinished rotation's new key {staged} is missing; restore it and run again"
        )
    key = read_key_file(staged)
    if key.fingerprint != pending:
        raise MasterKeyError(
            f"{staged} holds master key {key.fingerprint}, but the unfinished rotation is to "
            f"{pending}; nothing was changed"
        )
    return key


def _install(settings: Settings, staged: Path) -> bool:
    """Put the new key where the old one was read from, if that was the key file."""
    if not uses_key_file(settings):
        return False  # the operator stores it in their KMS / environment, then deletes staged
    staged.replace(settings.master_key_path)
    directory = os.open(settings.master_key_path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
    return True
