"""Request and response bodies of the HTTP API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Health(BaseModel):
    status: str = Field(examples=["ok"])


class LoginRequest(Strict):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class LoginResponse(BaseModel):
    token: str = Field(description="Send as `Authorization: Bearer <token>`")
    username: str
    role: str
    expires_in: int = Field(description="Seconds until the session expires")


class Me(BaseModel):
    username: str
    role: str


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
    retention_days: int = Field(default=7, ge=1, le=3650)
    masks: list[dict[str, Any]] = Field(
        default_factory=list, description=MASKS_DESCRIPTION, examples=[MASKS_EXAMPLE]
    )


class CameraPatch(Strict):
    masks: list[dict[str, Any]] | None = Field(
        default=None,
        description=MASKS_DESCRIPTION + " The list replaces all current masks; [] removes them.",
        examples=[MASKS_EXAMPLE],
    )


class CameraOut(BaseModel):
    id: int
    name: str
    source: str = Field(description="The source URL with any password replaced by ***")
    retention_days: int
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


class RecordingOut(BaseModel):
    id: int
    start: datetime
    end: datetime
    bytes: int
    sha256: str
    width: int
    height: int
    frame_count: int
    mask_version: int = Field(description="The mask version that produced this segment")


class ErrorOut(BaseModel):
    detail: str
