"""The sealed file format: chunked AES-256-GCM for anything that holds images.

Layout (all integers big-endian; documented in ``docs/storage.md``)::

    header, 32 bytes
      0   8  magic  b"MMRSEAL\\x00"
      8   1  format version (1)
      9   1  cipher (1 = AES-256-GCM)
     10   2  reserved, zero
     12   4  chunk size: plaintext bytes per chunk (1 KiB .. 16 MiB)
     16   8  data key id
     24   7  nonce prefix, random per file
     31   1  reserved, zero
    chunks, one after another
      ciphertext (chunk size bytes; the last chunk 0 .. chunk size) || 16-byte GCM tag

Chunk ``i`` is sealed with nonce ``prefix || i (4 bytes) || final (1 byte)`` and with
the header plus a caller-given *context* (for a segment, its path in the store) as
associated data. So a flipped bit, a chunk moved within a file or taken from another
file, a file cut short at any point (the last chunk read must carry the final flag),
and a whole file put in another's place (its context differs) all fail authentication.
This is the STREAM construction of Hoang, Reyhanitabar, Rogaway and Vizár.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"MMRSEAL\x00"
FORMAT_VERSION = 1
CIPHER_AES_256_GCM = 1
HEADER = struct.Struct(">8sBBHIQ7sB")
HEADER_SIZE = HEADER.size
TAG_SIZE = 16
KEY_SIZE = 32
PREFIX_SIZE = 7
DEFAULT_CHUNK_SIZE = 64 * 1024
MIN_CHUNK_SIZE = 1024
MAX_CHUNK_SIZE = 16 * 1024 * 1024
MAX_CHUNKS = 2**32


class SealedFileError(ValueError):
    """A sealed file that cannot be read: not one of ours, damaged, or tampered with."""


class AuthenticationFailed(SealedFileError):
    pass


@dataclass(frozen=True)
class DataKey:
    id: int
    secret: bytes

    def __post_init__(self) -> None:
        if len(self.secret) != KEY_SIZE:
            raise ValueError("a data key is 32 bytes")

    def __repr__(self) -> str:  # never print the secret
        return f"DataKey(id={self.id})"


@dataclass(frozen=True)
class Header:
    chunk_size: int
    key_id: int
    prefix: bytes

    def pack(self) -> bytes:
        return HEADER.pack(
            MAGIC, FORMAT_VERSION, CIPHER_AES_256_GCM, 0, self.chunk_size, self.key_id,
            self.prefix, 0,
        )  # fmt: skip

    @classmethod
    def unpack(cls, raw: bytes) -> Header:
        if len(raw) < HEADER_SIZE:
            raise SealedFileError("file is shorter than the sealed-file header")
        magic, version, cipher, reserved, chunk_size, key_id, prefix, reserved2 = HEADER.unpack(
            raw[:HEADER_SIZE]
        )
        if magic != MAGIC:
            raise SealedFileError("not a mimamoru sealed file (bad magic)")
        if version != FORMAT_VERSION:
            raise SealedFileError(f"unsupported sealed-file version {version}")
        if cipher != CIPHER_AES_256_GCM or reserved or reserved2:
            raise SealedFileError("unsupported cipher or reserved bits set in header")
        if not MIN_CHUNK_SIZE <= chunk_size <= MAX_CHUNK_SIZE:
            raise SealedFileError(f"chunk size {chunk_size} out of range")
        return cls(chunk_size, key_id, prefix)


def _nonce(prefix: bytes, index: int, final: bool) -> bytes:
    if index >= MAX_CHUNKS:
        raise SealedFileError("too many chunks for one sealed file")
    return prefix + index.to_bytes(4, "big") + (b"\x01" if final else b"\x00")


def stored_size(plaintext_size: int, chunk_size: int = DEFAULT_CHUNK_SIZE) -> int:
    chunks = max(1, -(-plaintext_size // chunk_size))
    return HEADER_SIZE + plaintext_size + chunks * TAG_SIZE


def plaintext_size(stored: int, chunk_size: int) -> int:
    """Plaintext length implied by a stored length; raises if no plaintext fits it."""
    body = stored - HEADER_SIZE
    if body < TAG_SIZE:
        raise AuthenticationFailed("file is truncated: no complete chunk")
    per_chunk = chunk_size + TAG_SIZE
    chunks = -(-body // per_chunk)
    last = body - (chunks - 1) * per_chunk
    if last < TAG_SIZE:
        raise AuthenticationFailed("file is truncated inside a chunk tag")
    return body - chunks * TAG_SIZE


class Sink(Protocol):
    def write(self, data: bytes, /) -> object: ...


class SealedWriter:
    """Seals a byte stream chunk by chunk; call :meth:`close` to write the final chunk.

    A full chunk is only sealed once more data follows it, because the last chunk must
    carry the final flag and a stream does not know it has ended until it is closed.
    """

    def __init__(
        self,
        sink: Sink,
        key: DataKey,
        context: bytes,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
    ) -> None:
        if not MIN_CHUNK_SIZE <= chunk_size <= MAX_CHUNK_SIZE:
            raise ValueError(f"chunk size {chunk_size} out of range")
        self._sink = sink
        self._aead = AESGCM(key.secret)
        self._header = Header(chunk_size, key.id, os.urandom(PREFIX_SIZE))
        header_bytes = self._header.pack()
        self._aad = header_bytes + context
        self._chunk_size = chunk_size
        self._buffer = bytearray()
        self._index = 0
        self._closed = False
        self.plaintext_bytes = 0
        self._sink.write(header_bytes)
        self.stored_bytes = HEADER_SIZE

    def write(self, data: bytes | bytearray | memoryview) -> int:
        if self._closed:
            raise ValueError("write to a closed sealed file")
        self._buffer += data
        self.plaintext_bytes += len(data)
        size = self._chunk_size
        if len(self._buffer) > size:
            view = memoryview(self._buffer)
            offset = 0
            while len(self._buffer) - offset > size:
                self._seal(view[offset : offset + size], final=False)
                offset += size
            view.release()
            del self._buffer[:offset]
        return len(data)

    def close(self) -> None:
        if self._closed:
            return
        self._seal(bytes(self._buffer), final=True)
        self._buffer.clear()
        self._closed = True

    def _seal(self, chunk: bytes | memoryview, *, final: bool) -> None:
        nonce = _nonce(self._header.prefix, self._index, final)
        sealed = self._aead.encrypt(nonce, bytes(chunk), self._aad)
        self._sink.write(sealed)
        self.stored_bytes += len(sealed)
        self._index += 1


KeyLookup = Callable[[int], DataKey]


class SealedReader:
    """Random access to a sealed file; every chunk is authenticated before it is returned."""

    def __init__(
        self, source: BinaryIO, size: int, keys: KeyLookup | DataKey, context: bytes
    ) -> None:
        self._source = source
        source.seek(0)
        raw = source.read(HEADER_SIZE)
        self.header = Header.unpack(raw)
        key = keys if isinstance(keys, DataKey) else keys(self.header.key_id)
        if key.id != self.header.key_id:
            raise AuthenticationFailed("file is sealed with a different data key")
        self._aead = AESGCM(key.secret)
        self._aad = raw[:HEADER_SIZE] + context
        self.stored_size = size
        self.size = plaintext_size(size, self.header.chunk_size)
        chunk = self.header.chunk_size
        self.chunk_count = max(1, -(-self.size // chunk))

    def chunk(self, index: int) -> bytes:
        size = self.header.chunk_size
        final = index == self.chunk_count - 1
        length = (self.size - index * size if final else size) + TAG_SIZE
        self._source.seek(HEADER_SIZE + index * (size + TAG_SIZE))
        sealed = self._source.read(length)
        if len(sealed) != length:
            raise AuthenticationFailed(f"chunk {index} is truncated")
        try:
            return self._aead.decrypt(_nonce(self.header.prefix, index, final), sealed, self._aad)
        except InvalidTag as exc:
            raise AuthenticationFailed(
                f"chunk {index} of {self.chunk_count} failed authentication "
                "(modified, truncated, moved from another file, or the wrong key)"
            ) from exc

    def verify(self) -> None:
        """Authenticate every chunk; raises :class:`AuthenticationFailed` on the first bad one."""
        for index in range(self.chunk_count):
            self.chunk(index)

    def iter_range(self, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """Plaintext bytes ``[start, end)``, one authenticated chunk at a time."""
        end = self.size if end is None else min(end, self.size)
        if start >= end:
            return
        size = self.header.chunk_size
        for index in range(start // size, (end - 1) // size + 1):
            plain = self.chunk(index)
            base = index * size
            yield plain[max(0, start - base) : min(len(plain), end - base)]

    def read_all(self) -> bytes:
        return b"".join(self.iter_range())
