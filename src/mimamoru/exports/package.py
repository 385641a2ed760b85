"""The export package: a zip with the MP4, the signed manifest, the public key and a README.

The manifest is canonical JSON (sorted keys, no spaces, UTF-8); ``manifest.sig`` is the
raw 64-byte Ed25519 signature over exactly the bytes of ``manifest.json``, so a recipient
can check it with OpenSSL alone (see docs/exports.md). The zip is written as a stream (no
seeking), so it can go straight into the sealed file without a plaintext copy on disk.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Callable
from datetime import datetime
from typing import Any, BinaryIO, Protocol

from mimamoru.exports.clip import Clip, iso

FORMAT = "mimamoru-export"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
PUBLIC_KEY = "export-public-key.pem"
README = "README.txt"
COPY_SIZE = 1024 * 1024


def video_name(export_id: int) -> str:
    return f"export-{export_id}.mp4"


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def build_manifest(
    *,
    export_id: int,
    installation_id: str,
    camera_id: int,
    camera_name: str,
    start: datetime,
    end: datetime,
    clip: Clip,
    exporter: str,
    approvers: list[str],
    request_id: int | None,
    purpose: str,
    recipient: str,
    legal_basis: str,
    reference: str,
    created_at: datetime,
    video_sha256: str,
    key_fingerprint: str,
) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "export_id": export_id,
        "installation_id": installation_id,
        "camera": {"id": camera_id, "name": camera_name},
        "range": {"start": iso(start), "end": iso(end)},
        "covered": {"start": iso(clip.covered_start), "end": iso(clip.covered_end)},
        "gaps": [gap.as_dict() for gap in clip.gaps],
        "mask_versions": list(clip.mask_versions),
        "exporter": exporter,
        "approvers": approvers,
        "request_id": request_id,
        "purpose": purpose,
        "recipient": recipient,
        "legal_basis": legal_basis,
        "reference": reference,
        "created_at": iso(created_at),
        "video": {
            "file": video_name(export_id),
            "sha256": video_sha256,
            "size": clip.size,
            "codec": clip.codec,
            "width": clip.width,
            "height": clip.height,
            "frames": clip.frames,
        },
        "public_key_sha256": key_fingerprint,
    }


def readme(export_id: int, key_fingerprint: str) -> bytes:
    text = f"""mimamoru evidence export {export_id}

== 日本語 ==
このパッケージには映像 ({video_name(export_id)})、その内容を記した manifest.json、
設置者の Ed25519 鍵による署名 manifest.sig、公開鍵 {PUBLIC_KEY} が入っています。
manifest.json には映像の SHA-256 とサイズが記録されており、署名が正しく、映像の
SHA-256 が一致すれば、映像と記録内容は書き出し後に変更されていません。

検証方法:
  1. mimamoru export verify このファイル.zip --public-key 設置者から受け取った鍵.pem
  2. 設置者のサーバーの /verify ページにこのファイルをアップロードする
  3. 手作業: openssl pkeyutl -verify -pubin -inkey {PUBLIC_KEY} -rawin \\
       -in manifest.json -sigfile manifest.sig
     そして sha256sum {video_name(export_id)} の値を manifest.json の video.sha256 と比べる
同梱の公開鍵だけでは「誰が」署名したかは証明できません。鍵の指紋
  {key_fingerprint}
を設置者から別の経路で受け取った値と照合してください。

== English ==
This package holds the video ({video_name(export_id)}), manifest.json describing it, the
signature manifest.sig made with the installation's Ed25519 key, and the public key
{PUBLIC_KEY}. The manifest records the video's SHA-256 and size: if the signature is valid
and the video's SHA-256 matches, neither the video nor the record changed since export.

To verify:
  1. mimamoru export verify THIS.zip --public-key KEY-FROM-THE-OPERATOR.pem
  2. upload this file on the operator's /verify page
  3. by hand: openssl pkeyutl -verify -pubin -inkey {PUBLIC_KEY} -rawin \\
       -in manifest.json -sigfile manifest.sig
     then compare sha256sum {video_name(export_id)} with video.sha256 in manifest.json
The key inside the package alone does not prove who signed it: compare its fingerprint
  {key_fingerprint}
with the one the operator gives you through another channel.
"""
    return text.encode("utf-8")


class Sink(Protocol):
    def write(self, data: bytes, /) -> object: ...


class _StreamOnly:
    """A write-only stream without ``tell``: zipfile then writes without seeking back."""

    def __init__(self, sink: Sink) -> None:
        self._sink = sink
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self._sink.write(bytes(data))
        self.digest.update(data)
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass  # the sealed file is closed by its owner


def write_package(
    sink: Sink,
    *,
    export_id: int,
    created_at: datetime,
    video: BinaryIO,
    video_size: int,
    make_manifest: Callable[[str], dict[str, Any]],
    sign: Callable[[bytes], bytes],
    public_pem: bytes,
    key_fingerprint: str,
) -> tuple[str, int, str]:
    """Stream the package into ``sink``; returns (package SHA-256, size, video SHA-256)."""
    stream = _StreamOnly(sink)
    stamp = created_at.timetuple()[:6]
    video_digest = hashlib.sha256()
    with zipfile.ZipFile(stream, "w", compression=zipfile.ZIP_STORED) as archive:
        info = zipfile.ZipInfo(video_name(export_id), date_time=stamp)
        info.file_size = video_size
        with archive.open(info, "w", force_zip64=video_size > 2**31) as member:
            while block := video.read(COPY_SIZE):
                video_digest.update(block)
                member.write(block)
        manifest_bytes = canonical_json(make_manifest(video_digest.hexdigest()))
        for name, data in (
            (MANIFEST, manifest_bytes),
            (SIGNATURE, sign(manifest_bytes)),
            (PUBLIC_KEY, public_pem),
            (README, readme(export_id, key_fingerprint)),
        ):
            archive.writestr(zipfile.ZipInfo(name, date_time=stamp), data)
    return stream.digest.hexdigest(), stream.size, video_digest.hexdigest()
