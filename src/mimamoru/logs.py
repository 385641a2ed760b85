"""Logging set-up for the CLI: one line per event, to stderr."""

from __future__ import annotations

import logging
import sys


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # libav prints its own chatter through PyAV's logging bridge; keep only real problems.
    logging.getLogger("libav").setLevel(logging.ERROR)
    # Alembic narrates every start; mimamoru logs the migrations that actually run.
    logging.getLogger("alembic").setLevel(logging.WARNING)
