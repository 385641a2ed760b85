"""Checking stored footage: every segment's hashes and authentication, and the store's files.

Used by ``mimamoru storage verify`` and, for the quick part (files present, leftovers),
at start-up. A segment that fails is marked ``corrupt`` (or ``lost`` when its file is
gone) in the index, so it is never served.
"""

from __future__ import annotations

import hashlib
import io
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from mimamoru.crypto.keyring import KeyDestroyed
from mimamoru.crypto.sealed import SealedFileError, SealedReader
from mimamoru.db import segments as segment_queries
from mimamoru.db.engine import Database
from mimamoru.db.tables import Segment
from mimamoru.storage.segments import SegmentStore, segment_context

logger = logging.getLogger(__name__)

OK = "ok"
CORRUPT = "corrupt"
LOST = "lost"
PAGE = 500
PART_GRACE_SECONDS = 120

Progress = Callable[[int, int], None]  # (segments checked, bytes checked)


@dataclass
class Problem:
    segment_id: int
    camera_id: int
    path: str
    reason: str


@dataclass
class VerifyReport:
    checked: int = 0
    ok: int = 0
    bytes: int = 0
    missing: list[Problem] = field(default_factory=list)
    corrupt: list[Problem] = field(default_factory=list)
    leftover_parts: list[Path] = field(default_factory=list)
    being_written: list[Path] = field(default_factory=list)
    orphans: list[Path] = field(default_factory=list)

    @property
    def problem_count(self) -> int:
        return len(self.missing) + len(self.corrupt) + len(self.leftover_parts) + len(self.orphans)


def check_segment(store: SegmentStore, row: Segment) -> tuple[str, str] | None:
    """``None`` if the segment is whole, else (status, reason)."""
    try:
        path = store.path_of(row.path)
        data = path.read_bytes()
    except FileNotFoundError:
        return LOST, "file missing"
    except (OSError, ValueError) as exc:
        return CORRUPT, f"cannot read: {exc}"
    if row.stored_bytes and len(data) != row.stored_bytes:
        return CORRUPT, f"size {len(data)} bytes, index says {row.stored_bytes}"
    if row.stored_sha256 and hashlib.sha256(data).hexdigest() != row.stored_sha256:
        return CORRUPT, "stored SHA-256 does not match the index"
    if row.key_id is None:
        return CORRUPT, "not encrypted"
    try:
        reader = SealedReader(
            io.BytesIO(data), len(data), store.keys.key_by_id, segment_context(row.path)
        )
        if reader.header.key_id != row.key_id:
            return CORRUPT, "sealed with another data key than the index says"
        digest = hashlib.sha256()
        for chunk in reader.iter_range():
            digest.update(chunk)
    except KeyDestroyed as exc:
        return CORRUPT, str(exc)
    except SealedFileError as exc:
        return CORRUPT, f"authentication failed: {exc}"
    if digest.hexdigest() != row.sha256 or reader.size != row.bytes:
        return CORRUPT, "decrypted content does not match the index's SHA-256"
    return None


def verify_store(
    database: Database,
    store: SegmentStore,
    *,
    mark: bool = True,
    progress: Progress | None = None,
) -> VerifyReport:
    report = VerifyReport()
    last_id = 0
    while True:
        with database.session() as session:
            rows = segment_queries.segments_after(session, last_id, PAGE)
        if not rows:
            break
        last_id = rows[-1].id
        marks: dict[str, list[int]] = {OK: [], CORRUPT: [], LOST: []}
        for row in rows:
            report.checked += 1
            report.bytes += row.stored_bytes
            outcome = check_segment(store, row)
            if outcome is None:
                report.ok += 1
                if row.status != OK:
                    marks[OK].append(row.id)
                continue
            status, reason = outcome
            problem = Problem(row.id, row.camera_id, row.path, reason)
            (report.missing if status == LOST else report.corrupt).append(problem)
            if row.status != status:
                marks[status].append(row.id)
        if mark:
            with database.session() as session:
                for status, ids in marks.items():
                    segment_queries.set_status(session, ids, status)
        if progress is not None:
            progress(report.checked, report.bytes)
    # A running server always has one unfinished file per recording camera; only files
    # nobody has written to for a while are leftovers of a crash.
    now = time.time()
    for part in store.leftover_parts():
        recent = now - part.stat().st_mtime < PART_GRACE_SECONDS
        (report.being_written if recent else report.leftover_parts).append(part)
    report.orphans = find_orphans(database, store)
    return report


def find_orphans(database: Database, store: SegmentStore) -> list[Path]:
    """Finished segment files that no index row names."""
    orphans: list[Path] = []
    if not store.root.exists():
        return orphans
    for directory in sorted({path.parent for path in store.root.rglob("*.mp4")}):
        prefix = directory.relative_to(store.root).as_posix() + "/"
        with database.session() as session:
            indexed = segment_queries.paths_under(session, prefix)
        orphans += [
            path
            for path in sorted(directory.glob("*.mp4"))
            if path.relative_to(store.root).as_posix() not in indexed
        ]
    return orphans
