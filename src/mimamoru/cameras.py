"""Cameras as the rest of the system sees them: validated, with secrets redacted."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from mimamoru.audit.log import AuditLog
from mimamoru.clock import Clock
from mimamoru.compliance.purposes import apply_camera_purposes
from mimamoru.db import cameras as camera_queries
from mimamoru.db import compliance as compliance_queries
from mimamoru.db.engine import Database
from mimamoru.db.tables import Camera
from mimamoru.errors import NotFoundError, ValidationFailedError
from mimamoru.media.sources import parse_source, redact_source
from mimamoru.media.supervisor import CameraDefinition
from mimamoru.privacy.masks import Mask, parse_masks

MAX_RETENTION_HOURS = 24 * 3650
DEFAULT_RETENTION_HOURS = 72
# EDPB Guidelines 3/2019 on video devices: a few days, 72 hours at most, unless the
# operator can justify longer; the justification is kept with the camera.
JUSTIFY_ABOVE_HOURS = 72
MAX_JUSTIFICATION_LENGTH = 2000
MAX_NAME_LENGTH = 100
# APPI Art. 17: a camera records only for a specified purpose of use.
NO_PURPOSE_REASON = "no purpose of use registered"


@dataclass(frozen=True)
class CameraRecord:
    id: int
    name: str
    source_redacted: str
    retention_hours: int
    retention_justification: str | None
    enabled: bool
    masks: tuple[Mask, ...]
    mask_version: int
    created_at: datetime
    export_without_approval: bool = False


def masks_to_json(masks: Sequence[Mask]) -> str:
    return json.dumps([mask.as_dict() for mask in masks], separators=(",", ":"))


def masks_from_json(text: str) -> tuple[Mask, ...]:
    return parse_masks(json.loads(text))


def _record(row: Camera) -> CameraRecord:
    return CameraRecord(
        id=row.id,
        name=row.name,
        source_redacted=redact_source(row.source),
        retention_hours=row.retention_hours,
        retention_justification=row.retention_justification,
        enabled=row.enabled,
        masks=masks_from_json(row.masks),
        mask_version=row.mask_version,
        created_at=row.created_at,
        export_without_approval=bool(row.export_without_approval),
    )


def validate_name(name: str) -> str:
    cleaned = name.strip()
    if not cleaned:
        raise ValidationFailedError("camera name is empty")
    if len(cleaned) > MAX_NAME_LENGTH:
        raise ValidationFailedError(f"camera name is longer than {MAX_NAME_LENGTH} characters")
    if any(ord(ch) < 32 for ch in cleaned):
        raise ValidationFailedError("camera name must not contain control characters")
    return cleaned


def validate_retention(hours: int, justification: str | None) -> tuple[int, str | None]:
    if isinstance(hours, bool) or not isinstance(hours, int):
        raise ValidationFailedError("retention_hours must be a whole number of hours")
    if not 1 <= hours <= MAX_RETENTION_HOURS:
        raise ValidationFailedError(
            f"retention_hours must be between 1 and {MAX_RETENTION_HOURS} (10 years)"
        )
    cleaned = (justification or "").strip() or None
    if cleaned and len(cleaned) > MAX_JUSTIFICATION_LENGTH:
        raise ValidationFailedError(
            f"retention_justification is longer than {MAX_JUSTIFICATION_LENGTH} characters"
        )
    if hours > JUSTIFY_ABOVE_HOURS and not cleaned:
        raise ValidationFailedError(
            f"retention of {hours} hours is longer than {JUSTIFY_ABOVE_HOURS}: give a written "
            "retention_justification (why this camera's footage must be kept that long)"
        )
    return hours, cleaned


def parse_retention(text: str) -> int:
    """``72h``, ``7d`` or a bare number of hours, as hours."""
    cleaned = text.strip().lower()
    match = re.fullmatch(r"(\d+)\s*([hd]?)", cleaned)
    if match is None:
        raise ValidationFailedError(
            f"retention {text!r} is not a number of hours or days (for example 72h or 7d)"
        )
    value = int(match.group(1))
    return value * 24 if match.group(2) == "d" else value


class CameraService:
    """Adding and changing cameras; every change is written to the audit log here."""

    def __init__(self, database: Database, clock: Clock, audit: AuditLog) -> None:
        self._database = database
        self._clock = clock
        self._audit = audit

    def add(
        self,
        *,
        name: str,
        source: str,
        retention_hours: int = DEFAULT_RETENTION_HOURS,
        retention_justification: str | None = None,
        masks: Sequence[Mask] = (),
        purposes: Sequence[str] = (),
        actor: str,
    ) -> CameraRecord:
        """Add a camera; it records once it has a purpose of use (codes from the registry)."""
        name = validate_name(name)
        parse_source(source)
        retention_hours, retention_justification = validate_retention(
            retention_hours, retention_justification
        )
        now = self._clock.now()
        try:
            with self._database.session() as session:
                if camera_queries.camera_by_name(session, name) is not None:
                    raise ValidationFailedError(f"a camera named {name!r} already exists")
                row = camera_queries.add_camera(
                    session,
                    name=name,
                    source=source,
                    retention_hours=retention_hours,
                    retention_justification=retention_justification,
                    now=now,
                    masks=masks_to_json(masks),
                    mask_version=1 if masks else 0,
                )
                if masks:
                    camera_queries.add_mask_version(
                        session,
                        camera_id=row.id,
                        version=1,
                        masks=row.masks,
                        changed_by=actor,
                        now=now,
                    )
                applied = apply_camera_purposes(session, row.id, purposes, actor, now)
                record = _record(row)
        except IntegrityError as exc:
            raise ValidationFailedError(f"a camera named {name!r} already exists") from exc
        self._audit.append(
            actor=actor,
            action="camera.add",
            camera_id=record.id,
            detail={
                "name": record.name,
                "source": record.source_redacted,
                "retention_hours": record.retention_hours,
                "retention_justification": record.retention_justification,
                "masks": [mask.as_dict() for mask in record.masks],
                "purposes": list(applied[1]) if applied else [],
            },
        )
        return record

    def get(self, camera_id: int) -> CameraRecord:
        with self._database.session() as session:
            row = camera_queries.camera_by_id(session, camera_id)
            if row is None:
                raise NotFoundError(f"camera {camera_id} not found")
            return _record(row)

    def list(self) -> Sequence[CameraRecord]:
        with self._database.session() as session:
            return [_record(row) for row in camera_queries.list_cameras(session)]

    def set_masks(self, camera_id: int, masks: Sequence[Mask], actor: str) -> CameraRecord:
        """Replace the camera's masks; a new version is recorded even when clearing them."""
        now = self._clock.now()
        with self._database.session() as session:
            row = camera_queries.camera_for_update(session, camera_id)
            if row is None:
                raise NotFoundError(f"camera {camera_id} not found")
            row.masks = masks_to_json(masks)
            row.mask_version += 1
            row.updated_at = now
            camera_queries.add_mask_version(
                session,
                camera_id=camera_id,
                version=row.mask_version,
                masks=row.masks,
                changed_by=actor,
                now=now,
            )
            record = _record(row)
        self._audit.append(
            actor=actor,
            action="camera.masks",
            camera_id=camera_id,
            detail={
                "mask_version": record.mask_version,
                "masks": [mask.as_dict() for mask in record.masks],
            },
        )
        return record

    def set_retention(
        self, camera_id: int, hours: int, justification: str | None, actor: str
    ) -> CameraRecord:
        hours, justification = validate_retention(hours, justification)
        with self._database.session() as session:
            row = camera_queries.camera_for_update(session, camera_id)
            if row is None:
                raise NotFoundError(f"camera {camera_id} not found")
            row.retention_hours = hours
            row.retention_justification = justification
            row.updated_at = self._clock.now()
            record = _record(row)
        self._audit.append(
            actor=actor,
            action="camera.retention",
            camera_id=camera_id,
            detail={"retention_hours": hours, "retention_justification": justification},
        )
        return record

    def set_export_without_approval(self, camera_id: int, value: bool, actor: str) -> CameraRecord:
        """Admin only (the API checks): exports of this camera then need no approved request."""
        with self._database.session() as session:
            row = camera_queries.camera_for_update(session, camera_id)
            if row is None:
                raise NotFoundError(f"camera {camera_id} not found")
            row.export_without_approval = value
            row.updated_at = self._clock.now()
            record = _record(row)
        self._audit.append(
            actor=actor,
            action="camera.export_without_approval",
            camera_id=camera_id,
            detail={"export_without_approval": value},
        )
        return record

    def recorder_definitions(self) -> Sequence[CameraDefinition]:
        """Unredacted sources for the recorders; never returned to a caller."""
        with self._database.session() as session:
            with_purpose = compliance_queries.cameras_with_purpose(session)
            return [
                CameraDefinition(
                    row.id,
                    row.name,
                    row.source,
                    row.mask_version,
                    masks_from_json(row.masks),
                    blocked_reason=None if row.id in with_purpose else NO_PURPOSE_REASON,
                )
                for row in camera_queries.enabled_cameras(session)
            ]
