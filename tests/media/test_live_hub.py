"""The live hub's per-viewer policy: bounded, skip forward to a keyframe, keep the init.

Fragments published without ``keyframe`` are not MP4 and count as starting on a keyframe.
"""

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
    published = 3 * VIEWER_QUEUE_FRAGMENTS + 1

    async def scenario() -> tuple[list[LiveMessage], LiveHub, Viewer]:
        hub = LiveHub()
        hub.publish_init(INIT)
        viewer = hub.subscribe(asyncio.get_running_loop())
        for index in range(published):  # published from another thread, as the recorder does
            thread = threading.Thread(target=hub.publish_fragment, args=(bytes([index]),))
            thread.start()
            thread.join()
            assert viewer.stats().queued <= VIEWER_QUEUE_FRAGMENTS
        return await drain(viewer), hub, viewer

    messages, hub, viewer = asyncio.run(scenario())
    # The init it has not been sent yet stays: the fragments after it need it.
    assert messages[0].kind == "init"
    fragments = [m.data for m in messages if m.kind == "fragment"]
    assert fragments[-1] == bytes([published - 1]), "the newest fragment is always kept"
    assert len(fragments) <= VIEWER_QUEUE_FRAGMENTS
    stats = viewer.stats()
    assert stats.dropped == published - len(fragments) == hub.fragments_dropped
    assert stats.skips >= 1
    assert stats.most_queued <= VIEWER_QUEUE_FRAGMENTS
    assert hub.fragments_published == published


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


# -- fragments cut between keyframes -----------------------------------------------------
GOP = 5  # fragments per keyframe interval


def publish_gops(hub: LiveHub, count: int, start: int = 0) -> None:
    """Fragments numbered from ``start``; every GOP-th starts on a keyframe."""
    for index in range(start, start + count):
        hub.publish_fragment(index.to_bytes(2, "big"), keyframe=index % GOP == 0)


def numbers(messages: list[LiveMessage]) -> list[int]:
    return [int.from_bytes(m.data, "big") for m in messages if m.kind == "fragment"]


def test_a_new_viewer_starts_at_the_next_keyframe_fragment() -> None:
    async def scenario() -> tuple[list[LiveMessage], Viewer]:
        hub = LiveHub()
        hub.publish_init(INIT)
        publish_gops(hub, 2)  # mid-GOP when the viewer joins
        viewer = hub.subscribe(asyncio.get_running_loop())
        publish_gops(hub, 10, start=2)
        return await drain(viewer), viewer

    messages, viewer = asyncio.run(scenario())
    assert messages[0].kind == "init"
    assert numbers(messages) == list(range(5, 12)), "from the keyframe at 5, then in order"
    assert messages[1].keyframe
    assert viewer.stats().dropped == 0, "what came before it joined was never its to lose"


def test_a_viewer_that_falls_behind_waits_for_the_next_keyframe_fragment() -> None:
    async def scenario() -> tuple[list[int], list[int], Viewer, LiveHub]:
        hub = LiveHub()
        hub.publish_init(INIT)
        viewer = hub.subscribe(asyncio.get_running_loop())
        assert (await viewer.next()).kind == "init"
        # Keeps up for a while, then stops reading for longer than its queue holds.
        before: list[int] = []
        for index in range(7):
            publish_gops(hub, 1, start=index)
            before += numbers([await viewer.next()])
        publish_gops(hub, VIEWER_QUEUE_FRAGMENTS + 4, start=7)
        assert viewer.stats().queued < VIEWER_QUEUE_FRAGMENTS, "skipped: what it had is gone"
        last = 7 + VIEWER_QUEUE_FRAGMENTS + 4
        publish_gops(hub, 2 * GOP, start=last)
        return before, numbers(await drain(viewer)), viewer, hub

    before, after, viewer, hub = asyncio.run(scenario())
    assert before == list(range(7))
    skipped_at = 7 + VIEWER_QUEUE_FRAGMENTS  # the fragment that found the queue full
    resume = -(-skipped_at // GOP) * GOP  # the next keyframe fragment
    assert after[0] == resume, "never resumed mid-GOP"
    assert after == list(range(resume, after[-1] + 1)), "in order after the keyframe"
    stats = viewer.stats()
    assert stats.skips == 1
    # The queued fragments, and those waited out until the keyframe, are counted as lost.
    assert stats.dropped == resume - 7 == hub.fragments_dropped
    assert stats.most_queued <= VIEWER_QUEUE_FRAGMENTS


def test_a_viewer_that_falls_behind_on_a_keyframe_fragment_continues_with_it() -> None:
    async def scenario() -> tuple[list[int], Viewer]:
        hub = LiveHub()
        hub.publish_init(INIT)
        viewer = hub.subscribe(asyncio.get_running_loop())
        assert (await viewer.next()).kind == "init"
        # Fragments 0..14 fill the queue; 15, a keyframe fragment, finds it full.
        publish_gops(hub, VIEWER_QUEUE_FRAGMENTS + 3)
        return numbers(await drain(viewer)), viewer

    assert VIEWER_QUEUE_FRAGMENTS % GOP == 0
    received, viewer = asyncio.run(scenario())
    assert received == list(range(VIEWER_QUEUE_FRAGMENTS, VIEWER_QUEUE_FRAGMENTS + 3))
    assert (viewer.stats().skips, viewer.stats().dropped) == (1, VIEWER_QUEUE_FRAGMENTS)


def test_a_real_fragment_is_read_for_its_keyframe() -> None:
    from tests.media.test_fmp4 import encoded

    _whole, fragments = encoded()

    async def scenario() -> list[LiveMessage]:
        hub = LiveHub()
        hub.publish_init(INIT)
        publish_fragments = fragments[1:7]  # joins mid-GOP; the keyframe is the 5th
        viewer = hub.subscribe(asyncio.get_running_loop())
        for data in publish_fragments:
            hub.publish_fragment(data)
        return await drain(viewer)

    messages = asyncio.run(scenario())
    assert [m.data for m in messages[1:]] == fragments[5:7]
    assert [m.keyframe for m in messages[1:]] == [True, False]
