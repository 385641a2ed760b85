"""The segment store: files under ``DATA_DIR/segments``.

A segment is written to ``NAME.part`` and renamed into place only when it is
complete and flushed, so a crash never leaves a half-written file that looks
finished. Paths in the index are relative to the store root, so a data dir can
be moved.
"""

from __future__ import annotations

import hashlib
import logging
import os
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

logger = logging.getLogger(__name__)


class SegmentFile:
    """A segment being written: hashes and counts bytes as they pass."""

    def __init__(self, store: SegmentStore, relative: Path) -> None:
        self.relative = relative
        self.final_path = store.root / relative
        self.part_path = self.final_path.with_name(self.final_path.name + ".part")
        self.final_path.parent.mkdir(parents=True, exist_ok=True)
        self._file: BinaryIO = self.part_path.open("xb")
        self._digest = hashlib.sha256()
        self.bytes_written = 0

    def write(self, data: bytes | memoryview) -> int:
        chunk = bytes(data)
        self._file.write(chunk)
        self._digest.update(chunk)
        self.bytes_written += len(chunk)
        return len(chunk)

    @property
    def sha256(self) -> str:
        return self._digest.hexdigest()

    def commit(self) -> Path:
        """Flush to disk and move into place; returns the final path."""
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        self.part_path.replace(self.final_path)
        # The rename lives in the directory: sync it too, or a power cut can undo it.
        directory = os.open(self.final_path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
        return self.final_path

    def discard(self) -> None:
        """Drop an unusable (for example empty) segment."""
        if not self._file.closed:
            self._file.close()
        self.part_path.unlink(missing_ok=True)


class SegmentStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def create(self, camera_id: int, start: datetime) -> SegmentFile:
        day = start.strftime("%Y%m%d")
        stem = start.strftime("%H%M%S-%f")
        relative = Path(str(camera_id)) / day / f"{stem}.mp4"
        suffix = 1
        while (self.root / relative).exists() or (self.root / f"{relative}.part").exists():
            relative = Path(str(camera_id)) / day / f"{stem}-{suffix}.mp4"
            suffix += 1
        return SegmentFile(self, relative)

    def path_of(self, relative: str) -> Path:
        """Absolute path for an index entry; refuses anything outside the store."""
        candidate = (self.root / relative).resolve()
        if not candidate.is_relative_to(self.root.resolve()):
            raise ValueError(f"segment path escapes the store: {relative!r}")
        return candidate

    def leftover_parts(self) -> list[Path]:
        """``.part`` files left by a crash; kept for inspection, never indexed."""
        if not self.root.exists():
            return []
        return sorted(self.root.rglob("*.mp4.part"))
