"""Sealed segments written through the real store and index, without a camera."""

from __future__ import annotations

import os
from datetime import datetime, timedelta

from mimamoru.media.segmenter import FinishedSegment
from mimamoru.services import Services
from mimamoru.storage.index import SegmentRecord


def write_segment(
    services: Services,
    camera_id: int,
    start: datetime,
    seconds: float = 4.0,
    payload: bytes | None = None,
) -> SegmentRecord:
    """Store ``payload`` (default: 100 kB of random bytes) as one indexed segment."""
    data = payload if payload is not None else os.urandom(100_000)
    target = services.store.create(camera_id, start)
    target.write(data)
    target.commit()
    return services.segments.add(
        FinishedSegment(
            camera_id=camera_id,
            relative_path=target.relative.as_posix(),
            start=start,
            end=start + timedelta(seconds=seconds),
            bytes=target.bytes_written,
            sha256=target.sha256,
            frame_count=1,
            codec="h264",
            width=16,
            height=16,
            mask_version=0,
            key_id=target.key_id,
            stored_bytes=target.stored_bytes,
            stored_sha256=target.stored_sha256,
        )
    )
