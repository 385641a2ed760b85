"""Live fan-out: server CPU and memory per number of live viewers, and live latency.

One real server (``python -m mimamoru serve``, its own process) records one camera,
``test://pattern?size=1920x1080&rate=15&clock=1`` (FFmpeg's testsrc2 at 1080p15 with the
clock overlay and the time stripe, libx264 with the default recording settings). Then:

1. Fan-out. Headless websocket clients (the ``websockets`` package, asyncio, in a thread of
   this process) watch the camera's live socket: 0, 1, 10, 50 and 100 of them, each count
   once per round (``--rounds``, 3; the order rotates from round to round so that noise on
   the machine hits each count alike). For each count, after a warm-up, the server's CPU
   (user + system ticks from ``/proc/<pid>/stat``, all threads) over ``--seconds`` (10) of
   wall time as a percentage of one core (``cpu_percent_N``, the median over the rounds;
   ``cpu_percent_N_range`` the lowest and highest), its RSS at the end (``rss_mb_N``), and
   the fewest fragments any one client received in a window (``min_fragments_N``: every
   viewer got data). ``cpu_percent_0`` is the baseline: the recorder (generate, overlays,
   encode, seal, store) with nobody watching. ``per_viewer_cpu_percent`` is (100 viewers -
   1 viewer) / 99 and ``cpu_50_vs_1`` is cpu_percent_50 / cpu_percent_1 (target <= 1.10).
   ``client_cpu_percent_N`` is what the clients cost this process (on the same cores).
2. Delivery (``--latency-seconds``, 20). One headless client stamps each fragment as it
   arrives, then (afterwards, so that decoding does not delay the next arrival) decodes it
   and reads the time stripe of its first and last frames: ``delivery_last_frame_p50_ms``
   is arrival - capture of the fragment's last frame (encode, mux, fan-out, TLS, loopback:
   the server's own delay), and ``delivery_first_frame_p50_ms`` adds the fragment's
   duration (a fragment leaves the server only when complete, at most
   ``recording.live_fragment_ms`` after its first frame was captured). A fragment that
   does not start on a keyframe is decoded after the fragments of its GOP.
3. Latency. Debian's Chromium (Playwright, headless) logs in and opens the live page with
   ``?latency=1``; for ``--latency-seconds`` it reads the time stripe of each presented
   frame and takes page clock - capture time (one machine, one clock): ``latency_p50_ms``
   and ``latency_p95_ms`` (target <= 1000 ms on loopback).
4. The peer: the FFmpeg command line encoding the same 1080p15 pattern in real time
   (``ffmpeg -re -f lavfi -i testsrc2=size=1920x1080:rate=15 -c:v libx264 -preset veryfast
   -tune zerolatency -crf 23 -g 15 -f mp4 (fragmented) /dev/null``):
   ``ffmpeg_encode_cpu_percent``. It runs after the server has stopped, so that they do not
   compete; the per-viewer cost is to be read against it.

Delivery and latency are measured first, with no other viewer, then the fan-out steps.

    .venv/bin/python bench/live_fanout.py [--seconds 10] [--rounds 3] [--latency-seconds 20]

Needs ``ffmpeg`` and ``/usr/bin/chromium``. Last line of stdout: one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import concurrent.futures
import hashlib
import io
import json
import math
import os
import shutil
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import av
import httpx
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from playwright.sync_api import sync_playwright
from websockets.asyncio.client import connect
from websockets.sync.client import connect as connect_sync

from benchlib import cpu_children, cpu_self, rounded
from benchlib import server_process as run_server
from mimamoru.installation import init_installation
from mimamoru.media.fmp4 import starts_with_sync_sample
from mimamoru.media.timestripe import read_stripe
from mimamoru.services import Services
from mimamoru.settings import load_settings

CAMERA = "test://pattern?size=1920x1080&rate=15&clock=1"
VIEWER_COUNTS = (0, 1, 10, 50, 100)
PASSWORD = "bench-live-fanout-passphrase"  # noqa: S105 (a throwaway installation)
CHROMIUM = "/usr/bin/chromium"
WARM_UP_SECONDS = 4.0

COLLECT = """async (duration) => {
  const video = document.getElementById("live-video");
  const samples = [];
  let misses = 0;
  const stop = measureLatency(video, (latency) => {
    if (latency === null) misses += 1; else samples.push(latency);
  });
  await new Promise((resolve) => setTimeout(resolve, duration));
  stop();
  return { samples, misses };
}"""


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of another process (all its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def process_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))]


def make_installation(root: Path, port: int) -> tuple[Path, int]:
    """A data dir with one camera, the 1080p15 stripe pattern; returns (dir, camera id)."""
    root.mkdir(parents=True, exist_ok=True)
    password_file = root / "admin-password.txt"
    password_file.write_text(PASSWORD + "\n", encoding="utf-8")
    data_dir = root / "data"
    init_installation(data_dir, admin_password_file=password_file)
    services = Services.build(load_settings(data_dir, server={"port": port}))
    try:
        camera = services.cameras.add(
            name="bench",
            source=CAMERA,
            retention_hours=1,
            purposes=["crime_prevention"],
            actor="bench",
        )
    finally:
        services.close()
    return data_dir, camera.id


def server_process(data_dir: Path, port: int, ca: ssl.SSLContext, log: Path) -> Any:
    command = [
        sys.executable, "-m", "mimamoru", "serve", "--data-dir", str(data_dir), "--port", str(port),
    ]  # fmt: skip
    return run_server(command, f"https://localhost:{port}/api/v1/health", ca, log)


class Viewers:
    """Headless live viewers on an event loop in a background thread; their number can change."""

    def __init__(self, url: str, token: str, ca: ssl.SSLContext) -> None:
        self._url = url
        self._headers = {"Authorization": f"Bearer {token}"}
        self._ca = ca
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._tasks: list[concurrent.futures.Future[None]] = []
        self.fragments: list[int] = []
        self.connected: list[bool] = []
        self.failures: list[str] = []

    def set(self, count: int) -> None:
        """Open or close viewers until ``count`` watch; wait until all of them are connected."""
        while len(self._tasks) > count:
            self._tasks.pop().cancel()
            self.fragments.pop()
            self.connected.pop()
        while len(self._tasks) < count:
            index = len(self._tasks)
            self.fragments.append(0)
            self.connected.append(False)
            self._tasks.append(asyncio.run_coroutine_threadsafe(self._watch(index), self._loop))
        deadline = time.monotonic() + 120
        while not all(self.connected) and time.monotonic() < deadline:
            if self.failures:
                raise RuntimeError(f"a viewer failed: {self.failures[0]}")
            time.sleep(0.1)
        if not all(self.connected):
            raise RuntimeError(f"only {sum(self.connected)} of {len(self.connected)} connected")

    async def _watch(self, index: int) -> None:
        try:
            async with connect(
                self._url, ssl=self._ca, additional_headers=self._headers,
                open_timeout=120, max_size=None,
            ) as viewer:  # fmt: skip
                self.connected[index] = True
                async for message in viewer:
                    if isinstance(message, bytes) and message[4:8] == b"moof":
                        self.fragments[index] += 1
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a bench reports, it does not hide a failing viewer
            self.failures.append(f"{type(exc).__name__}: {exc}")

    def counts(self) -> list[int]:
        return list(self.fragments)

    def close(self) -> None:
        self.set(0)
        time.sleep(1)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


def fanout(
    pid: int, url: str, token: str, ca: ssl.SSLContext, seconds: float, rounds: int
) -> dict[str, Any]:
    """Each viewer count once per round, the order rotating; medians over the rounds."""
    samples: dict[int, list[dict[str, float]]] = {count: [] for count in VIEWER_COUNTS}
    viewers = Viewers(url, token, ca)
    try:
        for round_index in range(rounds):
            shift = round_index % len(VIEWER_COUNTS)
            for count in VIEWER_COUNTS[shift:] + VIEWER_COUNTS[:shift]:
                viewers.set(count)
                time.sleep(WARM_UP_SECONDS)
                before_counts = viewers.counts()
                server_before, client_before = process_cpu(pid), cpu_self()
                started = time.perf_counter()
                time.sleep(seconds)
                wall = time.perf_counter() - started
                server_cpu = process_cpu(pid) - server_before
                client_cpu = cpu_self() - client_before
                got = [a - b for a, b in zip(viewers.counts(), before_counts, strict=True)]
                if viewers.failures:
                    raise RuntimeError(f"viewers failed: {viewers.failures[:3]}")
                sample = {
                    "cpu": 100 * server_cpu / wall,
                    "client_cpu": 100 * client_cpu / wall,
                    "rss": process_rss_mb(pid),
                    "fewest": float(min(got, default=0)),
                }
                samples[count].append(sample)
                print(
                    f"round {round_index + 1}, {count:3d} viewers: server {sample['cpu']:.1f} % "
                    f"CPU, RSS {sample['rss']:.0f} MB, fewest fragments {min(got, default=0)}",
                    file=sys.stderr,
                )
    finally:
        viewers.close()
    result: dict[str, Any] = {}
    for count, runs in samples.items():
        cpu = [run["cpu"] for run in runs]
        result[f"cpu_percent_{count}"] = statistics.median(cpu)
        result[f"cpu_percent_{count}_range"] = [round(min(cpu), 1), round(max(cpu), 1)]
        result[f"client_cpu_percent_{count}"] = statistics.median(r["client_cpu"] for r in runs)
        result[f"rss_mb_{count}"] = statistics.median(r["rss"] for r in runs)
        if count:
            result[f"min_fragments_{count}"] = int(min(r["fewest"] for r in runs))
    return result


def delivery(ws_url: str, token: str, ca: ssl.SSLContext, seconds: float) -> dict[str, Any]:
    # (arrival, the GOP before the fragment, the fragment): a fragment that does not start
    # on a keyframe decodes only after the fragments since the last one that does.
    arrivals: list[tuple[float, bytes, bytes]] = []
    init = b""
    gop = b""
    with connect_sync(
        ws_url, ssl=ca, additional_headers={"Authorization": f"Bearer {token}"}, max_size=None
    ) as viewer:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            message = viewer.recv(timeout=60)
            arrived = time.time() * 1000
            if isinstance(message, str):
                init, gop = bytes(viewer.recv(timeout=60)), b""
            elif init:
                if starts_with_sync_sample(message):
                    gop = b""
                arrivals.append((arrived, init + gop, init + gop + message))
                gop += message
    first: list[float] = []
    last: list[float] = []
    for arrived, before, data in arrivals:
        with av.open(io.BytesIO(before)) as container:
            skip = sum(1 for _ in container.decode(video=0))
        with av.open(io.BytesIO(data)) as container:
            frames = list(container.decode(video=0))[skip:]
        if not frames:
            continue
        stamps = [read_stripe(f.to_ndarray(format="gray")) for f in (frames[0], frames[-1])]
        if stamps[0] is not None and stamps[1] is not None:
            first.append(arrived - stamps[0])
            last.append(arrived - stamps[1])
    if not last:
        raise RuntimeError("no fragment with a readable time stripe arrived")
    return {
        "delivery_fragments": len(last),
        "delivery_last_frame_p50_ms": statistics.median(last),
        "delivery_last_frame_p95_ms": percentile(last, 0.95),
        "delivery_first_frame_p50_ms": statistics.median(first),
    }


def spki_hash(cert_pem: Path) -> str:
    certificate = x509.load_pem_x509_certificates(cert_pem.read_bytes())[0]
    spki = certificate.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(hashlib.sha256(spki).digest()).decode()


def latency(url: str, camera_id: int, data_dir: Path, seconds: float) -> dict[str, Any]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox", "--disable-gpu", "--no-first-run",
                f"--ignore-certificate-errors-spki-list={spki_hash(data_dir / 'tls' / 'cert.pem')}",
                "--autoplay-policy=no-user-gesture-required",
            ],
        )  # fmt: skip
        try:
            page = browser.new_page()
            page.goto(f"{url}/login")
            page.get_by_label("User name", exact=True).fill("admin")
            page.get_by_label("Password", exact=True).fill(PASSWORD)
            page.get_by_role("button", name="Log in").click()
            page.wait_for_url(f"{url}/cameras", timeout=60_000)
            page.goto(f"{url}/live?camera={camera_id}&latency=1")
            page.wait_for_selector("#live-video[data-state=live]", timeout=60_000)
            page.wait_for_selector("#latency-overlay[data-latency-ms]", timeout=60_000)
            time.sleep(WARM_UP_SECONDS)
            sampled = page.evaluate(COLLECT, int(seconds * 1000))
        finally:
            browser.close()
    samples = [float(value) for value in sampled["samples"]]
    if not samples:
        raise RuntimeError(f"no frame with a readable time stripe: {sampled}")
    return {
        "latency_p50_ms": statistics.median(samples),
        "latency_p95_ms": percentile(samples, 0.95),
        "latency_samples": len(samples),
        "latency_unreadable_frames": sampled["misses"],
    }


def ffmpeg_peer(seconds: float) -> float:
    """CPU % of one core for the FFmpeg command line encoding the same pattern in real time."""
    if shutil.which("ffmpeg") is None:
        raise RuntimeError("the peer needs the ffmpeg command (Debian: apt-get install ffmpeg)")
    command = [
        "ffmpeg", "-loglevel", "error", "-nostdin", "-re",
        "-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=15", "-t", str(seconds),
        "-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency", "-crf", "23",
        "-g", "15", "-pix_fmt", "yuv420p",
        "-movflags", "frag_keyframe+empty_moov+default_base_moof", "-frag_duration", "200000",
        "-f", "mp4", "-y", "/dev/null",
    ]  # fmt: skip
    before = cpu_children()
    started = time.perf_counter()
    subprocess.run(command, check=True)
    return 100 * (cpu_children() - before) / (time.perf_counter() - started)


def load_average() -> str:
    """The 1, 5 and 15 minute load averages: how busy the machine was."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="measuring window per step")
    parser.add_argument("--rounds", type=int, default=3, help="rounds over all viewer counts")
    parser.add_argument(
        "--latency-seconds", type=float, default=20.0, help="delivery and latency windows"
    )
    args = parser.parse_args()
    result: dict[str, Any] = {"bench": "live_fanout", "camera": CAMERA, "cpus": os.cpu_count()}
    result["load_before"] = load_average()
    with tempfile.TemporaryDirectory(prefix="mimamoru-live-bench-") as temp:
        root = Path(temp)
        port = free_port()
        data_dir, camera_id = make_installation(root, port)
        ca = ssl.create_default_context(cafile=str(data_dir / "tls" / "ca.pem"))
        url = f"https://localhost:{port}"
        with server_process(data_dir, port, ca, root / "server.log") as pid:
            with httpx.Client(base_url=url, verify=ca, timeout=60) as client:
                response = client.post(
                    "/api/v1/auth/login", json={"username": "admin", "password": PASSWORD}
                )
                response.raise_for_status()
                token = response.json()["token"]
            ws_url = f"wss://localhost:{port}/api/v1/cameras/{camera_id}/live"
            time.sleep(WARM_UP_SECONDS)  # the recorder connects and starts encoding
            result.update(delivery(ws_url, token, ca, args.latency_seconds))
            result.update(latency(url, camera_id, data_dir, args.latency_seconds))
            result.update(fanout(pid, ws_url, token, ca, args.seconds, args.rounds))
        result["ffmpeg_encode_cpu_percent"] = ffmpeg_peer(args.seconds)
    result["cpu_50_vs_1"] = result["cpu_percent_50"] / result["cpu_percent_1"]
    result["per_viewer_cpu_percent"] = (result["cpu_percent_100"] - result["cpu_percent_1"]) / 99
    result["per_viewer_vs_ffmpeg_encode"] = (
        result["per_viewer_cpu_percent"] / result["ffmpeg_encode_cpu_percent"]
    )
    result["load_after"] = load_average()
    ordered = {
        key: result.pop(key)
        for key in (
            "bench", "cpu_percent_0", "cpu_percent_1", "cpu_percent_10", "cpu_percent_50",
            "cpu_percent_100", "rss_mb_100", "latency_p50_ms", "latency_p95_ms",
            "ffmpeg_encode_cpu_percent",
        )
    }  # fmt: skip
    print(json.dumps(rounded({**ordered, **result})))


if __name__ == "__main__":
    main()
