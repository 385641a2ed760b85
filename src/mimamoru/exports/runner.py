"""The background thread that runs export jobs, one at a time, and expires old packages.

One job at a time: an export is a stream copy limited by disk and memory bandwidth, and
running several at once would only slow recording down. Between jobs, and at least every
``storage.sweep_seconds`` (the retention sweeper's cadence), expired packages are deleted.
"""

from __future__ import annotations

import logging
import queue
import threading

from mimamoru.exports.service import ExportService

logger = logging.getLogger(__name__)

_STOP = -1


class ExportRunner:
    def __init__(self, service: ExportService, sweep_seconds: float) -> None:
        self._service = service
        self._sweep_seconds = sweep_seconds
        self._queue: queue.Queue[int] = queue.Queue()
        self._thread: threading.Thread | None = None

    def submit(self, export_id: int) -> None:
        self._queue.put(export_id)

    def start(self) -> None:
        if self._thread is not None:
            return
        for export_id in self._service.unfinished():
            self.submit(export_id)
        self._thread = threading.Thread(target=self._loop, name="mimamoru-exports", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        if self._thread is None:
            return
        self._queue.put(_STOP)
        self._thread.join(timeout)
        self._thread = None

    def _loop(self) -> None:
        while True:
            try:
                export_id = self._queue.get(timeout=self._sweep_seconds)
            except queue.Empty:
                export_id = 0
            if export_id == _STOP:
                return
            try:
                if export_id:
                    self._service.run(export_id)
                self._service.sweep()
            except Exception:  # a failed job or sweep must not end the thread
                logger.exception("export job %s or sweep failed", export_id)
