"""The recording index: one database row per stored segment."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from mimamoru.clock import Clock
from mimamoru.db import segments as segment_queries
from mimamoru.db.engine import Database
from mimamoru.db.tables import Segment
from mimamoru.media.segmenter import FinishedSegment

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SegmentRecord:
    id: int
    camera_id: int
    start: datetime
    end: datetime
    bytes: int
    sha256: str
    path: str
    frame_count: int
    width: int
    height: int
    mask_version: int
    key_id: int | None
    stored_bytes: int
    stored_sha256: str
    status: str


def _record(row: Segment) -> SegmentRecord:
    return SegmentRecord(
        id=row.id,
        camera_id=row.camera_id,
        start=row.start_time,
        end=row.end_time,
        bytes=row.bytes,
        sha256=row.sha256,
        path=row.path,
        frame_count=row.frame_count,
        width=row.width,
        height=row.height,
        mask_version=row.mask_version,
        key_id=row.key_id,
        stored_bytes=row.stored_bytes,
        stored_sha256=row.stored_sha256,
        status=row.status,
    )


class SegmentIndex:
    def __init__(self, database: Database, clock: Clock) -> None:
        self._database = database
        self._clock = clock

    def add(self, segment: FinishedSegment) -> SegmentRecord:
        with self._database.session() as session:
            row = segment_queries.add_segment(
                session,
                Segment(
                    camera_id=segment.camera_id,
                    start_time=segment.start,
                    end_time=segment.end,
                    path=segment.relative_path,
                    bytes=segment.bytes,
                    sha256=segment.sha256,
                    frame_count=segment.frame_count,
                    codec=segment.codec,
                    width=segment.width,
                    height=segment.height,
                    mask_version=segment.mask_version,
                    key_id=segment.key_id,
                    stored_bytes=segment.stored_bytes,
                    stored_sha256=segment.stored_sha256,
                    status="ok",
                    created_at=self._clock.now(),
                ),
            )
            record = _record(row)
        logger.debug(
            "camera %s: indexed segment %s (%d bytes)", record.camera_id, record.id, record.bytes
        )
        return record

    def in_range(self, camera_id: int, start: datetime, end: datetime) -> Sequence[SegmentRecord]:
        with self._database.session() as session:
            rows = segment_queries.segments_in_range(session, camera_id, start, end)
            return [_record(row) for row in rows]

    def get(self, segment_id: int) -> SegmentRecord | None:
        with self._database.session() as session:
            row = segment_queries.segment_by_id(session, segment_id)
            return _record(row) if row is not None else None

    def set_status(self, segment_id: int, status: str) -> None:
        with self._database.session() as session:
            segment_queries.set_status(session, [segment_id], status)
