"""Exports: checking an order, the background job, the sealed package, expiry.

An order needs the ``export`` grant (checked by the gate before this is called), a legal
basis, and an approved export request covering the range — unless an administrator has
marked the camera "export without approval". The job builds the clip, signs the manifest,
and streams the zip straight into a sealed file (``crypto/sealed.py``) under a key made
for this export alone (a wrapped installation secret named ``export:ID``). Expiry deletes
the file and destroys that key, so a copy of the file from a backup is unreadable too.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from mimamoru.access.principal import Principal
from mimamoru.audit.log import AuditLog
from mimamoru.clock import Clock
from mimamoru.crypto.sealed import DataKey, SealedFileError, SealedReader, SealedWriter
from mimamoru.db import cameras as camera_queries
from mimamoru.db import exports as export_queries
from mimamoru.db.engine import Database
from mimamoru.db.tables import Export, ProvisionEntry
from mimamoru.errors import ConflictError, MimamoruError, NotFoundError, ValidationFailedError
from mimamoru.exports.clip import build_clip, iso, memory_file, merged_ranges
from mimamoru.exports.package import build_manifest, write_package
from mimamoru.exports.register import ProvisionRegister
from mimamoru.exports.signing import ExportSigner, SecretSource
from mimamoru.settings import ExportSettings
from mimamoru.storage.index import SegmentIndex
from mimamoru.storage.segments import SegmentStore, fsync_directory

logger = logging.getLogger(__name__)

LEGAL_BASES = ("consent", "law", "protection", "internal")
INTERNAL = "internal"
MAX_TEXT = 2000
# How far around the requested range to look for recordings to name in a 422.
NEARBY = timedelta(hours=24)
NEARBY_RUNS = 20


class ApprovedExport(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def approvers(self) -> tuple[str, ...]: ...


class Approvals(Protocol):
    def approved_export(
        self, user_id: int, request_id: int, camera_id: int, start: datetime, end: datetime
    ) -> ApprovedExport: ...


@dataclass(frozen=True)
class ExportOrder:
    camera_id: int
    start: datetime
    end: datetime
    purpose: str
    recipient: str
    legal_basis: str
    reference: str = ""
    request_id: int | None = None


@dataclass(frozen=True)
class ExportRecord:
    id: int
    camera_id: int
    camera_name: str
    start: datetime
    end: datetime
    purpose: str
    recipient: str
    legal_basis: str
    reference: str
    requester: str
    approvers: tuple[str, ...]
    request_id: int | None
    state: str
    progress: float
    error: str | None
    gaps: tuple[dict[str, str], ...]
    sha256: str | None
    size: int | None
    created_at: datetime
    finished_at: datetime | None
    expires_at: datetime
    download_count: int


def _record(row: Export) -> ExportRecord:
    return ExportRecord(
        id=row.id,
        camera_id=row.camera_id,
        camera_name=row.camera_name,
        start=row.start_time,
        end=row.end_time,
        purpose=row.purpose,
        recipient=row.recipient,
        legal_basis=row.legal_basis,
        reference=row.reference,
        requester=row.requester,
        approvers=tuple(json.loads(row.approvers)),
        request_id=row.request_id,
        state=row.state,
        progress=row.progress,
        error=row.error,
        gaps=tuple(json.loads(row.gaps)),
        sha256=row.sha256,
        size=row.size,
        created_at=row.created_at,
        finished_at=row.finished_at,
        expires_at=row.expires_at,
        download_count=row.download_count,
    )


def _text(name: str, value: str, *, required: bool = True) -> str:
    cleaned = value.strip() if isinstance(value, str) else ""
    if required and not cleaned:
        raise ValidationFailedError(f"{name} is required")
    if len(cleaned) > MAX_TEXT:
        raise ValidationFailedError(f"{name} is longer than {MAX_TEXT} characters")
    return cleaned


def validate_order(order: ExportOrder, max_minutes: int) -> ExportOrder:
    if order.legal_basis not in LEGAL_BASES:
        raise ValidationFailedError(
            f"legal_basis {order.legal_basis!r} is not one of {', '.join(LEGAL_BASES)}"
        )
    reference = _text("reference", order.reference, required=False)
    if order.legal_basis == "law" and not reference:
        raise ValidationFailedError(
            "legal_basis 'law' needs the document's reference (e.g. the number of the "
            "捜査関係事項照会書 or of the warrant)"
        )
    if order.start >= order.end:
        raise ValidationFailedError("start must be before end")
    if order.end - order.start > timedelta(minutes=max_minutes):
        raise ValidationFailedError(
            f"range of {(order.end - order.start).total_seconds() / 60:.1f} minutes is longer "
            f"than the maximum of {max_minutes} minutes (exports.max_minutes)"
        )
    return ExportOrder(
        camera_id=order.camera_id,
        start=order.start,
        end=order.end,
        purpose=_text("purpose", order.purpose),
        recipient=_text("recipient", order.recipient),
        legal_basis=order.legal_basis,
        reference=reference,
        request_id=order.request_id,
    )


class ExportService:
    def __init__(
        self,
        database: Database,
        clock: Clock,
        audit: AuditLog,
        store: SegmentStore,
        segments: SegmentIndex,
        keys: SecretSource,
        settings: ExportSettings,
        root: Path,
        approvals: Approvals | None,
    ) -> None:
        self._database = database
        self._clock = clock
        self._audit = audit
        self._store = store
        self._segments = segments
        self._keys = keys
        self.settings = settings
        self.root = root
        self._approvals = approvals
        self.signer = ExportSigner(keys)
        self.register = ProvisionRegister(
            database, clock, audit, settings.provision_retention_years
        )

    # -- orders ---------------------------------------------------------------------
    def create(self, principal: Principal, order: ExportOrder) -> ExportRecord:
        """Check and queue an export; the caller has passed the gate for ``export``."""
        order = validate_order(order, self.settings.max_minutes)
        self._check_footage(order)
        with self._database.session() as session:
            exempt = export_queries.export_without_approval(session, order.camera_id)
        approvers: tuple[str, ...] = ()
        request_id: int | None = None
        if order.request_id is not None or not exempt:
            if order.request_id is None:
                raise ValidationFailedError(
                    "request_id is required: exports of this camera need an approved export "
                    "request (POST /api/v1/requests with operation 'export')"
                )
            if self._approvals is None:
                raise ConflictError("access requests are not available on this installation")
            approved = self._approvals.approved_export(
                principal.user_id, order.request_id, order.camera_id, order.start, order.end
            )
            approvers, request_id = tuple(approved.approvers), approved.id
        now = self._clock.now()
        with self._database.session() as session:
            camera = camera_queries.camera_by_id(session, order.camera_id)
            if camera is None:
                raise NotFoundError(f"camera {order.camera_id} not found")
            row = export_queries.add_export(
                session,
                Export(
                    camera_id=order.camera_id,
                    camera_name=camera.name,
                    start_time=order.start,
                    end_time=order.end,
                    purpose=order.purpose,
                    recipient=order.recipient,
                    legal_basis=order.legal_basis,
                    reference=order.reference,
                    requester=principal.username,
                    approvers=json.dumps(list(approvers)),
                    request_id=request_id,
                    state="queued",
                    progress=0.0,
                    gaps="[]",
                    created_at=now,
                    expires_at=now + timedelta(days=self.settings.expiry_days),
                    download_count=0,
                ),
            )
            record = _record(row)
        self._audit.append(
            actor=principal.username,
            action="export.create",
            camera_id=order.camera_id,
            detail={
                "export_id": record.id,
                "start": iso(order.start),
                "end": iso(order.end),
                "purpose": order.purpose,
                "recipient": order.recipient,
                "legal_basis": order.legal_basis,
                "reference": order.reference,
                "request_id": request_id,
                "approvers": list(approvers),
                "without_approval": request_id is None,
            },
            client=principal.client,
        )
        return record

    def _check_footage(self, order: ExportOrder) -> None:
        if self._segments.in_range(order.camera_id, order.start, order.end):
            return
        nearby = self._segments.in_range(order.camera_id, order.start - NEARBY, order.end + NEARBY)
        runs = merged_ranges(nearby)[:NEARBY_RUNS]
        listed = "; ".join(f"{iso(start)} to {iso(end)}" for start, end in runs)
        raise ValidationFailedError(
            "no recording of this camera in the requested range; recordings within "
            f"{NEARBY.total_seconds() / 3600:.0f} h of it: {listed or 'none'}"
        )

    # -- reading --------------------------------------------------------------------
    def get(self, export_id: int) -> ExportRecord:
        with self._database.session() as session:
            row = export_queries.export_by_id(session, export_id)
            if row is None:
                raise NotFoundError(f"export {export_id} not found")
            return _record(row)

    def recent(self, camera_ids: Sequence[int] | None, limit: int = 200) -> list[ExportRecord]:
        with self._database.session() as session:
            return [_record(row) for row in export_queries.list_exports(session, camera_ids, limit)]

    def package_path(self, export_id: int) -> Path:
        return self.root / f"{export_id}.pkg"

    def _key(self, export_id: int) -> DataKey:
        secret, _ = self._keys.secret(f"export:{export_id}")
        return DataKey(export_id, secret)

    @staticmethod
    def _context(export_id: int) -> bytes:
        return f"mimamoru export v1|{export_id}".encode()

    def open_package(
        self, record: ExportRecord, actor: str, client: str
    ) -> tuple[int, Iterator[bytes]]:
        """Authenticate the whole sealed package, count and audit the download, then stream."""
        if record.state != "done":
            raise ConflictError(f"export {record.id} is {record.state}, not ready for download")
        path = self.package_path(record.id)
        handle = path.open("rb")
        try:
            size = os.fstat(handle.fileno()).st_size
            reader = SealedReader(handle, size, self._key(record.id), self._context(record.id))
            reader.verify()
        except (OSError, SealedFileError) as exc:
            handle.close()
            raise MimamoruError(f"export {record.id}: stored package is damaged: {exc}") from exc
        with self._database.session() as session:
            count = export_queries.count_download(session, record.id)
        self._audit.append(
            actor=actor,
            action="export.download",
            camera_id=record.camera_id,
            detail={"export_id": record.id, "download_count": count, "sha256": record.sha256},
            client=client,
        )

        def stream() -> Iterator[bytes]:
            try:
                yield from reader.iter_range()
            finally:
                handle.close()

        return reader.size, stream()

    # -- the job --------------------------------------------------------------------
    def run(self, export_id: int) -> ExportRecord:
        """Build, sign and seal one export; failures are recorded on the export."""
        record = self._set(export_id, state="running", progress=0.0, error=None)
        part = self.package_path(export_id).with_suffix(".pkg.part")
        part.unlink(missing_ok=True)  # left by a server stopped mid-job; this run redoes it
        try:
            self._build(record, part)
        except Exception as exc:  # any failure, PyAV errors included, ends up on the export
            part.unlink(missing_ok=True)
            logger.warning("export %s failed: %s", export_id, exc)
            failed = self._set(export_id, state="failed", error=str(exc))
            self._audit.append(
                actor=record.requester,
                action="export.failed",
                camera_id=record.camera_id,
                detail={"export_id": export_id, "error": str(exc)},
                outcome="failed",
            )
            return failed
        return self.get(export_id)

    def _build(self, record: ExportRecord, part: Path) -> None:
        records = self._segments.in_range(record.camera_id, record.start, record.end)
        last = [0.0]

        def progress(fraction: float) -> None:
            # The clip is most of the work; the package is the last tenth.
            if fraction - last[0] >= 0.02 or fraction >= 1.0:
                last[0] = fraction
                self._set(record.id, progress=round(fraction * 0.9, 3))

        self.root.mkdir(parents=True, exist_ok=True)
        with memory_file(f"mimamoru-export-{record.id}") as (_fd, path):
            clip = build_clip(
                self._store, self._segments, records, record.start, record.end, record.id, path,
                progress,
            )  # fmt: skip
            created = self._clock.now()

            def manifest(video_sha256: str) -> dict[str, Any]:
                return build_manifest(
                    export_id=record.id,
                    installation_id=self.signer.installation_id,
                    camera_id=record.camera_id,
                    camera_name=record.camera_name,
                    start=record.start,
                    end=record.end,
                    clip=clip,
                    exporter=record.requester,
                    approvers=list(record.approvers),
                    request_id=record.request_id,
                    purpose=record.purpose,
                    recipient=record.recipient,
                    legal_basis=record.legal_basis,
                    reference=record.reference,
                    created_at=created,
                    video_sha256=video_sha256,
                    key_fingerprint=self.signer.fingerprint,
                )

            with part.open("xb") as sealed_file, open(path, "rb") as video:  # noqa: PTH123
                sealer = SealedWriter(sealed_file, self._key(record.id), self._context(record.id))
                sha256, size, _video = write_package(
                    sealer,
                    export_id=record.id,
                    created_at=created,
                    video=video,
                    video_size=clip.size,
                    make_manifest=manifest,
                    sign=self.signer.sign,
                    public_pem=self.signer.public_pem,
                    key_fingerprint=self.signer.fingerprint,
                )
                sealer.close()
                sealed_file.flush()
                os.fsync(sealed_file.fileno())
        part.replace(self.package_path(record.id))
        fsync_directory(self.root)
        gaps = [gap.as_dict() for gap in clip.gaps]
        with self._database.session() as session:
            row = export_queries.export_by_id(session, record.id)
            assert row is not None
            row.state, row.progress, row.sha256, row.size = "done", 1.0, sha256, size
            row.gaps, row.finished_at = json.dumps(gaps), created
            if record.legal_basis != INTERNAL:
                self.register.add(
                    session,
                    ProvisionEntry(
                        provided_at=created,
                        recipient=record.recipient,
                        items=(
                            f"video of camera {record.camera_name} (id {record.camera_id}), "
                            f"{iso(clip.covered_start)} to {iso(clip.covered_end)}, "
                            f"{clip.frames} frames, {len(gaps)} gap(s); export {record.id}, "
                            f"package SHA-256 {sha256}"
                        ),
                        legal_basis=record.legal_basis,
                        reference=record.reference,
                        camera_id=record.camera_id,
                        camera_name=record.camera_name,
                        start_time=record.start,
                        end_time=record.end,
                        export_id=record.id,
                        created_by=record.requester,
                    ),
                )
        self._audit.append(
            actor=record.requester,
            action="export.done",
            camera_id=record.camera_id,
            detail={"export_id": record.id, "sha256": sha256, "bytes": size, "gaps": gaps},
        )

    def _set(self, export_id: int, **values: Any) -> ExportRecord:
        with self._database.session() as session:
            row = export_queries.export_by_id(session, export_id)
            if row is None:
                raise NotFoundError(f"export {export_id} not found")
            for name, value in values.items():
                setattr(row, name, value)
            return _record(row)

    def unfinished(self) -> list[int]:
        """Exports a stopped server left queued or running: they are run again."""
        with self._database.session() as session:
            return [row.id for row in export_queries.unfinished_exports(session)]

    # -- expiry ---------------------------------------------------------------------
    def sweep(self) -> int:
        """Delete expired packages and destroy their keys; prune the register. How many."""
        with self._database.session() as session:
            doomed = [row.id for row in export_queries.expired_exports(session, self._clock.now())]
        for export_id in doomed:
            self.package_path(export_id).unlink(missing_ok=True)
            with self._database.session() as session:
                export_queries.delete_wrapped_secret(session, f"export:{export_id}")
                row = export_queries.export_by_id(session, export_id)
                if row is not None:
                    row.state = "expired"
            self._audit.append(
                actor="system", action="export.expired", detail={"export_id": export_id}
            )
        if doomed:
            fsync_directory(self.root)
        self.register.prune()
        return len(doomed)
