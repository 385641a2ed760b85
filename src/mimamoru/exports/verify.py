"""Checking an export package: signature, manifest against video, members.

Everything that fails is reported, each problem naming what failed: the signature, the
manifest field that disagrees with the video, the missing member. A file that is not a
zip, or a zip without a mimamoru manifest, is "not a mimamoru export".
"""

from __future__ import annotations

import hashlib
import json
import struct
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from mimamoru.exports.package import FORMAT, MANIFEST, PUBLIC_KEY, README, SIGNATURE
from mimamoru.exports.signing import fingerprint, load_public_key, signature_valid

NOT_AN_EXPORT = "not a mimamoru export"
# The fixed problems, each written out whole on one line: the web pages translate them by
# their exact text (static/app.js API_MESSAGES, checked by tests/web/test_i18n.py).
NOT_A_ZIP = "not a mimamoru export: not a zip file"
NO_MANIFEST = "not a mimamoru export: it has no manifest.json"
NOT_A_MANIFEST = "not a mimamoru export: its manifest.json is not a mimamoru manifest"
BAD_SIGNATURE = "signature: manifest.sig does not match manifest.json (the manifest was changed, or signed with another key)"  # noqa: E501
KEY_MISMATCH = "manifest field public_key_sha256 does not match the public key used"
NO_VIDEO_FILE = "manifest field video.file is missing"
READ_SIZE = 1024 * 1024
_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")


@dataclass
class Verification:
    problems: list[str] = field(default_factory=list)
    manifest: dict[str, Any] | None = None
    key_fingerprint: str | None = None
    key_from_package: bool = True
    not_an_export: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "problems": self.problems,
            "not_an_export": self.not_an_export,
            "key_fingerprint": self.key_fingerprint,
            "key_from_package": self.key_from_package,
            "manifest": self.manifest,
        }


def _member_digest(archive: zipfile.ZipFile, source: IO[bytes], info: zipfile.ZipInfo) -> str:
    """SHA-256 of a member's stored bytes.

    Stored members are read straight from the archive, so a changed byte shows up as a
    hash that differs from the manifest (zipfile's own CRC check would only raise).
    """
    digest = hashlib.sha256()
    if info.compress_type == zipfile.ZIP_STORED:
        source.seek(info.header_offset)
        header = source.read(_LOCAL_HEADER.size)
        if len(header) != _LOCAL_HEADER.size or header[:4] != b"PK\x03\x04":
            raise zipfile.BadZipFile(f"{info.filename}: bad local header")
        name_length, extra_length = _LOCAL_HEADER.unpack(header)[-2:]
        source.seek(info.header_offset + _LOCAL_HEADER.size + name_length + extra_length)
        left = info.compress_size
        while left > 0:
            block = source.read(min(READ_SIZE, left))
            if not block:
                raise zipfile.BadZipFile(f"{info.filename} is truncated")
            digest.update(block)
            left -= len(block)
        return digest.hexdigest()
    with archive.open(info) as member:
        while block := member.read(READ_SIZE):
            digest.update(block)
    return digest.hexdigest()


def verify_package(
    source: str | Path | IO[bytes], public_key: Ed25519PublicKey | None = None
) -> Verification:
    handle: IO[bytes] = (
        Path(source).open("rb") if isinstance(source, (str, Path)) else source  # noqa: SIM115
    )
    try:
        return _verify(handle, public_key)
    finally:
        if isinstance(source, (str, Path)):
            handle.close()


def _verify(source: IO[bytes], public_key: Ed25519PublicKey | None) -> Verification:
    result = Verification(key_from_package=public_key is None)
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        result.not_an_export = True
        result.problems.append(NOT_A_ZIP)
        return result
    with archive:
        names = set(archive.namelist())
        manifest_bytes = archive.read(MANIFEST) if MANIFEST in names else None
        manifest = _parse(manifest_bytes)
        if manifest is not None and manifest.get("format") != FORMAT:
            if SIGNATURE in names:
                # A signed manifest with a changed format field: still checked, and said so.
                result.problems.append(f"manifest field format is not {FORMAT!r}")
            else:
                manifest = None
        if manifest is None:
            result.not_an_export = True
            result.problems.append(NO_MANIFEST if manifest_bytes is None else NOT_A_MANIFEST)
            return result
        assert manifest_bytes is not None
        result.manifest = manifest
        key = _key(archive, names, public_key, result)
        if SIGNATURE not in names:
            result.problems.append(f"missing member {SIGNATURE}")
        elif key is not None:
            if not signature_valid(key, archive.read(SIGNATURE), manifest_bytes):
                result.problems.append(BAD_SIGNATURE)
            if manifest.get("public_key_sha256") != fingerprint(key):
                result.problems.append(KEY_MISMATCH)
        _check_video(archive, source, names, manifest, result)
        expected = {MANIFEST, SIGNATURE, PUBLIC_KEY, README, _video_file(manifest)}
        result.problems.extend(f"unexpected member {name}" for name in sorted(names - expected))
    return result


def _parse(raw: bytes | None) -> dict[str, Any] | None:
    if raw is None:
        return None
    try:
        value = json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _key(
    archive: zipfile.ZipFile,
    names: set[str],
    given: Ed25519PublicKey | None,
    result: Verification,
) -> Ed25519PublicKey | None:
    packaged: Ed25519PublicKey | None = None
    if PUBLIC_KEY not in names:
        result.problems.append(f"missing member {PUBLIC_KEY}")
    else:
        try:
            packaged = load_public_key(archive.read(PUBLIC_KEY))
        except ValueError:
            result.problems.append(f"{PUBLIC_KEY} is not an Ed25519 public key")
    key = given or packaged
    if given is not None and packaged is not None and fingerprint(given) != fingerprint(packaged):
        result.problems.append(
            f"{PUBLIC_KEY} in the package is not the public key given for the check"
        )
    result.key_fingerprint = fingerprint(key) if key is not None else None
    return key


def _video_file(manifest: dict[str, Any]) -> str:
    video = manifest.get("video")
    name = video.get("file") if isinstance(video, dict) else None
    return name if isinstance(name, str) else ""


def _check_video(
    archive: zipfile.ZipFile,
    source: IO[bytes],
    names: set[str],
    manifest: dict[str, Any],
    result: Verification,
) -> None:
    video = manifest.get("video")
    name = _video_file(manifest)
    if not isinstance(video, dict) or not name:
        result.problems.append(NO_VIDEO_FILE)
        return
    if name not in names:
        result.problems.append(f"missing member {name}")
        return
    info = archive.getinfo(name)
    try:
        digest = _member_digest(archive, source, info)
    except (zipfile.BadZipFile, OSError) as exc:
        result.problems.append(f"{name} cannot be read: {exc}")
        return
    if video.get("sha256") != digest:
        result.problems.append(
            f"manifest field video.sha256 ({video.get('sha256')}) does not match {name} "
            f"(SHA-256 {digest})"
        )
    if video.get("size") != info.file_size:
        result.problems.append(
            f"manifest field video.size ({video.get('size')}) does not match {name} "
            f"({info.file_size} bytes)"
        )
