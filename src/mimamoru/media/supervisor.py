"""Runs one recorder thread per enabled camera and keeps them in line.

The supervisor reconciles against the database every
``recording.reconcile_seconds`` (so a camera added from the CLI starts within
seconds), restarts a recorder whose thread died, and abandons one that has
stopped making progress for ``recording.watchdog_seconds`` (a thread cannot be
killed, but its camera gets a fresh recorder and the status says why).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from mimamoru.clock import Clock
from mimamoru.media.filters import FrameFilter
from mimamoru.media.live import LiveHubs
from mimamoru.media.recorder import CameraJob, Recorder, SegmentSink
from mimamoru.media.sources import parse_source
from mimamoru.media.status import CameraState, CameraStatus, StatusSnapshot
from mimamoru.privacy.masks import Mask
from mimamoru.settings import RecordingSettings
from mimamoru.storage.segments import SegmentStore

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CameraDefinition:
    """What the supervisor needs to know about a camera.

    A change of name or source restarts its recorder; a change of masks does not — the
    running recorder takes the new version (and the other cameras never notice).
    """

    camera_id: int
    name: str
    source: str
    mask_version: int = 0
    masks: tuple[Mask, ...] = ()
    # Why this camera must not record (e.g. no purpose of use); it is then not started, and
    # a running recorder is stopped, with this as the reason in its status.
    blocked_reason: str | None = None

    @property
    def restart_key(self) -> tuple[int, str, str]:
        return (self.camera_id, self.name, self.source)


CameraLoader = Callable[[], Sequence[CameraDefinition]]
FilterFactory = Callable[[CameraDefinition], Sequence[FrameFilter]]


def no_filters(_camera: CameraDefinition) -> Sequence[FrameFilter]:
    return ()


@dataclass
class _Running:
    definition: CameraDefinition
    recorder: Recorder
    thread: threading.Thread


class Supervisor:
    def __init__(
        self,
        settings: RecordingSettings,
        store: SegmentStore,
        sink: SegmentSink,
        hubs: LiveHubs,
        clock: Clock,
        load_cameras: CameraLoader,
        filters_for: FilterFactory = no_filters,
    ) -> None:
        self._settings = settings
        self._store = store
        self._sink = sink
        self._hubs = hubs
        self._clock = clock
        self._load_cameras = load_cameras
        self._filters_for = filters_for
        self._lock = threading.Lock()
        self._running: dict[int, _Running] = {}
        self._statuses: dict[int, CameraStatus] = {}
        self._invalid: dict[int, CameraDefinition] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self.reconcile()
        self._thread = threading.Thread(target=self._loop, name="mimamoru-supervisor", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        with self._lock:
            running = list(self._running.values())
            self._running.clear()
        for item in running:
            item.recorder.stop()
        for item in running:
            item.thread.join(timeout)
            if item.thread.is_alive():
                logger.warning("%s did not stop within %.0f s", item.recorder.label, timeout)

    def snapshot_jpeg(self, camera_id: int, mask_version: int) -> bytes | None:
        with self._lock:
            item = self._running.get(camera_id)
        return item.recorder.snapshot_jpeg(mask_version) if item is not None else None

    def status(self, camera_id: int) -> StatusSnapshot | None:
        with self._lock:
            status = self._statuses.get(camera_id)
        return status.snapshot() if status is not None else None

    def _loop(self) -> None:
        while not self._stop.wait(self._settings.reconcile_seconds):
            try:
                self.reconcile()
            except Exception:
                logger.exception("reconciling cameras failed; will retry")

    def reconcile(self) -> None:
        loaded = self._load_cameras()
        wanted = {camera.camera_id: camera for camera in loaded if not camera.blocked_reason}
        blocked = {camera.camera_id: camera for camera in loaded if camera.blocked_reason}
        with self._lock:
            for camera_id in list(self._running):
                item = self._running[camera_id]
                target = wanted.get(camera_id)
                if target is not None and target.restart_key == item.definition.restart_key:
                    if target.mask_version != item.definition.mask_version:
                        item.recorder.set_masks(target.mask_version, target.masks)
                        item.definition = target
                    continue
                logger.info("%s: configuration changed or removed; stopping", item.recorder.label)
                item.recorder.stop()
                del self._running[camera_id]
                if target is None:
                    self._statuses.pop(camera_id, None)
            for camera_id, item in list(self._running.items()):
                self._watch(camera_id, item)
            for camera_id, definition in wanted.items():
                if camera_id not in self._running and self._invalid.get(camera_id) != definition:
                    self._launch(definition)
            for camera_id, definition in blocked.items():
                self._invalid.pop(camera_id, None)
                status = self._statuses.get(camera_id)
                snapshot = status.snapshot() if status is not None else None
                if snapshot is None or (snapshot.state, snapshot.reason) != (
                    CameraState.STOPPED,
                    definition.blocked_reason,
                ):
                    status = CameraStatus(self._clock)
                    status.set_state(CameraState.STOPPED, definition.blocked_reason)
                    self._statuses[camera_id] = status

    def _watch(self, camera_id: int, item: _Running) -> None:
        if not item.thread.is_alive():
            logger.error("%s: recorder thread ended unexpectedly; restarting", item.recorder.label)
            del self._running[camera_id]
            self._launch(item.definition)
            return
        silent = self._clock.monotonic() - item.recorder.status.heartbeat
        if silent > self._settings.watchdog_seconds:
            logger.error(
                "%s: no progress for %.0f s; abandoning the stuck recorder",
                item.recorder.label,
                silent,
            )
            item.recorder.stop()
            del self._running[camera_id]
            status = self._launch(item.definition)
            status.set_state(CameraState.ERROR, f"recorder stalled for {silent:.0f} s; restarted")

    def _launch(self, definition: CameraDefinition) -> CameraStatus:
        status = CameraStatus(self._clock)
        self._statuses[definition.camera_id] = status
        try:
            spec = parse_source(definition.source)
        except Exception as exc:
            status.set_state(CameraState.ERROR, f"invalid source: {exc}")
            self._invalid[definition.camera_id] = definition
            return status
        self._invalid.pop(definition.camera_id, None)
        job = CameraJob(
            definition.camera_id,
            definition.name,
            spec,
            tuple(self._filters_for(definition)),
            definition.mask_version,
            definition.masks,
        )
        recorder = Recorder(
            job,
            self._settings,
            self._store,
            self._sink,
            self._hubs.hub(definition.camera_id),
            self._clock,
            status,
        )
        thread = threading.Thread(
            target=recorder.run, name=f"mimamoru-camera-{definition.camera_id}", daemon=True
        )
        self._running[definition.camera_id] = _Running(definition, recorder, thread)
        thread.start()
        logger.info("%s: recorder started", recorder.label)
        return status
