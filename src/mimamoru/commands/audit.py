"""``mimamoru audit``: check the audit trail."""

from __future__ import annotations

import time
from pathlib import Path

import click

from mimamoru.audit.anchor import AnchorError, check_anchors, read_anchors
from mimamoru.commands.common import DATA_DIR_OPTION, operator_errors, settings_for
from mimamoru.errors import MimamoruError
from mimamoru.logs import configure_logging
from mimamoru.services import Services


class AuditBroken(MimamoruError):
    exit_code = 1


@click.group()
def audit() -> None:
    """The audit trail."""


@audit.command(name="verify")
@DATA_DIR_OPTION
@operator_errors
def audit_verify(data_dir: Path) -> None:
    """Check every entry's keyed hash and link, and the anchors; exit 1 naming the first bad one."""
    configure_logging("WARNING")
    settings = settings_for(data_dir)
    services = Services.build(settings)
    started = time.monotonic()
    try:
        # Anchors first: one the server writes while the chain is walked must not look
        # like a cut-off tail.
        try:
            anchors = read_anchors(settings.audit_anchor_path)
        except AnchorError as exc:
            raise AuditBroken(f"audit anchors unreadable: {exc}") from exc
        chain = services.audit.verify()
        if not chain.ok:
            raise AuditBroken(f"audit chain broken: {chain.problem}")
        problem = check_anchors(services.audit, chain, anchors)
        if problem is not None:
            raise AuditBroken(f"audit chain broken: {problem}")
    finally:
        services.close()
    elapsed = time.monotonic() - started
    last = f"; newest of {len(anchors)} anchor(s): {anchors[-1].at.isoformat()}" if anchors else ""
    click.echo(f"audit chain intact: {chain.events} entries checked in {elapsed:.1f} s{last}")
    if not anchors:
        click.echo(
            f"warning: no anchors in {settings.audit_anchor_path}; a cut-off tail cannot be "
            "detected until the server has written one",
            err=True,
        )
