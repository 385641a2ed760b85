"""Sealed segments written through the real store and index, without a camera."""

from __future__ import annotations

import io
import os
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from mimamoru.db.tables import Segment
from mimamoru.media.segmenter import FRAGMENTED_MP4, FinishedSegment
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


def h264_segment_payload(
    seconds: float = 4.0, rate: int = 15, size: str = "320x240", work_dir: Path | None = None
) -> bytes:
    """Real H.264 (testsrc2, a keyframe a second) as a fragmented MP4, like the segmenter's."""
    import av

    from tests.support.media import make_h264_file

    with tempfile.TemporaryDirectory(dir=work_dir) as scratch:
        source = make_h264_file(Path(scratch) / "clip.mp4", seconds=seconds, rate=rate, size=size)
        out = io.BytesIO()
        with (
            av.open(str(source), "r") as container,
            av.open(out, "w", format="mp4", options=dict(FRAGMENTED_MP4)) as output,
        ):
            stream = output.add_stream_from_template(container.streams.video[0])
            for packet in container.demux(video=0):
                if packet.dts is None:
                    continue
                packet.stream = stream
                output.mux(packet)
    return out.getvalue()


def write_video_segments(
    services: Services,
    camera_id: int,
    start: datetime,
    count: int,
    payload: bytes,
    seconds: float = 4.0,
    mask_version: int = 0,
) -> list[SegmentRecord]:
    """``count`` abutting segments of real video from ``start`` (the same clip each time)."""
    records = []
    for index in range(count):
        begin = start + timedelta(seconds=seconds * index)
        record = write_segment(services, camera_id, begin, seconds, payload)
        if mask_version:
            with services.database.session() as session:
                row = session.get(Segment, record.id)
                assert row is not None
                row.mask_version = mask_version
        records.append(record)
    return records
