"""Start-up reconciliation of the segment store with its index, after a crash.

* ``.part`` files were never finished: removed (they hold only sealed, unindexed bytes).
* A finished file without an index row (a crash between rename and index): if it
  authenticates and plays, it is re-indexed; otherwise it is removed.
* An index row whose file is gone is marked ``lost`` and reported.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import av

from mimamoru.clock import Clock
from mimamoru.crypto.keyring import KeyDestroyed
from mimamoru.crypto.sealed import SealedFileError
from mimamoru.db import cameras as camera_queries
from mimamoru.db import holds as hold_queries
from mimamoru.db import segments as segment_queries
from mimamoru.db.engine import Database
from mimamoru.db.tables import Segment
from mimamoru.errors import MimamoruError
from mimamoru.storage.segments import SegmentStore
from mimamoru.storage.verify import LOST, OK, PAGE, find_orphans

logger = logging.getLogger(__name__)

_NAME = re.compile(r"(?P<camera>\d+)/(?P<day>\d{8})/(?P<time>\d{6}-\d{6})(?:-\d+)?\.mp4")


@dataclass
class ReconcileReport:
    removed_parts: int = 0
    reindexed: int = 0
    removed_orphans: int = 0
    kept_orphans: int = 0
    lost: int = 0


def reconcile_store(database: Database, store: SegmentStore, clock: Clock) -> ReconcileReport:
    report = ReconcileReport()
    for part in store.leftover_parts():
        part.unlink(missing_ok=True)
        report.removed_parts += 1
    if report.removed_parts:
        logger.warning(
            "removed %d unfinished segment file(s) left by a crash", report.removed_parts
        )
    for orphan in find_orphans(database, store):
        relative = orphan.relative_to(store.root).as_posix()
        try:
            row = _describe(store, relative, clock.now())
        except (SealedFileError, KeyDestroyed, av.FFmpegError, ValueError) as exc:
            # It fails authentication, its key is gone, or it does not play: never footage.
            logger.warning("removing unreadable unindexed segment file %s: %s", relative, exc)
            orphan.unlink(missing_ok=True)
            report.removed_orphans += 1
            continue
        except (MimamoruError, OSError) as exc:
            # A key that cannot be loaded now or an I/O error says nothing about the file.
            logger.warning("kept unindexed segment file %s; cannot check it now: %s", relative, exc)
            report.kept_orphans += 1
            continue
        with database.session() as session:
            camera = camera_queries.camera_by_id(session, row.camera_id)
            if camera is None:
                logger.warning("removing %s: camera %s no longer exists", relative, row.camera_id)
                orphan.unlink(missing_ok=True)
                report.removed_orphans += 1
                continue
            now = clock.now()
            expired = row.end_time <= now - timedelta(hours=camera.retention_hours)
            if expired and not hold_queries.held(
                session, row.camera_id, row.start_time, row.end_time, now
            ):
                # Most likely retention deleted its row just before the crash: finish that.
                logger.info("removing %s: past the camera's retention", relative)
                orphan.unlink(missing_ok=True)
                report.removed_orphans += 1
                continue
            row.mask_version = camera.mask_version  # the crash was moments ago: best guess
            segment_queries.add_segment(session, row)
        report.reindexed += 1
        logger.warning("re-indexed segment %s, finished but not indexed before a crash", relative)
    report.lost = _mark_lost(database, store)
    return report


def _describe(store: SegmentStore, relative: str, now: datetime) -> Segment:
    """An index row for a sealed segment file, from its name and its (decrypted) content."""
    match = _NAME.fullmatch(relative)
    if match is None:
        raise ValueError("not a segment file name")
    start = datetime.strptime(match["day"] + match["time"], "%Y%m%d%H%M%S-%f").replace(tzinfo=UTC)
    path = store.path_of(relative)
    stored = path.read_bytes()
    with store.open(relative) as reader:
        plain = reader.read_all()
        key_id = reader.header.key_id
    frames, seconds, width, height, codec = _probe(plain)
    if frames == 0:
        raise ValueError("no video frames")
    return Segment(
        camera_id=int(match["camera"]),
        start_time=start,
        end_time=start + timedelta(seconds=seconds),
        path=relative,
        bytes=len(plain),
        sha256=hashlib.sha256(plain).hexdigest(),
        frame_count=frames,
        codec=codec,
        width=width,
        height=height,
        key_id=key_id,
        stored_bytes=len(stored),
        stored_sha256=hashlib.sha256(stored).hexdigest(),
        status=OK,
        created_at=now,
    )


def _probe(data: bytes) -> tuple[int, float, int, int, str]:
    with av.open(io.BytesIO(data), "r", format="mp4") as container:
        stream = container.streams.video[0]
        frames, first, last = 0, None, None
        for packet in container.demux(stream):
            if packet.pts is None:
                continue
            frames += 1
            end = packet.pts + (packet.duration or 0)
            first = packet.pts if first is None else min(first, packet.pts)
            last = end if last is None else max(last, end)
        base = stream.time_base
        seconds = (
            float((last - first) * base) if first is not None and last is not None and base else 0.0
        )
        codec = stream.codec_context
        return frames, seconds, codec.width, codec.height, codec.name


def _mark_lost(database: Database, store: SegmentStore) -> int:
    lost = 0
    last_id = 0
    while True:
        with database.session() as session:
            rows = segment_queries.segments_after(session, last_id, PAGE)
            if not rows:
                return lost
            last_id = rows[-1].id
            missing = [
                row.id
                for row in rows
                if row.status == OK and not Path(store.root / row.path).is_file()
            ]
            segment_queries.set_status(session, missing, LOST)
        if missing:
            lost += len(missing)
            logger.error(
                "%d indexed segment(s) have no file any more (marked lost), e.g. id %s",
                len(missing),
                missing[0],
            )
