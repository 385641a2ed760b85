"""Helpers for export tests: packages as bytes, members rewritten, the MP4 pulled out."""

from __future__ import annotations

import copy
import io
import struct
import zipfile
from typing import Any

from mimamoru.exports.package import canonical_json

_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")


def members(package: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rebuild(contents: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, data in contents.items():
            archive.writestr(name, data)
    return out.getvalue()


def with_manifest(package: bytes, manifest: dict[str, Any]) -> bytes:
    """The package with its manifest replaced (the signature left as it was)."""
    contents = members(package)
    contents["manifest.json"] = canonical_json(manifest)
    return rebuild(contents)


def member_offset(package: bytes, name: str) -> tuple[int, int]:
    """Where a stored member's bytes start in the zip, and how many there are."""
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        info = archive.getinfo(name)
    header = _LOCAL_HEADER.unpack_from(package, info.header_offset)
    start = info.header_offset + _LOCAL_HEADER.size + header[-2] + header[-1]
    return start, info.compress_size


def flip_byte(package: bytes, name: str, at: float = 0.5) -> bytes:
    start, size = member_offset(package, name)
    position = start + int(size * at)
    changed = bytearray(package)
    changed[position] ^= 0x01
    return bytes(changed)


def leaf_paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every field of the manifest, nested ones by path; an empty list is a field too."""
    if isinstance(value, dict):
        return [path for key in value for path in leaf_paths(value[key], (*prefix, key))]
    if isinstance(value, list) and value:
        return [
            path for index, item in enumerate(value) for path in leaf_paths(item, (*prefix, index))
        ]
    return [prefix]


def changed(manifest: dict[str, Any], path: tuple[Any, ...]) -> dict[str, Any]:
    """A deep copy of ``manifest`` with the field at ``path`` given a different value."""
    copied = copy.deepcopy(manifest)
    parent: Any = copied
    for key in path[:-1]:
        parent = parent[key]
    old = parent[path[-1]]
    if isinstance(old, bool):
        new: Any = not old
    elif isinstance(old, int):
        new = old + 1
    elif isinstance(old, str):
        new = old + "x" if old else "x"
    elif isinstance(old, list):
        new = [*old, "extra"]
    elif old is None:
        new = 1
    else:
        raise AssertionError(f"unexpected value at {path}: {old!r}")
    parent[path[-1]] = new
    return copied
