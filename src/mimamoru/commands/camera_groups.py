"""``mimamoru camera-group``: groups of cameras, granted together."""

from __future__ import annotations

from pathlib import Path

import click

from mimamoru.commands.common import DATA_DIR_OPTION, operator_errors, settings_for
from mimamoru.commands.groups import DESCRIPTION_OPTION, names_from, one_line
from mimamoru.commands.users import ACTOR
from mimamoru.errors import ValidationFailedError
from mimamoru.logs import configure_logging
from mimamoru.services import Services


def camera_ids_from(text: str) -> list[int]:
    """``1,2`` as camera ids; an empty string is none."""
    ids = []
    for item in names_from(text, "--cameras"):
        if not item.isdigit():
            raise ValidationFailedError(f"--cameras: {item!r} is not a camera id")
        if int(item) in ids:
            raise ValidationFailedError(f"--cameras: camera {int(item)} is listed twice")
        ids.append(int(item))
    return ids


@click.group(name="camera-group")
def camera_group() -> None:
    """Groups of cameras: a grant on a camera group applies to each camera in it."""


@camera_group.command(name="add")
@DATA_DIR_OPTION
@click.option("--name", required=True, help="Unique, 1 to 100 characters.")
@DESCRIPTION_OPTION
@operator_errors
def camera_group_add(data_dir: Path, name: str, description: str) -> None:
    """Create a camera group (no cameras yet) and print its id."""
    configure_logging("WARNING")
    services = Services.build(settings_for(data_dir))
    try:
        created = services.camera_groups.create(name=name, description=description, actor=ACTOR)
    finally:
        services.close()
    click.echo(created.id)


@camera_group.command(name="list")
@DATA_DIR_OPTION
@operator_errors
def camera_group_list(data_dir: Path) -> None:
    """Camera groups with their camera ids and description."""
    configure_logging("WARNING")
    services = Services.build(settings_for(data_dir))
    try:
        for found in services.camera_groups.list():
            cameras = ",".join(str(camera_id) for camera_id in found.camera_ids) or "-"
            click.echo(f"{found.id}\t{found.name}\t{cameras}\t{one_line(found.description)}")
    finally:
        services.close()


@camera_group.command(name="cameras")
@DATA_DIR_OPTION
@click.option("--name", required=True, help="The camera group.")
@click.option(
    "--cameras",
    required=True,
    help='Comma-separated camera ids: all the cameras, replacing the current ones ("" for none).',
)
@operator_errors
def camera_group_cameras(data_dir: Path, name: str, cameras: str) -> None:
    """Set which cameras are in a camera group (the list replaces the current ones)."""
    configure_logging("WARNING")
    wanted = camera_ids_from(cameras)
    services = Services.build(settings_for(data_dir))
    try:
        found = services.camera_groups.by_name(name)
        updated = services.camera_groups.set_cameras(found.id, wanted, ACTOR)
    finally:
        services.close()
    listed = ", ".join(str(camera_id) for camera_id in updated.camera_ids) or "none"
    click.echo(f"camera group {updated.name}: cameras {listed}")
