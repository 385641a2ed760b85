"""``mimamoru storage``: check stored footage and show what was deleted."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from mimamoru.commands.common import DATA_DIR_OPTION, operator_errors, settings_for
from mimamoru.logs import configure_logging
from mimamoru.services import Services
from mimamoru.storage.verify import PART_GRACE_SECONDS, verify_store

PROGRESS_EVERY_SECONDS = 2.0
SHOWN_PER_KIND = 20


@click.group()
def storage() -> None:
    """Stored footage."""


@storage.command(name="verify")
@DATA_DIR_OPTION
@operator_errors
def storage_verify(data_dir: Path) -> None:
    """Check every segment's SHA-256 and authentication; exit 1 if anything is wrong.

    Damaged segments are marked corrupt (and missing ones lost) so they are never served.
    """
    configure_logging("WARNING")
    services = Services.build(settings_for(data_dir))
    started = time.monotonic()
    last = [started]

    def progress(checked: int, size: int) -> None:
        now = time.monotonic()
        if now - last[0] >= PROGRESS_EVERY_SECONDS:
            last[0] = now
            click.echo(f"checked {checked} segments ({size / 1e6:.0f} MB)...", err=True)

    try:
        report = verify_store(services.database, services.store, progress=progress)
    finally:
        services.close()
    elapsed = time.monotonic() - started
    click.echo(
        f"checked {report.checked} segments ({report.bytes / 1e6:.1f} MB) in {elapsed:.1f} s: "
        f"{report.ok} ok, {len(report.corrupt)} corrupt, {len(report.missing)} missing; "
        f"{len(report.leftover_parts)} unfinished file(s), "
        f"{len(report.orphans)} unindexed file(s)"
    )
    if report.being_written:
        click.echo(
            f"  {len(report.being_written)} file(s) written in the last "
            f"{PART_GRACE_SECONDS} s: segments being recorded (or left by a crash just now)"
        )
    for label, problems in (("corrupt", report.corrupt), ("missing", report.missing)):
        for problem in problems[:SHOWN_PER_KIND]:
            click.echo(
                f"  {label}: segment {problem.segment_id} (camera {problem.camera_id}) "
                f"{problem.path}: {problem.reason}"
            )
    for path in report.leftover_parts[:SHOWN_PER_KIND]:
        click.echo(f"  unfinished: {path} (removed when the server next starts)")
    for path in report.orphans[:SHOWN_PER_KIND]:
        click.echo(f"  unindexed: {path} (re-indexed or removed when the server next starts)")
    if report.problem_count:
        sys.exit(1)


@storage.command(name="deletions")
@DATA_DIR_OPTION
@click.option("--camera", "camera_id", type=int, help="Only this camera.")
@click.option("--limit", type=click.IntRange(1, 100_000), default=50, show_default=True)
@operator_errors
def storage_deletions(data_dir: Path, camera_id: int | None, limit: int) -> None:
    """Deletion records, newest first: the evidence that retention was enforced."""
    configure_logging("WARNING")
    services = Services.build(settings_for(data_dir))
    try:
        records = services.retention.deletion_records(camera_id, limit)
    finally:
        services.close()
    click.echo("id\twhen\tcamera\treason\tfootage from\tto\tsegments\tbytes\tkeys destroyed")
    for item in records:
        start = item.period_start.isoformat() if item.period_start else "-"
        end = item.period_end.isoformat() if item.period_end else "-"
        click.echo(
            f"{item.id}\t{item.created_at.isoformat()}\t{item.camera_id}\t{item.reason}\t"
            f"{start}\t{end}\t{item.segment_count}\t{item.bytes}\t{item.keys_destroyed}"
        )
