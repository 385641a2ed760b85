"""Anchors: the audit chain's head, written outside the database now and then.

The keyed chain shows any entry that was edited, inserted, deleted or moved; it cannot
show entries cut off the end. So the server appends the chain's head (entry count, last
id and its hash) to an anchor file every ``audit.anchor_minutes``, at start and at
shutdown, and logs it. ``mimamoru audit verify`` checks that every anchored head is still
in the chain. Keep the file (``audit.anchor_file``) on other storage than the database,
or ship the log lines elsewhere.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from mimamoru.audit.log import AuditLog, ChainCheck
from mimamoru.clock import Clock

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Anchor:
    at: datetime
    count: int
    head_id: int | None
    head: str


class AnchorError(ValueError):
    pass


def write_anchor(audit: AuditLog, path: Path, clock: Clock) -> Anchor:
    count, head_id, head = audit.head()
    anchor = Anchor(clock.now(), count, head_id, head)
    line = json.dumps(
        {"at": anchor.at.isoformat(), "count": count, "head_id": head_id, "head": head},
        separators=(",", ":"),
    )
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(line + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    logger.info("audit anchor: %d entries, head %s = %s", count, head_id, head)
    return anchor


def read_anchors(path: Path) -> list[Anchor]:
    try:
        if not path.exists():
            return []
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise AnchorError(f"{path}: cannot read the anchor file: {exc}") from exc
    anchors = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            anchors.append(
                Anchor(
                    datetime.fromisoformat(data["at"]),
                    int(data["count"]),
                    data["head_id"],
                    str(data["head"]),
                )
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise AnchorError(f"{path}, line {number}: not an anchor ({exc})") from exc
    return anchors


def check_anchors(audit: AuditLog, chain: ChainCheck, anchors: list[Anchor]) -> str | None:
    """The first anchored head the chain no longer holds, described; ``None`` if all hold."""
    for anchor in anchors:
        if anchor.head_id is None:
            continue
        if anchor.count > chain.events:
            return (
                f"the log has {chain.events} entries, but the anchor of "
                f"{anchor.at.isoformat()} recorded {anchor.count}: entries were cut off the end"
            )
        if audit.entry_hash(anchor.head_id) != anchor.head:
            return (
                f"entry {anchor.head_id}, anchored on {anchor.at.isoformat()}, is missing "
                "or changed: the log was cut off or rewritten"
            )
    return None


class Anchoring:
    """Writes an anchor at start, every interval, and at stop."""

    def __init__(self, audit: AuditLog, path: Path, clock: Clock, minutes: float) -> None:
        self._audit = audit
        self._path = path
        self._clock = clock
        self._interval = minutes * 60
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._anchor()
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="mimamoru-anchor", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)
        self._anchor()

    def _loop(self) -> None:
        while not self._stop.wait(self._interval):
            self._anchor()

    def _anchor(self) -> None:
        try:
            write_anchor(self._audit, self._path, self._clock)
        except Exception:  # an unwritable anchor must not stop the server; it is logged
            logger.exception("could not write the audit anchor to %s", self._path)
