"""Live fan-out under pressure: slow and stalled viewers, and many viewers of one camera.

Real websocket clients against the real HTTPS server; the camera is the test pattern with
the time stripe, so what a viewer received can be checked in the pixels. Fragments are
cut between keyframes too; the rule checked is that every fragment a viewer receives after
joining or after a skip starts on a keyframe, and the fragments in between follow it in
order and decode cleanly; the capture times show where a viewer was skipped.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import itertools
import json
import socket
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import av
import pytest
from websockets.asyncio.client import connect as connect_async
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

import mimamoru.api.live as live_route
from mimamoru.media.fmp4 import starts_with_sync_sample
from mimamoru.media.live import VIEWER_QUEUE_FRAGMENTS, LiveHub
from mimamoru.media.timestripe import read_stripe
from tests.api.test_live import context, open_live, ws_url
from tests.conftest import RunningServer
from tests.support.processes import wait_until

CAMERA = "test://pattern?size=640x360&rate=15&clock=1"


def add_camera(server: RunningServer) -> tuple[int, str]:
    with server.client() as client:
        token = server.login(client)
        client.headers["Authorization"] = f"Bearer {token}"
        camera = client.post(
            "/api/v1/cameras",
            json={"name": "Fan", "source": CAMERA, "purposes": ["crime_prevention"]},
        )
        camera.raise_for_status()
    return int(camera.json()["id"]), token


def next_media(viewer: ClientConnection, timeout: float = 30) -> tuple[str, bytes]:
    """("init", segment) after an announcement, or ("fragment", bytes)."""
    message = viewer.recv(timeout=timeout)
    if isinstance(message, str):
        assert json.loads(message)["type"] == "init"
        init = viewer.recv(timeout=timeout)
        assert isinstance(init, bytes)
        return "init", init
    return "fragment", message


@dataclass(frozen=True)
class Fragment:
    keyframe_first: bool
    stamps: list[int | None]

    @property
    def first(self) -> int:
        assert self.stamps[0] is not None
        return self.stamps[0]

    @property
    def last(self) -> int:
        assert self.stamps[-1] is not None
        return self.stamps[-1]


def decode_frames(data: bytes) -> list[av.VideoFrame]:
    with av.open(io.BytesIO(data)) as container:
        return list(container.decode(video=0))


@dataclass
class GopDecoder:
    """Decodes fragments as a viewer gets them: each with the fragments of its GOP before it.

    A fragment that does not start on a keyframe needs the ones since the last keyframe
    fragment; one that reaches a viewer with none before it breaks the hub's rule.
    """

    init: bytes = b""
    gop: bytes = b""
    gop_frames: int = 0

    def feed(self, kind: str, data: bytes) -> Fragment | None:
        if kind == "init":
            self.init, self.gop, self.gop_frames = data, b"", 0
            return None
        if starts_with_sync_sample(data):
            self.gop, self.gop_frames = b"", 0
        else:
            assert self.gop, "a viewer got a fragment not starting on a keyframe, with no GOP"
        self.gop += data
        frames = decode_frames(self.init + self.gop)
        mine = frames[self.gop_frames :]
        self.gop_frames = len(frames)
        assert mine, "a fragment without frames"
        return Fragment(mine[0].key_frame, [read_stripe(f.to_ndarray(format="gray")) for f in mine])


def rss_bytes() -> int:
    """This process's resident memory (the server runs in it)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS in /proc/self/status")


@dataclass
class SteadyViewer:
    """A viewer that keeps reading in a thread; what it got, decoded."""

    connection: ClientConnection
    decoder: GopDecoder = field(default_factory=GopDecoder)
    fragments: list[Fragment] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None

    def start(self) -> None:
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.stop.is_set():
            try:
                kind, data = next_media(self.connection, timeout=10)
            except (TimeoutError, ConnectionClosed):
                return
            fragment = self.decoder.feed(kind, data)
            if fragment is not None:
                self.fragments.append(fragment)

    def finish(self) -> None:
        self.stop.set()
        assert self.thread is not None
        self.thread.join(20)


def stalling_viewer(server: RunningServer, camera_id: int, token: str) -> ClientConnection:
    """A viewer whose socket stops being read as soon as the client stops calling recv().

    A tiny receive buffer and a one-message client queue make the stall reach the server's
    TCP send at once, as a frozen tab or a congested phone link would.
    """
    parts = urlsplit(server.url)
    raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    raw.connect((parts.hostname or "127.0.0.1", parts.port or 443))
    return connect(
        ws_url(server, camera_id),
        sock=raw,
        ssl=context(server),
        server_hostname=parts.hostname,
        additional_headers={"Authorization": f"Bearer {token}"},
        open_timeout=20,
        max_queue=1,
        compression=None,
    )


def hub_of(server: RunningServer, camera_id: int) -> LiveHub:
    return server.services.hubs.hub(camera_id)


def test_a_stalled_viewer_is_skipped_forward_and_costs_bounded_memory(
    server: RunningServer,
) -> None:
    camera_id, token = add_camera(server)
    hub = hub_of(server, camera_id)
    with open_live(server, camera_id, token) as steady_socket:
        steady = SteadyViewer(steady_socket)
        steady.start()
        with stalling_viewer(server, camera_id, token) as slow:
            decoder = GopDecoder()
            kind, init = next_media(slow)
            assert kind == "init"
            decoder.feed(kind, init)
            kind, data = next_media(slow)
            assert kind == "fragment"
            first = decoder.feed(kind, data)
            assert first is not None and first.keyframe_first, "a new viewer starts on one"
            rss_before = rss_bytes()
            # The slow viewer now reads nothing. The server must notice (its send blocks),
            # keep queueing only a few fragments and count what it skips.
            longest_queue = 0

            def skipped() -> bool:
                nonlocal longest_queue
                stats = hub.viewer_stats()
                longest_queue = max([longest_queue, *(s.queued for s in stats)])
                return any(s.dropped > 0 for s in stats)

            wait_until(skipped, timeout=60, what="the stalled viewer to be skipped forward")
            wait_until(lambda: hub.fragments_dropped >= 3 * VIEWER_QUEUE_FRAGMENTS, 60, "drops")
            stats = hub.viewer_stats()
            assert len(stats) == 2
            assert longest_queue <= VIEWER_QUEUE_FRAGMENTS
            assert all(s.most_queued <= VIEWER_QUEUE_FRAGMENTS for s in stats)
            assert min(s.dropped for s in stats) == 0, "the steady viewer lost nothing"
            # Generous: the point is that it does not grow with the stall (no unbounded queue).
            assert rss_bytes() - rss_before < 64 * 1024 * 1024
            # Reading again: what was already in flight, then a jump forward.
            received: list[Fragment] = []
            for _ in range(300):
                kind, data = next_media(slow)
                fragment = decoder.feed(kind, data)
                if fragment is None:
                    continue
                received.append(fragment)
                if len(received) >= 2 and received[-1].first - received[-2].last > 1000:
                    break
        steady.finish()
    # Every fragment it got decodes cleanly, in order within its GOP, so the skip is clean.
    assert all(None not in f.stamps for f in received)
    jumps = [after.first - before.last for before, after in itertools.pairwise(received)]
    assert max(jumps) > 1000, f"no skip forward in the stalled viewer's stream: {jumps}"
    # Where it was skipped forward it continued at a keyframe, never mid-GOP.
    assert all(
        after.keyframe_first
        for before, after in itertools.pairwise(received)
        if after.first - before.last > 1000
    )
    # The steady viewer lost nothing (its drop counter is 0, above) and saw a clean picture:
    # every fragment whole, in order. (Gaps between capture times are not checked: on a busy
    # machine the pattern itself is captured late, which says nothing about the fan-out.)
    assert len(steady.fragments) >= 6
    assert steady.fragments[0].keyframe_first, "a new viewer starts on a keyframe"
    assert any(not f.keyframe_first for f in steady.fragments), "fragments are sub-GOP"
    assert all(None not in f.stamps for f in steady.fragments)
    assert all(a.last < b.first for a, b in itertools.pairwise(steady.fragments))


def test_a_viewer_that_stops_reading_for_good_is_disconnected_and_audited(
    server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(live_route, "STALL_SECONDS", 2.0)
    camera_id, token = add_camera(server)
    hub = hub_of(server, camera_id)
    with stalling_viewer(server, camera_id, token) as slow:
        assert next_media(slow)[0] == "init"
        wait_until(
            lambda: server.services.audit.search(action="access.live_stop"),
            timeout=60,
            what="the stalled view to be ended",
        )
        detail = json.loads(server.services.audit.search(action="access.live_stop")[0].detail)
        assert detail["ended_by"] == "viewer stalled"
        wait_until(lambda: not hub.viewer_stats(), timeout=10, what="the viewer to be dropped")


def test_fifty_viewers_of_one_camera_all_receive_the_same_fragments(
    server: RunningServer,
) -> None:
    camera_id, token = add_camera(server)
    hub = hub_of(server, camera_id)
    viewers = 50
    ssl_context = context(server)

    async def watch(all_connected: asyncio.Event, connected: list[int]) -> set[str]:
        async with connect_async(
            ws_url(server, camera_id),
            ssl=ssl_context,
            additional_headers={"Authorization": f"Bearer {token}"},
            open_timeout=120,
            compression=None,
            max_size=None,
        ) as viewer:
            connected.append(1)
            if len(connected) == viewers:
                all_connected.set()
            await asyncio.wait_for(all_connected.wait(), 120)
            seen: set[str] = set()
            fragments = 0
            while fragments < 4:
                message = await asyncio.wait_for(viewer.recv(), 60)
                if isinstance(message, bytes) and message[4:8] == b"moof":
                    fragments += 1
                    seen.add(hashlib.sha256(message).hexdigest())
            return seen

    async def main() -> list[set[str]]:
        all_connected = asyncio.Event()
        connected: list[int] = []
        return await asyncio.gather(*(watch(all_connected, connected) for _ in range(viewers)))

    peak: list[int] = []
    sampler_stop = threading.Event()

    def sample() -> None:
        while not sampler_stop.is_set():
            peak.append(len(hub.viewer_stats()))
            sampler_stop.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        seen = asyncio.run(main())
    finally:
        sampler_stop.set()
        sampler.join(5)
    assert len(seen) == viewers and all(len(s) == 4 for s in seen)
    assert max(peak) == viewers
    # One encode shared by all: some fragment reached every viewer byte for byte.
    assert set.intersection(*seen), "no fragment was common to all viewers"


def test_a_stalled_viewer_whose_grant_is_removed_is_still_cut_off(server: RunningServer) -> None:
    """The grant recheck runs beside the blocked send, not after it."""
    camera_id, _admin_token = add_camera(server)
    hub = hub_of(server, camera_id)
    with server.client() as admin:
        admin.headers["Authorization"] = f"Bearer {server.login(admin)}"
        viewer = admin.post(
            "/api/v1/users",
            json={"username": "sam", "password": "a-much-longer-passphrase-8", "role": "viewer"},
        ).json()
        grants = {"grants": [{"camera_id": camera_id, "operations": ["live"]}]}
        admin.put(f"/api/v1/users/{viewer['id']}/grants", json=grants).raise_for_status()
        with server.client() as sam:
            token = sam.post(
                "/api/v1/auth/login",
                json={"username": "sam", "password": "a-much-longer-passphrase-8"},
            ).json()["token"]
        with stalling_viewer(server, camera_id, token) as slow:
            assert next_media(slow)[0] == "init"
            # Not reading any more: wait until the server's send to it is blocked.
            wait_until(lambda: any(s.dropped for s in hub.viewer_stats()), 60, "the send to block")
            admin.put(f"/api/v1/users/{viewer['id']}/grants", json={"grants": []})
            wait_until(
                lambda: server.services.audit.search(action="access.live_stop"),
                timeout=60,
                what="the view to be ended",
            )
    detail = json.loads(server.services.audit.search(action="access.live_stop")[0].detail)
    # Not "viewer stalled" (that takes 20 s of blocked sending): the recheck ended it.
    assert detail["ended_by"] == "permission withdrawn"
    wait_until(lambda: not hub.viewer_stats(), timeout=10, what="the viewer to be dropped")
