"""Standalone RTSP test server serving a live H.264 test pattern.

This exists for the test suite: tests launch it as a subprocess so that the recorder can be
exercised against a real RTSP camera without network hardware. It needs the system Python with
PyGObject and GstRtspServer (Debian: python3-gi, gir1.2-gst-rtsp-server-1.0, gstreamer1.0-plugins
-base/-good/-ugly), which the project's virtualenv does not have, so it is never imported by the
package or by tests; run it as a script instead::

    /usr/bin/python3 tests/support/rtsp_server.py --port 8554 [--path /cam] [--size 320x240]
        [--rate 15] [--keyint 15] [--user U --password P]

It binds to 127.0.0.1 only, shares one encoding pipeline between all clients, prints exactly the
line ``ready`` on stdout once it is listening, and exits with status 0 on SIGTERM or SIGINT. If
the port cannot be bound it writes an error to stderr and exits with status 1.
"""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Sequence
from dataclasses import dataclass

import gi  # type: ignore[import-not-found]

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # type: ignore[import-not-found]  # noqa: E402

HOST = "127.0.0.1"
ROLE = "tester"


@dataclass(frozen=True)
class Options:
    """Parsed command line options."""

    port: int
    path: str
    width: int
    height: int
    rate: int
    keyint: int
    user: str | None
    password: str | None


def _size(text: str) -> tuple[int, int]:
    width, sep, height = text.lower().partition("x")
    try:
        if not sep:
            raise ValueError(text)
        size = (int(width), int(height))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT, got {text!r}") from None
    if size[0] <= 0 or size[1] <= 0 or size[0] % 2 or size[1] % 2:
        raise argparse.ArgumentTypeError(f"size must be positive and even, got {text!r}")
    return size


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _port(text: str) -> int:
    value = _positive(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"port out of range: {text!r}")
    return value


def parse_args(argv: Sequence[str] | None = None) -> Options:
    """Parse the command line into :class:`Options`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=_port, required=True, help="TCP port on 127.0.0.1")
    parser.add_argument("--path", default="/cam", help="mount path (default: /cam)")
    parser.add_argument("--size", type=_size, default=(320, 240), help="WxH (default: 320x240)")
    parser.add_argument("--rate", type=_positive, default=15, help="frames/s (default: 15)")
    parser.add_argument("--keyint", type=_positive, default=15, help="max frames between IDRs")
    parser.add_argument("--user", help="require RTSP basic auth with this user name")
    parser.add_argument("--password", help="password for --user")
    args = parser.parse_args(argv)
    if (args.user is None) != (args.password is None):
        parser.error("--user and --password must be given together")
    path: str = args.path if args.path.startswith("/") else f"/{args.path}"
    width, height = args.size
    return Options(
        port=args.port,
        path=path,
        width=width,
        height=height,
        rate=args.rate,
        keyint=args.keyint,
        user=args.user,
        password=args.password,
    )


def launch_line(options: Options) -> str:
    """Return the gst-launch description of the shared media pipeline."""
    return (
        "( videotestsrc is-live=true pattern=ball"
        f" ! video/x-raw,format=I420,width={options.width},height={options.height}"
        f",framerate={options.rate}/1"
        " ! x264enc tune=zerolatency speed-preset=ultrafast"
        f" key-int-max={options.keyint}"
        " ! video/x-h264,stream-format=byte-stream,profile=constrained-baseline"
        " ! rtph264pay name=pay0 pt=96 )"
    )


def build_server(options: Options) -> GstRtspServer.RTSPServer:
    """Create (but do not bind) the RTSP server with its single mount."""
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(launch_line(options))
    factory.set_shared(True)

    server = GstRtspServer.RTSPServer()
    server.set_address(HOST)
    server.set_service(str(options.port))
    server.get_mount_points().add_factory(options.path, factory)

    if options.user is not None and options.password is not None:
        token = GstRtspServer.RTSPToken()
        token.set_string(GstRtspServer.RTSP_TOKEN_MEDIA_FACTORY_ROLE, ROLE)
        auth = GstRtspServer.RTSPAuth()
        auth.add_basic(GstRtspServer.RTSPAuth.make_basic(options.user, options.password), token)
        server.set_auth(auth)

        permissions = GstRtspServer.RTSPPermissions()
        for permission in (
            GstRtspServer.RTSP_PERM_MEDIA_FACTORY_ACCESS,
            GstRtspServer.RTSP_PERM_MEDIA_FACTORY_CONSTRUCT,
        ):
            permissions.add_permission_for_role(ROLE, permission, True)
        factory.set_permissions(permissions)
    return server


def main(argv: Sequence[str] | None = None) -> int:
    """Run the server until SIGTERM or SIGINT; return the process exit status."""
    options = parse_args(argv)
    Gst.init(None)
    server = build_server(options)

    try:
        source = server.create_source(None)
    except GLib.Error as exc:
        print(
            f"rtsp_server: cannot listen on {HOST}:{options.port}: {exc.message}",
            file=sys.stderr,
            flush=True,
        )
        return 1

    loop = GLib.MainLoop()
    source.attach(None)

    def stop() -> bool:
        loop.quit()
        return bool(GLib.SOURCE_REMOVE)

    for signum in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_HIGH, signum, stop)

    print("ready", flush=True)
    try:
        loop.run()
    finally:
        source.destroy()
    return 0


if __name__ == "__main__":
    sys.exit(main())
