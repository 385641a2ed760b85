"""Per-camera recorder status, shared between the recorder thread and the API."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from mimamoru.clock import Clock


class CameraState(StrEnum):
    STARTING = "starting"
    RECORDING = "recording"
    OFFLINE = "offline"
    ERROR = "error"
    STOPPED = "stopped"


@dataclass(frozen=True)
class StatusSnapshot:
    state: CameraState
    reason: str | None
    since: datetime
    last_frame_at: datetime | None
    fps: float
    bitrate_kbps: float
    mode: str | None  # "copy" or "encode" once known
    reconnect_attempts: int
    decode_errors: int


_WINDOW_SECONDS = 5.0


class CameraStatus:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._state = CameraState.STARTING
        self._reason: str | None = None
        self._since = clock.now()
        self._last_frame_at: datetime | None = None
        self._mode: str | None = None
        self._attempts = 0
        self._decode_errors = 0
        self._samples: deque[tuple[float, int]] = deque()
        self.heartbeat = clock.monotonic()

    def set_state(self, state: CameraState, reason: str | None = None) -> None:
        with self._lock:
            if state is not self._state or reason != self._reason:
                self._since = self._clock.now()
            self._state = state
            self._reason = reason
            if state is CameraState.RECORDING:
                self._attempts = 0
            elif state in (CameraState.OFFLINE, CameraState.ERROR):
                self._attempts += 1
                self._samples.clear()
        self.beat()

    def set_mode(self, mode: str) -> None:
        with self._lock:
            self._mode = mode

    def decode_error(self) -> None:
        with self._lock:
            self._decode_errors += 1

    @property
    def state(self) -> CameraState:
        with self._lock:
            return self._state

    def beat(self) -> None:
        self.heartbeat = self._clock.monotonic()

    def frame(self, size: int) -> None:
        now = self._clock.monotonic()
        with self._lock:
            self._last_frame_at = self._clock.now()
            self._samples.append((now, size))
            while self._samples and now - self._samples[0][0] > _WINDOW_SECONDS:
                self._samples.popleft()
        self.heartbeat = now

    def snapshot(self) -> StatusSnapshot:
        with self._lock:
            fps = bitrate = 0.0
            if len(self._samples) >= 2:
                span = self._samples[-1][0] - self._samples[0][0]
                if span > 0:
                    fps = (len(self._samples) - 1) / span
                    bitrate = sum(size for _, size in list(self._samples)[1:]) * 8 / span / 1000
            return StatusSnapshot(
                state=self._state,
                reason=self._reason,
                since=self._since,
                last_frame_at=self._last_frame_at,
                fps=round(fps, 2),
                bitrate_kbps=round(bitrate, 1),
                mode=self._mode,
                reconnect_attempts=self._attempts,
                decode_errors=self._decode_errors,
            )
