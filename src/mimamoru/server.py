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


def serve(
    settings: Settings,
    services: Services,
    *,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Serve until interrupted. TLS unless ``server.insecure_http`` is set."""
    host, port = settings.server.host, settings.server.port
    context: ssl.SSLContext | None = None
    if settings.server.insecure_http:
        logger.warning(
            "serving PLAIN HTTP without TLS (--insecure-http): only safe behind a "
            "TLS-terminating proxy on the same host"
        )
    else:
        context = server_ssl_context(settings.tls_cert_path, settings.tls_key_path)
    sock = bind_socket(host, port)
    app = create_app(settings, services)
    tls_context = context

    def ssl_factory(
        _config: uvicorn.Config, _default: Callable[[], ssl.SSLContext]
    ) -> ssl.SSLContext:
        assert tls_context is not None
        return tls_context

    config = uvicorn.Config(
        app,
        log_config=None,
        access_log=False,
        server_header=False,
        proxy_headers=settings.server.insecure_http,
        ssl_certfile=str(settings.tls_cert_path) if context else None,
        ssl_context_factory=ssl_factory if context else None,
        ws="websockets-sansio",
        timeout_graceful_shutdown=5,
    )
    server = uvicorn.Server(config)
    url = base_url(settings, host, sock.getsockname()[1])

    async def run() -> None:
        task = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started and not task.done():
            await asyncio.sleep(0.05)
        if server.started:
            logger.info("mimamoru is serving at %s", url)
            if on_ready is not None:
                on_ready(url)
        await task

    try:
        asyncio.run(run())
    finally:
        sock.close()
