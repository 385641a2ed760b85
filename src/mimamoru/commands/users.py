"""``mimamoru user``: accounts and their per-camera grants."""

from __future__ import annotations

from pathlib import Path

import click

from mimamoru.access.accounts import parse_role
from mimamoru.access.grants import GrantRecord, parse_operations
from mimamoru.commands.common import DATA_DIR_OPTION, operator_errors, settings_for
from mimamoru.installation import read_password_file
from mimamoru.logs import configure_logging
from mimamoru.services import Services

ACTOR = "cli"


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
    """Accounts with their role and grants."""
    configure_logging("WARNING")
    services = Services.build(settings_for(data_dir))
    try:
        for account in services.accounts.list():
            grants = services.grants.of_user(account.id)
            summary = "; ".join(
                f"camera {g.camera_id}: {','.join(sorted(op.value for op in g.operations))}"
                + (f" (last {g.playback_window_hours} h)" if g.playback_window_hours else "")
                for g in grants
            )
            state = "disabled" if account.disabled else "enabled"
            click.echo(
                f"{account.id}\t{account.username}\t{account.role.value}\t{state}\t{summary or '-'}"
            )
    finally:
        services.close()


@user.command(name="grant")
@DATA_DIR_OPTION
@click.option("--username", required=True)
@click.option("--camera", "camera_id", type=int, required=True, help="Camera id.")
@click.option(
    "--operations",
    required=True,
    help="Comma-separated: live, playback, export, ptz, configure.",
)
@click.option(
    "--playback-window-hours",
    type=click.IntRange(1, 87_600),
    help="Playback and export only of footage from the last N hours.",
)
@operator_errors
def user_grant(
    data_dir: Path,
    username: str,
    camera_id: int,
    operations: str,
    playback_window_hours: int | None,
) -> None:
    """Set what a user may do with one camera (replacing that camera's grant only)."""
    configure_logging("WARNING")
    grant = GrantRecord(camera_id, parse_operations(operations.split(",")), playback_window_hours)
    services = Services.build(settings_for(data_dir))
    try:
        services.grants.set_one(services.accounts.by_name(username).id, grant, ACTOR)
    finally:
        services.close()
    names = ",".join(sorted(op.value for op in grant.operations))
    click.echo(f"{username} may now {names} on camera {camera_id}")


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
