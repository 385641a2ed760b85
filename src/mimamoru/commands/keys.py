"""``mimamoru keys``: the master key and the data keys it wraps."""

from __future__ import annotations

from pathlib import Path

import click

from mimamoru.clock import SystemClock
from mimamoru.commands.common import DATA_DIR_OPTION, operator_errors, settings_for
from mimamoru.crypto.keyring import uses_key_file
from mimamoru.crypto.master import new_master_key, write_key_file
from mimamoru.crypto.rotation import rotate_master_key
from mimamoru.db import keys as key_queries
from mimamoru.db.engine import Database
from mimamoru.db.migrate import migrate
from mimamoru.errors import MasterKeyError
from mimamoru.logs import configure_logging
from mimamoru.services import Services


@click.group()
def keys() -> None:
    """Master key and data keys."""


@keys.command(name="init")
@DATA_DIR_OPTION
@operator_errors
def keys_init(data_dir: Path) -> None:
    """Create the master key file for an installation made before encryption at rest."""
    configure_logging("WARNING")
    settings = settings_for(data_dir)
    if not uses_key_file(settings):
        raise MasterKeyError(
            "the master key comes from MIMAMORU_KEYS__MASTER_KEY or keys.master_key_command; "
            "there is no key file to create"
        )
    database = Database(settings.effective_database_url)
    try:
        migrate(database)
        with database.session() as session:
            registered = [row.fingerprint for row in key_queries.master_keys(session)]
    finally:
        database.dispose()
    if registered:
        raise MasterKeyError(
            f"this installation already has master key {registered[0]}; nothing was changed "
            "(restore its key file instead, or use `mimamoru keys rotate` for a new one)"
        )
    write_key_file(settings.master_key_path, new_master_key())
    click.echo(
        f"created {settings.master_key_path}; back it up apart from the data: without it the "
        "footage cannot be decrypted"
    )


@keys.command(name="status")
@DATA_DIR_OPTION
@operator_errors
def keys_status(data_dir: Path) -> None:
    """Show the master key in use (its fingerprint, never the key) and data key counts."""
    configure_logging("WARNING")
    services = Services.build(settings_for(data_dir))
    try:
        with services.database.session() as session:
            masters = key_queries.master_keys(session)
            live = key_queries.count_live_keys(session)
        click.echo(f"master key in use: {services.keys.wrapping.fingerprint}")
        for record in masters:
            click.echo(
                f"  {record.fingerprint}\t{record.state}\tsince {record.created_at:%Y-%m-%d}"
            )
        click.echo(f"data keys alive: {live}")
    finally:
        services.close()


@keys.command(name="rotate")
@DATA_DIR_OPTION
@click.option(
    "--batch-size",
    type=click.IntRange(1, 100_000),
    default=500,
    show_default=True,
    help="Data keys re-wrapped per transaction.",
)
@operator_errors
def keys_rotate(data_dir: Path, batch_size: int) -> None:
    """Re-wrap every data key under a new master key; footage is not touched.

    Safe to interrupt: running it again continues where it stopped. A running server
    follows the rotation by itself when the key comes from the key file; with
    MIMAMORU_KEYS__MASTER_KEY or a key command, put the new key there and restart it.
    """
    configure_logging("WARNING")
    settings = settings_for(data_dir)

    def progress(done: int, total: int) -> None:
        click.echo(f"re-wrapped {done}/{total} data keys", err=True)

    # The database alone: a half-finished rotation may keep the full services from starting.
    database = Database(settings.effective_database_url)
    try:
        migrate(database)
        result = rotate_master_key(
            settings, database, SystemClock(), batch_size=batch_size, progress=progress
        )
    finally:
        database.dispose()
    verb = "resumed and finished" if result.resumed else "finished"
    click.echo(
        f"rotation {verb}: master key {result.old_fingerprint} -> {result.new_fingerprint}, "
        f"{result.rewrapped} data keys re-wrapped"
    )
    if result.key_file_replaced:
        click.echo(f"the new key is in {settings.master_key_path}; the old key is gone")
    else:
        click.echo(
            f"store the new key from {result.new_key_path} in your key source "
            "(MIMAMORU_KEYS__MASTER_KEY or keys.master_key_command), then delete that file "
            "and restart the server"
        )
