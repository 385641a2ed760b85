"""Encryption at rest: the sealed file format, master keys and per-period data keys."""
