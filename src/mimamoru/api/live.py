"""Live view over WebSocket: the recorder's own fMP4 fragments, for Media Source Extensions.

Protocol: the server sends a text message ``{"type": "init", "codec": "avc1..."}``
followed by a binary init segment, then binary fragments (each starts on a
keyframe). A new init (after a reconnect or segment change) is announced the
same way. The session and the grant are re-checked every few seconds: a viewer who
logged out, was disabled, or lost the ``live`` grant is cut off within
``RECHECK_SECONDS``. The end of every view is audited with its duration.
"""

import asyncio
import contextlib
import json
import logging
from typing import Annotated

from fastapi import APIRouter, Depends, WebSocket, WebSocketDisconnect
from fastapi.concurrency import run_in_threadpool

from mimamoru.access.roles import Operation
from mimamoru.api.deps import Dependencies, LiveGrant

logger = logging.getLogger(__name__)

RECHECK_SECONDS = 3.0


async def client_gone(websocket: WebSocket) -> None:
    """Return when the viewer disconnects; anything the viewer sends is ignored."""
    with contextlib.suppress(WebSocketDisconnect, RuntimeError):
        while (await websocket.receive())["type"] != "websocket.disconnect":
            pass


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
        next_check = started + RECHECK_SECONDS
        ended_by = "viewer left"
        # Reading the socket is the only way to notice a viewer who left while nothing was
        # being sent (a camera without frames); without it the view would stay open, and
        # audited as watched, until the session ended.
        left = asyncio.ensure_future(client_gone(websocket))
        fragment = asyncio.ensure_future(viewer.queue.get())
        try:
            while not left.done():
                timeout = max(0.1, next_check - loop.time())
                await asyncio.wait(
                    {left, fragment}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
                )
                if left.done():
                    break
                if loop.time() >= next_check:
                    ended = await run_in_threadpool(still_allowed, grant, principal.client)
                    if ended is not None:
                        ended_by = ended
                        await websocket.close(code=1008, reason=ended)
                        return
                    next_check = loop.time() + RECHECK_SECONDS
                if not fragment.done():
                    continue
                message = fragment.result()
                fragment = asyncio.ensure_future(viewer.queue.get())
                if message.kind == "init":
                    await websocket.send_text(json.dumps({"type": "init", "codec": message.codec}))
                await websocket.send_bytes(message.data)
        except (WebSocketDisconnect, RuntimeError):
            logger.debug("camera %s: live viewer left", camera_id)
        finally:
            for task in (left, fragment):
                task.cancel()
            hub.unsubscribe(viewer)
            with contextlib.suppress(RuntimeError):
                await websocket.close()
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
