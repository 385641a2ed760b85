"""The purposes-of-use registry and each camera's purposes, versioned (APPI Art. 17).

A camera records only while it has at least one purpose; changing its purposes makes a new
version (who, when, before and after) and so marks its sign as needing a reprint.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mimamoru.audit.log import AuditLog
from mimamoru.clock import Clock
from mimamoru.compliance.text import LONG, clean, required
from mimamoru.db import cameras as camera_queries
from mimamoru.db import compliance as queries
from mimamoru.db.engine import Database
from mimamoru.db.tables import Purpose
from mimamoru.errors import ConflictError, NotFoundError, ValidationFailedError

CODE_PATTERN = re.compile(r"[a-z][a-z0-9_-]{0,39}")
MAX_PURPOSES_PER_CAMERA = 20


@dataclass(frozen=True)
class PurposeRecord:
    id: int
    code: str
    name_ja: str
    name_en: str
    description_ja: str
    description_en: str
    updated_at: datetime


@dataclass(frozen=True)
class PurposeChange:
    version: int
    before: tuple[str, ...]
    after: tuple[str, ...]
    changed_by: str
    changed_at: datetime


@dataclass(frozen=True)
class PurposeFields:
    name_ja: str
    name_en: str
    description_ja: str = ""
    description_en: str = ""


def purpose_record(row: Purpose) -> PurposeRecord:
    return PurposeRecord(
        id=row.id,
        code=row.code,
        name_ja=row.name_ja,
        name_en=row.name_en,
        description_ja=row.description_ja,
        description_en=row.description_en,
        updated_at=row.updated_at,
    )


def _fields(fields: PurposeFields) -> PurposeFields:
    return PurposeFields(
        name_ja=required(fields.name_ja, "name_ja", limit=100),
        name_en=required(fields.name_en, "name_en", limit=100),
        description_ja=clean(fields.description_ja, "description_ja", limit=LONG, multiline=True),
        description_en=clean(fields.description_en, "description_en", limit=LONG, multiline=True),
    )


def validate_codes(codes: Sequence[str]) -> list[str]:
    """The codes in order, without repeats; shape only (the registry is checked later)."""
    if isinstance(codes, str):
        raise ValidationFailedError("purposes must be a list of purpose codes")
    unique = list(dict.fromkeys(code.strip() for code in codes))
    if len(unique) > MAX_PURPOSES_PER_CAMERA:
        raise ValidationFailedError(f"a camera has at most {MAX_PURPOSES_PER_CAMERA} purposes")
    return unique


def apply_camera_purposes(
    session: Session, camera_id: int, codes: Sequence[str], actor: str, now: datetime
) -> tuple[tuple[str, ...], tuple[str, ...], int] | None:
    """Set a camera's purposes inside ``session``; (before, after, version) or None if same.

    An unknown code raises before anything is written.
    """
    wanted = validate_codes(codes)
    found = queries.purposes_by_code(session, wanted)
    unknown = [code for code in wanted if code not in found]
    if unknown:
        raise ValidationFailedError(
            f"unknown purpose code(s): {', '.join(unknown)}; "
            "add them to the purposes registry first (GET /api/v1/purposes lists it)"
        )
    by_registry = sorted(found.values(), key=lambda row: row.id)
    after = tuple(row.code for row in by_registry)
    before = tuple(queries.camera_purpose_codes(session).get(camera_id, []))
    if before == after:
        return None
    queries.replace_camera_purposes(session, camera_id, [row.id for row in by_registry])
    version = queries.purpose_version(session, camera_id) + 1
    queries.add_purpose_change(
        session,
        camera_id=camera_id,
        version=version,
        before=json.dumps(list(before)),
        after=json.dumps(list(after)),
        changed_by=actor,
        now=now,
    )
    return before, after, version


class PurposeService:
    """The registry (admins edit it) and the purposes of each camera."""

    def __init__(self, database: Database, clock: Clock, audit: AuditLog) -> None:
        self._database = database
        self._clock = clock
        self._audit = audit

    def all(self) -> Sequence[PurposeRecord]:
        with self._database.session() as session:
            return [purpose_record(row) for row in queries.purposes(session)]

    def get(self, purpose_id: int) -> PurposeRecord:
        with self._database.session() as session:
            row = queries.purpose(session, purpose_id)
            if row is None:
                raise NotFoundError(f"purpose {purpose_id} not found")
            return purpose_record(row)

    def create(self, code: str, fields: PurposeFields, actor: str) -> PurposeRecord:
        code = code.strip()
        if not CODE_PATTERN.fullmatch(code):
            raise ValidationFailedError(
                "purpose code must be 1-40 characters: a lower-case letter, then lower-case "
                "letters, digits, '_' or '-'"
            )
        clean_fields = _fields(fields)
        now = self._clock.now()
        try:
            with self._database.session() as session:
                if queries.purposes_by_code(session, [code]):
                    raise ConflictError(f"a purpose with code {code!r} already exists")
                row = Purpose(
                    code=code,
                    name_ja=clean_fields.name_ja,
                    name_en=clean_fields.name_en,
                    description_ja=clean_fields.description_ja,
                    description_en=clean_fields.description_en,
                    created_at=now,
                    updated_at=now,
                )
                session.add(row)
                session.flush()
                record = purpose_record(row)
        except IntegrityError as exc:
            raise ConflictError(f"a purpose with code {code!r} already exists") from exc
        self._audit.append(
            actor=actor, action="compliance.purpose_add", detail=_purpose_detail(record)
        )
        return record

    def update(self, purpose_id: int, fields: PurposeFields, actor: str) -> PurposeRecord:
        """New wording applies to every camera with the purpose (its code stays)."""
        clean_fields = _fields(fields)
        with self._database.session() as session:
            row = queries.purpose(session, purpose_id)
            if row is None:
                raise NotFoundError(f"purpose {purpose_id} not found")
            before = purpose_record(row)
            row.name_ja = clean_fields.name_ja
            row.name_en = clean_fields.name_en
            row.description_ja = clean_fields.description_ja
            row.description_en = clean_fields.description_en
            row.updated_at = self._clock.now()
            record = purpose_record(row)
        self._audit.append(
            actor=actor,
            action="compliance.purpose_update",
            detail={"before": _purpose_detail(before), "after": _purpose_detail(record)},
        )
        return record

    def delete(self, purpose_id: int, actor: str) -> None:
        with self._database.session() as session:
            row = queries.purpose(session, purpose_id)
            if row is None:
                raise NotFoundError(f"purpose {purpose_id} not found")
            in_use = queries.purpose_in_use(session, purpose_id)
            if in_use:
                raise ConflictError(
                    f"purpose {row.code!r} is the purpose of {in_use} camera(s); "
                    "change their purposes first"
                )
            record = purpose_record(row)
            session.delete(row)
        self._audit.append(
            actor=actor, action="compliance.purpose_delete", detail=_purpose_detail(record)
        )

    # Cameras.

    def of_camera(self, camera_id: int) -> tuple[list[PurposeRecord], int]:
        """The camera's purposes (registry order) and their version (0: never set)."""
        with self._database.session() as session:
            if camera_queries.camera_by_id(session, camera_id) is None:
                raise NotFoundError(f"camera {camera_id} not found")
            codes = queries.camera_purpose_codes(session).get(camera_id, [])
            rows = queries.purposes_by_code(session, codes)
            return (
                [purpose_record(rows[code]) for code in codes],
                queries.purpose_version(session, camera_id),
            )

    def history(self, camera_id: int) -> list[PurposeChange]:
        with self._database.session() as session:
            return [
                PurposeChange(
                    version=row.version,
                    before=tuple(json.loads(row.before)),
                    after=tuple(json.loads(row.after)),
                    changed_by=row.changed_by,
                    changed_at=row.changed_at,
                )
                for row in queries.purpose_changes(session, camera_id)
            ]

    def set_for_camera(self, camera_id: int, codes: Sequence[str], actor: str) -> int:
        """Replace the camera's purposes; returns the version now in force.

        An empty list is allowed and stops the camera recording (the status says why).
        """
        with self._database.session() as session:
            if camera_queries.camera_for_update(session, camera_id) is None:
                raise NotFoundError(f"camera {camera_id} not found")
            changed = apply_camera_purposes(session, camera_id, codes, actor, self._clock.now())
            version = changed[2] if changed else queries.purpose_version(session, camera_id)
        if changed is not None:
            before, after, version = changed
            self._audit.append(
                actor=actor,
                action="camera.purposes",
                camera_id=camera_id,
                detail={"version": version, "before": list(before), "after": list(after)},
            )
        return version


def _purpose_detail(record: PurposeRecord) -> dict[str, object]:
    return {
        "id": record.id,
        "code": record.code,
        "name_ja": record.name_ja,
        "name_en": record.name_en,
        "description_ja": record.description_ja,
        "description_en": record.description_en,
    }
