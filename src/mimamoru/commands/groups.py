"""``mimamoru group``: groups of users, their members and their grants."""

from __future__ import annotations

from pathlib import Path

import click

from mimamoru.commands.common import DATA_DIR_OPTION, operator_errors, settings_for
from mimamoru.commands.users import (
    ACTOR,
    CAMERA_GROUP_OPTION,
    CAMERA_OPTION,
    OPERATIONS_OPTION,
    check_grant_options,
    grant_from_options,
    grant_summary,
)
from mimamoru.errors import ValidationFailedError
from mimamoru.logs import configure_logging
from mimamoru.services import Services

DESCRIPTION_OPTION = click.option("--description", default="", help="Free text (optional).")


def one_line(text: str) -> str:
    """A description on one tab-separated line: whitespace runs become one space."""
    return " ".join(text.split()) or "-"


def names_from(text: str, option: str) -> list[str]:
    """``a,b`` as names, surrounding spaces removed, each once; an empty string is none."""
    names: list[str] = []
    for name in (item.strip() for item in text.split(",")):
        if name in names:
            raise ValidationFailedError(f"{option}: {name!r} is listed twice")
        if name:
            names.append(name)
    return names


@click.group()
def group() -> None:
    """Groups of users: a grant to a group applies to each member."""


@group.command(name="add")
@DATA_DIR_OPTION
@click.option("--name", required=True, help="Unique, 1 to 64 characters.")
@DESCRIPTION_OPTION
@operator_errors
def group_add(data_dir: Path, name: str, description: str) -> None:
    """Create a group (no members, no grants) and print its id."""
    configure_logging("WARNING")
    services = Services.build(settings_for(data_dir))
    try:
        created = services.groups.create(name=name, description=description, actor=ACTOR)
    finally:
        services.close()
    click.echo(created.id)


@group.command(name="list")
@DATA_DIR_OPTION
@operator_errors
def group_list(data_dir: Path) -> None:
    """Groups with their members, grants and description."""
    configure_logging("WARNING")
    services = Services.build(settings_for(data_dir))
    try:
        usernames = {account.id: account.username for account in services.accounts.list()}
        camera_groups = {found.id: found.name for found in services.camera_groups.list()}
        for found in services.groups.list():
            members = ",".join(usernames[user_id] for user_id in found.member_ids) or "-"
            grants = grant_summary(services.groups.grants_of(found.id), camera_groups)
            click.echo(
                f"{found.id}\t{found.name}\t{members}\t{grants}\t{one_line(found.description)}"
            )
    finally:
        services.close()


@group.command(name="members")
@DATA_DIR_OPTION
@click.option("--name", required=True, help="The group.")
@click.option(
    "--users",
    required=True,
    help='Comma-separated user names: all the members, replacing the current ones ("" for none).',
)
@operator_errors
def group_members(data_dir: Path, name: str, users: str) -> None:
    """Set who is in a group (the list replaces the current members)."""
    configure_logging("WARNING")
    wanted = names_from(users, "--users")
    services = Services.build(settings_for(data_dir))
    try:
        found = services.groups.by_name(name)
        user_ids = [services.accounts.by_name(username).id for username in wanted]
        updated = services.groups.set_members(found.id, user_ids, ACTOR)
    finally:
        services.close()
    listed = ", ".join(sorted(wanted)) if updated.member_ids else "no members"
    click.echo(f"group {updated.name}: {listed}")


@group.command(name="grant")
@DATA_DIR_OPTION
@click.option("--name", required=True, help="The group.")
@CAMERA_OPTION
@CAMERA_GROUP_OPTION
@OPERATIONS_OPTION
@click.option(
    "--playback-window-hours",
    "--window-hours",
    "playback_window_hours",
    type=click.IntRange(1, 87_600),
    help="Playback and export only of footage from the last N hours.",
)
@operator_errors
def group_grant(
    data_dir: Path,
    name: str,
    camera_id: int | None,
    camera_group: str | None,
    operations: str,
    playback_window_hours: int | None,
) -> None:
    """Set what a group's members may do with one camera or camera group (that grant only)."""
    configure_logging("WARNING")
    check_grant_options(camera_id, camera_group, operations)
    services = Services.build(settings_for(data_dir))
    try:
        found = services.groups.by_name(name)
        grant, target = grant_from_options(
            services, camera_id, camera_group, operations, playback_window_hours
        )
        services.groups.set_grant(found.id, grant, ACTOR)
    finally:
        services.close()
    names = ",".join(sorted(op.value for op in grant.operations))
    click.echo(f"group {found.name} may now {names} on {target}")
