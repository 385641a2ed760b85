"""Running the app under uvicorn: bind first (clear error if the port is taken), then serve."""

from __future__ import annotations

import asyncio
import errno
import logging
import socket
import ssl
from collections.abc import Callable

import uvicorn

from mimamoru.app import create_app
from mimamoru.errors import ServeError
from mimamoru.services import Services
from mimamoru.settings import Settings
from mimamoru.tls import server_ssl_context

logger = logging.getLogger(__name__)


def bind_socket(host: str, port: int) -> socket.socket:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise ServeError(f"cannot listen on {host}:{port}: unknown host ({exc.strerror})") from exc
    family, _type, _proto, _name, address = infos[0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
        sock.listen(128)
    except OSError as exc:
        sock.close()
        reason = "address already in use" if exc.errno == errno.EADDRINUSE else exc.strerror
        raise ServeError(f"cannot listen on {host}:{port}: {reason}") from exc
    sock.set_inheritable(True)
    return sock


def base_url(settings: Settings, host: str, port: int) -> str:
    scheme = "http" if settings.server.insecure_http else "https"
    shown = "localhost" if host in ("127.0.0.1", "0.0.0.0", "::") else host  # noqa: S104
    return f"{scheme}://{shown}:{port}"


class PreparedServer:
    """A uvicorn server bound to its socket, ready to run (in this thread or another)."""

    def __init__(self, settings: Settings, services: Services) -> None:
        host, port = settings.server.host, settings.server.port
        context: ssl.SSLContext | None = None
        if settings.server.insecure_http:
            logger.warning(
                "serving PLAIN HTTP without TLS (--insecure-http): only safe behind a "
                "TLS-terminating proxy on the same host"
            )
        else:
            context = server_ssl_context(settings.tls_cert_path, settings.tls_key_path)
        self.socket = bind_socket(host, port)
        self.url = base_url(settings, host, self.socket.getsockname()[1])

        def ssl_factory(
            _config: uvicorn.Config, _default: Callable[[], ssl.SSLContext]
        ) -> ssl.SSLContext:
            assert context is not None
            return context

        config = uvicorn.Config(
            create_app(settings, services),
            log_config=None,
            access_log=False,
            server_header=False,
            proxy_headers=settings.server.insecure_http,
            ssl_certfile=str(settings.tls_cert_path) if context else None,
            ssl_context_factory=ssl_factory if context else None,
            ws="websockets-sansio",
            # Live video is H.264 already: per-message deflate would compress every fragment
            # once per viewer (a per-viewer CPU cost, the fan-out's enemy) for no gain.
            ws_per_message_deflate=False,
            timeout_graceful_shutdown=5,
        )
        self.server = uvicorn.Server(config)

    async def run(self, on_ready: Callable[[str], None] | None = None) -> None:
        task = asyncio.create_task(self.server.serve(sockets=[self.socket]))
        while not self.server.started and not task.done():
            await asyncio.sleep(0.05)
        if self.server.started:
            logger.info("mimamoru is serving at %s", self.url)
            if on_ready is not None:
                on_ready(self.url)
        await task

    def stop(self) -> None:
        self.server.should_exit = True

    def close(self) -> None:
        self.socket.close()


def serve(
    settings: Settings,
    services: Services,
    *,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Serve until interrupted. TLS unless ``server.insecure_http`` is set."""
    prepared = PreparedServer(settings, services)
    try:
        asyncio.run(prepared.run(on_ready))
    finally:
        prepared.close()
