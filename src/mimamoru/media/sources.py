"""Camera source URLs: validation, redaction and how PyAV opens each kind.

Supported:

- ``rtsp://`` and ``rtsps://`` — TCP transport; credentials go in the URL.
- ``http://`` and ``https://`` — MJPEG, HLS or MP4, whatever FFmpeg detects.
- ``file:///path/to/video.mp4`` — played in real time and looped (demos, tests).
- ``test://pattern?size=1280x720&rate=15`` — FFmpeg's ``testsrc2`` with the
  wall-clock time burned in; ``&clock=1`` adds the machine-readable time stripe
  (``media/timestripe.py``) used to measure live latency.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit, urlunsplit

from mimamoru.errors import SourceError
from mimamoru.media.timestripe import MIN_WIDTH, geometry

SUPPORTED_SCHEMES = ("rtsp", "rtsps", "http", "https", "file", "test")
_SIZE = re.compile(r"^(\d{2,5})x(\d{2,5})$")
MAX_SOURCE_LENGTH = 2048


@dataclass(frozen=True)
class SourceSpec:
    """How to open one camera source with PyAV."""

    url: str
    kind: str  # one of SUPPORTED_SCHEMES, with rtsps folded into "rtsp"
    open_target: str
    format: str | None = None
    options: dict[str, str] = field(default_factory=dict)
    realtime: bool = False  # pace reading to the stream's own clock (files, test pattern)
    loop: bool = False  # reopen at end of input instead of treating it as a disconnect
    burn_in_clock: bool = False
    time_stripe: bool = False  # capture time as a binary stripe (media/timestripe.py)


def parse_source(url: str) -> SourceSpec:
    """Validate ``url`` and describe how to open it; raises :class:`SourceError`."""
    if not isinstance(url, str) or not url.strip():
        raise SourceError("camera source is empty")
    if len(url) > MAX_SOURCE_LENGTH:
        raise SourceError(f"camera source is longer than {MAX_SOURCE_LENGTH} characters")
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise SourceError("camera source must not contain spaces or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise SourceError(f"malformed camera source URL: {exc}") from exc
    scheme = parts.scheme.lower()
    if scheme not in SUPPORTED_SCHEMES:
        shown = scheme or "(none)"
        raise SourceError(
            f"unsupported camera source scheme {shown!r} "
            f"(supported: {', '.join(s + '://' for s in SUPPORTED_SCHEMES)})"
        )
    if scheme in ("rtsp", "rtsps", "http", "https"):
        if not parts.hostname:
            raise SourceError(f"camera source {redact_source(url)!r} has no host name")
        if port == 0:
            raise SourceError(f"camera source {redact_source(url)!r} has an invalid port 0")
        options: dict[str, str] = {}
        if scheme in ("rtsp", "rtsps"):
            options["rtsp_transport"] = "tcp"
        return SourceSpec(
            url=url, kind="rtsp" if scheme == "rtsps" else scheme, open_target=url, options=options
        )
    if scheme == "file":
        if parts.netloc not in ("", "localhost"):
            raise SourceError("file:// sources must be local paths (file:///path/to/video.mp4)")
        path = Path(unquote(parts.path))
        if not path.is_absolute() or str(path) == "/":
            raise SourceError("file:// source needs an absolute path to a video file")
        return SourceSpec(url=url, kind="file", open_target=str(path), realtime=True, loop=True)
    return _parse_test_source(url, parts.netloc, parts.path, parts.query)


def _parse_test_source(url: str, netloc: str, path: str, query: str) -> SourceSpec:
    if netloc != "pattern" or path not in ("", "/"):
        raise SourceError("test sources are written test://pattern[?size=WxH&rate=N&clock=0|1]")
    params = parse_qs(query, keep_blank_values=True, strict_parsing=False)
    unknown = set(params) - {"size", "rate", "clock"}
    if unknown:
        raise SourceError(
            f"unknown test pattern parameter(s): {', '.join(sorted(unknown))} "
            "(known: size, rate, clock)"
        )
    size = params.get("size", ["640x360"])[-1]
    match = _SIZE.match(size)
    if not match:
        raise SourceError(f"test pattern size {size!r} is not WIDTHxHEIGHT, e.g. 1280x720")
    width, height = int(match.group(1)), int(match.group(2))
    if not (16 <= width <= 7680 and 16 <= height <= 4320) or width % 2 or height % 2:
        raise SourceError(
            f"test pattern size {size!r} out of range (even numbers, 16x16 to 7680x4320)"
        )
    rate_text = params.get("rate", ["15"])[-1]
    try:
        rate = float(rate_text)
    except ValueError:
        raise SourceError(f"test pattern rate {rate_text!r} is not a number") from None
    if not 1 <= rate <= 60:
        raise SourceError(f"test pattern rate {rate_text!r} out of range (1 to 60 fps)")
    clock_text = params.get("clock", ["0"])[-1]
    if clock_text not in ("0", "1"):
        raise SourceError(f"test pattern clock {clock_text!r} must be 0 or 1")
    time_stripe = clock_text == "1"
    if time_stripe and (width < MIN_WIDTH or height < geometry(width).height):
        raise SourceError(
            f"test pattern size {size!r} too small for the time stripe (clock=1 needs "
            f"at least {MIN_WIDTH} pixels wide)"
        )
    return SourceSpec(
        url=url,
        kind="test",
        open_target=f"testsrc2=size={width}x{height}:rate={rate:g}",
        format="lavfi",
        realtime=True,
        burn_in_clock=True,
        time_stripe=time_stripe,
    )


def redact_source(url: str) -> str:
    """The URL with any password replaced by ``***``; safe to log and return."""
    try:
        parts = urlsplit(url)
        if parts.password is None and "@" not in parts.netloc:
            return url
        user = parts.username or ""
        host = parts.hostname or ""
        if ":" in host:
            host = f"[{host}]"
        netloc = f"{user}:***@{host}" if user or parts.password is not None else host
        if parts.port is not None:
            netloc += f":{parts.port}"
        return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    except ValueError:
        return "<unparseable source URL>"
