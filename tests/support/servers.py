"""Real servers for tests: the mimamoru HTTPS server in a thread, and the RTSP test camera."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from mimamoru.server import PreparedServer
from mimamoru.services import Services
from mimamoru.settings import Settings

SYSTEM_PYTHON = "/usr/bin/python3"
RTSP_SCRIPT = Path(__file__).with_name("rtsp_server.py")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def ca_context(data_dir: Path) -> ssl.SSLContext:
    """Trust exactly the CA that ``init`` generated; hostname checking stays on."""
    return ssl.create_default_context(cafile=str(data_dir / "tls" / "ca.pem"))


class ServerThread:
    """Runs the real app under uvicorn with TLS in a background thread."""

    def __init__(self, settings: Settings, services: Services) -> None:
        self.services = services
        self.prepared = PreparedServer(settings, services)
        self.url = self.prepared.url
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="test-server", daemon=True)

    def _run(self) -> None:
        try:
            asyncio.run(self.prepared.run(lambda _url: self._ready.set()))
        except BaseException as exc:
            self._error = exc
            self._ready.set()

    def start(self) -> ServerThread:
        self._thread.start()
        if not self._ready.wait(30):
            raise RuntimeError("test server did not start within 30 s")
        if self._error is not None:
            raise RuntimeError("test server failed to start") from self._error
        return self

    def stop(self) -> None:
        self.prepared.stop()
        self._thread.join(30)
        self.prepared.close()


class RtspCamera:
    """GStreamer's RTSP server playing a live H.264 test pattern on 127.0.0.1."""

    def __init__(
        self,
        port: int,
        *,
        path: str = "/cam",
        user: str | None = None,
        password: str | None = None,
        size: str = "320x240",
        rate: int = 15,
    ) -> None:
        self.port = port
        self.path = path
        self._args = [
            SYSTEM_PYTHON,
            str(RTSP_SCRIPT),
            "--port",
            str(port),
            "--path",
            path,
            "--size",
            size,
            "--rate",
            str(rate),
            "--keyint",
            str(rate),
        ]
        if user and password:
            self._args += ["--user", user, "--password", password]
        self._process: subprocess.Popen[str] | None = None

    def url(self, credentials: str = "") -> str:
        auth = f"{credentials}@" if credentials else ""
        return f"rtsp://{auth}127.0.0.1:{self.port}{self.path}"

    def start(self) -> RtspCamera:
        if not Path(SYSTEM_PYTHON).exists() or shutil.which("gst-inspect-1.0") is None:
            raise RuntimeError(
                "the RTSP test camera needs Debian's python3-gi and GStreamer "
                "(scripts/test.sh installs them)"
            )
        self._process = subprocess.Popen(
            self._args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        assert self._process.stdout is not None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = self._process.stdout.readline()
            if line.strip() == "ready":
                return self
            if not line and self._process.poll() is not None:
                err = self._process.stderr.read() if self._process.stderr else ""
                raise RuntimeError(f"RTSP test server failed: {err.strip()}")
        raise RuntimeError("RTSP test server did not become ready in 30 s")

    def stop(self) -> None:
        if self._process is None:
            return
        self._process.terminate()
        try:
            self._process.wait(10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(10)
        for stream in (self._process.stdout, self._process.stderr):
            if stream is not None:
                stream.close()
        self._process = None


@contextlib.contextmanager
def rtsp_camera(port: int | None = None, **kwargs: object) -> Iterator[RtspCamera]:
    camera = RtspCamera(port or free_port(), **kwargs)  # type: ignore[arg-type]
    camera.start()
    try:
        yield camera
    finally:
        camera.stop()
