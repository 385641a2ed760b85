"""Live fan-out: one recorder's fMP4 fragments shared by every viewer.

The recorder thread publishes; each viewer is an asyncio queue with a small
bound. A viewer that cannot keep up loses whole fragments (each starts on a
keyframe), never makes the server buffer without bound, and never slows the
recorder or the other viewers.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from dataclasses import dataclass

from mimamoru.media.fmp4 import avc_codec_string

logger = logging.getLogger(__name__)

VIEWER_QUEUE_FRAGMENTS = 8


@dataclass(frozen=True)
class LiveMessage:
    kind: str  # "init" or "fragment"
    data: bytes
    codec: str = ""


class Viewer:
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self.queue: asyncio.Queue[LiveMessage] = asyncio.Queue(maxsize=VIEWER_QUEUE_FRAGMENTS)

    def offer(self, message: LiveMessage) -> None:
        """Called from the recorder thread."""
        self._loop.call_soon_threadsafe(self._put, message)

    def _put(self, message: LiveMessage) -> None:
        if message.kind == "init":
            # A new init segment supersedes everything queued before it.
            while not self.queue.empty():
                self.queue.get_nowait()
        elif self.queue.full():
            return  # a slow viewer skips whole fragments; each starts on a keyframe
        self.queue.put_nowait(message)


class LiveHub:
    """The fan-out point of one camera."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._viewers: set[Viewer] = set()
        self._init: LiveMessage | None = None

    def publish_init(self, data: bytes) -> None:
        message = LiveMessage("init", data, avc_codec_string(data))
        with self._lock:
            if self._init is not None and self._init.data == data:
                return
            self._init = message
            viewers = list(self._viewers)
        for viewer in viewers:
            viewer.offer(message)

    def publish_fragment(self, data: bytes) -> None:
        message = LiveMessage("fragment", data)
        with self._lock:
            viewers = list(self._viewers)
        for viewer in viewers:
            viewer.offer(message)

    def subscribe(self, loop: asyncio.AbstractEventLoop) -> Viewer:
        viewer = Viewer(loop)
        with self._lock:
            self._viewers.add(viewer)
            if self._init is not None:
                viewer.queue.put_nowait(self._init)
        return viewer

    def unsubscribe(self, viewer: Viewer) -> None:
        with self._lock:
            self._viewers.discard(viewer)

    def reset(self) -> None:
        """The stream stopped; a later init segment may differ."""
        with self._lock:
            self._init = None


class LiveHubs:
    """One hub per camera, created on first use."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._hubs: dict[int, LiveHub] = {}

    def hub(self, camera_id: int) -> LiveHub:
        with self._lock:
            return self._hubs.setdefault(camera_id, LiveHub())
