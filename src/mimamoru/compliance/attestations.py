""" "The sign for this camera is up": date, who put it up, and an optional photo.

The photo is sealed (crypto/sealed.py, AES-256-GCM) under a named installation secret
wrapped by the master key, with a random per-photo context as associated data, and kept in
the database; no picture of the premises is ever stored in clear. A period data key is not
used because retention destroys those with the footage, and the photo outlives footage.

An attestation is *current* while the camera's purposes are still the version the sign
was printed for; any change of purposes makes it stale: the sign needs a reprint.
"""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo

from mimamoru.audit.log import AuditLog
from mimamoru.clock import Clock
from mimamoru.compliance.text import required
from mimamoru.crypto.sealed import DataKey, SealedReader, SealedWriter
from mimamoru.db import cameras as camera_queries
from mimamoru.db import compliance as queries
from mimamoru.db.engine import Database
from mimamoru.db.tables import SignAttestation
from mimamoru.errors import NotFoundError, ValidationFailedError

PHOTO_SECRET_NAME = "sign-photos"  # noqa: S105 -- the name of a wrapped secret, not one
# A data key id that no period key has (those count from 1): photos are sealed under it.
PHOTO_KEY_ID = 0
MAX_PHOTO_BYTES = 10 * 1024 * 1024
PHOTO_TYPES = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}


@dataclass(frozen=True)
class Attestation:
    id: int
    camera_id: int
    installed_on: date
    installed_by: str
    purpose_version: int
    current_purpose_version: int
    has_photo: bool
    recorded_by: str
    recorded_at: datetime

    @property
    def needs_reprint(self) -> bool:
        return self.purpose_version != self.current_purpose_version


def photo_type(data: bytes) -> str:
    for magic, media_type in PHOTO_TYPES.items():
        if data.startswith(magic):
            return media_type
    raise ValidationFailedError("the photo must be a JPEG or PNG image")


def attestation(row: SignAttestation, current_version: int) -> Attestation:
    return Attestation(
        id=row.id,
        camera_id=row.camera_id,
        installed_on=row.installed_on,
        installed_by=row.installed_by,
        purpose_version=row.purpose_version,
        current_purpose_version=current_version,
        has_photo=row.photo_type is not None,
        recorded_by=row.recorded_by,
        recorded_at=row.recorded_at,
    )


class AttestationService:
    def __init__(
        self,
        database: Database,
        clock: Clock,
        audit: AuditLog,
        photo_secret: bytes,
        zone: tzinfo = UTC,
    ) -> None:
        self._database = database
        self._clock = clock
        self._audit = audit
        self._key = DataKey(PHOTO_KEY_ID, photo_secret)
        # "Today" where the sign hangs: in Tokyo a sign put up at 8:00 is not in the future.
        self._zone = zone

    def record(
        self,
        camera_id: int,
        installed_on: date,
        installed_by: str,
        actor: str,
        photo: bytes | None = None,
    ) -> Attestation:
        """Attest the sign for the camera's current purposes; it must have some."""
        installed_by = required(installed_by, "installed_by", limit=100)
        now = self._clock.now()
        if installed_on > now.astimezone(self._zone).date():
            raise ValidationFailedError("installed_on is in the future")
        sealed = media_type = context = None
        if photo:
            if len(photo) > MAX_PHOTO_BYTES:
                raise ValidationFailedError(
                    f"the photo is larger than {MAX_PHOTO_BYTES // (1024 * 1024)} MiB"
                )
            media_type = photo_type(photo)
            context = f"sign-photo:{secrets.token_hex(16)}"
            sealed = self._seal(photo, context)
        with self._database.session() as session:
            if camera_queries.camera_by_id(session, camera_id) is None:
                raise NotFoundError(f"camera {camera_id} not found")
            version = queries.purpose_version(session, camera_id)
            row = queries.add_attestation(
                session,
                SignAttestation(
                    camera_id=camera_id,
                    installed_on=installed_on,
                    installed_by=installed_by,
                    purpose_version=version,
                    photo=sealed,
                    photo_type=media_type,
                    photo_context=context,
                    recorded_by=actor,
                    recorded_at=now,
                ),
            )
            record = attestation(row, version)
        self._audit.append(
            actor=actor,
            action="compliance.sign_attested",
            camera_id=camera_id,
            detail={
                "attestation_id": record.id,
                "installed_on": installed_on.isoformat(),
                "installed_by": installed_by,
                "purpose_version": version,
                "photo_bytes": len(photo) if photo else 0,
            },
        )
        return record

    def latest(self, camera_id: int) -> Attestation | None:
        with self._database.session() as session:
            row = queries.latest_attestation(session, camera_id)
            if row is None:
                return None
            return attestation(row, queries.purpose_version(session, camera_id))

    def photo(self, camera_id: int) -> tuple[bytes, str]:
        """The latest attestation's photo, decrypted (after authenticating every chunk)."""
        with self._database.session() as session:
            row = queries.latest_attestation(session, camera_id)
            if row is None or row.photo is None or row.photo_context is None:
                raise NotFoundError(f"camera {camera_id} has no sign photo")
            sealed, context, media_type = row.photo, row.photo_context, row.photo_type or ""
        reader = SealedReader(io.BytesIO(sealed), len(sealed), self._key, context.encode())
        return reader.read_all(), media_type

    def _seal(self, data: bytes, context: str) -> bytes:
        sink = io.BytesIO()
        writer = SealedWriter(sink, self._key, context.encode())
        writer.write(data)
        writer.close()
        return sink.getvalue()
