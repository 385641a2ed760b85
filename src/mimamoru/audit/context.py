"""The source address of the request being served, for audit entries.

Set once per HTTP request or WebSocket by :class:`RequestClient` (an ASGI middleware), so
every audit entry written while serving it names where it came from, without passing
the address through every service. Context variables follow the request into the
thread pool. Outside a request (the CLI, background sweeps) there is none.
"""

from __future__ import annotations

from contextvars import ContextVar

from starlette.types import ASGIApp, Receive, Scope, Send

_client: ContextVar[str | None] = ContextVar("mimamoru_request_client", default=None)


def current_client() -> str | None:
    return _client.get()


class RequestClient:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        token = _client.set(str(client[0]) if client else "unknown")
        try:
            await self.app(scope, receive, send)
        finally:
            _client.reset(token)
