"""Storage: sealed-file crypto throughput, its share of a camera's CPU, HTTPS playback, retention.

Four measurements, all in the same run, each next to a peer where one exists:

1. Crypto. 256 MB of random bytes (64 MB with ``--quick``) sealed with ``SealedWriter``
   into an in-memory sink, fed 32 KiB at a time as PyAV's muxer feeds a segment file, and
   read back with ``SealedReader.iter_range``. The peer is cryptography's ``AESGCM`` on the
   whole buffer in one call. ``encrypt_mb_s`` / ``decrypt_mb_s`` (sealed format) and
   ``raw_aesgcm_encrypt_mb_s`` / ``raw_aesgcm_decrypt_mb_s`` are medians of 5 runs;
   ``format_overhead_ratio_encrypt`` / ``_decrypt`` are sealed / raw throughput, and
   ``format_overhead_ratio`` the same for the round trip (raw encrypt + decrypt time over
   sealed encrypt + decrypt time); 1.0 = the chunked format costs nothing extra. Where
   the time goes, three more figures: ``encrypt_discard_sink_mb_s`` (sealing into a sink
   that drops the bytes, as a file write does once they are copied to the kernel),
   ``raw_aesgcm_into_buffer_*`` (``encrypt_into``/``decrypt_into`` a buffer already in
   memory: the cipher alone) and ``raw_aesgcm_64k_calls_*`` (one ``AESGCM`` call per
   64 KiB chunk, no format). A fresh 256 MB output buffer must be faulted in page by
   page, so the one-call peer measures the allocation as much as the cipher.

2. Encryption's share of a masked camera. The real recorder (as in
   ``bench/masked_recording.py``) plays an H.264 1080p15 testsrc2 clip in real time and
   loops it, decodes, burns in three masks, encodes with libx264 and seals segments with
   ``MemoryKeys``, for 15 s (8 s with ``--quick``). ``recorder_cpu_s_per_s`` is this
   process's CPU seconds per second of recording; ``stored_bytes_per_s`` the plaintext it
   wrote. The segments it made are then decrypted and sealed again, timed, to get
   ``seal_cpu_s_per_s``: CPU seconds that sealing that much footage per second costs.
   ``encryption_cpu_share_percent`` = seal / recorder CPU x 100 (target < 2 %).
   ``..._from_throughput`` is the same share computed from item 1's CPU cost per byte;
   ``segment_store_cpu_share_percent`` re-writes the segments through
   ``SegmentStore`` (sealing, both SHA-256 digests, file write, fsync) instead.

3. Playback over HTTPS. A real installation in a temp dir; segments of random plaintext
   are written through ``SegmentStore.create`` / ``SegmentFile`` and indexed; the real
   server runs in its own process (``python -m mimamoru serve``; the camera is disabled
   in the database so that no recorder competes for the CPU). One httpx client logs in
   and downloads ``GET /api/v1/recordings/{id}`` repeatedly over TLS on loopback,
   verifying against the CA in ``DATA_DIR/tls/ca.pem``. Three segment sizes: 2 MB (a
   typical 4 s segment; per-request cost shows), 32 MB (decrypted once into memory) and
   96 MB (above the server's 64 MB in-memory limit: authenticated in one pass, decrypted
   again while sent). ``serve_mb_s`` is the 32 MB figure (target >= 200 MB/s). The peer,
   ``peer_fileresponse_mb_s``, is the same plaintext served as plain files by Starlette's
   ``FileResponse`` under the same uvicorn, TLS context and certificate, in its own
   process, to the same client: the HTTP+TLS stack without login, audit or decryption.
   Both servers run side by side and take turns (4 trials each per size, medians), so
   noise on the machine hits both alike. ``serve_vs_peer_ratio`` is mimamoru / peer.
   Server and client CPU seconds per GB show which side limits (both share the
   machine). ``disk_read_decrypt_mb_s`` is ``SegmentStore.read_plaintext`` of the 32 MB
   segments in this process, no HTTP (what the server does before sending one).

4. Retention sweep. A real installation (SQLite) with 100 cameras x 24 h of 4 s segments
   (2.16 M index rows; ``--quick``: 100 cameras x 1 h) and one data key per camera-hour
   made by ``KeyRing.key_for``; rows inserted with SQLAlchemy core executemany. Every
   camera's retention is 1 h and a ``ManualClock`` stands 2 h after the last segment, so
   everything is expired. ``RetentionSweeper.sweep()`` then runs in a fresh child
   process: ``sweep_seconds`` (target < 60 s), ``rows_per_second``, the child's RSS just
   before the sweep, its peak RSS (``ru_maxrss``, ``sweep_peak_rss_mb``) and the growth
   (``sweep_rss_growth_mb``; flat = the sweep works in batches, not all rows at once).
   ``sweep_files`` says whether segment files existed: the full run is index only (the
   sweeper's unlink finds nothing), ``--quick`` creates a 1 KiB file per row.

Needs ``ffmpeg`` only through PyAV (no command). The last line is JSON.

    .venv/bin/python bench/storage.py [--quick]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import resource
import shutil
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import func, insert, select, update

from benchlib import cpu_self, make_h264_input, rounded, server_process
from masked_recording import masks
from mimamoru.clock import ManualClock, SystemClock
from mimamoru.crypto.keyring import MemoryKeys
from mimamoru.crypto.sealed import (
    DEFAULT_CHUNK_SIZE,
    DataKey,
    SealedReader,
    SealedWriter,
    stored_size,
)
from mimamoru.db.tables import Camera, Segment
from mimamoru.installation import init_installation
from mimamoru.media.live import LiveHub
from mimamoru.media.recorder import CameraJob, Recorder
from mimamoru.media.segmenter import FinishedSegment
from mimamoru.media.sources import parse_source
from mimamoru.media.status import CameraStatus
from mimamoru.services import Services
from mimamoru.settings import RecordingSettings, load_settings
from mimamoru.storage.segments import SegmentStore, segment_context
from mimamoru.tls import server_ssl_context

MB = 1024 * 1024
WRITE_SIZE = 32 * 1024  # PyAV's I/O buffer: what the muxer hands SegmentFile.write at a time
REPEATS = 5
RATE = 15
SEGMENT_SECONDS = 4
PASSWORD = "correct-horse-battery-staple"  # noqa: S105 (a throwaway installation)
SERVE_TRIALS = 4  # per side and segment size, taking turns; the median is reported
# (label, segment size, how many): a typical 4 s segment, then two large ones either side
# of the server's 64 MB in-memory limit.
SERVE_GROUPS = (("2mb", 2 * MB, 16), ("32mb", 32 * MB, 4), ("96mb", 96 * MB, 2))


@dataclass(frozen=True)
class Scale:
    crypto_mb: int
    record_seconds: float
    serve_mb_per_group: int
    sweep_cameras: int
    sweep_hours: int
    sweep_files: bool


FULL = Scale(256, 15.0, 1024, 100, 24, False)
QUICK = Scale(64, 8.0, 256, 100, 1, True)


def rate(nbytes: int, seconds: float) -> float:
    return nbytes / MB / seconds


def rss_mb() -> float:
    """Resident set size of this process now."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / MB


def peak_rss_mb() -> float:
    """This process's peak RSS since exec or :func:`reset_peak_rss` (VmHWM).

    Not ``ru_maxrss``: that carries the parent's peak across fork and exec.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024  # kB
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak_rss() -> bool:
    """Start VmHWM afresh at the current RSS (Linux: ``echo 5 > /proc/self/clear_refs``)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of another process (all its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class MemorySink:
    """Where sealed bytes go in the crypto measurement: kept in memory, not copied."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def write(self, data: bytes, /) -> int:
        self.parts.append(data)
        return len(data)


class CountingSink:
    def __init__(self) -> None:
        self.bytes = 0

    def write(self, data: bytes, /) -> int:
        self.bytes += len(data)
        return len(data)


def seal_into(writer: SealedWriter, data: bytes) -> None:
    view = memoryview(data)
    for offset in range(0, len(data), WRITE_SIZE):
        writer.write(view[offset : offset + WRITE_SIZE])
    writer.close()
    view.release()


# -- 1. crypto throughput -------------------------------------------------------------


@contextmanager
def stopwatch(times: dict[str, list[float]], name: str) -> Iterator[None]:
    started = time.perf_counter()
    yield
    times.setdefault(name, []).append(time.perf_counter() - started)


def crypto_throughput(megabytes: int) -> dict[str, Any]:
    data = os.urandom(megabytes * MB)
    size = len(data)
    key = DataKey(1, os.urandom(32))
    context = segment_context("1/20260101/000000-000000.mp4")
    aead = AESGCM(key.secret)
    view = memoryview(data)
    step = DEFAULT_CHUNK_SIZE
    times: dict[str, list[float]] = {}
    encrypt_cpu: list[float] = []
    # Written-to (so already faulted in) buffers for the encrypt_into/decrypt_into peer.
    out_cipher = bytearray(b"\1" * (size + 16))
    out_plain = bytearray(b"\1" * size)
    for repeat in range(REPEATS):
        sink = MemorySink()
        cpu_before = cpu_self()
        with stopwatch(times, "encrypt"):
            seal_into(SealedWriter(sink, key, context), data)
        encrypt_cpu.append(cpu_self() - cpu_before)
        sealed = b"".join(sink.parts)
        del sink
        with stopwatch(times, "encrypt_discard"):
            seal_into(SealedWriter(CountingSink(), key, context), data)
        with stopwatch(times, "decrypt"):
            reader = SealedReader(io.BytesIO(sealed), len(sealed), key, context)
            count = sum(len(piece) for piece in reader.iter_range())
        assert count == size
        if repeat == 0:
            assert reader.read_all() == data, "sealed round trip changed the data"
        del sealed, reader

        nonce = os.urandom(12)
        with stopwatch(times, "raw_encrypt"):
            ciphertext = aead.encrypt(nonce, data, None)
        with stopwatch(times, "raw_decrypt"):
            plain = aead.decrypt(nonce, ciphertext, None)
        assert plain == data
        del ciphertext, plain

        with stopwatch(times, "into_encrypt"):
            aead.encrypt_into(nonce, data, None, out_cipher)
        with stopwatch(times, "into_decrypt"):
            aead.decrypt_into(nonce, out_cipher, None, out_plain)
        assert out_plain == data

        with stopwatch(times, "calls_encrypt"):
            parts = [aead.encrypt(nonce, view[at : at + step], None) for at in range(0, size, step)]
        with stopwatch(times, "calls_decrypt"):
            count = sum(len(aead.decrypt(nonce, part, None)) for part in parts)
        assert count == size
        del parts
    view.release()
    result: dict[str, Any] = {"crypto_mb": megabytes}
    for name, label in (
        ("encrypt", "encrypt_mb_s"),
        ("decrypt", "decrypt_mb_s"),
        ("encrypt_discard", "encrypt_discard_sink_mb_s"),
        ("raw_encrypt", "raw_aesgcm_encrypt_mb_s"),
        ("raw_decrypt", "raw_aesgcm_decrypt_mb_s"),
        ("into_encrypt", "raw_aesgcm_into_buffer_encrypt_mb_s"),
        ("into_decrypt", "raw_aesgcm_into_buffer_decrypt_mb_s"),
        ("calls_encrypt", "raw_aesgcm_64k_calls_encrypt_mb_s"),
        ("calls_decrypt", "raw_aesgcm_64k_calls_decrypt_mb_s"),
    ):
        result[label] = rate(size, statistics.median(times[name]))
    result["encrypt_cpu_s_per_gb"] = statistics.median(encrypt_cpu) / size * 1024 * MB
    for way in ("encrypt", "decrypt"):
        result[f"format_overhead_ratio_{way}"] = (
            result[f"{way}_mb_s"] / result[f"raw_aesgcm_{way}_mb_s"]
        )
    # The round trip: raw encrypt + decrypt time over sealed encrypt + decrypt time.
    result["format_overhead_ratio"] = (
        statistics.median(times["raw_encrypt"]) + statistics.median(times["raw_decrypt"])
    ) / (statistics.median(times["encrypt"]) + statistics.median(times["decrypt"]))
    return result


# -- 2. encryption's share of a masked camera's CPU ---------------------------------------


@dataclass(frozen=True)
class Recording:
    cpu_s_per_s: float
    wall_s: float
    mode: str | None
    store: SegmentStore
    segments: list[FinishedSegment]


def record_masked(workdir: Path, seconds: float) -> Recording:
    """Record a masked 1080p15 camera in real time, as a camera would be recorded."""
    workdir.mkdir(parents=True, exist_ok=True)
    clip = workdir / "clip-1080p.mp4"
    make_h264_input(clip, 1920, 1080, RATE, 10.0, preset="ultrafast")
    spec = parse_source(f"file://{clip}")  # played in real time and looped, like a camera
    job_masks = masks()
    store = SegmentStore(workdir / "recorded", MemoryKeys())
    segments: list[FinishedSegment] = []
    clock = SystemClock()
    recorder = Recorder(
        CameraJob(1, "bench", spec, (), 1, job_masks),
        RecordingSettings(segment_seconds=float(SEGMENT_SECONDS)),
        store,
        segments.append,
        LiveHub(),
        clock,
        CameraStatus(clock),
    )
    thread = threading.Thread(target=recorder.run)
    cpu_before, started = cpu_self(), time.perf_counter()
    thread.start()
    time.sleep(seconds)
    mode = recorder.status.snapshot().mode
    recorder.stop()
    thread.join()
    wall = time.perf_counter() - started
    return Recording((cpu_self() - cpu_before) / wall, wall, mode, store, segments)


def encryption_share(workdir: Path, seconds: float, encrypt_cpu_s_per_gb: float) -> dict[str, Any]:
    recording = record_masked(workdir, seconds)
    recorder_cpu, wall, store, segments = (
        recording.cpu_s_per_s,
        recording.wall_s,
        recording.store,
        recording.segments,
    )
    assert segments, "the recorder stored no segments"
    plains = [store.read_plaintext(segment.relative_path) for segment in segments]
    total = sum(len(plain) for plain in plains)
    assert total == sum(segment.bytes for segment in segments)
    bytes_per_s = total / wall
    # Seal the very bytes it produced again, enough times to time it well.
    repeats = max(3, -(-64 * MB // total))
    keys = MemoryKeys()
    cpu_before = cpu_self()
    for _ in range(repeats):
        for segment, plain in zip(segments, plains, strict=True):
            key = keys.key_for(segment.camera_id, segment.start)
            seal_into(
                SealedWriter(CountingSink(), key, segment_context(segment.relative_path)), plain
            )
    seal_cpu_per_byte = (cpu_self() - cpu_before) / (repeats * total)
    # The whole store path: sealing, SHA-256 of plaintext and ciphertext, write, fsync.
    rewrite = SegmentStore(workdir / "rewritten", keys)
    store_repeats = max(1, repeats // 4)
    cpu_before = cpu_self()
    for round_ in range(store_repeats):
        for segment, plain in zip(segments, plains, strict=True):
            target = rewrite.create(segment.camera_id, segment.start + timedelta(hours=round_))
            view = memoryview(plain)
            for offset in range(0, len(plain), WRITE_SIZE):
                target.write(view[offset : offset + WRITE_SIZE])
            target.commit()
    store_cpu_per_byte = (cpu_self() - cpu_before) / (store_repeats * total)
    seal_cpu = bytes_per_s * seal_cpu_per_byte
    return {
        "recorder": "masked 1080p15, H.264 file in real time, decode + 3 masks + libx264 veryfast",
        "recorder_mode": recording.mode,
        "record_seconds": wall,
        "recorder_cpu_s_per_s": recorder_cpu,
        "stored_bytes_per_s": bytes_per_s,
        "recorded_segments": len(segments),
        "seal_cpu_s_per_s": seal_cpu,
        "encryption_cpu_share_percent": 100 * seal_cpu / recorder_cpu,
        "encryption_cpu_share_percent_from_throughput": (
            100 * bytes_per_s * encrypt_cpu_s_per_gb / (1024 * MB) / recorder_cpu
        ),
        "segment_store_cpu_share_percent": 100 * bytes_per_s * store_cpu_per_byte / recorder_cpu,
    }


# -- 3. playback over HTTPS -----------------------------------------------------------


def make_installation(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    password_file = root / "admin-password.txt"
    password_file.write_text(PASSWORD + "\n", encoding="utf-8")
    data_dir = root / "data"
    init_installation(data_dir, admin_password_file=password_file)
    return data_dir


@dataclass(frozen=True)
class Served:
    id: int
    size: int
    sha256: str
    path: str


def write_segments(services: Services, camera_id: int, plain_dir: Path) -> dict[str, list[Served]]:
    """The serve groups' segments, through the real store and index; plaintext copies too."""
    plain_dir.mkdir(parents=True)
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)
    groups: dict[str, list[Served]] = {}
    for label, size, count in SERVE_GROUPS:
        for _ in range(count):
            plain = os.urandom(size)
            target = services.store.create(camera_id, start)
            view = memoryview(plain)
            for offset in range(0, size, WRITE_SIZE):
                target.write(view[offset : offset + WRITE_SIZE])
            target.commit()
            record = services.segments.add(
                FinishedSegment(
                    camera_id=camera_id,
                    relative_path=target.relative.as_posix(),
                    start=start,
                    end=start + timedelta(seconds=SEGMENT_SECONDS),
                    bytes=target.bytes_written,
                    sha256=target.sha256,
                    frame_count=RATE * SEGMENT_SECONDS,
                    codec="h264",
                    width=1920,
                    height=1080,
                    mask_version=0,
                    key_id=target.key_id,
                    stored_bytes=target.stored_bytes,
                    stored_sha256=target.stored_sha256,
                )
            )
            (plain_dir / f"{record.id}.mp4").write_bytes(plain)
            groups.setdefault(label, []).append(Served(record.id, size, record.sha256, record.path))
            start += timedelta(seconds=SEGMENT_SECONDS)
    return groups


def download(client: httpx.Client, path: str, digest: hashlib._Hash | None = None) -> int:
    count = 0
    with client.stream("GET", path) as response:
        response.raise_for_status()
        for piece in response.iter_raw():
            count += len(piece)
            if digest is not None:
                digest.update(piece)
    return count


def measure_downloads(
    client: httpx.Client, pid: int, paths: list[tuple[str, int]], target_mb: int
) -> dict[str, float]:
    """Download ``paths`` round after round until ``target_mb`` is reached."""
    total = 0
    server_before, client_before = process_cpu(pid), cpu_self()
    started = time.perf_counter()
    while total < target_mb * MB:
        for path, size in paths:
            got = download(client, path)
            assert got == size, f"{path}: {got} bytes, expected {size}"
            total += got
    wall = time.perf_counter() - started
    gigabytes = total / (1024 * MB)
    return {
        "mb_s": rate(total, wall),
        "server_cpu_s_per_gb": (process_cpu(pid) - server_before) / gigabytes,
        "client_cpu_s_per_gb": (cpu_self() - client_before) / gigabytes,
    }


def serve_benchmark(workdir: Path, target_mb: int) -> dict[str, Any]:
    root = workdir / "serve"
    data_dir = make_installation(root)
    port = free_port()
    settings = load_settings(data_dir, server={"port": port})
    services = Services.build(settings)
    try:
        camera = services.cameras.add(
            name="bench", source="test://pattern", retention_hours=24, actor="bench"
        )
        with services.database.session() as session:  # no recorder may compete for the CPU
            session.execute(update(Camera).where(Camera.id == camera.id).values(enabled=False))
        groups = write_segments(services, camera.id, root / "plain")
        # What the server does for a segment under 64 MB, without HTTP: read and decrypt it
        # all (authenticating every chunk), from the page cache.
        read_started = time.perf_counter()
        read_bytes = 0
        while read_bytes < target_mb * MB // 2:
            for item in groups["32mb"]:
                read_bytes += len(services.store.read_plaintext(item.path))
        disk_read_decrypt = rate(read_bytes, time.perf_counter() - read_started)
    finally:
        services.close()

    ca = ssl.create_default_context(cafile=str(data_dir / "tls" / "ca.pem"))
    result: dict[str, Any] = {"disk_read_decrypt_mb_s": disk_read_decrypt}
    url = f"https://localhost:{port}"
    mimamoru_command = [
        sys.executable, "-m", "mimamoru", "serve", "--data-dir", str(data_dir), "--port", str(port),
    ]  # fmt: skip
    peer_port = free_port()
    peer_url = f"https://localhost:{peer_port}"
    peer_command = [
        sys.executable, str(Path(__file__).resolve()), "--child", "file-server",
        "--data-dir", str(data_dir), "--port", str(peer_port), "--files", str(root / "plain"),
    ]  # fmt: skip
    # Both servers run at once (the idle one costs nothing) and take turns, so that a
    # noisy neighbour on the machine hits both alike.
    with (
        server_process(mimamoru_command, f"{url}/api/v1/health", ca, root / "server.log") as pid,
        server_process(peer_command, f"{peer_url}/health", ca, root / "peer.log") as peer_pid,
        httpx.Client(base_url=url, verify=ca, timeout=120) as client,
        httpx.Client(base_url=peer_url, verify=ca, timeout=120) as peer_client,
    ):
        response = client.post(
            "/api/v1/auth/login", json={"username": "admin", "password": PASSWORD}
        )
        response.raise_for_status()
        client.headers["Authorization"] = f"Bearer {response.json()['token']}"
        sides = {
            "serve": (client, pid, "/api/v1/recordings/"),
            "peer": (peer_client, peer_pid, "/f/"),
        }
        for side_client, _pid, prefix in sides.values():  # a warm-up that checks the bytes
            for items in groups.values():
                for item in items:
                    digest = hashlib.sha256()
                    download(side_client, f"{prefix}{item.id}", digest)
                    assert digest.hexdigest() == item.sha256, f"{prefix}{item.id} differs"
        for label, items in groups.items():
            trials: dict[str, list[dict[str, float]]] = {"serve": [], "peer": []}
            for trial in range(SERVE_TRIALS):
                order = ("serve", "peer") if trial % 2 == 0 else ("peer", "serve")
                for side in order:
                    side_client, side_pid, prefix = sides[side]
                    paths = [(f"{prefix}{item.id}", item.size) for item in items]
                    trials[side].append(
                        measure_downloads(side_client, side_pid, paths, target_mb // SERVE_TRIALS)
                    )
            for side, name in (("serve", "serve_mb_s"), ("peer", "peer_fileresponse_mb_s")):
                result[f"{name}_{label}"] = statistics.median(t["mb_s"] for t in trials[side])
                result[f"{side}_server_cpu_s_per_gb_{label}"] = statistics.median(
                    t["server_cpu_s_per_gb"] for t in trials[side]
                )
                result[f"{side}_client_cpu_s_per_gb_{label}"] = statistics.median(
                    t["client_cpu_s_per_gb"] for t in trials[side]
                )
    result["serve_mb_s"] = result["serve_mb_s_32mb"]
    result["peer_fileresponse_mb_s"] = result["peer_fileresponse_mb_s_32mb"]
    for label, _size, _count in SERVE_GROUPS:
        result[f"serve_vs_peer_ratio_{label}"] = (
            result[f"serve_mb_s_{label}"] / result[f"peer_fileresponse_mb_s_{label}"]
        )
    result["serve_vs_peer_ratio"] = result["serve_vs_peer_ratio_32mb"]
    result["serve_mb_per_group"] = target_mb
    return result


def run_file_server(data_dir: Path, port: int, files: Path) -> None:
    """The playback peer: plain files over the same uvicorn and TLS, no login or crypto."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import FileResponse, PlainTextResponse, Response
    from starlette.routing import Route

    async def health(_request: Request) -> Response:
        return PlainTextResponse("ok")

    async def one_file(request: Request) -> Response:
        return FileResponse(files / f"{int(request.path_params['id'])}.mp4", media_type="video/mp4")

    context = server_ssl_context(data_dir / "tls" / "cert.pem", data_dir / "tls" / "key.pem")

    def ssl_factory(
        _config: uvicorn.Config, _default: Callable[[], ssl.SSLContext]
    ) -> ssl.SSLContext:
        return context

    app = Starlette(routes=[Route("/health", health), Route("/f/{id:int}", one_file)])
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_config=None,
        access_log=False,
        server_header=False,
        ssl_certfile=str(data_dir / "tls" / "cert.pem"),
        ssl_context_factory=ssl_factory,
    )
    uvicorn.Server(config).run()


# -- 4. retention sweep ---------------------------------------------------------------


def sweep_setup(workdir: Path, scale: Scale) -> tuple[Path, datetime, dict[str, Any]]:
    """An installation full of expired index rows; returns it and the time to sweep at."""
    data_dir = make_installation(workdir / "sweep")
    day0 = datetime(2026, 1, 1, tzinfo=UTC)
    settings = load_settings(data_dir)
    services = Services.build(settings, ManualClock(day0 + timedelta(hours=scale.sweep_hours)))
    started = time.perf_counter()
    per_hour = 3600 // SEGMENT_SECONDS
    plain = 1_000_000  # about a 4 s 1080p segment
    stored = stored_size(plain)
    fake_digest = "0" * 64
    batch: list[dict[str, Any]] = []
    rows = 0
    try:
        cameras = [
            # One hour is the shortest retention allowed; the clock will stand past it.
            services.cameras.add(
                name=f"camera-{number:03d}",
                source="test://pattern",
                retention_hours=1,
                actor="bench",
            ).id
            for number in range(1, scale.sweep_cameras + 1)
        ]
        # Rows go in as recorders would write them: time by time, every camera in turn.
        for hour in range(scale.sweep_hours):
            period = day0 + timedelta(hours=hour)
            keys = {camera: services.keys.key_for(camera, period).id for camera in cameras}
            for index in range(per_hour):
                start = period + timedelta(seconds=index * SEGMENT_SECONDS)
                for camera in cameras:
                    path = f"{camera}/{start:%Y%m%d}/{start:%H%M%S-%f}.mp4"
                    batch.append(
                        {
                            "camera_id": camera,
                            "start_time": start,
                            "end_time": start + timedelta(seconds=SEGMENT_SECONDS),
                            "path": path,
                            "bytes": plain,
                            "sha256": fake_digest,
                            "frame_count": RATE * SEGMENT_SECONDS,
                            "codec": "h264",
                            "width": 1920,
                            "height": 1080,
                            "mask_version": 0,
                            "key_id": keys[camera],
                            "stored_bytes": stored,
                            "stored_sha256": fake_digest,
                            "status": "ok",
                            "created_at": start + timedelta(seconds=SEGMENT_SECONDS),
                        }
                    )
                    if scale.sweep_files:
                        target = settings.segments_dir / path
                        target.parent.mkdir(parents=True, exist_ok=True)
                        target.write_bytes(b"\0" * 1024)
                if len(batch) >= 50_000:
                    with services.database.engine.begin() as connection:
                        connection.execute(insert(Segment), batch)
                    rows += len(batch)
                    batch = []
        if batch:
            with services.database.engine.begin() as connection:
                connection.execute(insert(Segment), batch)
            rows += len(batch)
        with services.database.session() as session:
            assert session.scalar(select(func.count()).select_from(Segment)) == rows
    finally:
        services.close()
    database = data_dir / "mimamoru.db"
    info = {
        "sweep_cameras": scale.sweep_cameras,
        "sweep_hours": scale.sweep_hours,
        "sweep_rows": rows,
        "sweep_data_keys": scale.sweep_cameras * scale.sweep_hours,
        "sweep_files": "1 KiB file per row" if scale.sweep_files else "index only",
        "sweep_setup_seconds": time.perf_counter() - started,
        "sweep_db_mb": database.stat().st_size / MB,
    }
    return data_dir, day0 + timedelta(hours=scale.sweep_hours + 2), info


def run_sweep(data_dir: Path, at: datetime) -> None:
    """In a fresh process: one sweep at ``at``; prints its figures as JSON."""
    services = Services.build(load_settings(data_dir), ManualClock(at))
    try:
        samples: list[float] = []
        done = threading.Event()

        def sample() -> None:
            while not done.wait(0.25):
                samples.append(rss_mb())

        before_peak = peak_rss_mb()
        reset = reset_peak_rss()
        before_rss = rss_mb()
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        started = time.perf_counter()
        report = services.retention.sweep()
        seconds = time.perf_counter() - started
        done.set()
        sampler.join()
        with services.database.session() as session:
            left = session.scalar(select(func.count()).select_from(Segment))
        deleted = sum(item.segment_count for item in report.deletions)
        print(
            json.dumps(
                {
                    "sweep_seconds": seconds,
                    "sweep_segments_deleted": deleted,
                    "sweep_keys_destroyed": sum(item.keys_destroyed for item in report.deletions),
                    "sweep_rows_left": left,
                    "rows_per_second": deleted / seconds,
                    "sweep_rss_before_mb": before_rss,
                    "sweep_peak_rss_before_mb": before_peak,
                    "sweep_peak_rss_mb": peak_rss_mb(),
                    "sweep_peak_rss_is_sweep_only": reset,
                    "sweep_rss_growth_mb": peak_rss_mb() - before_rss,
                    "sweep_rss_samples_mb": [
                        round(value) for value in samples[:: max(1, len(samples) // 20)]
                    ],
                }
            )
        )
    finally:
        services.close()


def sweep_benchmark(workdir: Path, scale: Scale) -> dict[str, Any]:
    data_dir, at, info = sweep_setup(workdir, scale)
    command = [
        sys.executable, str(Path(__file__).resolve()), "--child", "sweep",
        "--data-dir", str(data_dir), "--at", at.isoformat(),
    ]  # fmt: skip
    finished = subprocess.run(command, check=True, capture_output=True, text=True)
    figures: dict[str, Any] = json.loads(finished.stdout.strip().splitlines()[-1])
    assert figures["sweep_rows_left"] == 0, "the sweep left expired rows behind"
    assert figures["sweep_segments_deleted"] == info["sweep_rows"]
    return {**info, **figures}


# -- main -------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, about a minute")
    parser.add_argument("--child", choices=["sweep", "file-server"], help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--files", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--at", type=datetime.fromisoformat, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "sweep":
        run_sweep(args.data_dir, args.at)
        return
    if args.child == "file-server":
        run_file_server(args.data_dir, args.port, args.files)
        return

    scale = QUICK if args.quick else FULL
    result: dict[str, Any] = {"bench": "storage", "quick": args.quick}
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="mimamoru-bench-storage-", dir="/tmp") as tmp:
        workdir = Path(tmp)

        crypto = crypto_throughput(scale.crypto_mb)
        print(
            f"crypto: sealed {crypto['encrypt_mb_s']:.0f}/{crypto['decrypt_mb_s']:.0f} MB/s, "
            f"raw AES-GCM {crypto['raw_aesgcm_encrypt_mb_s']:.0f}/"
            f"{crypto['raw_aesgcm_decrypt_mb_s']:.0f} MB/s (encrypt/decrypt)",
            flush=True,
        )
        result.update(crypto)

        share = encryption_share(
            workdir / "record", scale.record_seconds, crypto["encrypt_cpu_s_per_gb"]
        )
        print(
            f"masked camera: {share['recorder_cpu_s_per_s']:.3f} CPU s/s, "
            f"{share['stored_bytes_per_s'] / 1024:.0f} KiB/s stored; sealing is "
            f"{share['encryption_cpu_share_percent']:.3f}% of its CPU",
            flush=True,
        )
        result.update(share)

        serve = serve_benchmark(workdir, scale.serve_mb_per_group)
        print(
            "playback over HTTPS (MB/s, mimamoru vs FileResponse peer): "
            + ", ".join(
                f"{label} {serve[f'serve_mb_s_{label}']:.0f} vs "
                f"{serve[f'peer_fileresponse_mb_s_{label}']:.0f}"
                for label, _size, _count in SERVE_GROUPS
            ),
            flush=True,
        )
        result.update(serve)
        shutil.rmtree(workdir / "serve", ignore_errors=True)

        sweep = sweep_benchmark(workdir, scale)
        print(
            f"retention sweep: {sweep['sweep_rows']} rows in {sweep['sweep_seconds']:.1f} s "
            f"({sweep['rows_per_second']:.0f} rows/s), peak RSS {sweep['sweep_peak_rss_mb']:.0f} "
            f"MB (+{sweep['sweep_rss_growth_mb']:.0f} MB); "
            f"setup {sweep['sweep_setup_seconds']:.0f} s",
            flush=True,
        )
        result.update(sweep)
    result["total_seconds"] = time.perf_counter() - began
    print(json.dumps(rounded(result)))


if __name__ == "__main__":
    main()
