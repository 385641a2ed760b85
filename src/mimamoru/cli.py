"""The ``mimamoru`` command line: a thin layer over the same services the app uses."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import ParamSpec, TypeVar

import click

from mimamoru import __version__
from mimamoru.cameras import DEFAULT_RETENTION_HOURS, parse_retention
from mimamoru.commands import audit as audit_commands
from mimamoru.commands import camera_groups as camera_group_commands
from mimamoru.commands import groups as group_commands
from mimamoru.commands import keys as key_commands
from mimamoru.commands import storage as storage_commands
from mimamoru.commands import users as user_commands
from mimamoru.commands.common import DATA_DIR_OPTION, operator_errors, settings_for
from mimamoru.commands.exports import export as export_commands
from mimamoru.errors import ValidationFailedError
from mimamoru.installation import init_installation, is_installation
from mimamoru.logs import configure_logging
from mimamoru.privacy.masks import Mask, mask_from_text, parse_masks
from mimamoru.server import serve
from mimamoru.services import Services
from mimamoru.settings import Settings

logger = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

DEMO_SOURCE = "test://pattern?size=1280x720&rate=15"


@click.group()
@click.version_option(__version__, prog_name="mimamoru")
def main() -> None:
    """mimamoru (見守る): a network camera service that protects privacy by default."""


main.add_command(audit_commands.audit)
main.add_command(camera_group_commands.camera_group)
main.add_command(group_commands.group)
main.add_command(key_commands.keys)
main.add_command(storage_commands.storage)
main.add_command(user_commands.user)
main.add_command(export_commands)


@main.command()
@DATA_DIR_OPTION
@click.option("--admin-user", default="admin", show_default=True, help="First admin's user name.")
@click.option(
    "--admin-password-file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Read the admin password from this file instead of generating one.",
)
@click.option(
    "--hostname",
    help="Host name for the self-signed certificate (default: this machine's name); "
    "localhost, 127.0.0.1 and ::1 are always included.",
)
@operator_errors
def init(
    data_dir: Path, admin_user: str, admin_password_file: Path | None, hostname: str | None
) -> None:
    """Create an installation: settings, TLS certificate, database and the first admin."""
    configure_logging("WARNING")
    result = init_installation(
        data_dir,
        admin_user=admin_user,
        admin_password_file=admin_password_file,
        hostname=hostname,
    )
    _print_init(result.data_dir, result.admin_user, result.generated_password)


def _print_init(data_dir: Path, admin_user: str, password: str | None) -> None:
    click.echo(f"Created mimamoru installation in {data_dir}")
    click.echo(
        f"TLS certificate: {data_dir / 'tls' / 'cert.pem'} (CA: {data_dir / 'tls' / 'ca.pem'})"
    )
    if password is not None:
        click.echo(f"Admin user: {admin_user}")
        click.echo(f"Admin password (shown only now, store it safely): {password}")
    else:
        click.echo(f"Admin user: {admin_user} (password from file)")


@main.command(name="serve")
@DATA_DIR_OPTION
@click.option("--host", help="Address to listen on (default 127.0.0.1).")
@click.option("--port", type=click.IntRange(1, 65535), help="Port to listen on (default 8443).")
@click.option(
    "--insecure-http",
    is_flag=True,
    default=None,
    help="Serve plain HTTP. Only behind a TLS-terminating proxy.",
)
@operator_errors
def serve_command(
    data_dir: Path, host: str | None, port: int | None, insecure_http: bool | None
) -> None:
    """Serve the web UI and API over HTTPS and record every camera."""
    settings = settings_for(
        data_dir, server={"host": host, "port": port, "insecure_http": insecure_http}
    )
    _run_server(settings)


def _run_server(settings: Settings, banner: Callable[[str], None] | None = None) -> None:
    configure_logging(settings.log_level)
    services = Services.build(settings)
    try:
        serve(settings, services, on_ready=banner)
    except KeyboardInterrupt:
        logger.info("interrupted; stopping")
    finally:
        services.close()


@main.command()
@click.option(
    "--data-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("mimamoru-demo"),
    show_default=True,
    help="Demo data directory; created on first use, reused afterwards.",
)
@click.option("--host", help="Address to listen on (default 127.0.0.1).")
@click.option("--port", type=click.IntRange(1, 65535), help="Port to listen on (default 8443).")
@operator_errors
def demo(data_dir: Path, host: str | None, port: int | None) -> None:
    """Try mimamoru: an installation with a test-pattern camera, served at once."""
    if not is_installation(data_dir.expanduser().resolve()):
        result = init_installation(data_dir)
        _print_init(result.data_dir, result.admin_user, result.generated_password)
    else:
        click.echo(f"Reusing demo installation in {data_dir.resolve()}")
    settings = settings_for(data_dir, server={"host": host, "port": port})
    services = Services.build(settings)
    try:
        if not services.cameras.list():
            camera = services.cameras.add(
                name="Test pattern",
                source=DEMO_SOURCE,
                retention_hours=24,
                purposes=["crime_prevention"],
                actor="demo",
            )
            click.echo(f"Added demo camera {camera.id}: {DEMO_SOURCE}")
    finally:
        services.close()

    def banner(url: str) -> None:
        click.echo(
            f"mimamoru demo is running: open {url}/ (CA certificate: "
            f"{settings.data_dir / 'tls' / 'ca.pem'}). Stop with Ctrl+C."
        )

    _run_server(settings, banner)


@main.group()
def camera() -> None:
    """Manage cameras."""


MASK_OPTION = click.option(
    "--mask",
    "masks",
    multiple=True,
    metavar='"x1,y1 x2,y2 x3,y3 ... [fill=gray|black|mosaic|blur] [block=N]"',
    help="A privacy mask: polygon corners in 0..1 of the frame. Repeat for more masks.",
)


def _parse_mask_options(masks: tuple[str, ...]) -> tuple[Mask, ...]:
    return parse_masks([mask_from_text(index, text) for index, text in enumerate(masks)])


RETENTION_OPTION = click.option(
    "--retention",
    default=f"{DEFAULT_RETENTION_HOURS}h",
    show_default=True,
    help="How long recordings are kept: hours (72h) or days (7d).",
)
JUSTIFICATION_OPTION = click.option(
    "--justification",
    help="Why footage must be kept longer than 72 hours (required above 72h).",
)


@camera.command(name="add")
@DATA_DIR_OPTION
@click.option("--name", required=True, help="Display name, unique.")
@click.option("--source", required=True, help="rtsp://, rtsps://, http(s)://, file:// or test://")
@RETENTION_OPTION
@JUSTIFICATION_OPTION
@MASK_OPTION
@click.option(
    "--purpose",
    "purposes",
    multiple=True,
    metavar="CODE",
    help="Purpose of use from the registry (e.g. crime_prevention); repeat for more. "
    "A camera without one does not record.",
)
@operator_errors
def camera_add(
    data_dir: Path,
    name: str,
    source: str,
    retention: str,
    justification: str | None,
    masks: tuple[str, ...],
    purposes: tuple[str, ...],
) -> None:
    """Add a camera and print its id; a running server records it once it has a purpose."""
    configure_logging("WARNING")
    parsed = _parse_mask_options(masks)
    retention_hours = parse_retention(retention)
    services = Services.build(settings_for(data_dir))
    try:
        record = services.cameras.add(
            name=name,
            source=source,
            retention_hours=retention_hours,
            retention_justification=justification,
            masks=parsed,
            purposes=purposes,
            actor="cli",
        )
    finally:
        services.close()
    click.echo(record.id)


@camera.command(name="list")
@DATA_DIR_OPTION
@operator_errors
def camera_list(data_dir: Path) -> None:
    """List cameras (sources shown with passwords redacted)."""
    configure_logging("WARNING")
    services = Services.build(settings_for(data_dir))
    try:
        for record in services.cameras.list():
            state = "enabled" if record.enabled else "disabled"
            click.echo(
                f"{record.id}\t{record.name}\t{record.source_redacted}"
                f"\t{record.retention_hours}h\t{state}"
            )
    finally:
        services.close()


@camera.command(name="set-masks")
@DATA_DIR_OPTION
@click.option("--camera", "camera_id", type=int, required=True, help="Camera id.")
@MASK_OPTION
@click.option("--clear", is_flag=True, help="Remove all masks.")
@operator_errors
def camera_set_masks(data_dir: Path, camera_id: int, masks: tuple[str, ...], clear: bool) -> None:
    """Replace a camera's privacy masks; a running server applies them within about 1 s."""
    configure_logging("WARNING")
    if clear == bool(masks):
        raise ValidationFailedError("give one or more --mask options, or --clear (not both)")
    parsed = _parse_mask_options(masks)
    services = Services.build(settings_for(data_dir))
    try:
        record = services.cameras.set_masks(camera_id, parsed, "cli")
    finally:
        services.close()
    click.echo(f"camera {record.id}: mask version {record.mask_version}, {len(parsed)} mask(s)")


@camera.command(name="set-retention")
@DATA_DIR_OPTION
@click.option("--camera", "camera_id", type=int, required=True, help="Camera id.")
@click.option("--retention", required=True, help="Hours (72h) or days (7d).")
@JUSTIFICATION_OPTION
@operator_errors
def camera_set_retention(
    data_dir: Path, camera_id: int, retention: str, justification: str | None
) -> None:
    """Change how long a camera's recordings are kept; the next sweep applies it."""
    configure_logging("WARNING")
    hours = parse_retention(retention)
    services = Services.build(settings_for(data_dir))
    try:
        record = services.cameras.set_retention(camera_id, hours, justification, "cli")
    finally:
        services.close()
    click.echo(f"camera {record.id}: recordings kept {record.retention_hours} h")


@camera.command(name="set-purposes")
@DATA_DIR_OPTION
@click.option("--camera", "camera_id", type=int, required=True, help="Camera id.")
@click.option(
    "--purpose",
    "purposes",
    multiple=True,
    metavar="CODE",
    help="Purpose of use from the registry; repeat for more. None stops recording.",
)
@operator_errors
def camera_set_purposes(data_dir: Path, camera_id: int, purposes: tuple[str, ...]) -> None:
    """Replace a camera's purposes of use (versioned); a camera records only with one."""
    configure_logging("WARNING")
    services = Services.build(settings_for(data_dir))
    try:
        version = services.compliance.purposes.set_for_camera(camera_id, purposes, "cli")
    finally:
        services.close()
    shown = ", ".join(purposes) if purposes else "none (not recording)"
    click.echo(f"camera {camera_id}: purposes {shown} (version {version})")
