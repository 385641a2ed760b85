"""Live fan-out: one recorder's fMP4 fragments shared by every viewer.

The recorder thread publishes; each viewer has a small bounded queue of
references to the same immutable ``bytes`` (a fragment is held once in memory,
however many viewers wait for it). Fragments are short (the segmenter cuts one
at every keyframe and at least every ``recording.live_fragment_ms``), so only
some of them start with a keyframe. The rule: every fragment a viewer receives
after joining, after a new init segment or after a skip starts with a keyframe;
the fragments in between are the ones that followed it, in order. So a new
viewer waits for the next keyframe fragment, and a viewer that falls behind by
more than :data:`VIEWER_QUEUE_FRAGMENTS` fragments drops what it has queued and
waits for the next keyframe fragment (resuming mid-GOP would show garbage until
the next keyframe). It is then back at the live edge, never makes the server
buffer without bound, and never slows the recorder or the other viewers. What a
viewer that fell behind loses is counted per viewer and per hub, for tests, the
benchmark and operators.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections import deque
from dataclasses import dataclass

from mimamoru.media.fmp4 import avc_codec_string, starts_with_sync_sample

logger = logging.getLogger(__name__)

# About three seconds of video with the default 200 ms fragments (about the bytes of three
# one-second fragments): enough to ride out a short hiccup; beyond that the viewer is no
# longer watching live. A skip costs up to a keyframe interval of picture, so not less.
VIEWER_QUEUE_FRAGMENTS = 15


@dataclass(frozen=True)
class LiveMessage:
    kind: str  # "init" or "fragment"
    data: bytes
    codec: str = ""
    keyframe: bool = True  # a fragment that starts with a sync sample


@dataclass(frozen=True)
class ViewerStats:
    """One viewer as the hub sees it (a snapshot)."""

    queued: int  # messages waiting to be sent
    queued_bytes: int
    most_queued: int  # the longest the queue has been
    dropped: int  # fragments lost because the viewer was behind (queued or waited out)
    skips: int  # times it was skipped forward


class Viewer:
    """One viewer's queue: filled by the recorder thread, emptied by its sender on the loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop, hub: LiveHub | None = None) -> None:
        self._loop = loop
        self._hub = hub
        self._lock = threading.Lock()
        self._pending: deque[LiveMessage] = deque()
        self._ready = asyncio.Event()  # touched only on the loop
        self.dropped = 0
        self.skips = 0
        self.most_queued = 0
        # False until a keyframe fragment is queued: on joining, after an init, after a skip.
        self._synced = False
        # Waiting for a keyframe because it fell behind: what it waits out counts as dropped.
        self._skipping = False

    def offer(self, message: LiveMessage) -> None:
        """Called from the recorder thread (or the loop, on subscribe)."""
        with self._lock:
            dropped = 0
            skipped = False
            queue = True
            if message.kind == "init":
                # A new init segment supersedes everything queued before it; the fragment
                # after it starts a new segment, so on a keyframe, but that is checked.
                dropped = self._discard(keep_init=False)
                skipped = dropped > 0
                self._synced = False
            elif self._synced and len(self._pending) >= VIEWER_QUEUE_FRAGMENTS:
                # Behind: drop what is queued (a pending init stays, since the fragments
                # after it need it) and continue at the next keyframe fragment.
                dropped = self._discard(keep_init=True)
                skipped = True
                self._synced = message.keyframe
                self._skipping = not message.keyframe
                queue = message.keyframe
            elif not self._synced:
                queue = self._synced = message.keyframe
                if queue:
                    self._skipping = False
            if not queue:
                dropped += int(self._skipping)
            else:
                self._pending.append(message)
                self.most_queued = max(self.most_queued, len(self._pending))
            self.dropped += dropped
            if skipped:
                self.skips += 1
        if dropped and self._hub is not None:
            self._hub.count_dropped(dropped)
        # RuntimeError: the viewer's event loop has closed (server shutdown), nobody to wake.
        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(self._ready.set)

    def _discard(self, keep_init: bool) -> int:
        """Empty the queue (keeping the last init if asked); the fragments dropped."""
        inits = [m for m in self._pending if m.kind == "init"][-1:] if keep_init else []
        dropped = sum(1 for m in self._pending if m.kind == "fragment")
        self._pending.clear()
        self._pending.extend(inits)
        return dropped

    async def next(self) -> LiveMessage:
        """The next message to send, waiting for one."""
        while True:
            with self._lock:
                if self._pending:
                    return self._pending.popleft()
            # No await between the check and clear(): a set() scheduled by offer() runs later.
            self._ready.clear()
            await self._ready.wait()

    def stats(self) -> ViewerStats:
        with self._lock:
            return ViewerStats(
                queued=len(self._pending),
                queued_bytes=sum(len(m.data) for m in self._pending),
                most_queued=self.most_queued,
                dropped=self.dropped,
                skips=self.skips,
            )


class LiveHub:
    """The fan-out point of one camera."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._viewers: set[Viewer] = set()
        self._init: LiveMessage | None = None
        self.fragments_published = 0
        self.fragments_dropped = 0

    def publish_init(self, data: bytes) -> None:
        message = LiveMessage("init", data, avc_codec_string(data))
        with self._lock:
            if self._init is not None and self._init.data == data:
                return
            self._init = message
            viewers = list(self._viewers)
        for viewer in viewers:
            viewer.offer(message)

    def publish_fragment(self, data: bytes, keyframe: bool | None = None) -> None:
        """Fan out one fragment; whether it starts on a keyframe is read from it if not given."""
        if keyframe is None:
            keyframe = starts_with_sync_sample(data)
        message = LiveMessage("fragment", data, keyframe=keyframe)
        with self._lock:
            self.fragments_published += 1
            viewers = list(self._viewers)
        for viewer in viewers:
            viewer.offer(message)

    def subscribe(self, loop: asyncio.AbstractEventLoop) -> Viewer:
        viewer = Viewer(loop, self)
        with self._lock:
            self._viewers.add(viewer)
            if self._init is not None:
                viewer.offer(self._init)  # under the lock: a newer init cannot overtake it
        return viewer

    def unsubscribe(self, viewer: Viewer) -> None:
        with self._lock:
            self._viewers.discard(viewer)

    def reset(self) -> None:
        """The stream stopped; a later init segment may differ."""
        with self._lock:
            self._init = None

    def count_dropped(self, fragments: int) -> None:
        with self._lock:
            self.fragments_dropped += fragments

    def viewer_stats(self) -> list[ViewerStats]:
        with self._lock:
            viewers = list(self._viewers)
        return [viewer.stats() for viewer in viewers]


class LiveHubs:
    """One hub per camera, created on first use."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._hubs: dict[int, LiveHub] = {}

    def hub(self, camera_id: int) -> LiveHub:
        with self._lock:
            return self._hubs.setdefault(camera_id, LiveHub())
