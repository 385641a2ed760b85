"""``mimamoru export``: check an export package (needs no installation), show the key."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from mimamoru.commands.common import DATA_DIR_OPTION, operator_errors, settings_for
from mimamoru.errors import ValidationFailedError
from mimamoru.exports.signing import load_public_key
from mimamoru.exports.verify import verify_package
from mimamoru.logs import configure_logging
from mimamoru.services import Services


@click.group(name="export")
def export() -> None:
    """Evidence exports."""


@export.command(name="verify")
@click.argument("package", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--public-key",
    "public_key_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The installation's export key (PEM), obtained from the operator; "
    "default: the key inside the package (then compare its fingerprint).",
)
@operator_errors
def export_verify(package: Path, public_key_path: Path | None) -> None:
    """Check PACKAGE; exit 0 if intact, 1 naming every problem found."""
    key = None
    if public_key_path is not None:
        try:
            key = load_public_key(public_key_path.read_bytes())
        except ValueError as exc:
            raise ValidationFailedError(f"{public_key_path}: {exc}") from exc
    result = verify_package(package, key)
    if not result.ok:
        for problem in result.problems:
            click.echo(f"FAILED: {problem}", err=True)
        click.echo(f"{package}: NOT intact ({len(result.problems)} problem(s))", err=True)
        sys.exit(1)
    manifest = result.manifest or {}
    camera = manifest.get("camera", {})
    click.echo(
        f"{package}: intact. Export {manifest.get('export_id')} of camera "
        f"{camera.get('name')!r}, {manifest['range']['start']} to {manifest['range']['end']}, "
        f"for {manifest.get('recipient')!r} ({manifest.get('legal_basis')})"
    )
    gaps = manifest.get("gaps") or []
    if gaps:
        click.echo(f"gaps in the recording: {len(gaps)}")
        for gap in gaps:
            click.echo(f"  {gap['start']} to {gap['end']}: {gap['reason']}")
    click.echo(f"signed by key SHA-256 {result.key_fingerprint}")
    if result.key_from_package:
        click.echo(
            "note: checked with the key inside the package; compare the fingerprint above "
            "with the one the operator published, or pass --public-key",
            err=True,
        )


@export.command(name="public-key")
@DATA_DIR_OPTION
@operator_errors
def export_public_key(data_dir: Path) -> None:
    """Print this installation's export key (PEM) and its fingerprint, for recipients."""
    configure_logging("WARNING")
    services = Services.build(settings_for(data_dir))
    try:
        signer = services.exports.signer
        click.echo(signer.public_pem.decode("ascii"), nl=False)
        click.echo(f"# fingerprint (SHA-256 of the raw key): {signer.fingerprint}")
        click.echo(f"# installation id: {signer.installation_id}")
    finally:
        services.close()
