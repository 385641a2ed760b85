"""The operator profile (Art. 32 items) and where footage is stored (Art. 28)."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from mimamoru.audit.log import AuditLog
from mimamoru.clock import Clock
from mimamoru.compliance.text import LONG, clean, required
from mimamoru.db import compliance as queries
from mimamoru.db.engine import Database
from mimamoru.db.tables import OperatorProfile, StorageLocation
from mimamoru.errors import ConflictError, NotFoundError, ValidationFailedError

JAPAN_NAMES = frozenset({"japan", "jp", "jpn", "日本", "日本国"})

# What mimamoru itself enforces, offered as the starting text of the security measures.
DEFAULT_SECURITY_MEASURES = (
    "録画映像は保存時に AES-256-GCM で暗号化し、通信は TLS 1.2 以上で暗号化しています。"
    "プライバシーマスクにより撮影不要な範囲は保存前に塗りつぶします。"
    "映像の閲覧・操作はカメラごと・操作ごとに許可された者に限り、"
    "すべてのアクセスを改ざん検知可能な監査ログに記録します。"
    "保存期間を過ぎた映像は自動的に削除し、その鍵を破棄します。\n"
    "Footage is encrypted at rest (AES-256-GCM) and in transit (TLS 1.2 or later). Privacy "
    "masks black out areas that must not be filmed before anything is stored. Only people "
    "granted a camera and an operation may view or operate it, and every access is written "
    "to a tamper-evident audit log. Footage past its retention period is deleted "
    "automatically and its keys destroyed."
)


@dataclass(frozen=True)
class Profile:
    business_name: str = ""
    address: str = ""
    representative: str = ""
    contact_department: str = ""
    contact_phone: str = ""
    contact_email: str = ""
    contact_postal: str = ""
    request_procedure: str = ""
    security_measures: str = ""
    updated_at: datetime | None = None
    updated_by: str | None = None


TEXT_FIELDS = tuple(
    field.name for field in fields(Profile) if field.name not in ("updated_at", "updated_by")
)
LONG_FIELDS = frozenset({"address", "contact_postal", "request_procedure", "security_measures"})
# What the notice must name for a person to reach the operator (Art. 32).
REQUIRED_FIELDS = (
    "business_name",
    "address",
    "representative",
    "contact_department",
    "request_procedure",
    "security_measures",
)


def missing_fields(profile: Profile) -> list[str]:
    """Empty required fields, and the contact when no way to reach anyone is given."""
    missing = [name for name in REQUIRED_FIELDS if not getattr(profile, name)]
    if not (profile.contact_phone or profile.contact_email or profile.contact_postal):
        missing.append("contact (phone, e-mail or postal address)")
    return missing


@dataclass(frozen=True)
class Location:
    id: int
    name: str
    country: str
    regime_note: str
    outside_japan: bool
    updated_at: datetime


def is_japan(country: str) -> bool:
    return country.strip().lower() in JAPAN_NAMES


def _profile(row: OperatorProfile | None) -> Profile:
    if row is None:
        return Profile()
    return Profile(
        **{name: getattr(row, name) or "" for name in TEXT_FIELDS},
        updated_at=row.updated_at,
        updated_by=row.updated_by,
    )


def _location(row: StorageLocation) -> Location:
    return Location(
        id=row.id,
        name=row.name,
        country=row.country,
        regime_note=row.regime_note,
        outside_japan=not is_japan(row.country),
        updated_at=row.updated_at,
    )


def _clean_location(name: str, country: str, regime_note: str) -> tuple[str, str, str]:
    name = required(name, "name", limit=100)
    country = clean(country, "country", limit=100) or "Japan"
    note = clean(regime_note, "regime_note", limit=LONG, multiline=True)
    if not is_japan(country) and not note:
        raise ValidationFailedError(
            f"storage in {country} (outside Japan) needs a regime_note: the country's "
            "personal-information protection regime, shown on the public notice (APPI Art. 28)"
        )
    return name, country, note


class ProfileService:
    def __init__(self, database: Database, clock: Clock, audit: AuditLog) -> None:
        self._database = database
        self._clock = clock
        self._audit = audit

    def get(self) -> Profile:
        with self._database.session() as session:
            return _profile(queries.profile(session))

    def update(self, values: dict[str, str | None], actor: str) -> Profile:
        """Replace the fields given; the others keep their value."""
        unknown = sorted(set(values) - set(TEXT_FIELDS))
        if unknown:
            raise ValidationFailedError(f"unknown profile field(s): {', '.join(unknown)}")
        cleaned = {
            name: clean(
                value,
                name,
                limit=LONG if name in LONG_FIELDS else 200,
                multiline=name in LONG_FIELDS,
            )
            for name, value in values.items()
        }
        if cleaned.get("contact_email") and "@" not in cleaned["contact_email"]:
            raise ValidationFailedError("contact_email is not an e-mail address")
        now = self._clock.now()
        with self._database.session() as session:
            row = queries.profile_for_update(session)
            before = _profile(row) if row.updated_at is not None else Profile()
            for name, value in cleaned.items():
                setattr(row, name, value)
            for name in TEXT_FIELDS:
                if getattr(row, name) is None:
                    setattr(row, name, "")
            row.updated_at = now
            row.updated_by = actor
            session.flush()
            after = _profile(row)
        changed = {
            name: {"before": getattr(before, name), "after": getattr(after, name)}
            for name in TEXT_FIELDS
            if getattr(before, name) != getattr(after, name)
        }
        self._audit.append(actor=actor, action="compliance.profile", detail={"changed": changed})
        return after

    def with_default_measures(self, profile: Profile) -> Profile:
        """The profile as an editor starts from: the measures mimamoru enforces, if empty."""
        if profile.security_measures:
            return profile
        return replace(profile, security_measures=DEFAULT_SECURITY_MEASURES)

    # Storage locations.

    def locations(self) -> list[Location]:
        with self._database.session() as session:
            return [_location(row) for row in queries.locations(session)]

    def add_location(self, name: str, country: str, regime_note: str, actor: str) -> Location:
        name, country, note = _clean_location(name, country, regime_note)
        now = self._clock.now()
        try:
            with self._database.session() as session:
                if queries.location_by_name(session, name) is not None:
                    raise ConflictError(f"a storage location named {name!r} already exists")
                row = StorageLocation(
                    name=name, country=country, regime_note=note, created_at=now, updated_at=now
                )
                session.add(row)
                session.flush()
                record = _location(row)
        except IntegrityError as exc:
            raise ConflictError(f"a storage location named {name!r} already exists") from exc
        self._audit.append(
            actor=actor,
            action="compliance.location_add",
            detail={"id": record.id, "name": name, "country": country, "regime_note": note},
        )
        return record

    def update_location(
        self, location_id: int, name: str, country: str, regime_note: str, actor: str
    ) -> Location:
        name, country, note = _clean_location(name, country, regime_note)
        try:
            with self._database.session() as session:
                row = queries.location(session, location_id)
                if row is None:
                    raise NotFoundError(f"storage location {location_id} not found")
                other = queries.location_by_name(session, name)
                if other is not None and other.id != location_id:
                    raise ConflictError(f"a storage location named {name!r} already exists")
                row.name, row.country, row.regime_note = name, country, note
                row.updated_at = self._clock.now()
                session.flush()
                record = _location(row)
        except IntegrityError as exc:
            raise ConflictError(f"a storage location named {name!r} already exists") from exc
        self._audit.append(
            actor=actor,
            action="compliance.location_update",
            detail={"id": location_id, "name": name, "country": country, "regime_note": note},
        )
        return record

    def delete_location(self, location_id: int, actor: str) -> None:
        with self._database.session() as session:
            row = queries.location(session, location_id)
            if row is None:
                raise NotFoundError(f"storage location {location_id} not found")
            name = row.name
            session.delete(row)
        self._audit.append(
            actor=actor,
            action="compliance.location_delete",
            detail={"id": location_id, "name": name},
        )
