"""CLI command groups beyond the core ones in :mod:`mimamoru.cli`."""
