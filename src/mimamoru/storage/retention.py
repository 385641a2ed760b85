"""Retention by crypto-shredding, and free space kept on the storage volume.

Each sweep, per camera: delete segments whose end is older than the camera's
retention (rows first, then files), then destroy the data keys no remaining segment
uses, so every copy of that footage anywhere becomes undecryptable. Then, if the
volume has less free space than ``storage.min_free_*``, delete the oldest footage of
any camera regardless of retention. Footage under an active evidence hold is never
deleted by either; if nothing else is left to delete, recording pauses with an alarm.
Every deletion writes a :class:`~mimamoru.db.tables.DeletionRecord` and an audit event.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol

from mimamoru.audit.log import AuditLog
from mimamoru.clock import Clock
from mimamoru.crypto.keyring import KeyRing
from mimamoru.db import keys as key_queries
from mimamoru.db import retention as retention_queries
from mimamoru.db.engine import Database
from mimamoru.db.retention import SegmentRow
from mimamoru.db.tables import DeletionRecord
from mimamoru.settings import StorageSettings
from mimamoru.storage.segments import SegmentStore

logger = logging.getLogger(__name__)

BATCH = 5000
# A key's last segment may still be being written (and not yet indexed) for up to the
# longest segment after its period ends; never destroy a key that recently.
KEY_GRACE = timedelta(minutes=10)
RETENTION = "retention"
DISK_PRESSURE = "disk_pressure"


class DiskSpace(Protocol):
    def usage(self) -> tuple[int, int]:
        """(free bytes, total bytes) of the volume holding the footage."""
        ...


class VolumeSpace:
    def __init__(self, root: Path) -> None:
        self._root = root

    def usage(self) -> tuple[int, int]:
        path = self._root
        while not path.exists() and path != path.parent:
            path = path.parent
        stats = os.statvfs(path)
        return stats.f_bavail * stats.f_frsize, stats.f_blocks * stats.f_frsize


@dataclass
class _Tally:
    segments: int = 0
    bytes: int = 0
    first: datetime | None = None
    last: datetime | None = None
    key_ids: list[int] = field(default_factory=list)

    def add(self, start: datetime, end: datetime, size: int) -> None:
        self.segments += 1
        self.bytes += size
        self.first = start if self.first is None else min(self.first, start)
        self.last = end if self.last is None else max(self.last, end)


@dataclass(frozen=True)
class DeletionSummary:
    id: int
    camera_id: int
    reason: str
    period_start: datetime | None
    period_end: datetime | None
    segment_count: int
    bytes: int
    keys_destroyed: int
    created_at: datetime


@dataclass(frozen=True)
class SweepReport:
    deletions: tuple[DeletionSummary, ...]
    free_bytes: int
    threshold_bytes: int
    paused: str | None


class RetentionSweeper:
    def __init__(
        self,
        database: Database,
        clock: Clock,
        audit: AuditLog,
        store: SegmentStore,
        keys: KeyRing,
        settings: StorageSettings,
        space: DiskSpace,
    ) -> None:
        self._database = database
        self._clock = clock
        self._audit = audit
        self._store = store
        self._keys = keys
        self._settings = settings
        self.space = space
        self._lock = threading.Lock()  # one sweep at a time
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.last_report: SweepReport | None = None
        self.batch_size = BATCH

    # -- running in the background -------------------------------------------------
    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="mimamoru-retention", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        while True:
            try:
                self.sweep()
            except Exception:  # a failed sweep is retried; recording must go on
                logger.exception("retention sweep failed; will retry")
            if self._stop.wait(self._settings.sweep_seconds):
                return

    # -- one sweep ------------------------------------------------------------------
    def sweep(self) -> SweepReport:
        with self._lock:
            deletions = self._sweep_retention()
            pressure, free, threshold = self._relieve_pressure()
            report = SweepReport(tuple(deletions + pressure), free, threshold, self._store.paused)
            if any(item.keys_destroyed for item in report.deletions):
                self._database.flush_journal()
            self.last_report = report
            return report

    def threshold(self, total: int) -> int:
        return max(
            int(total * self._settings.min_free_percent / 100), self._settings.min_free_bytes
        )

    def _sweep_retention(self) -> list[DeletionSummary]:
        now = self._clock.now()
        with self._database.session() as session:
            cameras = list(retention_queries.camera_retention(session))
        cutoffs = {camera_id: now - timedelta(hours=hours) for camera_id, hours in cameras}
        if not cutoffs:
            return []
        tallies: dict[int, _Tally] = defaultdict(_Tally)
        after: tuple[datetime, int] | None = None
        while True:
            with self._database.session() as session:
                rows = retention_queries.expired_unheld(
                    session, cutoffs, now, after, self.batch_size
                )
            if not rows:
                break
            after = (rows[-1][4], rows[-1][0])
            self._delete(rows, tallies)
        summaries = []
        for camera_id, cutoff in cutoffs.items():
            tally = tallies.get(camera_id) or _Tally()
            tally.key_ids = self._destroy_keys(camera_id, min(cutoff, now - KEY_GRACE))
            if tally.segments or tally.key_ids:
                summaries.append(self._record(camera_id, RETENTION, tally, {"cutoff": cutoff}))
        return summaries

    def _relieve_pressure(self) -> tuple[list[DeletionSummary], int, int]:
        free, total = self.space.usage()
        threshold = self.threshold(total)
        if free >= threshold:
            self._store.resume()
            return [], free, threshold
        now = self._clock.now()
        logger.warning(
            "storage volume has %d bytes free, below the %d kept free; deleting oldest footage",
            free,
            threshold,
        )
        tallies: dict[int, _Tally] = defaultdict(_Tally)
        while free < threshold:
            with self._database.session() as session:
                rows = retention_queries.oldest_unheld(session, now, self.batch_size)
            if not rows:
                break
            # Only as much as the shortfall, oldest first: pressure is no excuse to delete more.
            needed, chosen = threshold - free, []
            for row in rows:
                chosen.append(row)
                needed -= row[3]
                if needed <= 0:
                    break
            self._delete(chosen, tallies)
            free, total = self.space.usage()
        summaries = []
        for camera_id, tally in sorted(tallies.items()):
            tally.key_ids = self._destroy_keys(camera_id, now - KEY_GRACE)
            summaries.append(self._record(camera_id, DISK_PRESSURE, tally, {"free_bytes": free}))
        if free < threshold:
            self._pause(free, threshold)
        else:
            self._store.resume()
        return summaries, free, threshold

    def _pause(self, free: int, threshold: int) -> None:
        was_paused = self._store.paused is not None
        self._store.pause(
            f"storage volume has {free} bytes free, less than the {threshold} kept free, and "
            "no footage is left that may be deleted (the rest is under evidence hold, or the "
            "space is used by other files); free space or release holds"
        )
        if not was_paused:
            self._audit.append(
                actor="system",
                action="storage.full",
                detail={"free_bytes": free, "threshold_bytes": threshold},
                outcome="failed",
            )

    def _delete(
        self,
        rows: Sequence[SegmentRow],
        tallies: dict[int, _Tally],
    ) -> None:
        # Rows go first: a crash between the two steps leaves unindexed files, which the
        # start-up check removes, never index rows pointing at nothing.
        with self._database.session() as session:
            retention_queries.delete_segments(session, [row[0] for row in rows])
        # os.path on strings, not pathlib: a sweep can delete millions of files, and pathlib
        # objects cost several times more than the unlink itself.
        directories = set()
        for _id, camera_id, path, size, start, end in rows:
            tallies[camera_id].add(start, end, size)
            try:
                target = self._store.file_of(path)
                directories.add(os.path.dirname(target))  # noqa: PTH120
                os.unlink(target)  # noqa: PTH108
            except FileNotFoundError:
                pass
            except (OSError, ValueError) as exc:
                logger.warning("could not delete segment file %s: %s", path, exc)
        for directory in directories:
            with contextlib.suppress(OSError):
                os.rmdir(directory)  # noqa: PTH106 - only succeeds once a day's directory is empty

    def _destroy_keys(self, camera_id: int, cutoff: datetime) -> list[int]:
        destroyed: list[int] = []
        while True:
            with self._database.session() as session:
                key_ids = key_queries.unused_expired_keys(
                    session, camera_id, cutoff, self.batch_size
                )
                if not key_ids:
                    break
                key_queries.destroy_keys(session, key_ids, self._clock.now())
            self._keys.forget(key_ids)
            destroyed.extend(key_ids)
        return destroyed

    def _record(
        self, camera_id: int, reason: str, tally: _Tally, extra: dict[str, object]
    ) -> DeletionSummary:
        now = self._clock.now()
        detail = {
            "destroyed_key_ids": tally.key_ids,
            **{key: value.isoformat() if isinstance(value, datetime) else value
               for key, value in extra.items()},
        }  # fmt: skip
        with self._database.session() as session:
            row = retention_queries.add_deletion_record(
                session,
                DeletionRecord(
                    created_at=now,
                    camera_id=camera_id,
                    reason=reason,
                    period_start=tally.first,
                    period_end=tally.last,
                    segment_count=tally.segments,
                    bytes=tally.bytes,
                    keys_destroyed=len(tally.key_ids),
                    detail=json.dumps(detail, sort_keys=True),
                ),
            )
            summary = summary_of(row)
        self._audit.append(
            actor="system",
            action=f"storage.delete.{reason}",
            camera_id=camera_id,
            detail={
                "deletion_record": summary.id,
                "segments": summary.segment_count,
                "bytes": summary.bytes,
                "keys_destroyed": summary.keys_destroyed,
            },
        )
        logger.info(
            "camera %s: %s deleted %d segment(s), %d bytes, destroyed %d key(s)",
            camera_id,
            reason,
            summary.segment_count,
            summary.bytes,
            summary.keys_destroyed,
        )
        return summary

    def deletion_records(
        self, camera_id: int | None = None, limit: int = 100
    ) -> list[DeletionSummary]:
        with self._database.session() as session:
            rows = retention_queries.deletion_records(session, camera_id, limit)
            return [summary_of(row) for row in rows]


def summary_of(row: DeletionRecord) -> DeletionSummary:
    return DeletionSummary(
        id=row.id,
        camera_id=row.camera_id,
        reason=row.reason,
        period_start=row.period_start,
        period_end=row.period_end,
        segment_count=row.segment_count,
        bytes=row.bytes,
        keys_destroyed=row.keys_destroyed,
        created_at=row.created_at,
    )
