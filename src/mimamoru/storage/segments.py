"""The segment store: sealed (encrypted) files under ``DATA_DIR/segments``.

A segment is sealed chunk by chunk into ``NAME.part`` and renamed into place only
when it is complete and flushed, so a crash never leaves a half-written file that
looks finished; the index row is written after the rename. Paths in the index are
relative to the store root, so a data dir can be moved; the path is also bound into
each file's authentication, so two segment files swapped on disk are both rejected.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import BinaryIO, Protocol

from mimamoru.crypto.sealed import DEFAULT_CHUNK_SIZE, DataKey, SealedReader, SealedWriter
from mimamoru.errors import StorageError

logger = logging.getLogger(__name__)

PART_SUFFIX = ".part"


class StorageFull(StorageError):
    """No room for new footage without deleting held footage, which is never done."""


class DataKeySource(Protocol):
    def key_for(self, camera_id: int, when: datetime) -> DataKey: ...

    def key_by_id(self, key_id: int) -> DataKey: ...


def segment_context(relative: str) -> bytes:
    """What a segment's chunks are bound to besides its header: its place in the store."""
    return b"mimamoru segment v1|" + relative.encode("utf-8")


def fsync_directory(path: Path) -> None:
    directory = os.open(path, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


class _HashingFile:
    """The ``.part`` file: counts and hashes the sealed bytes on their way to disk."""

    def __init__(self, handle: BinaryIO) -> None:
        self.handle = handle
        self.digest = hashlib.sha256()
        self.bytes = 0

    def write(self, data: bytes, /) -> int:
        self.handle.write(data)
        self.digest.update(data)
        self.bytes += len(data)
        return len(data)


class SegmentFile:
    """A segment being written: sealed on the way, plaintext hashed for the index.

    The first write error (a full disk, an I/O error) marks the file failed; a failed
    file is never committed, only discarded.
    """

    def __init__(self, store: SegmentStore, relative: Path, key: DataKey, chunk_size: int) -> None:
        self.relative = relative
        self.key_id = key.id
        self.final_path = store.root / relative
        self.part_path = self.final_path.with_name(self.final_path.name + PART_SUFFIX)
        self.final_path.parent.mkdir(parents=True, exist_ok=True)
        self._file: BinaryIO = self.part_path.open("xb")
        self._stored = _HashingFile(self._file)
        self._digest = hashlib.sha256()
        self.bytes_written = 0
        self.failure: OSError | None = None
        try:
            self._sealer = SealedWriter(
                self._stored, key, segment_context(relative.as_posix()), chunk_size
            )
        except OSError as exc:
            self.failure = exc
            self.discard()
            raise

    def write(self, data: bytes | memoryview) -> int:
        if self.failure is not None:
            raise OSError(f"segment {self.relative} already failed: {self.failure}")
        chunk = bytes(data)
        try:
            self._sealer.write(chunk)
        except OSError as exc:
            self.failure = exc
            raise
        self._digest.update(chunk)
        self.bytes_written += len(chunk)
        return len(chunk)

    @property
    def sha256(self) -> str:
        return self._digest.hexdigest()

    @property
    def stored_sha256(self) -> str:
        return self._stored.digest.hexdigest()

    @property
    def stored_bytes(self) -> int:
        return self._stored.bytes

    def commit(self) -> Path:
        """Seal the last chunk, flush to disk and move into place; returns the final path."""
        if self.failure is not None:
            raise OSError(f"segment {self.relative} cannot be committed: {self.failure}")
        try:
            self._sealer.close()
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
            self.part_path.replace(self.final_path)
            # The rename lives in the directory: sync it too, or a power cut can undo it.
            fsync_directory(self.final_path.parent)
        except OSError as exc:
            self.failure = exc
            self.discard()
            raise
        return self.final_path

    def discard(self) -> None:
        """Drop an unusable (empty, or failed mid-write) segment."""
        if not self._file.closed:
            try:
                self._file.close()
            except OSError:
                logger.debug("closing discarded %s failed", self.part_path, exc_info=True)
        self.part_path.unlink(missing_ok=True)


class SegmentStore:
    def __init__(
        self, root: Path, keys: DataKeySource, chunk_size: int = DEFAULT_CHUNK_SIZE
    ) -> None:
        self.root = root
        self._root_text = str(root)
        self.keys = keys
        self.chunk_size = chunk_size
        self._paused: str | None = None

    @property
    def paused(self) -> str | None:
        """Why recording is paused (the volume is full of held footage), or ``None``."""
        return self._paused

    def pause(self, reason: str) -> None:
        if self._paused != reason:
            logger.error("recording paused: %s", reason)
        self._paused = reason

    def resume(self) -> None:
        if self._paused is not None:
            logger.warning("recording resumes: storage has room again")
        self._paused = None

    def create(self, camera_id: int, start: datetime) -> SegmentFile:
        if self._paused is not None:
            raise StorageFull(f"recording paused: {self._paused}")
        key = self.keys.key_for(camera_id, start)
        day = start.strftime("%Y%m%d")
        stem = start.strftime("%H%M%S-%f")
        relative = Path(str(camera_id)) / day / f"{stem}.mp4"
        suffix = 1
        while (self.root / relative).exists() or (self.root / f"{relative}{PART_SUFFIX}").exists():
            relative = Path(str(camera_id)) / day / f"{stem}-{suffix}.mp4"
            suffix += 1
        return SegmentFile(self, relative, key, self.chunk_size)

    def path_of(self, relative: str) -> Path:
        """Path for an index entry; refuses anything that could point outside the store.

        A lexical check (no file system calls): the retention sweep calls this for every
        row it deletes.
        """
        return Path(self.file_of(relative))

    def file_of(self, relative: str) -> str:
        """:meth:`path_of` as a string, without pathlib's cost (millions of calls a sweep)."""
        if not relative or relative.startswith("/") or "\\" in relative:
            raise ValueError(f"segment path escapes the store: {relative!r}")
        if ".." in relative.split("/"):
            raise ValueError(f"segment path escapes the store: {relative!r}")
        return os.path.join(self._root_text, relative)  # noqa: PTH118

    @contextmanager
    def open(self, relative: str) -> Iterator[SealedReader]:
        """The sealed segment at ``relative``, for authenticated reading.

        Raises ``FileNotFoundError``, :class:`~mimamoru.crypto.sealed.SealedFileError`
        (damaged or tampered with) or ``KeyDestroyed`` (its retention ended).
        """
        path = self.path_of(relative)
        with path.open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            yield SealedReader(handle, size, self.keys.key_by_id, segment_context(relative))

    def read_plaintext(self, relative: str) -> bytes:
        with self.open(relative) as reader:
            return reader.read_all()

    def leftover_parts(self) -> list[Path]:
        """``.part`` files left by a crash: never indexed, sealed, and never final."""
        if not self.root.exists():
            return []
        return sorted(self.root.rglob(f"*{PART_SUFFIX}"))
