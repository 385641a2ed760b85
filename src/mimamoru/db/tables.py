"""SQLAlchemy table definitions.

Schema changes go through an Alembic migration in ``db/migrations/versions``;
``tests/db/test_migrations.py`` fails when this file and the migrations drift.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from mimamoru.db.types import UTCDateTime


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The TOTP secret, encrypted under the installation's "totp" secret (never in clear).
    # Enrolment stores it with totp_enabled false; confirming a code turns it on.
    totp_secret: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    totp_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    # The last accepted time step: a code is accepted once, never replayed.
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class LoginSession(Base):
    __tablename__ = "sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    client: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(200), default="")


class ApiToken(Base):
    """A personal API token: hashed, expiring, limited to a subset of its owner's operations."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    operations: Mapped[str] = mapped_column(String(100))  # comma-separated, sorted
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class LoginThrottle(Base):
    """Failed logins per account name or source address, and until when they are refused."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Camera(Base):
    __tablename__ = "cameras"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    source: Mapped[str] = mapped_column(Text)
    retention_hours: Mapped[int] = mapped_column(Integer)
    retention_justification: Mapped[str | None] = mapped_column(Text, nullable=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    masks: Mapped[str] = mapped_column(Text, default="[]")
    mask_version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Set by an administrator: exports of this camera need no approved request.
    export_without_approval: Mapped[bool] = mapped_column(Boolean, default=False)


class MaskVersion(Base):
    """Every set of privacy masks a camera ever had, so each segment's masks can be shown."""

    __tablename__ = "mask_versions"
    __table_args__ = (UniqueConstraint("camera_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    camera_id: Mapped[int] = mapped_column(ForeignKey("cameras.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    masks: Mapped[str] = mapped_column(Text)
    changed_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MasterKeyRecord(Base):
    """Fingerprints of master keys; the keys themselves are never stored here.

    ``active`` wraps new data keys; ``pending`` is the target of an unfinished rotation;
    ``retired`` keys wrap nothing any more.
    """

    __tablename__ = "master_keys"

    fingerprint: Mapped[str] = mapped_column(String(16), primary_key=True)
    state: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class WrappedSecret(Base):
    """A named installation secret (the audit chain's HMAC key), wrapped by the master key."""

    __tablename__ = "wrapped_secrets"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    wrapped: Mapped[bytes] = mapped_column(LargeBinary)
    master_fingerprint: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DataKeyRecord(Base):
    """One data key per camera per period, wrapped by the master key.

    Destroying a key empties ``wrapped``: every copy of that period's footage, wherever
    it is, can no longer be decrypted.
    """

    __tablename__ = "data_keys"
    __table_args__ = (UniqueConstraint("camera_id", "period_start"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    camera_id: Mapped[int] = mapped_column(ForeignKey("cameras.id", ondelete="RESTRICT"))
    period_start: Mapped[datetime] = mapped_column(UTCDateTime)
    period_end: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    wrapped: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    master_fingerprint: Mapped[str | None] = mapped_column(String(16), nullable=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    destroyed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Segment(Base):
    __tablename__ = "segments"
    __table_args__ = (
        Index("ix_segments_camera_start", "camera_id", "start_time"),
        Index("ix_segments_start", "start_time"),
        Index("ix_segments_key", "key_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    camera_id: Mapped[int] = mapped_column(ForeignKey("cameras.id", ondelete="RESTRICT"))
    start_time: Mapped[datetime] = mapped_column(UTCDateTime)
    end_time: Mapped[datetime] = mapped_column(UTCDateTime)
    path: Mapped[str] = mapped_column(String(500), unique=True)
    bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    frame_count: Mapped[int] = mapped_column(Integer)
    codec: Mapped[str] = mapped_column(String(32))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    mask_version: Mapped[int] = mapped_column(Integer, default=0)
    key_id: Mapped[int | None] = mapped_column(
        ForeignKey("data_keys.id", ondelete="RESTRICT"), nullable=True
    )
    stored_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    stored_sha256: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[str] = mapped_column(String(16), default="ok")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Hold(Base):
    """An evidence hold: footage of a camera in [start, end) survives every deletion."""

    __tablename__ = "holds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    camera_id: Mapped[int] = mapped_column(
        ForeignKey("cameras.id", ondelete="RESTRICT"), index=True
    )
    start_time: Mapped[datetime] = mapped_column(UTCDateTime)
    end_time: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    released_by: Mapped[str | None] = mapped_column(String(64), nullable=True)


class DeletionRecord(Base):
    """What one sweep deleted for one camera: the deletion certificate."""

    __tablename__ = "deletion_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    camera_id: Mapped[int] = mapped_column(Integer, index=True)
    reason: Mapped[str] = mapped_column(String(32))
    period_start: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    period_end: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    segment_count: Mapped[int] = mapped_column(Integer)
    bytes: Mapped[int] = mapped_column(BigInteger)
    keys_destroyed: Mapped[int] = mapped_column(Integer)
    detail: Mapped[str] = mapped_column(Text, default="{}")


class Group(Base):
    """A named set of users; a grant to the group applies to each member."""

    __tablename__ = "groups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class GroupMember(Base):
    __tablename__ = "group_members"

    group_id: Mapped[int] = mapped_column(
        ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True
    )
    # Indexed on its own: the gate looks up the groups of one user on every check.
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class CameraGroup(Base):
    """A named set of cameras; a grant on the camera group applies to each camera in it."""

    __tablename__ = "camera_groups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CameraGroupMember(Base):
    __tablename__ = "camera_group_members"

    camera_group_id: Mapped[int] = mapped_column(
        ForeignKey("camera_groups.id", ondelete="CASCADE"), primary_key=True
    )
    # Indexed on its own: the gate looks up the camera groups of one camera on every check.
    camera_id: Mapped[int] = mapped_column(
        ForeignKey("cameras.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Grant(Base):
    """What one user or group may do with one camera or camera group.

    Exactly one subject (``user_id`` or ``group_id``) and exactly one target
    (``camera_id`` or ``camera_group_id``). No row means nothing (deny by default).
    Each subject has at most one grant per target: NULLs are distinct in unique
    constraints on SQLite and PostgreSQL alike, so each constraint below only binds the
    rows that name both of its columns.
    """

    __tablename__ = "grants"
    __table_args__ = (
        UniqueConstraint("user_id", "camera_id"),
        UniqueConstraint("user_id", "camera_group_id", name="uq_grants_user_camera_group"),
        UniqueConstraint("group_id", "camera_id", name="uq_grants_group_camera"),
        UniqueConstraint("group_id", "camera_group_id", name="uq_grants_group_camera_group"),
        CheckConstraint(
            "(user_id IS NOT NULL AND group_id IS NULL)"
            " OR (user_id IS NULL AND group_id IS NOT NULL)",
            name="ck_grants_one_subject",
        ),
        CheckConstraint(
            "(camera_id IS NOT NULL AND camera_group_id IS NULL)"
            " OR (camera_id IS NULL AND camera_group_id IS NOT NULL)",
            name="ck_grants_one_target",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=True, index=True
    )
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("groups.id", ondelete="CASCADE", name="fk_grants_group_id"), nullable=True
    )
    camera_id: Mapped[int | None] = mapped_column(
        ForeignKey("cameras.id", ondelete="CASCADE"), nullable=True, index=True
    )
    camera_group_id: Mapped[int | None] = mapped_column(
        ForeignKey("camera_groups.id", ondelete="CASCADE", name="fk_grants_camera_group_id"),
        nullable=True,
        index=True,
    )
    operations: Mapped[str] = mapped_column(String(100))  # comma-separated, sorted
    playback_window_hours: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AuditEvent(Base):
    """Append-only, hash-chained record of every access to footage or permissions."""

    __tablename__ = "audit_events"
    # The chain cannot fork: two writers racing for the same predecessor cannot both append
    # after it; the loser retries on the new tail (see mimamoru.audit.log).
    __table_args__ = (Index("ux_audit_events_prev_id", "prev_id", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    camera_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    detail: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    # The id of the entry before this one, 0 for the first. Only AuditLog writes entries and
    # always sets it; it is not hashed (the chain itself is prev_hash), only the fork guard.
    prev_id: Mapped[int | None] = mapped_column(Integer, nullable=True)


class Export(Base):
    """A signed evidence export: the request, its legal basis, and its package's state."""

    __tablename__ = "exports"
    __table_args__ = (
        CheckConstraint(
            "legal_basis IN ('consent', 'law', 'protection', 'internal')", name="ck_exports_basis"
        ),
        CheckConstraint(
            "state IN ('queued', 'running', 'done', 'failed', 'expired')", name="ck_exports_state"
        ),
        Index("ix_exports_camera", "camera_id"),
        Index("ix_exports_expires", "expires_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    camera_id: Mapped[int] = mapped_column(ForeignKey("cameras.id", ondelete="RESTRICT"))
    camera_name: Mapped[str] = mapped_column(String(100))
    start_time: Mapped[datetime] = mapped_column(UTCDateTime)
    end_time: Mapped[datetime] = mapped_column(UTCDateTime)
    purpose: Mapped[str] = mapped_column(Text)
    recipient: Mapped[str] = mapped_column(Text)
    legal_basis: Mapped[str] = mapped_column(String(16))
    reference: Mapped[str] = mapped_column(Text, default="")
    requester: Mapped[str] = mapped_column(String(64))
    approvers: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of user names
    request_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    state: Mapped[str] = mapped_column(String(16), default="queued")
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    gaps: Mapped[str] = mapped_column(Text, default="[]")  # JSON [[start, end], ...]
    sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)  # of the package
    size: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    download_count: Mapped[int] = mapped_column(Integer, default=0)


class ProvisionEntry(Base):
    """A provision of images to a third party (APPI Arts. 29-30), kept years, not days.

    Deliberately without foreign keys: an entry outlives the footage, the export's package
    and even the camera it names.
    """

    __tablename__ = "provision_register"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provided_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    recipient: Mapped[str] = mapped_column(Text)
    items: Mapped[str] = mapped_column(Text)
    legal_basis: Mapped[str] = mapped_column(String(16))
    reference: Mapped[str] = mapped_column(Text, default="")
    camera_id: Mapped[int] = mapped_column(Integer)
    camera_name: Mapped[str] = mapped_column(String(100))
    start_time: Mapped[datetime] = mapped_column(UTCDateTime)
    end_time: Mapped[datetime] = mapped_column(UTCDateTime)
    export_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_by: Mapped[str] = mapped_column(String(64))
    keep_until: Mapped[datetime] = mapped_column(UTCDateTime)


class AccessRequest(Base):
    """A user's request for one operation on one camera over one time range.

    ``state`` is what was last decided (pending, approved, rejected, withdrawn, expired);
    an approved request grants its scope until ``valid_until``, a pending one lapses after
    the configured days (see :mod:`mimamoru.access.requests`).
    """

    __tablename__ = "access_requests"
    __table_args__ = (
        CheckConstraint("start_at < end_at", name="ck_access_requests_range"),
        CheckConstraint("operation IN ('playback', 'export')", name="ck_access_requests_operation"),
        CheckConstraint(
            "state IN ('pending', 'approved', 'rejected', 'expired', 'withdrawn')",
            name="ck_access_requests_state",
        ),
        # The gate's question: does this user hold an approval on this camera?
        Index("ix_access_requests_requester_camera", "requester_id", "camera_id", "state"),
        Index("ix_access_requests_state", "state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    requester_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE", name="fk_access_requests_requester_id")
    )
    camera_id: Mapped[int] = mapped_column(
        ForeignKey("cameras.id", ondelete="CASCADE", name="fk_access_requests_camera_id"),
        index=True,
    )
    operation: Mapped[str] = mapped_column(String(16))
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(Text)
    purpose: Mapped[str | None] = mapped_column(String(200), nullable=True)
    state: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class AccessDecision(Base):
    """One approver's decision on an access request; an approver decides a request once."""

    __tablename__ = "access_decisions"
    __table_args__ = (
        UniqueConstraint("request_id", "approver_id", name="uq_access_decisions_approver"),
        CheckConstraint("decision IN ('approve', 'reject')", name="ck_access_decisions_decision"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("access_requests.id", ondelete="CASCADE", name="fk_access_decisions_request_id"),
        index=True,
    )
    # The approver's name is kept as well: the record of who decided outlives the account.
    approver_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL", name="fk_access_decisions_approver_id"),
        nullable=True,
    )
    approver: Mapped[str] = mapped_column(String(64))
    decision: Mapped[str] = mapped_column(String(8))
    comment: Mapped[str] = mapped_column(Text)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)


# --- Compliance: the operator, sites, purposes of use, signs and reviews (APPI) ----------


class OperatorProfile(Base):
    """Who runs the cameras and how to reach them: one row (id 1), published on /privacy."""

    __tablename__ = "operator_profile"
    __table_args__ = (CheckConstraint("id = 1", name="ck_operator_profile_single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    business_name: Mapped[str] = mapped_column(Text, default="")
    address: Mapped[str] = mapped_column(Text, default="")
    representative: Mapped[str] = mapped_column(Text, default="")
    contact_department: Mapped[str] = mapped_column(Text, default="")
    contact_phone: Mapped[str] = mapped_column(Text, default="")
    contact_email: Mapped[str] = mapped_column(Text, default="")
    contact_postal: Mapped[str] = mapped_column(Text, default="")
    request_procedure: Mapped[str] = mapped_column(Text, default="")
    security_measures: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    updated_by: Mapped[str | None] = mapped_column(String(64), nullable=True)


class StorageLocation(Base):
    """Where footage is kept, by country: outside Japan needs a note on that regime (Art. 28)."""

    __tablename__ = "storage_locations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    country: Mapped[str] = mapped_column(String(100), default="Japan")
    regime_note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Site(Base):
    """A place with cameras (a shop, a car park). A private site is unnamed on the notice."""

    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    address: Mapped[str] = mapped_column(Text, default="")
    public: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Purpose(Base):
    """An entry of the purposes-of-use registry (Art. 17), in Japanese and English."""

    __tablename__ = "purposes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_ja: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    description_ja: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CameraSite(Base):
    __tablename__ = "camera_sites"

    camera_id: Mapped[int] = mapped_column(
        ForeignKey("cameras.id", ondelete="CASCADE"), primary_key=True
    )
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="RESTRICT"), index=True)


class CameraPurpose(Base):
    """A camera's current purposes; a camera without a row here does not record."""

    __tablename__ = "camera_purposes"

    camera_id: Mapped[int] = mapped_column(
        ForeignKey("cameras.id", ondelete="CASCADE"), primary_key=True
    )
    purpose_id: Mapped[int] = mapped_column(
        ForeignKey("purposes.id", ondelete="RESTRICT"), primary_key=True, index=True
    )


class CameraPurposeChange(Base):
    """Every change of a camera's purposes: who, when, the codes before and after."""

    __tablename__ = "camera_purpose_changes"
    __table_args__ = (UniqueConstraint("camera_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    camera_id: Mapped[int] = mapped_column(ForeignKey("cameras.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    before: Mapped[str] = mapped_column(Text)  # JSON list of purpose codes
    after: Mapped[str] = mapped_column(Text)
    changed_by: Mapped[str] = mapped_column(String(64))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SignAttestation(Base):
    """ "The sign for this camera is up": when, by whom, for which version of its purposes.

    The photo is a sealed file (crypto/sealed.py) under the installation's sign-photo secret.
    """

    __tablename__ = "sign_attestations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    camera_id: Mapped[int] = mapped_column(ForeignKey("cameras.id", ondelete="CASCADE"), index=True)
    installed_on: Mapped[date] = mapped_column(Date)
    installed_by: Mapped[str] = mapped_column(String(100))
    purpose_version: Mapped[int] = mapped_column(Integer)
    photo: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    photo_type: Mapped[str | None] = mapped_column(String(32), nullable=True)
    photo_context: Mapped[str | None] = mapped_column(String(64), nullable=True)
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ComplianceReview(Base):
    """A review done: ``masks`` (of one camera) or ``permissions`` (of the installation)."""

    __tablename__ = "compliance_reviews"
    __table_args__ = (Index("ix_compliance_reviews_kind_camera", "kind", "camera_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    camera_id: Mapped[int | None] = mapped_column(
        ForeignKey("cameras.id", ondelete="CASCADE"), nullable=True
    )
    note: Mapped[str] = mapped_column(Text, default="")
    reviewed_by: Mapped[str] = mapped_column(String(64))
    reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime)
