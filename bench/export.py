"""Export of 1 h of recorded 1080p15 footage, and verifying the package; FFmpeg as the peer.

The footage. A few minutes of real H.264 are encoded once (FFmpeg's ``testsrc2`` at
1920x1080, 15 frames/s, libx264 ``veryfast``, one keyframe a second; 60 s by default,
``--quick``: 20 s) and cut at keyframes into 4-second fragmented MP4 segments, exactly as
the segmenter writes them (timestamps rebased to start at zero). Encoding a whole hour at
1080p would take longer than the benchmark itself on a 2-core machine, so these few
distinct segments are then stored again and again, sealed through the real
``SegmentStore`` (AES-256-GCM, a data key per camera-hour) and indexed with consecutive
start times, until the index holds one hour (900 segments; ``--quick``: 10 minutes). The
bytes the export reads, authenticates, demuxes and copies are the same kind and amount as
an hour of a real camera at this bitrate; only the picture repeats.

1. Export. ``services.exports.create`` + ``services.exports.run`` for the whole range on
   a camera marked export-without-approval, as the background job runs it: every segment
   authenticated and decrypted, demuxed, its packets copied into one MP4 (moov first),
   the manifest hashed and signed, the zip streamed into a sealed package on disk.
   ``realtime_multiple`` is the footage's duration / wall time (target >= 50);
   ``realtime_multiple_per_cpu_s`` the duration / CPU seconds this process used for it.
2. The peer: ``ffmpeg -f concat -safe 0 -i list.txt -c copy -movflags +faststart`` over the
   same segments, in the same order, as plaintext files on disk (written beforehand,
   untimed), then an ``fsync`` of its output (timed: the export fsyncs its package before
   it reports done). It does less than the export (no decryption or authentication, no
   hash, no signature, no zip, no sealing), so it is the floor for "remux an hour".
   ``ffmpeg_realtime_multiple`` likewise.
3. Verify. The package is downloaded (decrypted) to a file, then ``verify_package`` with
   the installation's public key: signature, SHA-256 of the whole MP4 read straight from
   the zip. ``verify_mb_s`` is package MB (10^6 bytes) / wall time.

Run from the repository root::

    .venv/bin/python bench/export.py [--quick]

The last line of stdout is one JSON object.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import av

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import cpu_self, make_h264_input, rounded
from mimamoru.access.principal import Principal
from mimamoru.access.roles import Role
from mimamoru.clock import ManualClock
from mimamoru.exports.service import ExportOrder
from mimamoru.exports.verify import verify_package
from mimamoru.installation import init_installation
from mimamoru.media.segmenter import FRAGMENTED_MP4, FinishedSegment
from mimamoru.services import Services
from mimamoru.settings import load_settings

WIDTH, HEIGHT, RATE = 1920, 1080, 15
SEGMENT_SECONDS = 4
T0 = datetime(2026, 11, 1, tzinfo=UTC)


def cut_segments(source: Path) -> list[tuple[bytes, int]]:
    """The clip as fragmented MP4 segments of about 4 s, each starting on a keyframe.

    Returns (payload, frames) pairs; the segment lasts frames / 15 s.
    """
    groups: list[list[av.Packet[av.VideoStream]]] = []
    with av.open(str(source), "r") as container:
        video = container.streams.video[0]
        per_segment = SEGMENT_SECONDS * RATE
        for packet in container.demux(video):
            if packet.dts is None:
                continue
            if not groups or (packet.is_keyframe and len(groups[-1]) >= per_segment):
                assert packet.is_keyframe, "the clip must start on a keyframe"
                groups.append([])
            groups[-1].append(packet)
        payloads = []
        for group in groups[:-1]:  # the last may be short; a repeat of it would look odd
            out = io.BytesIO()
            with av.open(out, "w", format="mp4", options=dict(FRAGMENTED_MP4)) as output:
                stream = output.add_stream_from_template(video)
                first = group[0].dts
                assert first is not None
                for packet in group:
                    assert packet.dts is not None and packet.pts is not None
                    packet.dts -= first
                    packet.pts -= first
                    packet.stream = stream
                    output.mux(packet)
            payloads.append((out.getvalue(), len(group)))
    return payloads


def schedule(payloads: list[tuple[bytes, int]], seconds: int) -> list[tuple[int, float]]:
    """Which payload starts when (seconds from T0), back to back, to cover ``seconds``."""
    plan: list[tuple[int, float]] = []
    at = 0.0
    while at < seconds:
        index = len(plan) % len(payloads)
        plan.append((index, at))
        at += payloads[index][1] / RATE
    return plan


def store_hour(
    services: Services, camera_id: int, payloads: list[tuple[bytes, int]], seconds: int
) -> int:
    """Seal and index the segments back to back over ``seconds``; returns plaintext bytes."""
    total = 0
    for index, offset in schedule(payloads, seconds):
        data, frames = payloads[index]
        start = T0 + timedelta(seconds=offset)
        target = services.store.create(camera_id, start)
        target.write(data)
        target.commit()
        services.segments.add(
            FinishedSegment(
                camera_id=camera_id,
                relative_path=target.relative.as_posix(),
                start=start,
                end=start + timedelta(seconds=frames / RATE),
                bytes=target.bytes_written,
                sha256=target.sha256,
                frame_count=frames,
                codec="h264",
                width=WIDTH,
                height=HEIGHT,
                mask_version=0,
                key_id=target.key_id,
                stored_bytes=target.stored_bytes,
                stored_sha256=target.stored_sha256,
            )
        )
        total += len(data)
    return total


def ffmpeg_peer(workdir: Path, payloads: list[tuple[bytes, int]], seconds: int) -> float:
    plain = workdir / "plain"
    plain.mkdir()
    names = []
    for index, (data, _frames) in enumerate(payloads):
        path = plain / f"segment-{index:03d}.mp4"
        path.write_bytes(data)
        names.append(path)
    listing = workdir / "list.txt"
    listing.write_text(
        "".join(f"file '{names[index]}'\n" for index, _at in schedule(payloads, seconds)),
        encoding="utf-8",
    )
    output = workdir / "ffmpeg.mp4"
    command = [
        "ffmpeg", "-v", "error", "-nostdin", "-y", "-f", "concat", "-safe", "0",
        "-i", str(listing), "-c", "copy", "-movflags", "+faststart", str(output),
    ]  # fmt: skip
    started = time.perf_counter()
    subprocess.run(command, check=True)
    # The export fsyncs its package before it reports done; the peer's file gets the same,
    # or the peer's time would leave out writing most of its output to disk.
    with output.open("rb") as written:
        os.fsync(written.fileno())
    elapsed = time.perf_counter() - started
    with av.open(str(output)) as check:
        assert check.duration is not None
        duration = check.duration / 1_000_000
    assert abs(duration - seconds) < 5, f"ffmpeg output lasts {duration} s"
    output.unlink()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="20 s of source, 10 min stored")
    args = parser.parse_args()
    if shutil.which("ffmpeg") is None:
        sys.exit("the FFmpeg command line is needed for the peer (apt-get install ffmpeg)")
    source_seconds = 20 if args.quick else 60
    stored_seconds = 600 if args.quick else 3600
    results: dict[str, object] = {"stored_seconds": stored_seconds}
    with tempfile.TemporaryDirectory(prefix="mimamoru-bench-export-") as scratch:
        workdir = Path(scratch)
        source = workdir / "source.mp4"
        started = time.perf_counter()
        make_h264_input(source, WIDTH, HEIGHT, RATE, source_seconds)
        payloads = cut_segments(source)
        results["source_encode_s"] = time.perf_counter() - started
        results["distinct_segments"] = len(payloads)

        password = workdir / "password.txt"
        password.write_text("bench-export-password-1\n", encoding="utf-8")
        data_dir = workdir / "data"
        init_installation(data_dir, admin_password_file=password)
        services = Services.build(load_settings(data_dir), ManualClock(T0 + timedelta(hours=2)))
        try:
            camera = services.cameras.add(
                name="bench", source="test://pattern", retention_hours=72, actor="bench"
            )
            services.cameras.set_export_without_approval(camera.id, True, "bench")
            plaintext = store_hour(services, camera.id, payloads, stored_seconds)
            results["footage_mb"] = plaintext / 1e6
            results["footage_mbit_s"] = plaintext * 8 / stored_seconds / 1e6

            peer_s = ffmpeg_peer(workdir, payloads, stored_seconds)
            results["ffmpeg_s"] = peer_s
            results["ffmpeg_realtime_multiple"] = stored_seconds / peer_s

            admin = Principal(1, "admin", Role.ADMIN)
            cpu_before = cpu_self()
            started = time.perf_counter()
            record = services.exports.create(
                admin,
                ExportOrder(
                    camera_id=camera.id,
                    start=T0,
                    end=T0 + timedelta(seconds=stored_seconds),
                    purpose="benchmark",
                    recipient="benchmark",
                    legal_basis="internal",
                ),
            )
            done = services.exports.run(record.id)
            export_s = time.perf_counter() - started
            assert done.state == "done", done.error
            results["export_s"] = export_s
            export_cpu_s = cpu_self() - cpu_before
            results["export_cpu_s"] = export_cpu_s
            results["realtime_multiple"] = stored_seconds / export_s
            results["realtime_multiple_per_cpu_s"] = stored_seconds / export_cpu_s
            results["export_vs_ffmpeg"] = peer_s / export_s

            package = workdir / "package.zip"
            size, body = services.exports.open_package(done, "bench", "bench")
            with package.open("wb") as handle:
                for piece in body:
                    handle.write(piece)
            results["package_mb"] = size / 1e6
            started = time.perf_counter()
            check = verify_package(package, services.exports.signer.public_key)
            verify_s = time.perf_counter() - started
            assert check.ok, check.problems
            results["verify_s"] = verify_s
            results["verify_mb_s"] = size / 1e6 / verify_s
        finally:
            services.close()
        results["cpus"] = os.cpu_count()
    for key, value in rounded(results).items():
        print(f"{key}: {value}")
    final = rounded(results)
    print(
        json.dumps(
            {
                "bench": "export",
                "realtime_multiple": final["realtime_multiple"],
                "ffmpeg_realtime_multiple": final["ffmpeg_realtime_multiple"],
                "verify_mb_s": final["verify_mb_s"],
                **{
                    key: value
                    for key, value in final.items()
                    if key not in ("realtime_multiple", "ffmpeg_realtime_multiple", "verify_mb_s")
                },
            }
        )
    )


if __name__ == "__main__":
    main()
