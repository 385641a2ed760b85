"""What every CLI command shares: the data-dir option and one-line operator errors."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import click

from mimamoru.errors import MimamoruError
from mimamoru.installation import open_installation
from mimamoru.settings import Settings, load_settings

P = ParamSpec("P")
R = TypeVar("R")

DATA_DIR_OPTION = click.option(
    "--data-dir",
    type=click.Path(path_type=Path, file_okay=False),
    required=True,
    help="The installation's data directory.",
)


def operator_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Turn expected failures into one line on stderr and a non-zero exit code."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except MimamoruError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(exc.exit_code)

    return wrapper


def settings_for(data_dir: Path, **overrides: Any) -> Settings:
    return load_settings(open_installation(data_dir), **overrides)
