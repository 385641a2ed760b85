"""Serving a recorded segment: authenticate all of it first, then hand out plaintext.

A segment that fails authentication is never served, not even its first bytes, and is
marked ``corrupt`` in the index. Segments up to :data:`IN_MEMORY_LIMIT` are decrypted
once into memory; longer ones are authenticated in one pass and decrypted again, chunk
by chunk, as they are sent (each chunk is authenticated again on the way).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass

from mimamoru.crypto.keyring import KeyDestroyed
from mimamoru.crypto.sealed import SealedFileError, SealedReader
from mimamoru.errors import MimamoruError
from mimamoru.storage.index import SegmentIndex, SegmentRecord
from mimamoru.storage.segments import SegmentStore, segment_context
from mimamoru.storage.verify import CORRUPT, LOST

logger = logging.getLogger(__name__)

IN_MEMORY_LIMIT = 64 * 1024 * 1024


class SegmentUnavailable(MimamoruError):
    def __init__(self, message: str, http_status: int) -> None:
        super().__init__(message)
        self.http_status = http_status


@dataclass
class Playable:
    size: int
    _chunks: list[bytes] | None  # the authenticated plaintext, when it fits in memory
    _chunk_size: int
    _store: SegmentStore
    _path: str

    @property
    def in_memory(self) -> bool:
        return self._chunks is not None

    def memory_range(self, start: int, end: int) -> Iterator[bytes]:
        """``[start, end)`` from the decrypted chunks, without copying them into one buffer."""
        assert self._chunks is not None
        size = self._chunk_size
        for index in range(start // size, (end - 1) // size + 1):
            chunk, base = self._chunks[index], index * size
            lower, upper = max(0, start - base), min(len(chunk), end - base)
            yield chunk if (lower, upper) == (0, len(chunk)) else chunk[lower:upper]

    def iter_range(self, start: int, end: int) -> Iterator[bytes]:
        if self._chunks is not None:
            yield from self.memory_range(start, end)
            return
        with self._store.open(self._path) as reader:
            yield from reader.iter_range(start, end)


def open_verified(store: SegmentStore, index: SegmentIndex, record: SegmentRecord) -> Playable:
    if record.status == CORRUPT:
        raise SegmentUnavailable(
            f"recording {record.id} failed its integrity check and is not served", 500
        )
    try:
        path = store.path_of(record.path)
        with path.open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            reader = SealedReader(handle, size, store.keys.key_by_id, segment_context(record.path))
            if reader.header.key_id != record.key_id:
                raise SealedFileError("sealed with another data key than the index says")
            if reader.size <= IN_MEMORY_LIMIT:
                chunks: list[bytes] | None = [
                    reader.chunk(index) for index in range(reader.chunk_count)
                ]
            else:
                reader.verify()
                chunks = None
            plain_size, chunk_size = reader.size, reader.header.chunk_size
    except FileNotFoundError as exc:
        index.set_status(record.id, LOST)
        logger.error("recording %s: file %s is missing; marked lost", record.id, record.path)
        raise SegmentUnavailable(f"recording {record.id} is no longer on disk", 410) from exc
    except (SealedFileError, KeyDestroyed) as exc:
        index.set_status(record.id, CORRUPT)
        logger.error("recording %s: %s; marked corrupt, not served", record.id, exc)
        raise SegmentUnavailable(
            f"recording {record.id} failed its integrity check and is not served", 500
        ) from exc
    except MimamoruError as exc:
        # The master key that wraps this segment's key is not loaded (a rotation this process
        # could not follow): the segment is not damaged, so it is not marked.
        logger.error("recording %s: %s", record.id, exc)
        raise SegmentUnavailable(
            f"recording {record.id} cannot be decrypted now: its key is unavailable", 503
        ) from exc
    return Playable(plain_size, chunks, chunk_size, store, record.path)
