"""``mimamoru user``: accounts and their grants on cameras and camera groups."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import click

from mimamoru.access.accounts import parse_role
from mimamoru.access.grants import GrantRecord, default_operations, parse_operations
from mimamoru.access.roles import Operation, Role
from mimamoru.commands.common import DATA_DIR_OPTION, operator_errors, settings_for
from mimamoru.errors import ValidationFailedError
from mimamoru.installation import read_password_file
from mimamoru.logs import configure_logging
from mimamoru.services import Services

ACTOR = "cli"

CAMERA_OPTION = click.option(
    "--camera", "camera_id", type=int, help="Camera id (or give --camera-group)."
)
CAMERA_GROUP_OPTION = click.option(
    "--camera-group", "camera_group", help="Camera group name, for all its cameras (or --camera)."
)
OPERATIONS_OPTION = click.option(
    "--operations",
    required=True,
    help="Comma-separated: live, playback, export, ptz, configure.",
)


def grant_summary(grants: Iterable[GrantRecord], camera_group_names: Mapping[int, str]) -> str:
    """One line: ``camera 1: live,playback (last 24 h); camera group 'Outside': live``."""
    parts = []
    for grant in grants:
        if grant.camera_group_id is not None:
            name = camera_group_names.get(grant.camera_group_id, str(grant.camera_group_id))
            target = f"camera group {name!r}"
        else:
            target = f"camera {grant.camera_id}"
        operations = ",".join(sorted(op.value for op in grant.operations))
        window = f" (last {grant.playback_window_hours} h)" if grant.playback_window_hours else ""
        parts.append(f"{target}: {operations}{window}")
    return "; ".join(parts) or "-"


def check_grant_options(
    camera_id: int | None, camera_group: str | None, operations: str | None
) -> frozenset[Operation] | None:
    """Refuse bad options before the installation is opened; the operations named, if any."""
    if (camera_id is None) == (camera_group is None):
        raise ValidationFailedError("give --camera or --camera-group (one of them)")
    return parse_operations(operations.split(",")) if operations is not None else None


def grant_from_options(
    services: Services,
    camera_id: int | None,
    camera_group: str | None,
    operations: str | None,
    playback_window_hours: int | None,
    role: Role | None = None,
) -> tuple[GrantRecord, str]:
    """The grant the options describe, and its target in words for the confirmation.

    Without ``--operations`` a user's grant takes the defaults of the user's ``role``.
    """
    names = check_grant_options(camera_id, camera_group, operations) or default_operations(role)
    if camera_group is not None:
        group = services.camera_groups.by_name(camera_group)
        return (
            GrantRecord(None, names, playback_window_hours, group.id),
            f"camera group {group.name!r}",
        )
    return GrantRecord(camera_id, names, playback_window_hours), f"camera {camera_id}"


@click.group()
def user() -> None:
    """Accounts and what they may do with each camera."""


@user.command(name="add")
@DATA_DIR_OPTION
@click.option("--username", required=True)
@click.option("--role", required=True, help="admin, manager, operator, viewer or auditor.")
@click.option(
    "--password-file",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="File holding the password (never given on the command line).",
)
@operator_errors
def user_add(data_dir: Path, username: str, role: str, password_file: Path) -> None:
    """Create an account and print its id; it has no footage rights until granted."""
    configure_logging("WARNING")
    password = read_password_file(password_file)
    services = Services.build(settings_for(data_dir))
    try:
        account = services.accounts.create(
            username=username, password=password, role=parse_role(role), actor=ACTOR
        )
    finally:
        services.close()
    click.echo(account.id)


@user.command(name="list")
@DATA_DIR_OPTION
@operator_errors
def user_list(data_dir: Path) -> None:
    """Accounts with their role, their own grants and their groups."""
    configure_logging("WARNING")
    services = Services.build(settings_for(data_dir))
    try:
        camera_groups = {group.id: group.name for group in services.camera_groups.list()}
        memberships = services.groups.memberships()
        for account in services.accounts.list():
            summary = grant_summary(services.grants.of_user(account.id), camera_groups)
            groups = ",".join(group.name for group in memberships.get(account.id, ())) or "-"
            state = "disabled" if account.disabled else "enabled"
            click.echo(
                f"{account.id}\t{account.username}\t{account.role.value}\t{state}\t{summary}"
                f"\t{groups}"
            )
    finally:
        services.close()


WINDOW_OPTION = click.option(
    "--playback-window-hours",
    type=click.IntRange(1, 87_600),
    help="Playback and export only of footage from the last N hours.",
)


@user.command(name="grant")
@DATA_DIR_OPTION
@click.option("--username", required=True)
@CAMERA_OPTION
@CAMERA_GROUP_OPTION
@click.option(
    "--operations",
    help="Comma-separated: live, playback, export, ptz, configure. Default: the role's "
    "(manager: live,playback,export; operator: live,playback,ptz; viewer: live).",
)
@WINDOW_OPTION
@operator_errors
def user_grant(
    data_dir: Path,
    username: str,
    camera_id: int | None,
    camera_group: str | None,
    operations: str | None,
    playback_window_hours: int | None,
) -> None:
    """Set what a user may do with one camera or camera group (replacing that grant only)."""
    configure_logging("WARNING")
    check_grant_options(camera_id, camera_group, operations)
    services = Services.build(settings_for(data_dir))
    try:
        account = services.accounts.by_name(username)
        grant, target = grant_from_options(
            services, camera_id, camera_group, operations, playback_window_hours, account.role
        )
        services.grants.set_one(account.id, grant, ACTOR)
    finally:
        services.close()
    names = ",".join(sorted(op.value for op in grant.operations))
    click.echo(f"{username} may now {names} on {target}")


@user.command(name="unlock")
@DATA_DIR_OPTION
@click.option("--username", required=True)
@operator_errors
def user_unlock(data_dir: Path, username: str) -> None:
    """Lift an account's lock after repeated failed logins."""
    configure_logging("WARNING")
    services = Services.build(settings_for(data_dir))
    try:
        account = services.accounts.by_name(username)
        services.sessions.unlock(account.username, actor=ACTOR)
    finally:
        services.close()
    click.echo(f"{username} may log in again")
