"""A small HTTP camera for tests: MJPEG (multipart/x-mixed-replace) and plain file serving.

The JPEG frames are FFmpeg's testsrc2 encoded by PyAV's mjpeg encoder, like the
snapshots a cheap IP camera streams.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from fractions import Fraction
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import av

BOUNDARY = "mimamoruframe"


def jpeg_frames(count: int, size: str = "320x240", rate: int = 10) -> list[bytes]:
    width, height = (int(part) for part in size.split("x"))
    encoder = av.CodecContext.create("mjpeg", "w")
    encoder.width, encoder.height = width, height
    encoder.pix_fmt = "yuvj420p"
    encoder.time_base = Fraction(1, rate)
    frames: list[bytes] = []
    with av.open(f"testsrc2=size={size}:rate={rate}", format="lavfi") as source:
        for index, frame in enumerate(source.decode(video=0)):
            if index >= count:
                break
            converted = frame.reformat(format="yuvj420p")
            converted.pts = index
            for packet in encoder.encode(converted):
                frames.append(bytes(packet))
    return frames


@contextmanager
def http_camera(files: dict[str, Path] | None = None, rate: int = 10) -> Iterator[str]:
    """Serves ``/mjpeg`` (endless MJPEG) and any ``files`` by name; yields the base URL."""
    jpegs = jpeg_frames(rate * 2, rate=rate)
    stop = threading.Event()
    served = dict(files or {})

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            return

        def do_GET(self) -> None:
            if self.path == "/mjpeg":
                self.send_response(200)
                self.send_header("Content-Type", f"multipart/x-mixed-replace;boundary={BOUNDARY}")
                self.end_headers()
                index = 0
                try:
                    while not stop.is_set():
                        jpeg = jpegs[index % len(jpegs)]
                        self.wfile.write(
                            f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\n"
                            f"Content-Length: {len(jpeg)}\r\n\r\n".encode()
                            + jpeg
                            + b"\r\n"
                        )
                        self.wfile.flush()
                        index += 1
                        time.sleep(1 / rate)
                except (BrokenPipeError, ConnectionResetError):
                    return
                return
            name = self.path.lstrip("/")
            if name not in served:
                self.send_error(404)
                return
            data = served[name].read_bytes()
            start, end = 0, len(data) - 1
            wanted = self.headers.get("Range", "")
            if wanted.startswith("bytes="):  # FFmpeg seeks to the index at the end of an MP4
                first, _, last = wanted[len("bytes=") :].partition("-")
                start = int(first or 0)
                end = min(int(last), end) if last else end
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {start}-{end}/{len(data)}")
            else:
                self.send_response(200)
            self.send_header("Accept-Ranges", "bytes")
            self.send_header("Content-Type", "video/mp4")
            self.send_header("Content-Length", str(end - start + 1))
            self.end_headers()
            try:
                self.wfile.write(data[start : end + 1])
            except (BrokenPipeError, ConnectionResetError):
                return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        stop.set()
        server.shutdown()
        server.server_close()
