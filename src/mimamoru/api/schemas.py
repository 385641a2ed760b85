"""Request and response bodies of the HTTP API."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Health(BaseModel):
    status: str = Field(examples=["ok"])


class LoginRequest(Strict):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)
    totp_code: str | None = Field(
        default=None,
        max_length=16,
        description="The 6-digit code of the authenticator app, for users with two-factor on",
    )


class LoginResponse(BaseModel):
    token: str = Field(description="Send as `Authorization: Bearer <token>`")
    username: str
    role: str
    expires_in: int = Field(description="Seconds until the session expires at the latest")
    idle_timeout: int = Field(description="Seconds of inactivity after which it ends")
    csrf_token: str = Field(
        description="Send as `X-CSRF-Token` with cookie-authenticated POST/PUT/PATCH/DELETE"
    )
    must_enrol_totp: bool = Field(
        description="Two-factor is required for this account and not set up yet: "
        "only /auth/totp, /auth/me and /auth/logout answer until it is"
    )


class Me(BaseModel):
    username: str
    role: str
    totp_enabled: bool = False
    must_enrol_totp: bool = False
    csrf_token: str | None = Field(
        default=None, description="Only for cookie sessions: the X-CSRF-Token value"
    )
    token_operations: list[str] | None = Field(
        default=None, description="When calling with an API token: the operations it carries"
    )


MASKS_DESCRIPTION = (
    "Privacy masks: polygons of 3 or more [x, y] points in 0..1 of the frame (not "
    "self-intersecting), each with a fill: gray (default), black, mosaic (with block_size "
    "in source pixels, at least 2; default 16) or blur. Masked pixels are destroyed before "
    "anything is stored or streamed."
)
MASKS_EXAMPLE = [{"points": [[0.1, 0.1], [0.4, 0.1], [0.4, 0.5], [0.1, 0.5]], "fill": "gray"}]


class MaskOut(BaseModel):
    points: list[tuple[float, float]]
    fill: str
    block_size: int | None = None


class CameraCreate(Strict):
    name: str = Field(min_length=1, max_length=100)
    source: str = Field(
        min_length=1,
        max_length=2048,
        description="rtsp://, rtsps://, http(s)://, file:// or test://pattern URL",
    )
    retention_hours: int = Field(
        default=72,
        ge=1,
        le=87_600,
        description="Hours footage is kept; above 72 a retention_justification is required",
    )
    retention_justification: str | None = Field(
        default=None, max_length=2000, description="Why footage must be kept longer than 72 h"
    )
    masks: list[dict[str, Any]] = Field(
        default_factory=list, description=MASKS_DESCRIPTION, examples=[MASKS_EXAMPLE]
    )
    purposes: list[str] = Field(
        default_factory=list,
        max_length=20,
        description=(
            "Purpose codes from the registry (GET /api/v1/purposes); a camera records only "
            "once it has at least one (APPI Art. 17)"
        ),
        examples=[["crime_prevention"]],
    )


class CameraPatch(Strict):
    retention_hours: int | None = Field(default=None, ge=1, le=87_600)
    retention_justification: str | None = Field(
        default=None, max_length=2000, description="Required with retention_hours above 72"
    )
    masks: list[dict[str, Any]] | None = Field(
        default=None,
        description=MASKS_DESCRIPTION + " The list replaces all current masks; [] removes them.",
        examples=[MASKS_EXAMPLE],
    )
    export_without_approval: bool | None = Field(
        default=None,
        description="Administrators only: exports of this camera need no approved request",
    )


class CameraOut(BaseModel):
    id: int
    name: str
    source: str | None = Field(
        description="The source URL with any password replaced by ***; null for callers "
        "without the right to configure the camera"
    )
    retention_hours: int
    retention_justification: str | None
    enabled: bool
    status: str = Field(description="starting, recording, offline, error or stopped")
    status_reason: str | None
    status_since: datetime | None
    last_frame_at: datetime | None
    fps: float
    bitrate_kbps: float
    mode: str | None = Field(description="copy (no re-encode) or encode")
    decode_errors: int = Field(description="Corrupt packets skipped since the recorder started")
    masks: list[MaskOut]
    mask_version: int = Field(description="Increases with every change of the masks")
    created_at: datetime
    export_without_approval: bool = Field(
        default=False, description="Exports of this camera need no approved request"
    )
    operations: list[str] = Field(
        default_factory=list,
        description="What the caller may do with this camera besides seeing it: live, "
        "playback, configure (as the gate decides now)",
    )


class RecordingOut(BaseModel):
    id: int
    start: datetime
    end: datetime
    bytes: int = Field(description="Size of the MP4 as served (decrypted)")
    sha256: str = Field(description="SHA-256 of the MP4 as served (decrypted)")
    width: int
    height: int
    frame_count: int
    mask_version: int = Field(description="The mask version that produced this segment")
    status: str = Field(description="ok, corrupt (fails its integrity check) or lost (no file)")


class ErrorOut(BaseModel):
    detail: str


class HoldIn(Strict):
    camera_id: int = Field(ge=1)
    start: datetime = Field(description="ISO 8601; no offset means UTC")
    end: datetime = Field(description="ISO 8601; no offset means UTC")
    reason: str = Field(min_length=1, max_length=2000, description="What is preserved and why")
    expires: datetime = Field(description="When the hold lapses by itself (ISO 8601)")


class HoldOut(BaseModel):
    id: int
    camera_id: int
    start: datetime
    end: datetime
    reason: str
    expires: datetime
    created_by: str
    created_at: datetime
    released_at: datetime | None
    released_by: str | None
    active: bool


class DeletionOut(BaseModel):
    id: int
    camera_id: int
    reason: str = Field(description="retention or disk_pressure")
    period_start: datetime | None = Field(description="Start of the oldest footage deleted")
    period_end: datetime | None = Field(description="End of the newest footage deleted")
    segment_count: int
    bytes: int
    keys_destroyed: int = Field(description="Data keys destroyed (crypto-shredding)")
    created_at: datetime


class StorageOut(BaseModel):
    free_bytes: int
    total_bytes: int
    keep_free_bytes: int = Field(description="Below this, the oldest unheld footage is deleted")
    recording_paused: str | None = Field(description="Why recording is paused, if it is")
    master_key_id: str = Field(description="Fingerprint of the master key in use (not the key)")


class UserCreate(Strict):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)
    role: str = Field(description="admin, manager, operator, viewer or auditor")


class UserPatch(Strict):
    role: str | None = None
    password: str | None = Field(default=None, min_length=1, max_length=1024)
    disabled: bool | None = Field(default=None, description="A disabled account cannot log in")


class GroupRefOut(BaseModel):
    id: int
    name: str


class UserOut(BaseModel):
    id: int
    username: str
    role: str
    disabled: bool
    created_at: datetime
    last_login_at: datetime | None = Field(
        default=None, description="The last successful login; null if never"
    )
    totp_enabled: bool = Field(default=False, description="Two-factor login is on")
    groups: list[GroupRefOut] = Field(description="The groups the user is a member of")


class GrantIn(Strict):
    # Strict: "1" or true must not quietly become camera 1.
    model_config = ConfigDict(extra="forbid", strict=True)

    camera_id: int | None = Field(default=None, description="The camera; or camera_group_id")
    camera_group_id: int | None = Field(
        default=None, description="The camera group (every camera in it); or camera_id"
    )
    operations: list[str] | None = Field(
        default=None,
        description="live, playback, export, ptz, configure. Omitted in a user's grant: the "
        "role's defaults (manager: live, playback, export; operator: live, playback, ptz; "
        "viewer: live). A group's grants must name them.",
    )
    playback_window_hours: int | None = Field(
        default=None, description="Playback and export only of footage from the last N hours"
    )


class GrantsIn(Strict):
    grants: list[GrantIn]


class GrantOut(BaseModel):
    camera_id: int | None = Field(description="The camera, or null for a camera group grant")
    camera_group_id: int | None = Field(description="The camera group, or null")
    operations: list[str]
    playback_window_hours: int | None


class GrantsOut(BaseModel):
    grants: list[GrantOut]


class GroupIn(Strict):
    name: str = Field(min_length=1, max_length=64, description="Unique")
    description: str = Field(default="", max_length=2000)


class GroupPatch(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=64)
    description: str | None = Field(default=None, max_length=2000)


class GroupOut(BaseModel):
    id: int
    name: str
    description: str
    member_ids: list[int] = Field(description="User ids of the members, ascending")
    created_at: datetime


class MembersIn(Strict):
    model_config = ConfigDict(extra="forbid", strict=True)

    user_ids: list[int] = Field(description="All members; replaces the current ones")


class CameraGroupIn(Strict):
    name: str = Field(min_length=1, max_length=100, description="Unique")
    description: str = Field(default="", max_length=2000)


class CameraGroupPatch(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    description: str | None = Field(default=None, max_length=2000)


class CameraGroupOut(BaseModel):
    id: int
    name: str
    description: str
    camera_ids: list[int] = Field(description="Ids of the cameras in it, ascending")
    created_at: datetime


class CamerasIn(Strict):
    model_config = ConfigDict(extra="forbid", strict=True)

    camera_ids: list[int] = Field(description="All cameras; replaces the current ones")


class GrantSourceOut(BaseModel):
    kind: Literal["user", "group"] = Field(description="The user's own grant, or a group's")
    group_id: int | None
    group_name: str | None
    camera_group_id: int | None = Field(description="Null when the grant names the camera")
    camera_group_name: str | None
    operations: list[str]
    playback_window_hours: int | None


class CameraPermissionOut(BaseModel):
    camera_id: int
    camera_name: str
    operations: list[str] = Field(description="Everything the grants allow together")
    playback_window_hours: int | None = Field(
        description="How far back playback reaches; null: unlimited, or playback not allowed"
    )
    export_window_hours: int | None = Field(
        description="How far back export reaches; null: unlimited, or export not allowed"
    )
    via: list[GrantSourceOut] = Field(description="The grants that reach the user here")


class PermissionsOut(BaseModel):
    user_id: int
    admin: bool = Field(description="An administrator may do everything, without grants")
    cameras: list[CameraPermissionOut]


class AuditEventOut(BaseModel):
    id: int
    occurred_at: datetime
    actor: str
    action: str
    camera_id: int | None
    detail: dict[str, Any]
