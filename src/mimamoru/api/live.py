"""Live view over WebSocket: the recorder's own fMP4 fragments, for Media Source Extensions.

Protocol: the server sends a text message ``{"type": "init", "codec": "avc1..."}``
followed by a binary init segment, then binary fragments (each starts on a
keyframe). A new init (after a reconnect or segment change) is announced the
same way. The session is re-checked every few seconds; a logged-out or
disabled user is cut off.
"""

import asyncio
import contextlib
import json
import logging
from typing import Annotated

from fastapi import APIRouter, Depends, WebSocket, WebSocketDisconnect
from fastapi.concurrency import run_in_threadpool

from mimamoru.api.deps import Dependencies, LiveGrant

logger = logging.getLogger(__name__)

RECHECK_SECONDS = 3.0


def build_router(deps: Dependencies) -> APIRouter:
    router = APIRouter(tags=["live"])
    services = deps.services

    @router.websocket("/cameras/{camera_id}/live")
    async def live(
        websocket: WebSocket, grant: Annotated[LiveGrant, Depends(deps.live_socket())]
    ) -> None:
        camera_id = grant.authorization.camera_id
        await websocket.accept()
        hub = services.hubs.hub(camera_id)
        viewer = hub.subscribe(asyncio.get_running_loop())
        loop = asyncio.get_running_loop()
        next_check = loop.time() + RECHECK_SECONDS
        try:
            while True:
                timeout = max(0.1, next_check - loop.time())
                try:
                    message = await asyncio.wait_for(viewer.queue.get(), timeout)
                except TimeoutError:
                    message = None
                if loop.time() >= next_check:
                    still = await run_in_threadpool(services.sessions.resolve, grant.token)
                    if still is None:
                        await websocket.close(code=1008, reason="session ended")
                        return
                    next_check = loop.time() + RECHECK_SECONDS
                if message is None:
                    continue
                if message.kind == "init":
                    await websocket.send_text(json.dumps({"type": "init", "codec": message.codec}))
                await websocket.send_bytes(message.data)
        except (WebSocketDisconnect, RuntimeError):
            logger.debug("camera %s: live viewer left", camera_id)
        finally:
            hub.unsubscribe(viewer)
            with contextlib.suppress(RuntimeError):
                await websocket.close()

    return router
