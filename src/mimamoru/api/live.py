"""Live view over WebSocket: the recorder's own fMP4 fragments, for Media Source Extensions.

Protocol: the server sends a text message ``{"type": "init", "codec": "avc1..."}``
followed by a binary init segment, then binary fragments: the first one after
the init, and the first after a skip, starts on a keyframe; the ones between
follow it in order (fragments are cut between keyframes too, for latency). A new
init (after a reconnect or segment change) is announced the same way. The session
and the grant are re-checked every few seconds: a viewer who logged out, was
disabled, or lost the ``live`` grant is cut off within ``RECHECK_SECONDS``. The
end of every view is audited with its duration.

A slow viewer is skipped forward to the next keyframe fragment by its hub queue
(``media/live.py``); one that takes nothing for ``STALL_SECONDS`` is disconnected
(``ended_by``: ``viewer stalled``). Either way the server's memory per viewer stays bounded.
"""

import asyncio
import contextlib
import json
import logging
import random
from typing import Annotated

from fastapi import APIRouter, Depends, WebSocket, WebSocketDisconnect
from fastapi.concurrency import run_in_threadpool

from mimamoru.access.roles import Operation
from mimamoru.api.deps import Dependencies, LiveGrant
from mimamoru.media.live import Viewer

logger = logging.getLogger(__name__)

RECHECK_SECONDS = 3.0
# A viewer that cannot take one message for this long has stopped reading (a frozen tab, a
# dead link): the view ends. Shorter stalls are ridden out, skipping forward (media/live.py).
STALL_SECONDS = 20.0
CLOSE_SECONDS = 2.0


async def client_gone(websocket: WebSocket) -> None:
    """Return when the viewer disconnects; anything the viewer sends is ignored."""
    with contextlib.suppress(WebSocketDisconnect, RuntimeError):
        while (await websocket.receive())["type"] != "websocket.disconnect":
            pass


async def send_messages(websocket: WebSocket, viewer: Viewer) -> None:
    """Send the viewer's queue as it fills; ``TimeoutError`` when one send stalls.

    The server's send waits while the connection's write buffer is above its high-water
    mark and writes nothing until then, so cancelling a waiting send is clean, and per
    viewer the server holds at most that buffer, one message and the viewer's short queue.
    """
    while True:
        message = await viewer.next()
        async with asyncio.timeout(STALL_SECONDS):
            if message.kind == "init":
                await websocket.send_text(json.dumps({"type": "init", "codec": message.codec}))
            await websocket.send_bytes(message.data)


def build_router(deps: Dependencies) -> APIRouter:
    router = APIRouter(tags=["live"])
    services = deps.services

    @router.websocket("/cameras/{camera_id}/live")
    async def live(
        websocket: WebSocket, grant: Annotated[LiveGrant, Depends(deps.live_socket())]
    ) -> None:
        camera_id = grant.authorization.camera_id
        principal = grant.authorization.principal
        await websocket.accept()
        hub = services.hubs.hub(camera_id)
        loop = asyncio.get_running_loop()
        viewer = hub.subscribe(loop)
        started = loop.time()
        # The first recheck comes at a random point of the interval: viewers who connect
        # together (a grid, a wall of screens) then do not all hit the database at once.
        next_check = started + RECHECK_SECONDS * random.random()
        ended_by = "viewer left"
        close: tuple[int, str] | None = None
        # Reading the socket is the only way to notice a viewer who left while nothing was
        # being sent (a camera without frames); without it the view would stay open, and
        # audited as watched, until the session ended. Sending runs in its own task so that
        # a send blocked by a viewer who stopped reading never delays the grant recheck.
        left = asyncio.ensure_future(client_gone(websocket))
        sender = asyncio.ensure_future(send_messages(websocket, viewer))
        try:
            while True:
                timeout = max(0.1, next_check - loop.time())
                await asyncio.wait(
                    {left, sender}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
                )
                if left.done():
                    break
                if sender.done():
                    problem = sender.exception()
                    if isinstance(problem, TimeoutError):
                        ended_by = "viewer stalled"
                        close = (1008, ended_by)
                    else:  # the viewer went away mid-send
                        logger.debug("camera %s: live send ended: %r", camera_id, problem)
                    break
                if loop.time() >= next_check:
                    ended = await run_in_threadpool(still_allowed, grant, principal.client)
                    if ended is not None:
                        ended_by = ended
                        close = (1008, ended)
                        break
                    next_check = loop.time() + RECHECK_SECONDS
        finally:
            for task in (left, sender):
                task.cancel()
            hub.unsubscribe(viewer)
            if ended_by != "viewer left":
                logger.info("camera %s: live view ended: %s", camera_id, ended_by)
            # A viewer who stopped reading cannot take even the close frame; do not wait on it.
            with contextlib.suppress(RuntimeError, OSError, TimeoutError, WebSocketDisconnect):
                code, reason = close if close is not None else (1000, "")
                await asyncio.wait_for(websocket.close(code=code, reason=reason), CLOSE_SECONDS)
            await run_in_threadpool(
                services.audit.append,
                actor=principal.username,
                action="access.live_stop",
                camera_id=camera_id,
                detail={
                    "duration_seconds": round(loop.time() - started, 1),
                    "start_event": grant.authorization.audit_event_id,
                    "ended_by": ended_by,
                },
                client=principal.client,
            )

    def still_allowed(grant: LiveGrant, client: str) -> str | None:
        """Why the view must end now, or ``None`` while the caller may still watch."""
        current = services.sessions.resolve(grant.token, client)
        if current is None:
            return "session ended"
        if not services.gate.may(current, grant.authorization.camera_id, Operation.LIVE):
            return "permission withdrawn"
        return None

    return router
