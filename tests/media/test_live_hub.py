"""The live hub's per-viewer policy: bounded, skip forward to the newest, keep the init."""

from __future__ import annotations

import asyncio
import threading

from mimamoru.media.live import VIEWER_QUEUE_FRAGMENTS, LiveHub, LiveMessage, Viewer

# The smallest init segment avc_codec_string accepts (no avcC: the fallback codec).
INIT = b"\x00\x00\x00\x08ftyp"


async def drain(viewer: Viewer) -> list[LiveMessage]:
    messages: list[LiveMessage] = []
    while viewer.stats().queued:
        messages.append(await viewer.next())
    return messages


def test_a_viewer_that_falls_behind_continues_with_the_newest_fragment() -> None:
    async def scenario() -> tuple[list[LiveMessage], LiveHub, Viewer]:
        hub = LiveHub()
        hub.publish_init(INIT)
        viewer = hub.subscribe(asyncio.get_running_loop())
        for index in range(10):  # published from another thread, as the recorder does
            thread = threading.Thread(target=hub.publish_fragment, args=(bytes([index]),))
            thread.start()
            thread.join()
            assert viewer.stats().queued <= VIEWER_QUEUE_FRAGMENTS
        return await drain(viewer), hub, viewer

    messages, hub, viewer = asyncio.run(scenario())
    # The init it has not been sent yet stays: the fragments after it need it.
    assert messages[0].kind == "init"
    fragments = [m.data for m in messages if m.kind == "fragment"]
    assert fragments[-1] == bytes([9]), "the newest fragment is always kept"
    assert len(fragments) <= VIEWER_QUEUE_FRAGMENTS
    stats = viewer.stats()
    assert stats.dropped == 10 - len(fragments) == hub.fragments_dropped
    assert stats.skips >= 1
    assert stats.most_queued <= VIEWER_QUEUE_FRAGMENTS
    assert hub.fragments_published == 10


def test_a_viewer_that_keeps_up_loses_nothing() -> None:
    async def scenario() -> tuple[list[bytes], Viewer]:
        hub = LiveHub()
        hub.publish_init(INIT)
        viewer = hub.subscribe(asyncio.get_running_loop())
        received: list[bytes] = []
        assert (await viewer.next()).kind == "init"
        for index in range(20):
            hub.publish_fragment(bytes([index]))
            received.append((await viewer.next()).data)
        return received, viewer

    received, viewer = asyncio.run(scenario())
    assert received == [bytes([index]) for index in range(20)]
    assert viewer.stats().dropped == 0


def test_a_new_init_supersedes_what_was_queued() -> None:
    async def scenario() -> list[LiveMessage]:
        hub = LiveHub()
        hub.publish_init(INIT)
        viewer = hub.subscribe(asyncio.get_running_loop())
        hub.publish_fragment(b"old")
        hub.publish_init(INIT + b"\x00\x00\x00\x08free")
        hub.publish_fragment(b"new")
        return await drain(viewer)

    messages = asyncio.run(scenario())
    assert [(m.kind, m.data) for m in messages] == [
        ("init", INIT + b"\x00\x00\x00\x08free"),
        ("fragment", b"new"),
    ]


def test_the_same_fragment_bytes_are_shared_by_all_viewers() -> None:
    async def scenario() -> list[LiveMessage]:
        hub = LiveHub()
        loop = asyncio.get_running_loop()
        viewers = [hub.subscribe(loop) for _ in range(5)]
        hub.publish_fragment(b"x" * 1000)
        return [await viewer.next() for viewer in viewers]

    messages = asyncio.run(scenario())
    assert all(m.data is messages[0].data for m in messages), "one copy, not one per viewer"
